"""ONNX emitters of the host operations (:mod:`snncompile.ir.host` and its siblings); each
mirrors the reference kernel in :mod:`snncompile.simulate.host_kernels` operation by
operation (where the kernel is a PyTorch function, the emitter writes that function's
equation from the node's docstring). Only operators of opset 13 are used, so every opset
the exporter accepts can carry them; a per-sample axis ``a`` is ONNX axis ``a + 1``.
"""

from __future__ import annotations

import math

import numpy as np

from snncompile.backends.onnx.builder import Builder
from snncompile.backends.onnx.emitters import emits
from snncompile.ir.host import Div, LayerNorm, MatMul, Mean, Mul, Quantize, RMSNorm
from snncompile.ir.host_activation import (
    ELU,
    GELU,
    Exp,
    GeluApproximation,
    ReLU,
    Sigmoid,
    Sign,
    SiLU,
    Softplus,
)
from snncompile.ir.host_scan import SelectiveScan
from snncompile.ir.host_tensor import Concat, Expand, Permute, Reshape, Slice


def align_rank(b: Builder, x: str, shape: tuple[int, ...], rank: int, hint: str) -> str:
    """Singleton axes after the batch axis up to ``rank`` per-sample axes (as the kernel)."""
    missing = rank - len(shape)
    if missing <= 0:
        return x
    return b.op("Unsqueeze", [x, b.ints(list(range(1, 1 + missing)), f"{hint}/axes")], hint)


def _binary(op_type: str):
    def emit(b, name, node, x, in_shape, states):
        rank = max(len(in_shape["a"]), len(in_shape["b"]))
        a = align_rank(b, x["a"], in_shape["a"], rank, name)
        m = align_rank(b, x["b"], in_shape["b"], rank, name)
        return b.op(op_type, [a, m], name)

    return emit


emits(MatMul)(_binary("MatMul"))
emits(Mul)(_binary("Mul"))
emits(Div)(_binary("Div"))


def _mean(b: Builder, x: str, axes: list[int], count: int, keepdims: bool, hint: str) -> str:
    """``ReduceSum / count`` (ReduceSum takes its axes as an input from opset 13 on,
    ReduceMean only from 18)."""
    total = b.op("ReduceSum", [x, b.ints(axes, f"{hint}/axes")], hint, keepdims=int(keepdims))
    return b.op("Div", [total, b.const(np.float32(count), f"{hint}/count")], hint)


@emits(Mean)
def _mean_node(b, name, node: Mean, x, in_shape, states):
    axes = [a % len(in_shape) for a in node.axes]
    return _mean(b, x, [a + 1 for a in axes], math.prod(in_shape[a] for a in axes), node.keepdim, name)


def _trailing(in_shape, normalized) -> tuple[list[int], int]:
    k = len(normalized)
    return list(range(len(in_shape) - k + 1, len(in_shape) + 1)), math.prod(normalized)


@emits(LayerNorm)
def _layer_norm(b, name, node: LayerNorm, x, in_shape, states):
    """``d = x - mean(x)``; ``y = d / sqrt(mean(d²) + eps) * weight + bias``."""
    axes, n = _trailing(in_shape, node.normalized_shape)
    d = b.op("Sub", [x, _mean(b, x, axes, n, True, name)], name)
    var = _mean(b, b.op("Mul", [d, d], name), axes, n, True, name)
    y = b.op("Div", [d, b.op("Sqrt", [b.add(var, np.float32(node.eps), f"{name}/eps")], name)], name)
    if node.weight is not None:
        y = b.op("Mul", [y, b.const(node.weight, f"{name}/weight")], name)
    if node.bias is not None:
        y = b.op("Add", [y, b.const(node.bias, f"{name}/bias")], name)
    return y


@emits(RMSNorm)
def _rms_norm(b, name, node: RMSNorm, x, in_shape, states):
    """``y = x / sqrt(mean(x²) + eps) * weight``; eps None is float32's epsilon (the
    model computes in float32)."""
    axes, n = _trailing(in_shape, node.normalized_shape)
    eps = np.finfo(np.float32).eps if node.eps is None else node.eps
    ms = _mean(b, b.op("Mul", [x, x], name), axes, n, True, name)
    y = b.op("Div", [x, b.op("Sqrt", [b.add(ms, np.float32(eps), f"{name}/eps")], name)], name)
    if node.weight is not None:
        y = b.op("Mul", [y, b.const(node.weight, f"{name}/weight")], name)
    return y


_SAME_OPERATOR = {ReLU: "Relu", Sigmoid: "Sigmoid", Exp: "Exp", Sign: "Sign"}


@emits(*_SAME_OPERATOR)
def _activation(b, name, node, x, in_shape, states):
    return b.op(_SAME_OPERATOR[type(node)], [x], name)


@emits(SiLU)
def _silu(b, name, node, x, in_shape, states):
    return b.op("Mul", [x, b.op("Sigmoid", [x], name)], name)


@emits(GELU)
def _gelu(b, name, node: GELU, x, in_shape, states):
    """``0.5 x (1 + erf(x / sqrt 2))`` or ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x³)))``
    (ONNX's Gelu needs opset 20)."""
    if node.approximate is GeluApproximation.TANH:
        cube = b.op("Mul", [x, b.op("Mul", [x, x], name)], name)
        inner = b.op("Add", [x, b.mul(cube, np.float32(0.044715), f"{name}/c")], name)
        core = b.op("Tanh", [b.mul(inner, np.float32(math.sqrt(2 / math.pi)), f"{name}/k")], name)
    else:
        core = b.op("Erf", [b.mul(x, np.float32(1 / math.sqrt(2)), f"{name}/k")], name)
    one_plus = b.add(core, np.float32(1.0), f"{name}/one")
    return b.op("Mul", [b.mul(x, np.float32(0.5), f"{name}/half"), one_plus], name)


