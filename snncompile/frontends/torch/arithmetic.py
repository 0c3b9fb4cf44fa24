"""Tracer handlers for arithmetic: ``+ - * / @``, negation and powers, on tensors,
numbers and constants (parameters and buffers read in ``forward``).

It maps onto the IR's one declaration of each concept:

- ``a + b`` of two tensors is ``Add`` (an operand of a smaller shape that broadcasts is
  ``Expand``-ed first); ``a - b`` is ``Add(a, Scale(-1) b)``; ``-x`` is ``Scale(-1)``;
- a number or constant on either side of ``+``/``-`` is a ``Constant`` node (its value
  broadcast to the tensor's shape) summed by the ``Add``;
- ``x * c``, ``c * x`` and ``x / c`` with a number or constant are ``Scale`` (``1 / c``);
  a constant that would widen the tensor is a ``Constant`` into ``Mul`` / ``Div``;
- ``a * b`` and ``a / b`` of two tensors are ``Mul`` / ``Div`` (NumPy broadcasting);
  ``c / x`` is ``Div(Constant(c), x)``; ``x ** 2`` is ``Mul(x, x)``; ``a @ b`` is ``MatMul``;
- arithmetic on plain numbers (sizes read off ``x.shape``) is evaluated while tracing.

A constant operand with one axis more than the tensor's per-sample shape is read as
having a batch axis, which must be 1 (torch broadcasts it over the batch).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from snncompile.errors import GraphError, UnsupportedError
from snncompile.frontends.torch.tracer import (
    Batch,
    Tensor,
    as_tensor,
    handles,
    is_tensor,
)
from snncompile.frontends.torch.tracer import Constant as ConstantValue
from snncompile.ir import Add, Constant, Scale
from snncompile.ir.host import Div, MatMul, Mul, broadcast_batch_dims
from snncompile.ir.host_tensor import Expand

# -- operands ----------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_constant(value: Any) -> bool:
    return is_number(value) or isinstance(value, ConstantValue)


def per_sample(value: Any, rank: int, where: str) -> np.ndarray:
    """A number or constant tensor next to a tensor of per-sample rank ``rank``, without
    its batch axis."""
    array = np.asarray(float(value)) if is_number(value) else np.asarray(value.value, dtype=np.float64)
    if array.ndim > rank + 1 or (array.ndim == rank + 1 and array.shape[0] != 1):
        raise UnsupportedError(f"{where}: a constant of shape {array.shape} would mix samples of the batch")
    return array[0] if array.ndim == rank + 1 else array


def constant(b, name: str, value: np.ndarray) -> Tensor:
    return b.add(f"{name}.value", Constant(value=value), [])


def _operands(args: list, kwargs: dict, where: str) -> tuple[Any, Any]:
    """The two operands of a binary call; ``alpha`` (torch.add/sub) must be 1."""
    extra = dict(kwargs)
    if extra.pop("alpha", 1) != 1 or extra or len(args) != 2:
        raise UnsupportedError(f"{where}: only two operands (no alpha, rounding_mode or out) are supported, found {args} {kwargs}")
    for value in args:
        if isinstance(value, Batch):
            raise UnsupportedError(f"{where}: arithmetic on the batch size is not supported")
        if not (is_tensor(value) or is_constant(value)):
            raise UnsupportedError(f"{where}: operand {value!r} is neither a tensor nor a number or constant")
    return args[0], args[1]


def scale(b, name: str, x: Tensor, factor: np.ndarray) -> Tensor:
    return b.add(name, Scale(scale=factor), [x])


def fits(value: np.ndarray, shape: tuple[int, ...]) -> bool:
    """``value`` broadcasts to ``shape`` without widening it."""
    try:
        return np.broadcast_shapes(value.shape, shape) == tuple(shape)
    except ValueError:
        return False


# -- + - * / -------------------------------------------------------------------------------
def _sum(b, name: str, where: str, x: Any, y: Any) -> Tensor:
    if is_tensor(x) and is_tensor(y):
        xt, yt = as_tensor(x, where), as_tensor(y, where)
        shape = broadcast_batch_dims(xt.shape, yt.shape)
        if shape is None:
            raise GraphError(f"{where}: adds tensors of shapes {xt.shape} and {yt.shape}, which do not broadcast")
        terms = [t if t.shape == shape else b.add(f"{name}.expand", Expand(shape=shape), [t]) for t in (xt, yt)]
        return b.add(name, Add(), terms)
    t, c = (x, y) if is_tensor(x) else (y, x)
    t = as_tensor(t, where)
    value = per_sample(c, len(t.shape), where)
    if not fits(value, t.shape):
        raise UnsupportedError(f"{where}: adding a constant of shape {value.shape} would widen the tensor {t.shape}")
    return b.add(name, Add(), [t, constant(b, name, np.broadcast_to(value, t.shape).copy())])


@handles(operator.add, operator.iadd, torch.add, methods=("add", "add_"))
def _add(b, name, where, args, kwargs):
    x, y = _operands(args, kwargs, where)
    if is_number(x) and is_number(y):
        return x + y
    if not (is_tensor(x) or is_tensor(y)):
        raise UnsupportedError(f"{where}: a sum of constants is not computed from the input")
    return _sum(b, name, where, x, y)


def _negate(b, name: str, value: Any, where: str) -> Any:
    if is_tensor(value):
        return scale(b, f"{name}.neg", as_tensor(value, where), np.asarray(-1.0))
    if isinstance(value, ConstantValue):
        return ConstantValue(-value.value)
    return -value


@handles(operator.sub, operator.isub, torch.sub, methods=("sub", "sub_"))
def _sub(b, name, where, args, kwargs):
    x, y = _operands(args, kwargs, where)
    if is_number(x) and is_number(y):
        return x - y
    if not (is_tensor(x) or is_tensor(y)):
        raise UnsupportedError(f"{where}: a difference of constants is not computed from the input")
    return _sum(b, name, where, x, _negate(b, name, y, where))


@handles(operator.neg, torch.neg, methods=("neg",))
def _neg(b, name, where, args, kwargs):
    if len(args) != 1 or kwargs or not (is_tensor(args[0]) or is_number(args[0])):
        raise UnsupportedError(f"{where}: only the negation of one tensor or number is supported, found {args}")
    return -args[0] if is_number(args[0]) else scale(b, name, as_tensor(args[0], where), np.asarray(-1.0))


def _product(b, name: str, where: str, node_cls: type, x: Any, y: Any) -> Tensor:
    """``x * y`` or ``x / y`` (``node_cls`` Mul or Div) with at least one tensor."""
    if is_tensor(x) and is_tensor(y):
        return b.add_operands(name, node_cls(), {"a": as_tensor(x, where), "b": as_tensor(y, where)})
    if is_tensor(x):
        t = as_tensor(x, where)
        value = per_sample(y, len(t.shape), where)
        if fits(value, t.shape):
            return scale(b, name, t, value if node_cls is Mul else 1.0 / value)
        return b.add_operands(name, node_cls(), {"a": t, "b": constant(b, name, value)})
    t = as_tensor(y, where)
    value = per_sample(x, len(t.shape), where)
    if node_cls is Mul and fits(value, t.shape):
        return scale(b, name, t, value)
    return b.add_operands(name, node_cls(), {"a": constant(b, name, value), "b": t})


@handles(operator.mul, operator.imul, torch.mul, methods=("mul", "mul_"))
def _mul(b, name, where, args, kwargs):
    x, y = _operands(args, kwargs, where)
    if is_number(x) and is_number(y):
        return x * y
    if not (is_tensor(x) or is_tensor(y)):
        raise UnsupportedError(f"{where}: a product of constants is not computed from the input")
    return _product(b, name, where, Mul, x, y)


@handles(operator.truediv, operator.itruediv, torch.div, torch.true_divide, methods=("div", "div_", "true_divide"))
def _div(b, name, where, args, kwargs):
    if kwargs.get("rounding_mode") is not None:
        raise UnsupportedError(f"{where}: rounding_mode={kwargs['rounding_mode']!r} is not supported (true division only)")
    x, y = _operands(args, {k: v for k, v in kwargs.items() if k != "rounding_mode"}, where)
    if is_number(x) and is_number(y):
        return x / y
    if not (is_tensor(x) or is_tensor(y)):
        raise UnsupportedError(f"{where}: a quotient of constants is not computed from the input")
    return _product(b, name, where, Div, x, y)


def _on_sizes(fn: Callable[[Any, Any], Any], what: str) -> Callable:
    def handler(b, name, where, args, kwargs):
        x, y = _operands(args, kwargs, where)
        if is_number(x) and is_number(y):
            return fn(x, y)
        raise UnsupportedError(f"{where}: {what} is supported on sizes only, not on tensors")

    return handler


handles(operator.floordiv)(_on_sizes(operator.floordiv, "floor division"))
handles(operator.mod)(_on_sizes(operator.mod, "modulo"))


@handles(operator.pow, torch.pow, methods=("pow",))
def _pow(b, name, where, args, kwargs):
    x, y = _operands(args, kwargs, where)
    if is_number(x) and is_number(y):
        return x**y
    if is_tensor(x) and y == 2:
        t = as_tensor(x, where)
        return b.add_operands(name, Mul(), {"a": t, "b": t})
    raise UnsupportedError(f"{where}: only tensor ** 2 (a product) and powers of numbers are supported")


@handles(operator.matmul, torch.matmul, methods=("matmul",))
def _matmul(b, name, where, args, kwargs):
    if len(args) != 2 or kwargs or not all(is_tensor(a) for a in args):
        raise UnsupportedError(f"{where}: only the product of two computed tensors is supported, found {args}")
    a, m = (as_tensor(x, where) for x in args)
    return b.add_operands(name, MatMul(), {"a": a, "b": m})
