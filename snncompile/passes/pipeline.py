"""A pipeline is a plain list of named Graph → Graph functions.

``run_pipeline`` applies them in order and (by default) validates the graph after each
one, so a broken pass is named in the error instead of surfacing three passes later.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from snncompile.errors import GraphError, SnnCompileError
from snncompile.ir import Graph


class PassError(GraphError):
    """A pass produced an invalid graph (or rejected its input); names the pass."""


@dataclass(frozen=True)
class Pass:
    """``fn`` maps a graph to a new graph (never mutating its input); ``name`` is what
    errors and logs call it."""

    name: str
    fn: Callable[[Graph], Graph]

    def __call__(self, graph: Graph) -> Graph:
        return self.fn(graph)


def run_pipeline(graph: Graph, passes: Sequence[Pass], validate: bool = True) -> Graph:
    """Apply ``passes`` in order. With ``validate``, check the input and every result;
    any SnnCompileError is re-raised as a PassError naming the pass that failed."""
    if validate:
        graph.validate()
    for p in passes:
        try:
            graph = p(graph)
            if validate:
                graph.validate()
        except PassError:
            raise
        except SnnCompileError as exc:
            raise PassError(f"pass '{p.name}': {exc}") from None
    return graph
