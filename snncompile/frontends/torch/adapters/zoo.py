"""The zoo's own stateful modules: ``snncompile.zoo.tim.TIM`` (the Temporal Interaction
Module of toy B) and ``snncompile.zoo.stsc.STSCEncoder`` (toy E's encoder, at the end).

TIM per step, on per-head queries ``q_t`` of shape (H, N, d) (see its docstring)::

    first step:   q~_0 = q_0                           (no neuron steps, no convolution)
    later steps:  q~_t = out_lif(alpha in_lif(Conv1d(q~_{t-1})) + (1 - alpha) q_t)

The IR has no "first step" switch, but it has a signal that is 0 at step 0 and 1 after:
a ``Constant`` 1 through an edge of delay 1 (``g_t = [t >= 1]``). With it, exactly::

    in_lif  <- g_t * Conv1d(q~_{t-1})                  (0 at step 0: the membrane stays 0)
    out_lif <- g_t * (alpha s_in + (1 - alpha) q_t)
    q~_t    =  q_t + g_t * (s_out - q_t)               (q_0 at step 0, s_out after)

with ``q~_{t-1}`` an edge of delay 1 from ``q~``. The Conv1d acts per (sample, head) on
the (N, d) matrix with N as channels (as coded): one grouped Conv1d over the (H N, d)
reshape, the kernel and bias repeated for each of the H groups. The neurons come from
the BrainCog adapter. The gates are host products (``Mul``): the partition keeps the loop
on the host, where its one-step timing holds.
"""

from __future__ import annotations

import numpy as np

from snncompile.errors import UnsupportedError
from snncompile.frontends.torch.adapters import Fragment, adapter, array, unsupported
from snncompile.frontends.torch.adapters.braincog import _lif as braincog_lif
from snncompile.frontends.torch.layers import MODULES
from snncompile.frontends.torch.tracer import Tensor, as_tensor
from snncompile.ir import Add, Constant, Conv1d, Linear, Scale
from snncompile.ir.host import Mul
from snncompile.ir.host_activation import ReLU, Sigmoid
from snncompile.ir.host_tensor import Reshape


@adapter("snncompile.zoo.tim.TIM")
def _tim(module, shape, path) -> Fragment:
    if len(shape) != 3 or shape[1] != shape[2]:
        raise unsupported(path, module, f"expects per-head queries (H, N, d) with N = d, found {shape}")
    heads, tokens, width = shape
    conv = module.interactor
    if tuple(conv.kernel_size) != (5,) or conv.in_channels != tokens:
        raise unsupported(path, module, "interactor must be Conv1d(N, N, 5) over the head width")
    weight = np.tile(array(conv.weight), (heads, 1, 1))
    bias = np.tile(array(conv.bias), heads) if conv.bias is not None else None
    alpha = float(module.alpha)
    in_lif = braincog_lif(module.in_lif, tuple(shape), f"{path}.in_lif").neuron
    out_lif = braincog_lif(module.out_lif, tuple(shape), f"{path}.out_lif").neuron
    extra = {
        "in": Scale(scale=np.asarray(1.0)),
        "gate": Constant(value=np.ones(shape)),
        "prev": Reshape(shape=(heads * tokens, width)),
        "interactor": Conv1d(weight=weight, bias=bias, padding=conv.padding, stride=conv.stride,
                             dilation=conv.dilation, groups=heads),
        "interactor.r": Reshape(shape=tuple(shape)),
        "in_lif.gate": Mul(),
        "in_lif": in_lif,
        "alpha": Scale(scale=np.asarray(alpha)),
        "beta": Scale(scale=np.asarray(1.0 - alpha)),
        "drive": Add(),
        "out_lif.gate": Mul(),
        "neg": Scale(scale=np.asarray(-1.0)),
        "diff": Add(),
        "mix": Mul(),
        "out": Add(),
    }
    edges = [
        ("out", "prev", 1), ("prev", "interactor", 0), ("interactor", "interactor.r", 0),
        ("interactor.r", "in_lif.gate", 0, "a"), ("gate", "in_lif.gate", 1, "b"), ("in_lif.gate", "in_lif", 0),
        ("in_lif", "alpha", 0), ("in", "beta", 0), ("alpha", "drive", 0), ("beta", "drive", 0),
        ("drive", "out_lif.gate", 0, "a"), ("gate", "out_lif.gate", 1, "b"), ("out_lif.gate", "", 0),
        ("in", "neg", 0), ("", "diff", 0), ("neg", "diff", 0),
        ("diff", "mix", 0, "a"), ("gate", "mix", 1, "b"), ("in", "out", 0), ("mix", "out", 0),
    ]
    return Fragment(out_lif, extra, edges, entry="in", output="out", output_shape=tuple(shape))


@MODULES.register("snncompile.zoo.stsc.STSCEncoder")
def _stsc(b, path: str, module, args: tuple, kwargs: dict, where: str):
    """Toy E's encoder (its docstring has the equations), ``LAG`` steps late. The taps
    over time are edges from the input with delays ``K - 1 - k`` (window position ``k``,
    oldest first), summed in that order as the module sums them::

        conv  = Add_k Scale(w[:, k])(x @ delay K-1-k)
        h     = Add_j Linear(W_T[:, :, j], bias b_T on j = 0)(x @ delay LAG + r - j)
        y     = Mul(conv, Constant(1) + Scale(-1)(Sigmoid(Linear(W_C)(ReLU(h)))))
        out   = Mul(y, Constant(1) @ delay LAG)          zeros while the window fills
    """
    from snncompile.zoo.stsc import ATTN_KERNEL, CONV_KERNEL, LAG

    if len(args) != 1 or kwargs:
        raise UnsupportedError(f"{where} takes one tensor per step")
    x = as_tensor(args[0], where)
    if len(x.shape) != 1:
        raise UnsupportedError(f"{where} expects (channels,) per step, found {x.shape}")
    g, shape = b.graph, x.shape
    names: dict[str, str] = {}

    def add(suffix: str, node) -> str:
        names[suffix] = b.unique(f"{path}.{suffix}")
        g.add(names[suffix], node)
        return names[suffix]

    w = array(module.temporal_conv.weight)[:, 0]
    conv = add("conv", Add())
    for k in range(CONV_KERNEL):
        g.connect(x.name, add(f"tap{k}", Scale(scale=w[:, k])), CONV_KERNEL - 1 - k)
        g.connect(names[f"tap{k}"], conv)
    wt, bt = array(module.recv_T.weight), array(module.recv_T.bias)
    h = add("recv_T", Add())
    first = LAG - (ATTN_KERNEL - 1) // 2
    for j in range(ATTN_KERNEL):
        tap = add(f"recv_T.tap{j}", Linear(weight=wt[..., j], bias=bt if j == 0 else None))
        g.connect(x.name, tap, CONV_KERNEL - 1 - (first + j))
        g.connect(tap, h)
    g.chain(h, add("relu", ReLU()), add("recv_C", Linear(weight=array(module.recv_C.weight))),
            add("sigmoid", Sigmoid()), add("neg", Scale(scale=np.asarray(-1.0))))
    gate = add("gate", Add())
    g.connect(add("one", Constant(value=np.ones(shape))), gate)
    g.connect(names["neg"], gate)
    y = add("y", Mul())
    g.connect(conv, y, port="a")
    g.connect(gate, y, port="b")
    out = b.unique(path)
    g.add(out, Mul())
    g.connect(y, out, port="a")
    g.connect(add("started", Constant(value=np.ones(shape))), out, LAG, port="b")
    return Tensor(out, tuple(shape))
