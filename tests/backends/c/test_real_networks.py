"""The two real networks compiled for Cortex-M4 and run as generated C on this machine:
the NIR paper's Braille RNN (subtract reset) and the trained L2MU, on braille7_fold0.
Every output of every sample equals the emulator's, every spike, ``u`` and ``v`` of
every population on a subset; accuracies are the emulator's."""

from pathlib import Path

import numpy as np
import pytest

from snncompile.api import ModelOptions, load_model
from snncompile.compile import build_artifact
from snncompile.emulator import emulate
from snncompile.simulate.backend import get_backend
from snncompile.simulate.result import accuracy
from snncompile.testing.fixed_graphs import compare_runs
from snncompile.zoo.l2mu import load_l2mu

DATA = Path(__file__).resolve().parents[2] / "data"
BRAILLE = DATA / "nir_paper" / "03_rnn" / "braille_noDelay_noBias_subtract.nir"


@pytest.fixture(scope="module")
def fold0():
    d = np.load(DATA / "braille" / "braille7_fold0.npz")
    return d["spikes"].astype(np.int8), d["labels"]


#: accuracy on braille7_fold0 (280 samples), C and emulator alike (docs/mcu.md shows these: tests/docs/test_claims.py)
ACCURACY = {"braille-rnn": 0.971, "l2mu": 0.996}


def networks():
    return {"braille-rnn": lambda: load_model(str(BRAILLE), ModelOptions(reset="subtract")),
            "l2mu": lambda: load_l2mu(DATA / "l2mu")}


@pytest.mark.parametrize("name", ["braille-rnn", "l2mu"])
def test_real_network_as_generated_c_equals_the_emulator(name, fold0):
    x, labels = fold0
    artifact = build_artifact(networks()[name](), "cortex-m4")
    assert set(artifact.lags.values()) == {0}  # synapse_latency 0: the float timing, no lag
    c_backend = get_backend("c")
    emu, c = emulate(artifact.fixed, x), c_backend.run(artifact.fixed, x)
    assert np.array_equal(emu.output(), c.output())
    assert accuracy(c.output(), labels) == pytest.approx(ACCURACY[name], abs=5e-4)
    record = dict(record="all", membranes="neurons", currents="neurons")
    part = x[:6]
    assert compare_runs(emulate(artifact.fixed, part, **record), c_backend.run(artifact.fixed, part, **record),
                        artifact.fixed) == []
