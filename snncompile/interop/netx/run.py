"""Run a netx file with netx's own ``hdf5.Network`` on Lava's CPU ``fixed_pt`` models.

This is lava-dl's reading of the file, independent of snncompile's reader: the tests
and docs/scripts compare it with the emulator running :func:`read_netx`'s graph.
Inputs and outputs are in the IR's layout ((T, C, H, W) or (T, N)); Lava's is
(W, H, C, T).
"""

from __future__ import annotations

import os

import numpy as np

from snncompile.backends.lava.lower import from_lava_layout, lava_shape, to_lava_layout
from snncompile.interop.netx.lava_dl import ensure_lava_dl


def run_netx(path: str | os.PathLike, inputs: np.ndarray, steps: int | None = None) -> np.ndarray:
    """Output spikes (T, *out_shape) of the network in ``path`` for one sample's input
    ``inputs`` (T, *in_shape), run for ``steps`` (default T) steps (netx gets the input
    shape, which a conv network without an input layer needs)."""
    ensure_lava_dl()
    from lava.lib.dl.netx.hdf5 import Network
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source

    x = np.asarray(inputs)
    steps = x.shape[0] if steps is None else int(steps)
    padded = np.zeros((steps, *x.shape[1:]), np.int64)
    padded[: min(steps, x.shape[0])] = x[:steps]
    in_shape = tuple(x.shape[1:])
    net = Network(net_config=str(path), input_shape=lava_shape(in_shape))
    data = np.moveaxis(to_lava_layout(padded, in_shape), 0, -1)  # (*lava_shape, T)
    source = Source(data=data.reshape(*net.inp.shape, steps))
    sink = Sink(shape=net.out.shape, buffer=steps)
    source.s_out.connect(net.inp)
    net.out.connect(sink.a_in)
    try:
        net.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        out = np.asarray(sink.data.get())
    finally:
        net.stop()
    out_lava = np.moveaxis(out, -1, 0)  # (T, *lava_shape)
    out_shape = tuple(reversed(net.out.shape))
    return from_lava_layout(out_lava.reshape(steps, *lava_shape(out_shape)), out_shape)
