"""Every NIR neuron read from a file behaves as NIR's own equations say, integrated by a
numpy loop written here from the NIR specification (not from snncompile's conversion):
a mistake made the same way in the reader and the writer survives every round trip, but
not this.

NIR (neuromorphs/NIR, ``nir/ir/neuron.py`` docstrings), forward Euler with step ``dt``:

- LI:      tau dv/dt = (v_leak - v) + r I
- LIF:     as LI; spike when v > v_threshold, then v = v_reset
- CubaLI:  tau_syn dI/dt = -I + w_in x;  tau_mem dv/dt = (v_leak - v) + r I
- CubaLIF: as CubaLI; spike and reset as LIF
- IF, I:   dv/dt = r x, read as charge per step (v += r x; docs/nir.md explains why)

Parameters are deliberately unlike any framework's (v_leak != 0, r != 1, w_in != 1,
per-neuron values), so a conversion that drops or doubles any of them shows.
"""

from __future__ import annotations

import nir
import numpy as np
import pytest

from snncompile.interop.nir import read_nir
from snncompile.simulate import simulate

DT, N, STEPS = 1e-3, 3, 60
TAU = np.array([4e-3, 6e-3, 9e-3])
TAU_SYN = np.array([3e-3, 5e-3, 2e-3])
R = np.array([1.5, 0.7, 2.0])
V_LEAK = np.array([0.3, -0.2, 0.1])
W_IN = np.array([2.0, 0.5, 1.2])
THRESHOLD = np.array([0.8, 0.5, 1.1])
V_RESET = np.array([-0.1, 0.0, 0.2])


def euler(kind: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(v after any reset, spikes) per step, from NIR's equations."""
    batch = x.shape[0]
    v, i = np.zeros((batch, N)), np.zeros((batch, N))
    vs, ss = [], []
    for t in range(x.shape[1]):
        drive = x[:, t]
        if kind.startswith("Cuba"):
            i = i + DT / TAU_SYN * (-i + W_IN * drive)
            drive = i
        if kind in ("IF", "I"):
            v = v + R * drive
        else:
            v = v + DT / TAU * ((V_LEAK - v) + R * drive)
        spikes = np.zeros_like(v)
        if kind in ("LIF", "CubaLIF", "IF"):
            spikes = (v > THRESHOLD).astype(float)
            v = np.where(spikes > 0, V_RESET, v)
        vs.append(v.copy())
        ss.append(spikes)
    return np.stack(vs, 1), np.stack(ss, 1)


NEURONS = {
    "LI": lambda: nir.LI(tau=TAU, r=R, v_leak=V_LEAK),
    "LIF": lambda: nir.LIF(tau=TAU, r=R, v_leak=V_LEAK, v_threshold=THRESHOLD, v_reset=V_RESET),
    "CubaLI": lambda: nir.CubaLI(tau_syn=TAU_SYN, tau_mem=TAU, r=R, v_leak=V_LEAK, w_in=W_IN),
    "CubaLIF": lambda: nir.CubaLIF(tau_syn=TAU_SYN, tau_mem=TAU, r=R, v_leak=V_LEAK, v_threshold=THRESHOLD,
                                   v_reset=V_RESET, w_in=W_IN),
    "IF": lambda: nir.IF(r=R, v_threshold=THRESHOLD, v_reset=V_RESET),
    "I": lambda: nir.I(r=R),
}


@pytest.mark.parametrize("kind", list(NEURONS))
def test_read_neuron_follows_nirs_equations(kind, tmp_path):
    path = tmp_path / f"{kind}.nir"
    nir.write(path, nir.NIRGraph.from_list(NEURONS[kind]()))
    graph = read_nir(path, dt=DT, discretization="euler")
    (name,) = [n for n, node in graph.items() if node.kind not in ("Input", "Output")]
    scale = 0.3 if kind in ("IF", "I") else 1.0
    x = np.random.default_rng(5).random((2, STEPS, N)) * scale
    result = simulate(graph, x, record=[name], membranes=[name])
    v, spikes = euler(kind, x)
    np.testing.assert_allclose(result.membranes[name], v, rtol=0, atol=1e-9)
    if kind in ("LIF", "CubaLIF", "IF"):
        assert 0 < spikes.sum() < spikes.size  # threshold and reset are exercised
        np.testing.assert_array_equal(result.recorded[name], spikes)


@pytest.mark.parametrize("kind", list(NEURONS))
def test_written_parameters_are_the_ones_read(kind, tmp_path):
    """With the reader checked against NIR's equations above, writing back the very
    parameters that were read checks the writer against them too."""
    from snncompile.interop.nir import to_nir

    original = NEURONS[kind]()
    graph = read_nir(nir.NIRGraph.from_list(original), dt=DT, discretization="euler")
    (written,) = [node for node in to_nir(graph).nodes.values() if type(node) is type(original)]
    for field in ("tau", "tau_syn", "tau_mem", "r", "v_leak", "w_in", "v_threshold", "v_reset"):
        if hasattr(original, field):
            np.testing.assert_allclose(getattr(written, field), getattr(original, field), rtol=1e-9, err_msg=field)
