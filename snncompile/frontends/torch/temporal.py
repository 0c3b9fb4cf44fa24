"""``snncompile.nn.TemporalConv`` -> synapses with per-synapse delays.

A convolution over time of span ``S`` with kernel ``K`` (C_out, C_in, S) computes, one
step at a time (see :mod:`snncompile.nn.temporal`)::

    y[t] = sum_k K[:, :, k] x[t - (S - 1 - k)] + bias

so kernel index ``k`` is a delay of ``d = S - 1 - k`` steps. Where every synapse
(o, i) has at most one nonzero tap (DCLS after training: one learned position per
synapse), that is one ``Linear`` with per-synapse ``delays`` (``d`` of its tap, 0 where
the weight is 0). Otherwise (a TCN's dense kernel, DCLS before its positions are
rounded) the ``r``-th tap of every synapse (in order of delay) goes into the ``r``-th
Linear, all summed by an ``Add`` (``<path>.tap<r>``; the bias on the first), as many
Linears as the most taps any synapse has. The kernel is what the wrapped module itself
multiplies with, read once in its own dtype: ``Conv1d``'s weight spread over its
dilation, ``Dcls1d``'s ``DCK(weight, P, SIG)`` (its interpolated kernel; grouped
convolutions become block-diagonal). Registered per module class in :data:`KERNELS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from snncompile.errors import UnsupportedError
from snncompile.frontends.torch.adapters import array
from snncompile.frontends.torch.layers import MODULES
from snncompile.frontends.torch.registry import ClassRegistry
from snncompile.frontends.torch.tracer import Tensor, as_tensor
from snncompile.ir import Add, Linear

#: convolution module class -> its kernel over the span, (C_out, C_in / groups, S)
KERNELS: ClassRegistry[Callable[[Any], torch.Tensor]] = ClassRegistry("temporal convolution")


@KERNELS.register("torch.nn.Conv1d")
def conv1d_kernel(conv: Any) -> torch.Tensor:
    k, dilation = int(conv.kernel_size[0]), int(conv.dilation[0])
    weight = conv.weight.detach()
    kernel = weight.new_zeros((*weight.shape[:2], dilation * (k - 1) + 1))
    kernel[..., ::dilation] = weight
    return kernel


@KERNELS.register("DCLS.construct.modules.Dcls1d")
def dcls_kernel(conv: Any) -> torch.Tensor:
    with torch.no_grad():
        return conv.DCK(conv.weight, conv.P, conv.SIG)


def dense_kernel(kernel: np.ndarray, groups: int) -> np.ndarray:
    """A grouped kernel (C_out, C_in / groups, S) as the full (C_out, C_in, S) one."""
    if groups == 1:
        return kernel
    c_out, per_group, span = kernel.shape
    out_per = c_out // groups
    full = np.zeros((c_out, per_group * groups, span), kernel.dtype)
    for g in range(groups):
        full[g * out_per:(g + 1) * out_per, g * per_group:(g + 1) * per_group] = kernel[g * out_per:(g + 1) * out_per]
    return full


def tap_synapses(kernel: np.ndarray, bias: np.ndarray | None) -> list[Linear]:
    """The Linears with per-synapse delays whose sum is the kernel (see module docstring)."""
    by_delay = kernel[..., ::-1]  # index = delay
    present = by_delay != 0
    count = present.sum(-1)
    order = np.argsort(~present, axis=-1, kind="stable")  # nonzero taps first, by delay
    out = []
    for r in range(max(int(count.max()), 1)):
        valid = r < count
        delay = np.where(valid, order[..., r], 0)
        weight = np.where(valid, np.take_along_axis(by_delay, order[..., r:r + 1], -1)[..., 0], 0.0)
        out.append(Linear(weight=weight, bias=bias if r == 0 else None, delays=delay))
    return out


@MODULES.register("snncompile.nn.TemporalConv")
def temporal_conv(b, path: str, module, args: tuple, kwargs: dict, where: str) -> Tensor:
    if len(args) != 1 or kwargs:
        raise UnsupportedError(f"{where} takes one tensor per step, found {len(args)} arguments")
    x = as_tensor(args[0], where)
    if len(x.shape) != 1:
        raise UnsupportedError(f"{where} expects (batch, C_in) per step, found per-sample shape {x.shape}")
    conv = module.conv
    found = KERNELS.lookup(conv)
    if found is None:
        raise UnsupportedError(f"{where}: no kernel for {type(conv).__name__}; temporal convolutions: "
                               f"{', '.join(KERNELS.names())}")
    cls, kernel_of = found
    if type(conv).forward is not getattr(cls, "forward", None):
        raise UnsupportedError(f"{where}: {type(conv).__name__} overrides forward(); only {cls.__name__}'s own is known")
    kernel = dense_kernel(array(kernel_of(conv)), int(conv.groups))
    bias = None if conv.bias is None else array(conv.bias)
    synapses = tap_synapses(kernel, bias)
    if len(synapses) == 1:
        return b.add(path, synapses[0], [x])
    taps = [b.add(f"{path}.tap{r}", node, [x]) for r, node in enumerate(synapses)]
    return b.add(path, Add(), taps)
