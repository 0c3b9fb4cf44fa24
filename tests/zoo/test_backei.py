"""Toy F (BackEISNN, BrainCog's own BackEINode) in its three variants: the float graph
against the module, the loihi2 compile against the float graph (issue 8 acceptance), and
what runs where: the gain and Conv_ei on the host, the plain LIF variant fully on chip."""

import pytest

pytest.importorskip("braincog")
pytestmark = pytest.mark.frameworks

from tests.zoo.seeds import SAMPLES, assert_compiled_matches_float, assert_float_matches_module  # noqa: E402

VARIANTS = ["backeisnn", "backeisnn-back", "backeisnn-plain"]


def test_toys_are_trained():
    from snncompile.zoo import data
    from snncompile.zoo.backei import VARIANTS as FILES
    from snncompile.zoo.backei import load_backei
    from snncompile.zoo.stepping import accuracy

    x, y = data.rate_sequence("test")
    # measured 0.7422, 0.7600, 0.6600 (examples/train_zoo_seeds.py); chance 0.1
    assert all(accuracy(load_backei(v), x, y) >= 0.6 for v in FILES)


@pytest.mark.parametrize("name", VARIANTS)
def test_float_graph_and_compiled_network(name):
    from snncompile.zoo.table import measure

    m = measure(name, samples=SAMPLES, estimates=False)
    assert_float_matches_module(m)
    assert_compiled_matches_float(m)


def test_what_runs_where():
    from snncompile.zoo.table import structure

    full, back, plain = (structure(n) for n in VARIANTS)
    assert {"Sigmoid", "Sign", "Conv2d", "Mul"} <= set(full["host"])
    # the ternary output crosses to the chip as graded payloads: the readout's synapse is there
    assert full["chip"] == {"LIF": 2, "Linear": 1} and "Linear" not in full["host"]
    assert {"Sigmoid", "Mul", "Conv2d"} <= set(back["host"]) and "Sign" not in back["host"]
    assert plain["host"] == {} and plain["chip"]["LIF"] == 2  # both features off: all on chip


@pytest.mark.lava
@pytest.mark.parametrize("name", VARIANTS)
def test_lava_equals_emulator(name):
    pytest.importorskip("lava")
    from tests.zoo.seeds import assert_lava_equals_emulator

    assert_lava_equals_emulator(name)
