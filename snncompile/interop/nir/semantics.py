"""The discrete-time choices NIR does not store, and how they are resolved.

NIR is continuous time: a file holds ``tau``, ``r``, ``v_leak``..., but neither the time
step, nor the reset mode (NIR only has reset-to-``v_reset``), nor its timing, nor ``>``
versus ``>=``. snncompile needs all of them. Each choice is resolved, per node, as

    explicit argument of read_nir  >  snncompile hint in the file's metadata  >  default

Hints are what :func:`snncompile.interop.nir.write_nir` stores (NIR metadata, which the
NIR spec says no backend may rely on; other tools ignore it). Defaults: ``DEFAULTS``.

Discretisation of ``tau dv/dt = (v_leak - v) + r I`` over one step ``dt``:

- ``euler`` (forward Euler, the NIR paper's choice): ``decay = 1 - dt/tau``
- ``exact`` (zero-order hold): ``decay = exp(-dt/tau)``

and in both ``gain = r (1 - decay)``, ``bias = v_leak (1 - decay)``; Euler's gain is then
``r dt/tau`` and its bias ``v_leak dt/tau``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from snncompile.errors import InputError
from snncompile.ir import DEFAULT_DT, Comparator, Reset, ResetTiming

#: Used when neither the caller nor the file says otherwise.
DEFAULTS: dict[str, Any] = {
    "dt": DEFAULT_DT,
    "reset": Reset.ZERO.value,
    "reset_timing": ResetTiming.IMMEDIATE.value,
    "comparator": Comparator.GT.value,
    "discretization": "euler",
}

#: The metadata key holding snncompile's hints (a JSON string: NIR's HDF5 writer stores
#: strings reliably, nested dicts of lists less so).
HINT_KEY = "snncompile"

Conversion = tuple[Callable[[np.ndarray, float], np.ndarray], Callable[[np.ndarray, float], np.ndarray]]

#: name -> (decay from tau, tau from decay)
DISCRETIZATIONS: dict[str, Conversion] = {
    "euler": (lambda tau, dt: 1.0 - dt / tau, lambda decay, dt: dt / (1.0 - decay)),
    "exact": (lambda tau, dt: np.exp(-dt / tau), lambda decay, dt: -dt / np.log(decay)),
}

_PARSERS: dict[str, Callable[[Any], Any]] = {
    "dt": float,
    "reset": lambda v: Reset(v),
    "reset_timing": lambda v: ResetTiming(v),
    "comparator": lambda v: Comparator(v),
    "discretization": str,
    # a dialect's rule: (nir node, node lies on a cycle) -> refractory steps that the
    # exporter's zero reset with delayed timing means (see ReadContext.refractory)
    "zero_reset_refractory": lambda v: v if callable(v) else _not_callable(v),
}


def _not_callable(value: Any) -> Any:
    raise ValueError(f"{value!r} is not a rule")


def parse_choice(key: str, value: Any, source: str) -> Any:
    """Check one semantic choice; raise InputError naming what is allowed."""
    try:
        parsed = _PARSERS[key](value)
    except ValueError:
        allowed = {
            "reset": [r.value for r in Reset],
            "reset_timing": [t.value for t in ResetTiming],
            "comparator": [c.value for c in Comparator],
        }.get(key, "a number")
        raise InputError(f"{source}: {key}={value!r} is not valid; expected one of {allowed}") from None
    if key == "dt" and not (parsed > 0 and np.isfinite(parsed)):
        raise InputError(f"{source}: dt must be a positive number of seconds, found {value!r}")
    if key == "discretization" and parsed not in DISCRETIZATIONS:
        raise InputError(f"{source}: discretization {value!r} is not one of {sorted(DISCRETIZATIONS)}")
    return parsed


def resolve(key: str, explicit: Any, *hints: dict[str, Any], source: str = "NIR") -> Any:
    """explicit value, else the first hint dict that has ``key``, else the default."""
    if explicit is not None:
        return parse_choice(key, explicit, source)
    for hint in hints:
        if key in hint:
            return parse_choice(key, hint[key], source)
    return parse_choice(key, DEFAULTS[key], source)


def stated(key: str, explicit: Any, *hints: dict[str, Any]) -> bool:
    """Whether the caller or a hint states ``key`` (False: :func:`resolve` takes the default)."""
    return explicit is not None or any(key in hint for hint in hints)


#: the choices whose silent default changes what a file computes, with the flag that states each
WARN_DEFAULTS: dict[str, str] = {
    "dt": "--dt",
    "reset": "--reset",
    "reset_timing": "--reset-timing",
    "comparator": "--comparator",
}


def assumed_defaults(source: str, assumed: set[str]) -> list[str]:
    """One line per choice in ``assumed`` that :data:`WARN_DEFAULTS` lists: the default
    taken and how to state the value instead (a stated value silences it)."""
    def shown(key: str) -> str:
        value = DEFAULTS[key]
        return f"{value:g} s" if key == "dt" else f"'{value}'"

    return [f"{source}: the file does not say its {key}; assumed the default {key}={shown(key)} (state it with "
            f"{flag}, or {key}= in the Python API)" for key, flag in WARN_DEFAULTS.items() if key in assumed]


def read_hints(metadata: Any) -> dict[str, Any]:
    """snncompile's hints from a NIR node's metadata ({} when absent or unreadable)."""
    if not isinstance(metadata, dict) or HINT_KEY not in metadata:
        return {}
    raw = metadata[HINT_KEY]
    if isinstance(raw, bytes):
        raw = raw.decode("utf8")
    try:
        hints = json.loads(str(raw))
    except json.JSONDecodeError:
        return {}
    return hints if isinstance(hints, dict) else {}


def with_hints(node: Any, hints: dict[str, Any]) -> Any:
    """Store ``hints`` in a NIR node's metadata (nothing when empty); returns the node."""
    if hints:
        node.metadata = dict(node.metadata or {})
        node.metadata[HINT_KEY] = json.dumps(hints, sort_keys=True)
    return node