@emits(ELU)
def _elu(b, name, node: ELU, x, in_shape, states):
    return b.op("Elu", [x], name, alpha=node.alpha)


def softplus(b: Builder, x: str, beta: float, threshold: float, hint: str) -> str:
    """``x`` where ``beta x > threshold``, else ``Softplus(beta x) / beta``."""
    z = b.mul(x, np.asarray(beta, dtype=np.float32), f"{hint}/beta")
    soft = b.op("Softplus", [z], hint)
    if beta != 1:
        soft = b.op("Div", [soft, b.const(np.float32(beta), f"{hint}/beta")], hint)
    linear = b.op("Greater", [z, b.const(np.float32(threshold), f"{hint}/threshold")], hint)
    return b.op("Where", [linear, x, soft], hint)


@emits(Softplus)
def _softplus(b, name, node: Softplus, x, in_shape, states):
    return softplus(b, x, node.beta, node.threshold, name)


@emits(Permute)
def _permute(b, name, node: Permute, x, in_shape, states):
    return b.op("Transpose", [x], name, perm=[0, *(p + 1 for p in node.perm)])


@emits(Reshape)
def _reshape(b, name, node: Reshape, x, in_shape, states):
    """``0`` keeps the batch size."""
    return b.op("Reshape", [x, b.ints([0, *node.shape], f"{name}/shape")], name)


@emits(Expand)
def _expand(b, name, node: Expand, x, in_shape, states):
    """``Expand`` to ``[1, *shape]``: ONNX broadcasts both ways, so the batch is kept."""
    aligned = align_rank(b, x, in_shape, len(node.shape), name)
    return b.op("Expand", [aligned, b.ints([1, *node.shape], f"{name}/shape")], name)


@emits(Concat)
def _concat(b, name, node: Concat, x, in_shape, states):
    axis = node.axis % len(in_shape[node.ports[0]]) + 1
    return b.op("Concat", [x[p] for p in node.ports], name, axis=axis)


@emits(Slice)
def _slice(b, name, node: Slice, x, in_shape, states):
    axis = node.axis % len(in_shape) + 1
    bounds = [b.ints([v], f"{name}/{what}") for what, v in
              (("start", node.start), ("stop", node.stop), ("axis", axis), ("step", node.step))]
    return b.op("Slice", [x, *bounds], name)


@emits(SelectiveScan)
def _selective_scan(b, name, node: SelectiveScan, x, in_shape, states):
    """The recurrence unrolled over the static L: per token ``Gather`` the step's decay,
    drive and C, ``h = decay * h + drive``, ``y_l = ReduceSum(h * C_l)``; ``h_0`` is the
    first drive (``decay * 0 + drive``, the same number)."""
    u, delta, B, C = (x[p] for p in node.ports)
    length = in_shape["x"][0]
    if node.delta_bias is not None:
        delta = b.op("Add", [delta, b.const(node.delta_bias, f"{name}/delta_bias")], name)
    if node.delta_softplus:
        delta = softplus(b, delta, 1.0, 20.0, f"{name}/softplus")

    def unsqueeze(v: str, axis: int) -> str:
        return b.op("Unsqueeze", [v, b.ints([axis], f"{name}/axis")], name)

    decay = b.op("Exp", [b.op("Mul", [unsqueeze(delta, -1), b.const(node.A, f"{name}/A")], name)], name)
    drive = b.op("Mul", [unsqueeze(b.op("Mul", [delta, u], name), -1), unsqueeze(B, 2)], name)
    c_rows = unsqueeze(C, 2)  # (batch, L, 1, N)
    h, ys = "", []
    for step in range(length):
        index = b.const(np.int64(step), f"{name}/l{step}", np.int64)
        pick = [b.op("Gather", [v, index], name, axis=1) for v in (decay, drive, c_rows)]
        h = pick[1] if step == 0 else b.op("Add", [b.op("Mul", [pick[0], h], name), pick[1]], name)
        y = b.op("ReduceSum", [b.op("Mul", [h, pick[2]], name), b.ints([-1], f"{name}/n")], name, keepdims=0)
        ys.append(unsqueeze(y, 1))
    y = b.op("Concat", ys, name, axis=1) if length > 1 else ys[0]
    if node.D is not None:
        y = b.op("Add", [y, b.op("Mul", [b.const(node.D, f"{name}/D"), u], name)], name)
    return y


@emits(Quantize)
def _quantize(b, name, node: Quantize, x, in_shape, states):
    """ONNX Round is ties-to-even, as torch.round."""
    lo, hi = node.limits()
    scaled = b.op("Round", [b.op("Mul", [x, b.const(node.scale, f"{name}/scale")], name)], name)
    y = b.op("Clip", [scaled, b.const(lo, f"{name}/lo"), b.const(hi, f"{name}/hi")], name)
    if node.start == 0:
        return y
    # zeros before step `start`: a per-sample step counter, capped at start
    seen = states.add(name, "steps", (1,), f"steps seen, capped at {node.start}")
    start = b.const(float(node.start), f"{name}/start")
    b.bind(b.op("Min", [b.op("Add", [seen.name, b.const(1.0, f"{name}/one")], name), start], name), seen.next_name)
    opened = b.op("Cast", [b.op("GreaterOrEqual", [seen.name, start], name)], name, to=1)  # float 0/1
    gate = b.op("Reshape", [opened, b.ints([-1, *([1] * len(in_shape))], f"{name}/gate_shape")], name)
    return b.op("Mul", [y, gate], name)
