"""Toy H (the pretraining bridge's S-ResNet, SpikingJelly multi-step): tdBN folded, the
residual a membrane add on chip, the LIAF variant's analog output against SpikingJelly's
forward, and the loihi2 compile against the float graph (issue 8 acceptance)."""

import pytest
import torch

pytest.importorskip("spikingjelly")
pytestmark = pytest.mark.frameworks

from snncompile.zoo.sresnet import NEURONS, load_sresnet  # noqa: E402
from tests.zoo.seeds import SAMPLES, assert_compiled_matches_float, assert_float_matches_module  # noqa: E402

NAMES = {"lif": "sresnet", "liaf": "sresnet-liaf"}


def test_toys_are_trained():
    from snncompile.zoo import data
    from snncompile.zoo.stepping import accuracy

    x, y = data.static_sequence3("test")
    # measured 0.9556 (LIF) and 0.9667 (LIAF) (examples/train_zoo_seeds.py)
    assert all(accuracy(load_sresnet(n), x, y) >= 0.9 for n in NEURONS)


@pytest.mark.parametrize("neuron", NEURONS)
def test_float_graph_and_compiled_network(neuron):
    from snncompile.zoo.table import measure

    m = measure(NAMES[neuron], samples=SAMPLES, estimates=False)
    assert_float_matches_module(m)
    assert_compiled_matches_float(m)
    if neuron == "liaf":  # graded outputs: ReLU of the membrane, compared as values
        assert m["pytorch"]["analog_layers"] == 3 and m["pytorch"]["analog_max_error"] <= 1e-6


@pytest.mark.parametrize("neuron", NEURONS)
def test_tdbn_folds_and_what_runs_where(neuron):
    """LIF: tdBN folded into the convolutions, the residual sum merged into the last
    neuron's synapses (a membrane add), everything but the head on chip. LIAF: its
    outputs are real values (ReLU of a float membrane copy kept on the host), so the
    convolutions they feed and the residual sum run on the host; the neurons' integrate,
    fire and reset stay on chip."""
    from snncompile.zoo.table import structure

    s = structure(NAMES[neuron])
    assert s["operations"]["BatchNorm"] == 4 and "fold_batchnorm" in s["passes"]
    placed = {**s["chip"], **s["host"], **s["host_once"]}
    assert "BatchNorm" not in placed and s["chip"]["LIF"] == 3
    if neuron == "lif":
        assert s["operations"]["Add"] == 1 and "merge_adds_into_neurons" in s["passes"]
        assert "Add" not in placed and s["chip"]["Conv2d"] == 3 and s["host"] == {"Linear": 1}
    else:
        assert s["chip"] == {"LIF": 3} and s["host"]["ReLU"] == 3 and s["host"]["Conv2d"] == 3


def test_multistep_liaf_returns_spikes_and_is_refused():
    """SpikingJelly 2.0.0's LIAFNode in step_mode='m' runs LIFNode's multi-step path (its
    output is the spikes, not act(h)): the toy runs it single-step in a container, and the
    tracer refuses the multi-step form by name."""
    from spikingjelly.activation_based import functional, neuron
    from torch import nn

    from snncompile.errors import UnsupportedError
    from snncompile.frontends.torch import trace

    common = dict(act=nn.ReLU(), threshold_related=False, tau=4 / 3, decay_input=False, v_threshold=0.5)
    multi, single = neuron.LIAFNode(**common, step_mode="m"), neuron.LIAFNode(**common, step_mode="s")
    x = torch.rand(5, 3, 4, dtype=torch.float64) * 1.5
    functional.reset_net(multi), functional.reset_net(single)
    with torch.no_grad():
        out_m = multi(x)
        out_s = torch.stack([single(x[t]) for t in range(5)])
    assert set(out_m.unique().tolist()) <= {0.0, 1.0}  # spikes
    assert not torch.equal(out_m, out_s) and (out_s > 0).any()
    with pytest.raises(UnsupportedError, match="LIAFNode"):
        trace(nn.Sequential(nn.Linear(4, 4), neuron.LIAFNode(**common, step_mode="m")), (4,))


@pytest.mark.lava
def test_lava_refuses_the_delayed_shortcut_by_name():
    """The shortcut convolution is delayed one step to meet the two-hop branch at the
    block's last neuron; Lava's Conv has no delays, so Lava is not run (and says why)."""
    pytest.importorskip("lava")
    from snncompile.errors import UnsupportedError
    from tests.zoo.seeds import lava_versus_emulator

    with pytest.raises(UnsupportedError, match="'block.shortcut'.*delay 1 on a convolution"):
        lava_versus_emulator("sresnet")
