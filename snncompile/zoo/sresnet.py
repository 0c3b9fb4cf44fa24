"""Toy H: the pretraining bridge's spiking ResNet (Pipe-S / Pipe-D, seeds.md section H).

A SpikingJelly 2.0.0 network in multi-step mode (``step_mode="m"``: every layer takes
the whole (T, B, ...) sequence), so its tdBN (``layer.ThresholdDependentBatchNorm2d``,
Zheng et al. 2021) normalises over time and batch together in training, as tdBN is
defined; at inference it is a BatchNorm with running statistics applied to every step,
and the tracer reads the network one step at a time (a multi-step layer applies the same
per-step map to each of the T slices). Per step, with ``x`` the (3, 16, 16) image
(direct input: the same image every step, T = 6)::

    stem:  s0 = N(tdBN_1(Conv3x3(3->8)(x)))                         16x16
    block: s1 = N(tdBN_1(Conv3x3 stride 2 (8->16)(s0)))             8x8
           s2 = N(tdBN_r(Conv3x3(16->16)(s1)) + tdBN_r(Conv1x1 stride 2 (8->16)(s0)))
    head:  y_t = Linear(16->10)(AvgPool8x8(s2))

with ``tdBN_a`` initialised to weight ``a * V_th`` (a = 1, and 1/sqrt(2) for the two
branches that meet at a residual, as in the tdBN paper), convolutions without bias. The
residual is a *membrane add*: both branches are summed into the input current of the
block's last neuron (two synapses into the same neurons, native on a chip), not added
as spikes. The class is the argmax of the logits summed over time.

Neurons ``N``, by ``neuron=``:

- ``"lif"`` (Pipe-S): SpikingJelly ``LIFNode(tau=4/3, decay_input=False,
  v_threshold=0.5, v_reset=0)``: ``h = v - v / tau + x = 0.25 v + x``, spike
  ``h >= 0.5``, ``v = 0`` where it fired, else ``h`` (seeds.md: ``v = 0.25 v (1 - s) + x``,
  spike ``v > 0.5``; SpikingJelly fires at the threshold, which a real-valued membrane
  reaches with probability 0).
- ``"liaf"`` (Pipe-D's graded output): SpikingJelly ``LIAFNode`` with the same
  parameters and ``act = ReLU``, ``threshold_related=False``: the neuron still resets on
  ``h >= 0.5``, but its output is the analog ``ReLU(h)`` of the charged membrane at every
  step, not a spike. It runs single-step inside ``layer.MultiStepContainer`` (which
  calls it once per time step): SpikingJelly 2.0.0's ``LIAFNode`` overrides only the
  single-step function, so in ``step_mode="m"`` it inherits ``LIFNode``'s multi-step
  path and returns the binary spikes instead of ``act(h)`` (checked: equal to the
  spikes, ``tests/zoo/test_sresnet.py``); the adapter refuses that mode.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

from snncompile.zoo.stepping import WEIGHTS, load_weights

TAU = 4.0 / 3.0  # decay 1 - 1/tau = 0.25
THRESHOLD = 0.5
NEURONS = ("lif", "liaf")


def node(kind: str) -> nn.Module:
    """One multi-step neuron layer of kind ``"lif"`` or ``"liaf"`` (module docstring)."""
    from spikingjelly.activation_based import layer, neuron, surrogate

    common = dict(tau=TAU, decay_input=False, v_threshold=THRESHOLD, v_reset=0.0,
                  surrogate_function=surrogate.Sigmoid(), detach_reset=True)
    if kind == "lif":
        return neuron.LIFNode(**common, step_mode="m")
    if kind == "liaf":  # single-step inside a container: see the module docstring
        return layer.MultiStepContainer(neuron.LIAFNode(act=nn.ReLU(), threshold_related=False, **common,
                                                        step_mode="s"))
    raise ValueError(f"neuron is {kind!r}; expected one of {NEURONS}")


def tdbn(channels: int, alpha: float = 1.0) -> nn.Module:
    from spikingjelly.activation_based import layer

    return layer.ThresholdDependentBatchNorm2d(alpha=alpha, v_th=THRESHOLD, num_features=channels)


def conv(cin: int, cout: int, kernel: int, stride: int = 1) -> nn.Module:
    from spikingjelly.activation_based import layer

    return layer.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False, step_mode="m")


class BasicBlock(nn.Module):
    """ResNet basic block with a membrane-add residual (see the module docstring)."""

    def __init__(self, cin: int, cout: int, stride: int, kind: str) -> None:
        super().__init__()
        branch = 1.0 / math.sqrt(2.0)
        self.conv1, self.bn1, self.node1 = conv(cin, cout, 3, stride), tdbn(cout), node(kind)
        self.conv2, self.bn2 = conv(cout, cout, 3), tdbn(cout, branch)
        self.shortcut, self.bn_sc = conv(cin, cout, 1, stride), tdbn(cout, branch)
        self.node2 = node(kind)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.node1(self.bn1(self.conv1(x)))
        return self.node2(self.bn2(self.conv2(s)) + self.bn_sc(self.shortcut(x)))


class SResNet(nn.Module):
    """Toy H, multi-step: (T, batch, 3, 16, 16) -> (T, batch, 10) per-step logits."""

    steps = 6
    multistep = True  # stepping.run hands it the whole sequence, time first

    def __init__(self, neuron: str = "lif", width: int = 8, classes: int = 10) -> None:
        from spikingjelly.activation_based import layer

        super().__init__()
        self.conv0, self.bn0, self.node0 = conv(3, width, 3), tdbn(width), node(neuron)
        self.block = BasicBlock(width, 2 * width, 2, neuron)
        self.pool = layer.AvgPool2d(8, step_mode="m")
        self.flatten = layer.Flatten(step_mode="m")
        self.fc = layer.Linear(2 * width, classes, step_mode="m")

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        s = self.node0(self.bn0(self.conv0(x_seq)))
        return self.fc(self.flatten(self.pool(self.block(s))))


def load_sresnet(neuron: str = "lif", path: str | Path | None = None,
                 dtype: torch.dtype = torch.float64) -> SResNet:
    """Toy H with its trained weights (``weights/sresnet_<neuron>.npz``), eval mode."""
    model = SResNet(neuron).to(dtype)
    return load_weights(model, path or WEIGHTS / f"sresnet_{neuron}.npz")  # type: ignore[return-value]
