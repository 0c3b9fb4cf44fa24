from pathlib import Path

import numpy as np
import pytest

LIF_DIR = Path(__file__).resolve().parents[2] / "data" / "nir_paper" / "01_lif"


@pytest.fixture(scope="session")
def lava_cpu_trace() -> np.ndarray:
    """(1000, 3): input spike, raw v, output spike of the NIR paper LIF on Lava fixed_pt."""
    return np.loadtxt(LIF_DIR / "lif_lava_cpu_fixed.csv", delimiter=",")
