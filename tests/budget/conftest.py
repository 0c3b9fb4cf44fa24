from pathlib import Path

import numpy as np
import pytest

from snncompile.interop.nir import read_nir

DATA = Path(__file__).parents[1] / "data"

#: the NIR paper's two Braille graphs, as their paper's reset semantics read them
BRAILLE = {
    "zero": ("braille_noDelay_bias_zero", "zero", "immediate"),
    "subtract": ("braille_noDelay_noBias_subtract", "subtract", "delayed"),
}


def braille(which):
    name, reset, timing = BRAILLE[which]
    return read_nir(DATA / f"nir_paper/03_rnn/{name}.nir", dt=1e-4, reset=reset, reset_timing=timing)


@pytest.fixture(scope="module")
def spikes():
    data = np.load(DATA / "braille/braille7_fold0.npz")
    return data["spikes"].astype(np.float64), data["labels"]
