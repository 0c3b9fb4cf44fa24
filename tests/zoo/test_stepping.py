"""run() is a reset plus one forward per step; weights round-trip through plain .npz."""

import numpy as np
import pytest
import torch

pytest.importorskip("spikingjelly")
pytest.importorskip("braincog")
pytestmark = pytest.mark.frameworks

from snncompile.errors import InputError  # noqa: E402
from snncompile.zoo.spikformer import Spikformer  # noqa: E402
from snncompile.zoo.spikmamba import SpikMamba  # noqa: E402
from snncompile.zoo.stepping import load_weights, predict, run, save_weights  # noqa: E402
from snncompile.zoo.tim import SpikformerTIM  # noqa: E402

TOYS = [(Spikformer, (2, 16, 16), 4), (lambda: SpikformerTIM("as_intended"), (2, 16, 16), 6),
        (SpikMamba, (2, 1, 16, 16), 4)]


def _manual(model, x):
    """Reset with each framework's own API, then loop: the protocol run() stands for."""
    from spikingjelly.activation_based import functional

    functional.reset_net(model)  # SpikingJelly nodes and the zoo's TIM (both have reset())
    for m in model.modules():
        if hasattr(m, "n_reset"):  # BrainCog nodes
            m.n_reset()
    return [model(x[:, t]) for t in range(x.shape[1])]


@pytest.mark.parametrize("factory,shape,steps", TOYS)
def test_run_equals_reset_and_loop(factory, shape, steps):
    torch.manual_seed(0)
    model = factory().double().eval()
    x = (torch.rand(3, steps, *shape, dtype=torch.float64) < 0.3).double()
    _manual(model, torch.rand(3, steps, *shape, dtype=torch.float64))  # leave state behind
    with torch.no_grad():
        out = run(model, x)
        manual = _manual(model, x)
    assert out.shape == (3, steps, 10)
    for t in range(steps):
        assert torch.equal(out[:, t], manual[t])
    # a second run does not see the first one's state
    with torch.no_grad():
        assert torch.equal(run(model, x), out)
    assert torch.equal(predict(out), out.sum(1).argmax(-1))


def test_weights_round_trip_and_errors(tmp_path):
    torch.manual_seed(0)
    a = Spikformer()
    save_weights(a, tmp_path / "a.npz")
    with np.load(tmp_path / "a.npz", allow_pickle=False) as d:
        assert "head.weight" in d.files
    b = load_weights(Spikformer().double(), tmp_path / "a.npz")
    assert not b.training and b.head.weight.dtype == torch.float64
    assert torch.equal(b.head.weight, a.head.weight.double())
    with pytest.raises(InputError, match="do not fit SpikMamba"):
        load_weights(SpikMamba(), tmp_path / "a.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="cannot read weights"):
        load_weights(Spikformer(), tmp_path / "bad.npz")
