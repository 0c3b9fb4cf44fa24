"""Tracer handlers for the host operations: activations, means and norms (torch functions
and tensor methods; the ``nn`` modules are converters in :mod:`.layers`), and the handler
of ``snncompile.nn.SelectiveScan`` (a module called with four tensors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from snncompile.errors import UnsupportedError
from snncompile.frontends.torch.layers import MODULES, default_eps
from snncompile.frontends.torch.tracer import Constant as ConstantValue
from snncompile.frontends.torch.tracer import Tensor, as_tensor, bind_args, handles
from snncompile.ir.host import LayerNorm, Mean, RMSNorm
from snncompile.ir.host_activation import ELU, GELU, Exp, ReLU, Sigmoid, Sign, SiLU, Softplus
from snncompile.ir.host_scan import SelectiveScan


# -- activations, means, norms -------------------------------------------------------------
def _one(node_of: Callable[..., Any], signature: Callable) -> Callable:
    """A handler for ``f(input, **options)``: ``node_of(**options)`` applied to the input."""
    def handler(b, name, where, args, kwargs):
        bound = dict(bind_args(signature, args, kwargs, where).arguments)
        x = as_tensor(bound.pop("input"), where)
        bound.pop("inplace", None)
        return b.add(name, node_of(**bound), [x])

    return handler


def _plain(input, inplace=False): ...
def _gelu_sig(input, approximate="none"): ...
def _elu_sig(input, alpha=1.0, inplace=False): ...
def _softplus_sig(input, beta=1.0, threshold=20.0): ...


handles(F.relu, torch.relu, methods=("relu", "relu_"))(_one(ReLU, _plain))
handles(torch.sigmoid, F.sigmoid, methods=("sigmoid",))(_one(Sigmoid, _plain))
handles(F.silu)(_one(SiLU, _plain))
handles(torch.exp, methods=("exp",))(_one(Exp, _plain))
handles(torch.sign, methods=("sign",))(_one(Sign, _plain))
handles(F.gelu)(_one(GELU, _gelu_sig))
handles(F.elu)(_one(ELU, _elu_sig))
handles(F.softplus)(_one(Softplus, _softplus_sig))


def sample_dims(dims: Any, shape: tuple[int, ...], where: str) -> tuple[int, ...]:
    """torch dims (which count the batch axis as 0) as per-sample axes; refuses the batch."""
    full = len(shape) + 1
    out = []
    for d in (dims if isinstance(dims, (tuple, list)) else (dims,)):
        if not isinstance(d, int) or not -full <= d < full:
            raise UnsupportedError(f"{where}: dim {d!r} is not an axis of a tensor of {full} axes (batch, *{shape})")
        if d % full == 0:
            raise UnsupportedError(f"{where}: dim {d} is the batch axis; only per-sample axes can be named")
        out.append(d % full - 1)
    return tuple(out)


def _mean_sig(input, dim=None, keepdim=False, *, dtype=None): ...


@handles(torch.mean, methods=("mean",))
def _mean(b, name, where, args, kwargs):
    bound = bind_args(_mean_sig, args, kwargs, where).arguments
    x = as_tensor(bound["input"], where)
    if bound["dim"] is None or bound["dtype"] is not None:
        raise UnsupportedError(f"{where}: a mean needs dim= (the per-sample axes; the batch is not averaged) and no dtype")
    return b.add(name, Mean(axes=sample_dims(bound["dim"], x.shape, where), keepdim=bound["keepdim"]), [x])


def _array(value: Any, where: str) -> np.ndarray | None:
    if value is None or isinstance(value, ConstantValue):
        return None if value is None else value.value
    raise UnsupportedError(f"{where}: norm weights must be parameters or buffers, found {value!r}")


def _layer_norm_sig(input, normalized_shape, weight=None, bias=None, eps=1e-5): ...
def _rms_norm_sig(input, normalized_shape, weight=None, eps=None): ...


def _model_dtype(b) -> torch.dtype | None:
    """The dtype of the traced model's first floating-point parameter or buffer."""
    tensors = [*b.root.parameters(), *b.root.buffers()]
    return next((t.dtype for t in tensors if t.is_floating_point()), None)


@handles(F.layer_norm)
def _layer_norm(b, name, where, args, kwargs):
    a = bind_args(_layer_norm_sig, args, kwargs, where).arguments
    node = LayerNorm(normalized_shape=tuple(a["normalized_shape"]), weight=_array(a["weight"], where),
                     bias=_array(a["bias"], where), eps=a["eps"])
    return b.add(name, node, [as_tensor(a["input"], where)])


@handles(F.rms_norm)
def _rms_norm(b, name, where, args, kwargs):
    a = bind_args(_rms_norm_sig, args, kwargs, where).arguments
    eps = a["eps"] if a["eps"] is not None else default_eps(_model_dtype(b))
    node = RMSNorm(normalized_shape=tuple(a["normalized_shape"]), weight=_array(a["weight"], where), eps=eps)
    return b.add(name, node, [as_tensor(a["input"], where)])


# -- modules with several tensor inputs ------------------------------------------------------
@MODULES.register("snncompile.nn.SelectiveScan")
def selective_scan(b, path: str, module, args: tuple, kwargs: dict, where: str) -> Tensor:
    """``scan(x, delta, B, C)`` -> a SelectiveScan node; ``A`` is the module's own
    ``-exp(A_log)``, computed here in float64."""
    try:
        bound = bind_args(type(module).forward, [module, *args], kwargs, where).arguments
    except UnsupportedError:
        raise UnsupportedError(f"{where} must be called as scan(x, delta, B, C), found {len(args)} arguments") from None
    operands = {p: as_tensor(bound[p], where) for p in SelectiveScan.ports}
    def param(p):
        return None if p is None else p.detach().cpu().double().numpy()

    with torch.no_grad():
        A = -torch.exp(module.A_log.detach().cpu().double())  # the module's A, in float64
    node = SelectiveScan(A=A.numpy(), D=param(module.D), delta_bias=param(module.delta_bias),
                         delta_softplus=module.delta_softplus)
    return b.add_operands(path, node, operands)
