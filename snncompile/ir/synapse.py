"""What a synapse is, once: the common trait of every weighted linear map.

A synapse node (float ``Linear``/``Conv1d``/``Conv2d``/``Conv3d`` or integer
``FixedLinear``/``FixedConv2d``) maps its input ``x`` to ``y = W ⊛ x (+ b)`` where ``⊛`` is
its ``operator``:

- ``"linear"``: dense over the last axis, ``W`` of shape (out, in);
- ``"conv1d"`` / ``"conv2d"`` / ``"conv3d"``: PyTorch cross-correlation, ``W`` of shape
  (C_out, C_in / groups, *kernel), with the node's stride, padding, dilation, groups.

Per-synapse delays (``delays``, an integer array of the weight's shape, or None for
none; float ``Linear``/``Conv*`` and ``FixedLinear``) delay each weight's input on its
own: with ``D`` the delays, the synapse computes at step ``t``
``y[t] = Σ_d W_d ⊛ x[t - d] (+ b)`` where ``W_d = W · [D = d]`` keeps the weights of
delay ``d`` (``x`` is 0 before step 0; the bias is not delayed). For a Linear that is
``y_i[t] = Σ_j W_ij x_j[t - D_ij] + b_i``. :meth:`Synapse.synapse_delays` answers for
every kind.

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

    def synapse_delays(self) -> np.ndarray | None:
        """The per-synapse delays in steps (the weight's shape), or None (kinds without
        the field, or no delays)."""
        return getattr(self, "delays", None)

    def max_delay(self) -> int:
        """The largest per-synapse delay (0 without delays)."""
        delays = self.synapse_delays()
        return int(delays.max()) if delays is not None and delays.size else 0

    def delay_groups(self) -> list[tuple[int, np.ndarray]]:
        """``(d, W_d)`` for every distinct delay ``d`` (ascending), ``W_d = W · [D = d]``
        (the stored weights); ``[(0, W)]`` without delays."""
        delays = self.synapse_delays()
        if delays is None:
            return [(0, self.weight)]
        return [(int(d), np.where(delays == d, self.weight, 0)) for d in np.unique(delays)]

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


def as_delays(value: Any) -> np.ndarray | None:
    """A ``delays`` field as stored: None, or int64 when every value is a whole number
    (other values are kept as floats for :func:`delay_problems` to report)."""
    if value is None:
        return None
    arr = np.asarray(value)
    if arr.dtype.kind in "iub" or (np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))):
        return arr.astype(np.int64)
    return arr.astype(np.float64)


def delay_problems(delays: np.ndarray | None, weight_shape: tuple[int, ...], limit: int | None = None) -> list[str]:
    """What is wrong with a ``delays`` field: its shape, non-integer or negative values,
    values above ``limit``."""
    if delays is None:
        return []
    if delays.shape != tuple(weight_shape):
        return [f"delays shape {delays.shape} != weight shape {tuple(weight_shape)}"]
    if delays.dtype.kind == "f":
        return ["delays must be whole numbers of steps"]
    if delays.size and delays.min() < 0:
        return [f"delays must be >= 0 steps, found {delays.min()}"]
    if limit is not None and delays.size and delays.max() > limit:
        return [f"delays must lie in [0, {limit}], found up to {delays.max()}"]
    return []


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
