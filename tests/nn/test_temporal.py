"""TemporalConv: one step per call equals the wrapped convolution over the whole padded
sequence (torch's Conv1d, DCLS's Dcls1d)."""

import pytest
import torch

from snncompile.nn import TemporalConv


@pytest.mark.parametrize("conv", [
    lambda: torch.nn.Conv1d(3, 4, 3, dilation=2),
    lambda: torch.nn.Conv1d(4, 6, 2, dilation=3, groups=2, bias=False),
], ids=["dilated", "grouped"])
def test_per_step_equals_the_causal_sequence_convolution(conv):
    torch.manual_seed(0)
    m = TemporalConv(conv().double())
    x = torch.rand(12, 2, m.conv.in_channels, dtype=torch.float64)  # (T, batch, C)
    seq = m.sequence(x, right=2)
    steps = torch.stack([m(x[t]) for t in range(12)] + [m(torch.zeros_like(x[0])) for _ in range(2)])
    assert m.span == conv().dilation[0] * (conv().kernel_size[0] - 1) + 1
    torch.testing.assert_close(steps, seq, rtol=0, atol=1e-12)
    m.reset()
    torch.testing.assert_close(m(x[0]), seq[0], rtol=0, atol=1e-12)


def test_dcls_span_and_steps():
    dcls = pytest.importorskip("DCLS.construct.modules")
    torch.manual_seed(1)
    m = TemporalConv(dcls.Dcls1d(3, 5, kernel_count=1, dilated_kernel_size=7, version="gauss").double())
    assert m.span == 7
    x = torch.rand(10, 2, 3, dtype=torch.float64)
    with torch.no_grad():
        steps = torch.stack([m(x[t]) for t in range(10)])
        torch.testing.assert_close(steps, m.sequence(x), rtol=0, atol=1e-12)


def test_padding_or_stride_of_its_own_is_refused():
    with pytest.raises(ValueError, match="stride 1 and no padding"):
        TemporalConv(torch.nn.Conv1d(2, 2, 3, padding=1))
