"""What is legal but suspicious in a graph read from a file: refused or warned about,
never run silently (docs/robustness.md, "Suspicious but legal").

Each rule is declared once here (name, action, why) and applied to every model a file
gives (:func:`check_suspicious`, called by the model and artifact loaders):

- ``duplicate-edge`` (refuse): two edges with the same source, destination, delay and
  operand into a node that is not an ``Add``. Every node sums its incoming edges, so a
  duplicate doubles that input; writers never produce one by intent (an ``Add`` of a
  value with itself is the explicit way);
- ``infinite-threshold`` (warn): a spiking neuron with threshold +inf never spikes, one
  with -inf spikes every step (quantization refuses both: no integer holds them).

Rules that a reader applies before a graph exists, listed in the same document: complex
values (refused by every reader: parameters and inputs are real), an artifact whose
stored graphs do not match their digests (refused), an artifact without digests (read,
with a warning).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from snncompile.errors import InputError
from snncompile.ir.graph import Graph
from snncompile.ir.neurons import SpikingNeuron

Check = Callable[[Graph], list[str]]


@dataclass(frozen=True)
class Rule:
    name: str
    action: str  # "refuse" or "warn"
    why: str
    check: Check


#: rule name -> rule
RULES: dict[str, Rule] = {}


def rule(name: str, action: str, why: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        RULES[name] = Rule(name, action, why, fn)
        return fn

    return register


@rule("duplicate-edge", "refuse", "a node sums its incoming edges, so a duplicated edge doubles that input")
def duplicate_edges(graph: Graph) -> list[str]:
    counts = Counter(e.key() for e in graph.edges)
    return [f"edge {src} -> {dst}{f' (delay {d})' if d else ''}{f' operand {p}' if p else ''} appears {n} times"
            for (src, dst, d, p), n in counts.items() if n > 1 and graph.nodes.get(dst) is not None
            and graph.nodes[dst].kind != "Add"]


@rule("infinite-threshold", "warn", "a threshold of +inf never fires and -inf fires every step")
def infinite_thresholds(graph: Graph) -> list[str]:
    found = []
    for name, node in graph.items():
        threshold = getattr(node, "threshold", None)
        if isinstance(node, SpikingNeuron) and threshold is not None and np.any(np.isinf(threshold)):
            signs = sorted({"+inf" if v > 0 else "-inf" for v in np.asarray(threshold).ravel() if np.isinf(v)})
            found.append(f"node '{name}' ({node.kind}) has threshold {'/'.join(signs)}")
    return found


def check_suspicious(graph: Graph, source: str) -> Graph:
    """Apply every rule to ``graph`` (read from ``source``): raise an InputError for the
    first refusing rule that finds something, warn for the others."""
    for r in RULES.values():
        found = r.check(graph)
        if not found:
            continue
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        message = f"{source}: {found[0]}{more}: {r.why} (rule '{r.name}', docs/robustness.md)"
        if r.action == "refuse":
            raise InputError(message)
        warnings.warn(message, stacklevel=2)
    return graph
