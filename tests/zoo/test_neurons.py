"""The toys' neurons are the frameworks' own and behave as seeds.md states."""

import pytest
import torch

pytest.importorskip("spikingjelly")
pytest.importorskip("braincog")
pytestmark = pytest.mark.frameworks

from snncompile.zoo.neurons import braincog_lif, braincog_node_module, sj_lif  # noqa: E402
from snncompile.zoo.spikformer import Spikformer  # noqa: E402


def test_spikingjelly_lif_fires_at_threshold_and_resets_to_zero():
    from spikingjelly.activation_based import neuron

    model = Spikformer().double()
    lif = model.block.attn.attn_lif
    assert type(lif) is neuron.LIFNode and lif.v_threshold == 0.5 and lif.v_reset == 0.0
    # v = 0: h = x / 2; x = 1.0 puts h exactly on the 0.5 threshold
    x = torch.tensor([1.0, 1.0 - 1e-12, 0.6], dtype=torch.float64)
    assert lif(x).tolist() == [1.0, 0.0, 0.0]
    assert lif.v[0] == 0.0 and lif.v[1] == pytest.approx(0.5) and lif.v[2] == pytest.approx(0.3)
    # second step: h = v + (x - v) / 2 (decay_input=True)
    assert lif(torch.tensor([0.0, 0.5, 0.7], dtype=torch.float64)).tolist() == [0.0, 0.0, 1.0]
    assert lif.v[1] == pytest.approx(0.5)
    lif.reset()
    assert float(lif.v) == 0.0


def test_spikingjelly_lif_options():
    lif = sj_lif(1.0)
    assert (lif.tau, lif.decay_input, lif.v_threshold, lif.v_reset, lif.step_mode) == (2.0, True, 1.0, 0.0, "s")


def test_braincog_lif_is_braincogs_class_firing_at_threshold_with_reset_to_zero():
    node = braincog_node_module()
    lif = braincog_lif(1.0).double()
    assert type(lif) is node.LIFNode and type(lif).__module__ == "braincog.base.node.node"
    x = torch.tensor([2.0, 2.0 - 1e-12, 1.0], dtype=torch.float64)  # mem = x / 2
    assert lif(x).tolist() == [1.0, 0.0, 0.0]
    assert lif.mem.tolist() == pytest.approx([0.0, 1.0 - 5e-13, 0.5])
    # mem = mem + (x - mem) / 2, then reset to 0 where it fired
    assert lif(torch.tensor([0.0, 1.1, 1.5], dtype=torch.float64)).tolist() == [0.0, 1.0, 1.0]  # 1.5: exactly 1
    assert lif.mem.tolist() == [0.0, 0.0, 0.0]
    lif.n_reset()
    assert lif.mem == 0.0


def test_braincog_ignores_v_threshold_as_tims_code_passes_it():
    node = braincog_node_module()
    lif = node.LIFNode(threshold=1.0, tau=2.0, v_threshold=0.3)
    assert float(lif.threshold) == 1.0
    assert float(node.LIFNode(tau=2.0, v_threshold=0.3).threshold) == 0.5  # BrainCog's default


def test_braincog_default_surrogate_would_compare_strictly():
    """Why braincog_lif sets TIM's sigmoid surrogate: the default QGateGrad fires on > th."""
    node = braincog_node_module()
    default = node.LIFNode(threshold=1.0, tau=2.0)
    assert default(torch.tensor([2.0])).tolist() == [0.0]
    assert braincog_lif(1.0)(torch.tensor([2.0])).tolist() == [1.0]
