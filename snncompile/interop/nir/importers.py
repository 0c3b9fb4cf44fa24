"""What each framework's NIR *importer* runs, so that ``write_nir(graph, path,
dialect="snntorch")`` (CLI ``export --to nir --for snntorch``) writes a file that importer
reads as the same network, and warns, naming the field, wherever the importer drops
something the graph needs.

An :class:`Importer` fixes the time step and discretisation the importer assumes (the
per-step coefficients are written as time constants at *its* dt, so its own conversion
gives them back), may adjust the written NIR nodes (``fixes``: e.g. SpikingJelly wants
IF's ``r = 1/dt``), and lists what it drops (:class:`Drop`): a field whose value in the
graph differs from what the importer always runs. Each entry names the importer's source
lines it was read from. The agreement is measured by tests/interop/nir/test_importers.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import nir
import numpy as np

from snncompile.errors import InputError
from snncompile.ir import (
    IF,
    LI,
    LIF,
    Comparator,
    CubaLI,
    CubaLIF,
    Integrator,
    Node,
    Reset,
    ResetTiming,
)


@dataclass(frozen=True)
class Drop:
    """``field`` of the node kinds ``kinds`` is lost unless ``kept(node)``; the importer
    runs ``instead``."""

    field: str
    kinds: tuple[type, ...]
    kept: Callable[[Any], bool]
    instead: str


@dataclass(frozen=True)
class Importer:
    name: str
    reader: str
    dt: float | None  # None: the graph's own dt (the importer takes it as an argument)
    discretization: str
    drops: tuple[Drop, ...]
    fixes: Mapping[type, Callable[[Any, float], dict[str, Any]]] = field(default_factory=dict)


def _all(value: Any, target: Any) -> bool:
    """Equal up to float rounding (the values come from tau and back)."""
    return bool(np.allclose(np.asarray(value, dtype=np.float64), target, rtol=1e-12, atol=1e-15))


def _uniform(value: Any) -> bool:
    return np.unique(np.asarray(value, dtype=np.float64)).size <= 1


def _leak(node: Any) -> np.ndarray:
    return 1.0 - np.asarray(node.decay, dtype=np.float64)


SPIKING = (LIF, CubaLIF, IF)


def _snntorch_threshold(n: Any) -> bool:
    """snnTorch folds the input gain into the threshold (LIF: by the first unique gain)."""
    scale = n.syn_gain if isinstance(n, CubaLIF) else n.gain
    return _uniform(np.asarray(n.threshold) / np.asarray(scale)) and (isinstance(n, CubaLIF) or _uniform(scale))
NEURONS = (LIF, CubaLIF, IF, LI, CubaLI, Integrator)


def _spiking(reset: Reset, timing: ResetTiming, comparator: Comparator) -> tuple[Drop, ...]:
    return (
        Drop("reset", SPIKING, lambda n: n.reset is reset, f"reset={reset.value}"),
        Drop("reset_timing", SPIKING, lambda n: n.reset_timing is timing, f"reset_timing={timing.value}"),
        Drop("comparator", SPIKING, lambda n: n.comparator is comparator, f"comparator '{comparator.value}'"),
    )


IMPORTERS: dict[str, Importer] = {}


def importer(spec: Importer) -> Importer:
    IMPORTERS[spec.name] = spec
    return spec


importer(Importer(
    "snntorch", "snnTorch 1.0.0 snntorch.import_nir.import_from_nir (_nir_to_snntorch_module: `dt = 1e-4`, "
    "`snn.Leaky(beta=1 - dt/tau, threshold=vthr / w_scale, reset_mechanism='zero', reset_delay=False)`)",
    1e-4, "euler",
    (*_spiking(Reset.ZERO, ResetTiming.IMMEDIATE, Comparator.GT),
     Drop("v_reset", SPIKING, lambda n: _all(n.v_reset, 0), "v_reset=0"),
     Drop("bias", (LIF, CubaLIF), lambda n: _all(n.bias, 0), "no bias (it asserts v_leak == 0)"),
     Drop("threshold", (LIF, CubaLIF), lambda n: _snntorch_threshold(n),
          "one threshold per layer (threshold / input gain must be one value, and LIF's gain too)"),
     Drop("gain", (CubaLIF,), lambda n: _all(n.gain, 1.0), "gain 1 (it asserts r == tau_mem / dt)"),
     Drop("IF", (IF,), lambda n: False, "IF as snn.Leaky(beta=0.9): a leaky neuron (snntorch#416)"),
     Drop("kind", (LI, CubaLI, Integrator), lambda n: False, "nothing (no LI / CubaLI / I import)")),
))

importer(Importer(
    "norse", "Norse 1.1.0 norse.torch.from_nir (_import_norse_module: LIF -> LIFBoxCell(tau_mem_inv=1/tau, v_th, "
    "v_leak), CubaLIF -> w_in * LIBoxCell(tau_syn, v_leak) -> r * LIFBoxCell, IF -> IAFCell(v_th); from_nir(dt=1e-3))",
    1e-3, "euler",
    (*_spiking(Reset.ZERO, ResetTiming.IMMEDIATE, Comparator.GT),
     Drop("v_reset", SPIKING, lambda n: _all(n.v_reset, 0), "v_reset=0 (its parameters' default; the file's is ignored)"),
     Drop("gain", (LIF, IF), lambda n: _all(n.gain, _leak(n) if isinstance(n, LIF) else 1.0),
          "r = 1 (r is ignored, with a logged warning)"),
     Drop("bias", (LIF, CubaLIF), lambda n: _all(n.bias, 0),
          "v starting at v_leak (and v_leak also in the synapse of CubaLIF)"),
     Drop("kind", (CubaLI, Integrator), lambda n: False, "nothing (no CubaLI / I import)")),
))

importer(Importer(
    "sinabs", "sinabs 3.1.3 sinabs.from_nir (_import_sinabs_module: IF -> IAFSqueeze(min_v_mem=-v_threshold), "
    "LIF -> LIFSqueeze(tau_mem=node.tau, norm_input=False); both MultiSpike with MembraneSubtract)",
    1.0, "exact",
    (*_spiking(Reset.SUBTRACT, ResetTiming.IMMEDIATE, Comparator.GE),
     Drop("gain", (LIF, IF), lambda n: _all(n.gain, 1.0), "gain 1 (r is ignored; norm_input=False)"),
     Drop("bias", (LIF, IF), lambda n: _all(n.bias, 0), "no bias (it raises on v_leak != 0)"),
     Drop("spikes per step", SPIKING, lambda n: False,
          "MultiSpike (floor(v / threshold) spikes when v >= 2 threshold) and, for IF, a membrane floor at "
          "-threshold: equal only while v stays in [-threshold, 2 threshold)"),
     Drop("kind", (CubaLIF, CubaLI, Integrator), lambda n: False, "nothing (no CubaLIF / CubaLI / I import)")),
))


def _sj_if(node: Any, dt: float) -> dict[str, Any]:
    """SpikingJelly's importer wants IF's r = 1/dt (strict Euler): r / dt."""
    return {"r": np.asarray(node.r, dtype=np.float64) / dt}


importer(Importer(
    "spikingjelly", "SpikingJelly 2.0.0 nir_exchange.from_nir (_NodeMapper: IF needs r == 1/dt, LIF r == 1 or "
    "tau/dt and v_leak == v_reset, uniform parameters; IFNode / LIFNode hard reset, '>=')",
    1e-4, "euler",
    (*_spiking(Reset.ZERO, ResetTiming.IMMEDIATE, Comparator.GE),
     Drop("gain", (IF,), lambda n: _all(n.gain, 1.0), "gain 1 (it requires r == 1/dt)"),
     Drop("parameters", SPIKING, lambda n: all(_uniform(getattr(n, f)) for f in ("threshold", "v_reset", "decay")
                                               if hasattr(n, f)), "one value per layer (it raises otherwise)"),
     Drop("bias", (LIF,), lambda n: _all(n.bias, _leak(n) * np.asarray(n.v_reset)), "v_leak = v_reset"),
     Drop("kind", (LI, CubaLI, Integrator), lambda n: False, "nothing (no LI / CubaLI / I import)")),
    fixes={nir.IF: _sj_if},
))


def _rockpool_dt(node: Any, dt: float) -> dict[str, Any]:
    """Rockpool's from_nir takes dt = min(tau_mem / (1 + r)) and ignores r otherwise: r =
    tau_mem / dt - 1 gives it the graph's dt back."""
    return {"r": np.asarray(node.tau_mem, dtype=np.float64) / dt - 1.0}


