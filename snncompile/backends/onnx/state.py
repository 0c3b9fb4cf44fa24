"""The explicit state of an exported step function: one slot per state tensor.

A slot is read from the graph input ``state.<node>.<field>`` and written to the graph
output ``state.<node>.<field>.next``; both are float32 of shape ``(batch, *shape)``.
Fields:

- ``v``: membrane of a neuron node after the step (post-reset for IMMEDIATE reset
  timing, pre-reset for DELAYED: what the reference records as the membrane);
- ``i``: synaptic current of a Cuba neuron (CubaLIF, CubaLI);
- ``s``: spikes of the previous step, for a spiking neuron with DELAYED reset timing and
  a reset (its reset is applied in the next step);
- ``fifo``: the last ``d`` outputs of a node that is the source of edges with delay
  ``>= 1`` (``d`` = its longest such delay), shape ``(batch, d, *out_shape)``; index
  ``k - 1`` holds the output of ``k`` steps ago, so an edge with delay ``k`` reads slot
  ``k - 1`` and the update shifts everything by one;
- ``buffer``: the last ``D`` inputs of a Delay node (``D`` = its largest delay), same
  layout as ``fifo``.

Every slot starts at zero (the reference simulator's initial state).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from snncompile.ir import Shape

PREFIX = "state."
NEXT_SUFFIX = ".next"


@dataclass(frozen=True)
class StateSlot:
    """One state tensor: ``name`` is the graph input, ``next_name`` the graph output."""

    node: str
    field: str
    shape: Shape
    doc: str

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.node}.{self.field}"

    @property
    def next_name(self) -> str:
        return self.name + NEXT_SUFFIX

    def to_json(self) -> dict:
        return {**asdict(self), "shape": list(self.shape), "name": self.name, "next": self.next_name}


class StateTable:
    """The slots of one export, in the order they become graph inputs and outputs.
    ``reserve`` claims each slot's two value names (it raises on a clash)."""

    def __init__(self, reserve: Callable[[str], str]) -> None:
        self.slots: list[StateSlot] = []
        self._reserve = reserve

    def add(self, node: str, field: str, shape: Shape, doc: str) -> StateSlot:
        slot = StateSlot(node, field, tuple(int(d) for d in shape), doc)
        self._reserve(slot.name)
        self._reserve(slot.next_name)
        self.slots.append(slot)
        return slot
