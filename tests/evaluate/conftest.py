"""The NIR paper's Braille RNN (subtract reset, as trained) on braille7_fold0, written as
a directory of .npz shards of uneven sizes; and its loihi2 artifact (Loihi 1's descriptor
allows only a zero reset, so compile refuses this network for it)."""

from pathlib import Path

import numpy as np
import pytest

from snncompile.api import ModelOptions, load_model
from snncompile.compile import build_artifact

DATA = Path(__file__).resolve().parents[1] / "data"
GRAPH = DATA / "nir_paper" / "03_rnn" / "braille_noDelay_noBias_subtract.nir"
SHARDS = (100, 60, 90, 30)


@pytest.fixture(scope="session")
def braille_graph():
    return load_model(str(GRAPH), ModelOptions(reset="subtract", reset_timing="delayed"))


@pytest.fixture(scope="session")
def braille_arrays():
    with np.load(DATA / "braille" / "braille7_fold0.npz") as d:
        return d["spikes"], d["labels"], d["classes"]


@pytest.fixture(scope="session")
def braille_shards(tmp_path_factory, braille_arrays):
    x, y, classes = braille_arrays
    folder = tmp_path_factory.mktemp("braille_shards")
    start = 0
    for i, n in enumerate(SHARDS):
        np.savez_compressed(folder / f"part{i}.npz", input=x[start:start + n], labels=y[start:start + n],
                            classes=classes)
        start += n
    assert start == len(x)
    return folder


@pytest.fixture(scope="session")
def braille_artifact(braille_graph, braille_arrays):
    x = braille_arrays[0][:64].astype(np.float64)
    return build_artifact(braille_graph, "loihi2", calibrate=x)


def numbers(evaluation) -> dict:
    """An evaluation's results without how it was run (workers, tasks)."""
    return {k: v for k, v in evaluation.to_dict().items() if k not in ("workers", "chunks")}


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    from snncompile.cli.main import main

    def run(*argv):
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One torch thread, as Ray workers run: on a busy 2-core machine two threads make
    the reference backend 20x slower (the numbers are the same, which the tests check)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
