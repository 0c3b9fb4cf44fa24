"""A network SLAYER builds, trains briefly on the CPU and writes with its own
``export_hdf5``, read by snncompile: the emulator reproduces SLAYER's forward and netx on
Lava bit for bit; the float reading (and the traced SLAYER model) follow SLAYER's forward
up to its integer rounding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from snncompile.emulator import emulate
from snncompile.interop.netx import float_graph, read_netx
from snncompile.interop.netx.run import run_netx
from snncompile.simulate import simulate

pytestmark = pytest.mark.lava

CUBA = {"threshold": 1.25, "current_decay": 0.25, "voltage_decay": 0.03, "tau_grad": 0.03, "scale_grad": 3,
        "requires_grad": True}


def _network(slayer, conv: bool):
    torch.manual_seed(3)
    if conv:
        blocks = [slayer.block.cuba.Conv(dict(CUBA), 1, 2, 3, padding=1, stride=2, weight_scale=3),
                  slayer.block.cuba.Flatten(),
                  slayer.block.cuba.Dense(dict(CUBA), 2 * 3 * 3, 5, weight_scale=3)]
    else:
        blocks = [slayer.block.cuba.Dense(dict(CUBA), 10, 8, weight_scale=2, weight_norm=True, delay=True),
                  slayer.block.cuba.Recurrent(dict(CUBA), 8, 6, weight_scale=2),
                  slayer.block.cuba.Dense(dict(CUBA), 6, 4, weight_scale=2)]

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = torch.nn.ModuleList(blocks)

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return x

        def export_hdf5(self, path):
            import h5py

            with h5py.File(path, "w") as f:
                layer = f.create_group("layer")
                for i, block in enumerate(self.blocks):
                    block.export_hdf5(layer.create_group(str(i)))

    return Net()


def _train_and_run(net, x, steps=4):
    opt = torch.optim.Adam(net.parameters(), lr=0.02)
    for _ in range(steps):  # a few real SLAYER updates (surrogate gradients, CPU)
        loss = ((net(x).mean(-1) - 0.1) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    for module in net.modules():  # fresh state: a recurrent block keeps it across calls
        if hasattr(module, "current_state"):
            module.current_state, module.voltage_state = torch.zeros(1), torch.zeros(1)
        if hasattr(module, "spike_state"):
            module.spike_state = torch.zeros(1)
    with torch.no_grad():
        return net(x).numpy()


@pytest.mark.parametrize("conv", [False, True], ids=["dense-delay-recurrent", "conv-flatten-dense"])
def test_slayer_export_read_by_snncompile(lava_dl, tmp_path, conv):
    from lava.lib.dl import slayer

    from snncompile.frontends.torch import trace

    net = _network(slayer, conv)
    shape = (1, 5, 6) if conv else (10,)
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(3, *shape, 50, generator=gen) < 0.3).float()
    if not conv:
        net(x)  # SLAYER draws its axonal delays at the first call; make them whole steps 0..3
        with torch.no_grad():
            net.blocks[0].delay.delay.data = torch.tensor([0.0, 1, 2, 3, 0, 2, 1, 3])
    slayer_out = np.moveaxis(_train_and_run(net, x), -1, 1)  # (N, T, *out)
    path = tmp_path / "slayer.net"
    net.export_hdf5(path)

    fixed = read_netx(path, input_shape=shape)  # SLAYER writes no input layer
    xs = np.moveaxis(x.numpy(), -1, 1).astype(np.int64)  # (N, T, *in)
    emulated = emulate(fixed, xs).outputs["output"]
    assert slayer_out.sum() > 5  # the test means something: the network spikes
    assert np.array_equal(emulated, slayer_out)  # SLAYER's forward is the integer graph
    with np.errstate(divide="ignore"):
        assert np.array_equal(run_netx(path, xs[0]), emulated[0])  # and so is netx on Lava

    lag = 3  # one step per block (SLAYER's delay_shift, the chip's synapse latency)
    reading = simulate(float_graph(fixed), xs.astype(float)).outputs["output"]
    traced = simulate(trace(net, shape), xs.astype(float)).outputs["output"]
    assert np.array_equal(reading, traced)  # the two float readings are one
    agreement = (reading[:, :-lag] == slayer_out[:, lag:]).mean()
    assert agreement > 0.9, agreement  # SLAYER rounds each decay toward zero; the float graph does not
