"""The host entry of a mixed graph in a C project: on an MCU there is no separate host,
so the host nodes between the analog (float) inputs and the chip run on the same core,
in the generated C, in double precision (the emulator runs them in float64).

A mixed graph's host part is an *entry* when every host node

- has a C form in double (:data:`snncompile.backends.c.emit_entry.ENTRY_EMITTERS`:
  Linear, Conv1d/Conv2d without delays, ReLU, Scale, Add, Flatten, Reshape, and the
  ``Quantize`` boundary into the chip);
- reads only analog Inputs (Inputs read by host nodes only) or other entry nodes, through
  edges without delay (so the entry at step ``t`` is a function of the analog input of
  step ``t`` alone, computed once per ``snn_set_analog`` call).

Anything else on the host (a LayerNorm, a host readout after the chip, a host op fed by
spikes) is refused by name: run such a graph in process (``simulate --backend c`` or
``emulator``) or compile it for a target with a separate host.
"""

from __future__ import annotations

from snncompile.ir import Graph, Input, Node
from snncompile.ir.host import Quantize
from snncompile.ir.placement import on_host

WAY_OUT = ("run it in process (snncompile simulate MODEL.snnc --backend c, or --backend emulator) "
           "or compile for a target with a separate host")


def is_analog_input(graph: Graph, name: str) -> bool:
    """An Input read only by host nodes: float values (the emulator's rule)."""
    out = graph.outgoing(name)
    return isinstance(graph.nodes[name], Input) and bool(out) and all(on_host(graph.nodes[e.dst]) for e in out)


def is_entry(graph: Graph, name: str) -> bool:
    """Computed in double by ``snn_set_analog`` (an analog Input or a host node other than
    the Quantize boundary, whose integer payloads the chip reads every step)."""
    node = graph.nodes[name]
    if isinstance(node, Input):
        return is_analog_input(graph, name)
    return on_host(node) and not isinstance(node, Quantize)


def entry_problem(graph: Graph, name: str, node: Node) -> str | None:
    """Why the C project cannot compute host node ``name`` (None: it can)."""
    from snncompile.backends.c.emit_entry import ENTRY_EMITTERS

    if type(node) not in ENTRY_EMITTERS:
        return f"a host operation with no C form in the project's entry; {WAY_OUT}"
    if (why := ENTRY_EMITTERS[type(node)].problem(node)) is not None:
        return f"{why}; {WAY_OUT}"
    for e in graph.incoming(name):
        if e.delay:
            return f"reads '{e.src}' through a delay of {e.delay} steps (the entry has no history); {WAY_OUT}"
        if not is_entry(graph, e.src):
            return (f"reads '{e.src}' ({graph.nodes[e.src].kind}), which is not an analog input or host entry "
                    f"node (the project computes host nodes only between the analog inputs and the chip); {WAY_OUT}")
    return None


def entry_problems(graph: Graph) -> dict[str, str]:
    """Every host node the C project cannot compute, with the reason."""
    return {n: why for n, node in graph.items()
            if on_host(node) and not isinstance(node, Input) and (why := entry_problem(graph, n, node))}
