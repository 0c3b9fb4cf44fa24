"""What a codec sees besides the node: its name, the time step and the semantic choices
(import), or its shapes and the hints it leaves (export)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from snncompile.errors import InputError
from snncompile.interop.nir.semantics import DISCRETIZATIONS, resolve, stated
from snncompile.ir import Node, Reset, ResetTiming, Shape


def steps_of(seconds: Any, dt: float, where: str) -> int:
    """A duration in seconds as a whole number of steps of ``dt`` (InputError otherwise)."""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        raise InputError(f"{where}: refractory_time {seconds!r} is not a number of seconds") from None
    steps = value / dt
    whole = round(steps)
    if not np.isfinite(steps) or whole < 0 or abs(steps - whole) > 1e-6 * max(1.0, abs(whole)):
        raise InputError(f"{where}: refractory_time {value:g} s is {steps:g} steps of dt={dt:g} s; "
                         "expected a whole number of steps >= 0")
    return int(whole)


@dataclass
class ReadContext:
    """Import of one node. ``explicit`` holds read_nir's arguments (None = not given);
    ``hints`` the node's snncompile metadata, ``graph_hints`` the top graph's,
    ``defaults`` the exporter dialect's choices (:mod:`.dialects`)."""

    name: str
    source: str
    dt: float
    discretization: str
    explicit: dict[str, Any]
    hints: dict[str, Any]
    graph_hints: dict[str, Any]
    defaults: dict[str, Any] = field(default_factory=dict)
    #: the choices that fell back to semantics.DEFAULTS (shared by a file's nodes: one warning each)
    assumed: set[str] = field(default_factory=set)
    #: the node lies on a cycle of the graph (a recurrent population)
    cyclic: bool = False

    def choice(self, key: str) -> Any:
        found = (self.explicit.get(key), self.hints, self.graph_hints, self.defaults)
        if not stated(key, *found):
            self.assumed.add(key)
        return resolve(key, *found, source=self.source)

    def decay(self, tau: np.ndarray) -> np.ndarray:
        """Per-step decay of a continuous time constant (see semantics.DISCRETIZATIONS)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return DISCRETIZATIONS[self.discretization][0](np.asarray(tau, dtype=np.float64), self.dt)

    def spike_fields(self, n: Any) -> dict[str, Any]:
        """threshold, v_reset and the choices NIR cannot store (reset, its timing, the
        comparator and the refractory period)."""
        fields = {
            "threshold": np.asarray(n.v_threshold, dtype=np.float64),
            "v_reset": np.asarray(n.v_reset, dtype=np.float64),
            "reset": self.choice("reset"),
            "reset_timing": self.choice("reset_timing"),
            "comparator": self.choice("comparator"),
        }
        fields["refractory"] = self.refractory(n, fields["reset"], fields["reset_timing"])
        return fields

    def refractory(self, n: Any, reset: Reset, timing: ResetTiming) -> int:
        """Steps: the node's ``refractory_time`` hint (seconds, a whole number of steps
        of dt), else what the exporter's dialect means for this node and reset
        (``zero_reset_refractory``), else 0 (plain NIR has no refractory period)."""
        if "refractory_time" in self.hints:
            return steps_of(self.hints["refractory_time"], self.dt, f"{self.source}: node '{self.name}'")
        rule = self.defaults.get("zero_reset_refractory")
        if rule is not None and reset is Reset.ZERO and timing is ResetTiming.DELAYED:
            return int(rule(n, self.cyclic))
        return 0


@dataclass
class WriteContext:
    """Export of one node; ``in_shape``/``out_shape`` are per-sample shapes."""

    name: str
    node: Node
    dt: float
    discretization: str
    in_shape: Shape
    out_shape: Shape
    hints: dict[str, Any] = field(default_factory=dict)

    def tau(self, decay: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return DISCRETIZATIONS[self.discretization][1](np.asarray(decay, dtype=np.float64), self.dt)

    def full(self, field: str, value: np.ndarray, shape: Shape) -> np.ndarray:
        """``value`` (computed from the node's ``field``) broadcast to ``shape``: NIR needs
        full-size arrays (0-d ones break its type checking). The field's own shape is
        kept as a hint so the way back restores it."""
        own = np.shape(getattr(self.node, field))
        if own != tuple(shape):
            self.hints.setdefault("shapes", {})[field] = list(own)
        return np.array(np.broadcast_to(np.asarray(value), shape))


#: How closely float coefficients survive IR -> NIR -> IR (see docs/nir.md): computing
#: tau = dt / (1 - decay) and back loses up to log10(tau/dt) of float64's 16 digits.
ROUND_TRIP_RTOL, ROUND_TRIP_ATOL = 1e-9, 1e-12


def unbroadcast(value: np.ndarray, shape: Shape) -> np.ndarray:
    """The inverse of :meth:`WriteContext.full` when ``value`` is constant along the
    broadcast axes (to the round-trip tolerance: a bias written as v_leak = bias / (1 -
    decay) with per-neuron decay comes back with rounding differences); otherwise
    ``value`` unchanged (the file was edited: keep its data)."""
    value = np.asarray(value)
    shape = tuple(shape)
    if len(shape) > value.ndim:
        return value
    lead = value.ndim - len(shape)
    index = tuple(0 if i < lead else (slice(0, 1) if shape[i - lead] == 1 else slice(None)) for i in range(value.ndim))
    try:
        reduced = value[index].reshape(shape)
    except ValueError:
        return value
    same = np.allclose(np.broadcast_to(reduced, value.shape), value, rtol=ROUND_TRIP_RTOL, atol=ROUND_TRIP_ATOL)
    return reduced if same else value
