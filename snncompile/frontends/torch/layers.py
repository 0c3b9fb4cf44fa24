"""Stateless torch layers -> IR nodes (inference semantics: BatchNorm uses its running
statistics, Dropout is dropped).

A converter is ``fn(module, in_shape, path) -> Node | None``; ``None`` means the layer is
the identity at inference and is dropped. A subclass that overrides ``forward`` is only
accepted when registered itself (SpikingJelly's multi-step wrappers, whose forward
applies the torch layer to every step: the same per-step meaning). ``CONTAINERS`` lists wrappers whose children are
applied one after another per time step (SpikingJelly's multi-step containers); the
tracer expands them. ``MODULES`` maps modules called with several tensors
(``snncompile.nn.SelectiveScan``) to a handler ``(builder, path, module, args, kwargs,
where) -> value`` (registered by :mod:`.host_ops`).

Host layers (norms, smooth activations) become the host nodes of the same names
(:mod:`snncompile.ir.host`, :mod:`snncompile.ir.host_activation`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from snncompile.errors import UnsupportedError
from snncompile.frontends.torch.adapters import array, unsupported
from snncompile.frontends.torch.registry import ClassRegistry
from snncompile.ir import (
    AvgPool2d,
    BatchNorm,
    Conv1d,
    Conv2d,
    Conv3d,
    Flatten,
    Linear,
    MaxPool2d,
    Node,
    Shape,
    SumPool2d,
)
from snncompile.ir.host import LayerNorm, RMSNorm
from snncompile.ir.host_activation import (
    ELU,
    GELU,
    GeluApproximation,
    ReLU,
    Sigmoid,
    SiLU,
    Softplus,
)

LAYERS: ClassRegistry = ClassRegistry("layer")
#: containers whose children run in sequence within one step
CONTAINERS: ClassRegistry = ClassRegistry("container")
#: modules called with several tensors -> handler (see the module docstring)
MODULES: ClassRegistry = ClassRegistry("module")


def _where(path: str, m) -> str:
    return f"module '{path}' ({type(m).__name__})"


_SJ = "spikingjelly.activation_based.layer."


@LAYERS.register("torch.nn.Linear", _SJ + "Linear")
def linear(m: nn.Linear, shape: Shape, path: str) -> Node:
    return Linear(weight=array(m.weight), bias=None if m.bias is None else array(m.bias))


def _conv_padding(m, path: str) -> tuple[int, ...]:
    if m.padding_mode != "zeros":
        raise unsupported(path, m, f"padding_mode='{m.padding_mode}'; only 'zeros' is supported")
    if m.padding == "valid":
        return (0,) * len(m.kernel_size)
    if m.padding == "same":
        total = [d * (k - 1) for d, k in zip(m.dilation, m.kernel_size)]
        if any(t % 2 for t in total):
            raise unsupported(path, m, "padding='same' with an even kernel pads asymmetrically; give explicit padding")
        return tuple(t // 2 for t in total)
    return tuple(m.padding)


_CONVOLUTIONS = {nn.Conv1d: Conv1d, nn.Conv2d: Conv2d, nn.Conv3d: Conv3d}


@LAYERS.register("torch.nn.Conv1d", "torch.nn.Conv2d", "torch.nn.Conv3d", _SJ + "Conv1d", _SJ + "Conv2d", _SJ + "Conv3d")
def conv(m, shape: Shape, path: str) -> Node:
    cls = next(node for torch_cls, node in _CONVOLUTIONS.items() if isinstance(m, torch_cls))
    return cls(
        weight=array(m.weight), bias=None if m.bias is None else array(m.bias),
        stride=m.stride, padding=_conv_padding(m, path), dilation=m.dilation, groups=m.groups,
    )


# SpikingJelly's tdBN (Zheng et al. 2021) is a BatchNorm whose weight starts at alpha * V_th
# and whose training statistics span time and batch; at inference it normalises every step
# with its running statistics, like any BatchNorm (fold_batchnorm folds it)
@LAYERS.register("torch.nn.BatchNorm1d", "torch.nn.BatchNorm2d", _SJ + "BatchNorm1d", _SJ + "BatchNorm2d",
                 _SJ + "ThresholdDependentBatchNorm1d", _SJ + "ThresholdDependentBatchNorm2d")
def batch_norm(m, shape: Shape, path: str) -> Node:
    if m.running_mean is None or m.running_var is None:
        raise unsupported(path, m, "track_running_stats=False: no running statistics to use at inference")
    channels = m.num_features
    weight = array(m.weight) if m.affine else np.ones(channels)
    bias = array(m.bias) if m.affine else np.zeros(channels)
    return BatchNorm(mean=array(m.running_mean), var=array(m.running_var), weight=weight, bias=bias, eps=float(m.eps))


def pool2d(kind: str, where: str, kernel_size, stride=None, padding=0, dilation=1,
           ceil_mode=False, count_include_pad=True, divisor_override=None) -> Node:
    """Shared by the modules and ``F.avg_pool2d`` / ``F.max_pool2d``; ``where`` names
    the caller in errors."""
    if ceil_mode:
        raise UnsupportedError(f"{where}: ceil_mode=True is not supported")
    if dilation not in (1, (1, 1), [1, 1]):
        raise UnsupportedError(f"{where}: dilation={dilation} is not supported")
    stride = stride if stride not in (None, [], ()) else kernel_size
    if kind == "max":
        return MaxPool2d(kernel_size=kernel_size, stride=stride, padding=padding)
    padded = padding not in (0, (0, 0), [0, 0])
    if padded and not count_include_pad:
        raise UnsupportedError(f"{where}: count_include_pad=False with padding is not supported")
    if divisor_override is not None:
        if divisor_override != 1:
            raise UnsupportedError(f"{where}: divisor_override={divisor_override}; only 1 (a sum pool) is supported")
        return SumPool2d(kernel_size=kernel_size, stride=stride, padding=padding)
    return AvgPool2d(kernel_size=kernel_size, stride=stride, padding=padding)


@LAYERS.register("torch.nn.AvgPool2d", _SJ + "AvgPool2d")
def avg_pool(m, shape, path):
    return pool2d("avg", _where(path, m), m.kernel_size, m.stride, m.padding, 1, m.ceil_mode, m.count_include_pad, m.divisor_override)


@LAYERS.register("torch.nn.AdaptiveAvgPool2d", _SJ + "AdaptiveAvgPool2d")
def adaptive_avg_pool(m, shape, path):
    """An adaptive average pool whose output size divides the input: the plain average
    pool with kernel = stride = input // output (what torch computes then)."""
    size = m.output_size if isinstance(m.output_size, (tuple, list)) else (m.output_size, m.output_size)
    out = tuple(shape[-2 + i] if o is None else int(o) for i, o in enumerate(size))
    if len(shape) != 3 or any(n % o for n, o in zip(shape[1:], out)):
        raise unsupported(path, m, f"output size {out} does not divide the input {tuple(shape[1:])}")
    kernel = tuple(n // o for n, o in zip(shape[1:], out))
    return AvgPool2d(kernel_size=kernel, stride=kernel, padding=0)


@LAYERS.register("torch.nn.MaxPool2d", _SJ + "MaxPool2d")
def max_pool(m, shape, path):
    if m.return_indices:
        raise unsupported(path, m, "return_indices=True is not supported")
    return pool2d("max", _where(path, m), m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode)


def flatten_node(start_dim: int, end_dim: int, shape: Shape, where: str) -> Node:
    """torch's dims count the batch axis; the IR's do not. ``where`` names the caller."""
    ndim = len(shape) + 1
    start, end = start_dim % ndim, end_dim % ndim
    if start == 0:
        raise UnsupportedError(f"{where}: flattening from dim 0 would merge the batch axis into the sample")
    return Flatten(start_dim=start - 1, end_dim=end - 1)


@LAYERS.register("torch.nn.Flatten", _SJ + "Flatten")
def flatten(m, shape, path):
    return flatten_node(m.start_dim, m.end_dim, shape, f"module '{path}' (Flatten)")


@LAYERS.register(
    "torch.nn.Dropout", "torch.nn.Dropout1d", "torch.nn.Dropout2d", "torch.nn.AlphaDropout",
    "torch.nn.Identity", _SJ + "Dropout", _SJ + "Dropout2d",
)
def identity(m, shape, path):
    return None


CONTAINERS.register(_SJ + "SeqToANNContainer", _SJ + "MultiStepContainer")(True)


def _optional(p) -> np.ndarray | None:
    return None if p is None else array(p)


@LAYERS.register("torch.nn.LayerNorm")
def layer_norm(m: nn.LayerNorm, shape, path):
    return LayerNorm(normalized_shape=m.normalized_shape, weight=_optional(m.weight), bias=_optional(m.bias), eps=m.eps)


def default_eps(dtype: torch.dtype | None) -> float:
    """torch's RMSNorm eps when none is given: the machine epsilon of the dtype it runs in
    (the default dtype when unknown). The tracer writes it into the node explicitly, so
    the float64 reference uses the eps the traced (say float32) model uses."""
    return float(torch.finfo(dtype or torch.get_default_dtype()).eps)


@LAYERS.register("torch.nn.RMSNorm")
def rms_norm(m: nn.RMSNorm, shape, path):
    eps = m.eps if m.eps is not None else default_eps(None if m.weight is None else m.weight.dtype)
    return RMSNorm(normalized_shape=m.normalized_shape, weight=_optional(m.weight), eps=eps)


@LAYERS.register("torch.nn.ReLU")
def relu(m, shape, path):
    return ReLU()


@LAYERS.register("torch.nn.Sigmoid")
def sigmoid(m, shape, path):
    return Sigmoid()


@LAYERS.register("torch.nn.SiLU")
def silu(m, shape, path):
    return SiLU()


@LAYERS.register("torch.nn.GELU")
def gelu(m: nn.GELU, shape, path):
    return GELU(approximate=GeluApproximation(m.approximate))


@LAYERS.register("torch.nn.ELU")
def elu(m: nn.ELU, shape, path):
    return ELU(alpha=m.alpha)


@LAYERS.register("torch.nn.Softplus")
def softplus(m: nn.Softplus, shape, path):
    return Softplus(beta=m.beta, threshold=m.threshold)
