"""The Python API: load_model takes the choices a file does not carry as keywords, and
its errors name Python parameters, never CLI flags."""

from pathlib import Path

import numpy as np
import pytest

from snncompile.api import ModelOptions, load_model, model_options
from snncompile.errors import InputError
from snncompile.ir import Graph, Input, Linear, Output, save_graph
from snncompile.passes.quantize import QuantizeOptions

ROOT = Path(__file__).resolve().parents[1]
FACTORY = f"{ROOT}/examples/models.py:braille_snntorch"
WEIGHTS = ROOT / "examples" / "braille_snntorch.pt"


def test_load_model_takes_weights_and_input_shape_as_keywords():
    graph = load_model(FACTORY, weights=WEIGHTS, input_shape=(12,))
    same = load_model(FACTORY, ModelOptions(weights=str(WEIGHTS), input_shape=(12,)))
    assert list(graph.nodes) == list(same.nodes)
    w = next(n for n in graph.nodes.values() if isinstance(n, Linear)).weight
    assert np.array_equal(w, next(n for n in same.nodes.values() if isinstance(n, Linear)).weight)
    untrained = load_model(FACTORY, input_shape=12)  # an int is a 1-d shape
    assert not np.array_equal(w, next(n for n in untrained.nodes.values() if isinstance(n, Linear)).weight)


def test_keywords_override_an_options_object_and_unknown_keywords_are_named():
    assert model_options(ModelOptions(dt=1e-3), reset="subtract") == ModelOptions(dt=1e-3, reset="subtract")
    with pytest.raises(InputError, match=r"unknown model option\(s\) wieghts=; known: comparator=, dialect=, "):
        load_model(FACTORY, wieghts=WEIGHTS)


def api_error(call) -> InputError:
    with pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert "--" not in message, message  # Python, not CLI flags
    return info.value


def test_api_errors_name_parameters_not_flags(tmp_path):
    err = api_error(lambda: load_model(FACTORY))
    assert "pass input_shape=SHAPE" in str(err) and err.options == ("input_shape",)
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=np.ones((2, 2))))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "y")
    save_graph(g, tmp_path / "m.snnir")
    err = api_error(lambda: load_model(str(tmp_path / "m.snnir"), dt=1e-4))
    assert "fixes its dt (0.001 s); dt=0.0001 cannot change it" in str(err) and err.options == ("dt",)
    err = api_error(lambda: load_model(str(tmp_path / "m.snnir"), comparator=">="))
    assert "comparator= only apply to NIR models" in str(err)
    (tmp_path / "w.pt").write_bytes(b"not really")
    err = api_error(lambda: load_model(str(tmp_path / "w.pt")))
    assert "as file.py:factory with weights=FILE" in str(err)
    err = api_error(lambda: QuantizeOptions(weight_split=4, weight_bits=20))
    assert "weight_split=4: must be 1, 2 or 3; weight_bits=20: must be in 1..16" in str(err)
    assert err.options == ("weight_split", "weight_bits")
