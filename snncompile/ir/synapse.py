"""What a synapse is, once: the common trait of every weighted linear map.

A synapse node (float ``Linear``/``Conv1d``/``Conv2d``/``Conv3d`` or integer
``FixedLinear``/``FixedConv2d``) maps its input ``x`` to ``y = W ⊛ x (+ b)`` where ``⊛`` is
its ``operator``:

- ``"linear"``: dense over the last axis, ``W`` of shape (out, in);
- ``"conv1d"`` / ``"conv2d"`` / ``"conv3d"``: PyTorch cross-correlation, ``W`` of shape
  (C_out, C_in / groups, *kernel), with the node's stride, padding, dilation, groups.

``weight`` is what is stored; :meth:`Synapse.effective_weight` what is multiplied (an
integer synapse clips and truncates its mantissas the way the chip does, so a weight
quantized to zero counts as no synapse). Passes, the quantizer, the emulator, the Lava
lowering, estimates and mapping all ask this trait instead of listing classes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from snncompile.ir.node import Node, Shape
from snncompile.ir.stage import Stage

if TYPE_CHECKING:
    from snncompile.ir.graph import Graph


@dataclass(eq=False, kw_only=True)
class Synapse(Node):
    """Base of all synapse kinds (see module docstring)."""

    operator: ClassVar[str] = "linear"
    weight: np.ndarray

    def effective_weight(self) -> np.ndarray:
        """The weights the synapse multiplies with (float: as stored)."""
        return self.weight

    def synapse_bias(self) -> np.ndarray | None:
        """The additive bias per output channel, or None (integer synapses have none)."""
        return getattr(self, "bias", None)

    def conv_arguments(self) -> dict[str, Any]:
        """stride, padding, dilation, groups (convolutions only)."""
        return {k: getattr(self, k) for k in ("stride", "padding", "dilation", "groups")}

    def fan_in(self) -> int:
        """Inputs one output sums (dense count: the weight's size per output channel)."""
        return int(math.prod(self.weight.shape[1:])) if self.weight.ndim > 1 else 1

    def connections(self, in_shape: Shape) -> int:
        """Stored (dense) synapses: one weight per (input, output) pair it connects."""
        if self.operator == "linear":
            lead = math.prod(in_shape[:-1]) if len(in_shape) > 1 else 1
            return int(self.weight.size * lead)
        out = self.output_shape(in_shape)
        return int(math.prod(out) * self.fan_in())


def synapse_of(graph: Graph, name: str) -> Synapse:
    """``graph.nodes[name]`` as a synapse (typed access; a TypeError names a wrong kind)."""
    node = graph.nodes[name]
    if not isinstance(node, Synapse):
        raise TypeError(f"node '{name}' ({node.kind}) is not a synapse")
    return node


def is_synapse(node: Node) -> bool:
    return isinstance(node, Synapse)


def is_float_synapse(node: Node) -> bool:
    """A synapse of the float meaning (the quantizer gives it an integer form)."""
    return isinstance(node, Synapse) and type(node).stage is Stage.FLOAT


def is_integer_synapse(node: Node) -> bool:
    return isinstance(node, Synapse) and type(node).stage is Stage.INTEGER
