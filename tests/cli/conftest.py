import numpy as np
import pytest

from snncompile.cli.main import main
from snncompile.ir import LIF, Graph, Input, Linear, Output, save_graph


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""

    def run(*argv: str):
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def ir_model(tmp_path):
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.full((2, 3), 0.6)))
    g.add("lif", LIF(shape=(2,), decay=0.9))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    path = tmp_path / "model.snnir"
    save_graph(g, path)
    return path


@pytest.fixture
def input_file(tmp_path):
    path = tmp_path / "in.npz"
    x = np.zeros((4, 10, 3), dtype=np.float32)
    x[:2] = 1.0
    np.savez(path, input=x, labels=np.array([0, 0, 1, 1]))
    return path