importer(Importer(
    "rockpool", "Rockpool 3.1.0 rockpool.nn.modules.torch.nir.from_nir (_convert_nir_to_rockpool: CubaLIF -> "
    "LIFTorch(tau_mem, tau_syn, threshold, dt=min(tau_mem / (1 + r)), bias=v_leak): isyn = beta (isyn + x), "
    "vmem = alpha vmem + isyn + bias, floor(v / threshold) spikes, subtract)",
    None, "exact",
    (*_spiking(Reset.SUBTRACT, ResetTiming.IMMEDIATE, Comparator.GE),
     Drop("syn_gain", (CubaLIF,), lambda n: bool(np.allclose(n.syn_gain, n.syn_decay)), "syn_gain = syn_decay"),
     Drop("gain", (CubaLIF,), lambda n: _all(n.gain, 1.0), "gain 1"),
     Drop("bias", (CubaLIF,), lambda n: _all(n.bias, 0), "bias = v_leak as written (per step)"),
     Drop("spikes per step", (CubaLIF,), lambda n: False,
          "up to max_spikes_per_dt = 2**16 spikes per step: equal only while v < 2 threshold"),
     Drop("kind", (LIF, IF, CubaLI, Integrator), lambda n: False, "nothing (no LIF / IF / CubaLI / I import)")),
    fixes={nir.CubaLIF: _rockpool_dt},
))


def get_importer(name: str) -> Importer:
    if name not in IMPORTERS:
        raise InputError(f"no NIR importer profile for {name!r}; expected one of {sorted(IMPORTERS)}")
    return IMPORTERS[name]


def dropped(spec: Importer, name: str, node: Node) -> list[str]:
    """One line per field of ``node`` that ``spec``'s importer will not run."""
    out = []
    for drop in spec.drops:
        if isinstance(node, drop.kinds) and not drop.kept(node):
            out.append(f"node '{name}' ({node.kind}): {spec.name}'s importer drops {drop.field}: it runs {drop.instead}")
    return out
