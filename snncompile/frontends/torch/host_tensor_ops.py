"""Tracer handlers for re-indexing tensors: reshape/view, transpose/permute, (un)squeeze,
cat, split/chunk and slicing, onto :mod:`snncompile.ir.host_tensor` nodes (and
``Flatten`` where it says the same: merging adjacent axes).

torch dims count the batch axis (0); the IR's axes do not. The batch axis must stay
first and whole: a call that moves, slices or merges it is refused.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any

import torch

from snncompile.errors import UnsupportedError
from snncompile.frontends.torch.host_ops import sample_dims
from snncompile.frontends.torch.layers import flatten_node
from snncompile.frontends.torch.tracer import (
    Batch,
    NeuronOut,
    SizeOf,
    State,
    Tensor,
    as_tensor,
    bind_args,
    handles,
    is_tensor,
)
from snncompile.ir.host_tensor import Concat, Permute, Reshape, Slice


def reshape_to(b, name: str, x: Tensor, target: tuple[int, ...], where: str) -> Tensor:
    """``x`` with per-sample shape ``target``: itself, a Flatten when adjacent axes merge,
    else a Reshape."""
    if target == x.shape:
        return x
    for start in range(len(x.shape)):
        for end in range(start + 1, len(x.shape)):
            if x.shape[:start] + (math.prod(x.shape[start : end + 1]),) + x.shape[end + 1 :] == target:
                return b.add(name, flatten_node(start + 1, end + 1, x.shape, where), [x])
    return b.add(name, Reshape(shape=target), [x])


@handles(torch.reshape, methods=("view", "reshape"))
def _reshape(b, name, where, args, kwargs):
    x = as_tensor(args[0], where)
    dims = list(args[1]) if len(args) == 2 and isinstance(args[1], (tuple, list)) else list(args[1:])
    dims += list(kwargs.get("shape", ()))
    if not dims or not (isinstance(dims[0], Batch) or dims[0] == -1):
        raise UnsupportedError(f"{where}: reshape to {dims} must keep the batch axis first (x.shape[0] or -1)")
    rest = dims[1:]
    if any(not isinstance(d, int) for d in rest) or (dims[0] == -1 and -1 in rest):
        raise UnsupportedError(f"{where}: reshape to {dims}: per-sample sizes must be numbers")
    total = math.prod(x.shape)
    if -1 in rest:
        known = math.prod(d for d in rest if d != -1)
        rest = [total // known if d == -1 else d for d in rest]
    return reshape_to(b, name, x, tuple(rest), where)


def _unsqueeze_sig(input, dim): ...
def _squeeze_sig(input, dim=None): ...


@handles(torch.unsqueeze, methods=("unsqueeze",))
def _unsqueeze(b, name, where, args, kwargs):
    a = bind_args(_unsqueeze_sig, args, kwargs, where).arguments
    x = as_tensor(a["input"], where)
    (axis,) = sample_dims(a["dim"], (*x.shape, 1), where)  # dims of the result
    return b.add(name, Reshape(shape=(*x.shape[:axis], 1, *x.shape[axis:])), [x])


@handles(torch.squeeze, methods=("squeeze",))
def _squeeze(b, name, where, args, kwargs):
    a = bind_args(_squeeze_sig, args, kwargs, where).arguments
    x = as_tensor(a["input"], where)
    if a["dim"] is None:
        raise UnsupportedError(f"{where}: squeeze needs dim= (without it the batch axis of a batch of 1 would go too)")
    axes = [d for d in sample_dims(a["dim"], x.shape, where) if x.shape[d] == 1]
    return reshape_to(b, name, x, tuple(n for i, n in enumerate(x.shape) if i not in axes), where)


def _transpose_sig(input, dim0, dim1): ...


@handles(torch.transpose, torch.swapaxes, methods=("transpose", "swapaxes"))
def _transpose(b, name, where, args, kwargs):
    a = bind_args(_transpose_sig, args, kwargs, where).arguments
    x = as_tensor(a["input"], where)
    i, j = sample_dims((a["dim0"], a["dim1"]), x.shape, where)
    perm = list(range(len(x.shape)))
    perm[i], perm[j] = perm[j], perm[i]
    return x if i == j else b.add(name, Permute(perm=tuple(perm)), [x])


@handles(torch.permute, methods=("permute",))
def _permute(b, name, where, args, kwargs):
    x = as_tensor(args[0], where)
    dims = list(args[1]) if len(args) == 2 and isinstance(args[1], (tuple, list)) else list(args[1:])
    dims += list(kwargs.get("dims", ()))
    full = len(x.shape) + 1
    if len(dims) != full or not dims or dims[0] % full != 0:
        raise UnsupportedError(f"{where}: permute{tuple(dims)} must keep the batch axis first and name all {full} axes")
    perm = sample_dims(tuple(dims[1:]), x.shape, where)
    return x if perm == tuple(range(len(x.shape))) else b.add(name, Permute(perm=perm), [x])


def _cat_sig(tensors, dim=0): ...


@handles(torch.cat, torch.concat, torch.concatenate)
def _cat(b, name, where, args, kwargs):
    a = bind_args(_cat_sig, args, {("dim" if k == "axis" else k): v for k, v in kwargs.items()}, where).arguments
    items = a["tensors"].tensors(b) if isinstance(a["tensors"], Pieces) else list(a["tensors"])
    if not items or not all(is_tensor(t) for t in items):
        raise UnsupportedError(f"{where}: only the concatenation of computed tensors is supported, found {items}")
    tensors = [as_tensor(t, where) for t in items]
    (axis,) = sample_dims(a["dim"], tensors[0].shape, where)
    if len(tensors) == 1:
        return tensors[0]
    return b.add_operands(name, Concat(axis=axis, count=len(tensors)), {f"x{i}": t for i, t in enumerate(tensors)})


@dataclass
class Pieces:
    """What ``split``/``chunk`` return: pieces of ``source`` along ``axis``; indexing one
    makes its Slice node (so an unused piece adds nothing to the graph)."""

    source: Tensor
    axis: int
    bounds: list[tuple[int, int]]
    name: str
    made: dict[int, Tensor] = field(default_factory=dict)

    def piece(self, b, index: int, where: str) -> Tensor:
        if not -len(self.bounds) <= index < len(self.bounds):
            raise UnsupportedError(f"{where}: piece {index} of {len(self.bounds)}")
        index %= len(self.bounds)
        if index not in self.made:
            start, stop = self.bounds[index]
            if (start, stop) == (0, self.source.shape[self.axis]):
                self.made[index] = self.source
            else:
                slice_node = Slice(axis=self.axis, start=start, stop=stop)
                self.made[index] = b.add(f"{self.name}_{index}", slice_node, [self.source])
        return self.made[index]

    def tensors(self, b) -> list[Tensor]:
        return [self.piece(b, i, "") for i in range(len(self.bounds))]


def _split_sig(tensor, split_size_or_sections, dim=0): ...
def _chunk_sig(input, chunks, dim=0): ...


@handles(torch.split, methods=("split",))
def _split(b, name, where, args, kwargs):
    a = bind_args(_split_sig, args, {("split_size_or_sections" if k == "split_size" else k): v for k, v in kwargs.items()}, where).arguments
    x = as_tensor(a["tensor"], where)
    (axis,) = sample_dims(a["dim"], x.shape, where)
    n, sizes = x.shape[axis], a["split_size_or_sections"]
    if isinstance(sizes, int):
        sizes = [min(sizes, n - start) for start in range(0, n, sizes)]
    if sum(sizes) != n or any(not isinstance(s, int) or s < 1 for s in sizes):
        raise UnsupportedError(f"{where}: sections {list(sizes)} do not split an axis of size {n}")
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return Pieces(x, axis, [(s, s + size) for s, size in zip(starts, sizes)], name)


@handles(torch.chunk, methods=("chunk",))
def _chunk(b, name, where, args, kwargs):
    """torch's rule: pieces of ``ceil(n / chunks)`` elements, the last one shorter."""
    a = bind_args(_chunk_sig, args, kwargs, where).arguments
    x = as_tensor(a["input"], where)
    (axis,) = sample_dims(a["dim"], x.shape, where)
    n = x.shape[axis]
    size = -(-n // a["chunks"])
    return Pieces(x, axis, [(s, min(s + size, n)) for s in range(0, n, size)], name)


@handles(operator.getitem)
def _getitem(b, name, where, args, kwargs):
    obj, index = args
    if isinstance(obj, NeuronOut) and isinstance(index, int):  # a neuron's (spikes, state) tuple
        return obj.spikes if index == 0 else State(obj.path)
    if isinstance(obj, State):
        return obj
    if isinstance(obj, SizeOf) and isinstance(index, int):
        return obj.item(index)
    if isinstance(obj, Pieces) and isinstance(index, int):
        return obj.piece(b, index, where)
    if isinstance(obj, (tuple, list)):
        return obj[index]
    if is_tensor(obj):
        return _index(b, name, as_tensor(obj, where), index, where)
    raise UnsupportedError(f"{where}: indexing {type(obj).__name__} with {index!r} is not supported")


def _index(b, name: str, x: Tensor, index: Any, where: str) -> Tensor:
    """Basic indexing (ints, slices with a positive step, ``...``, None) of per-sample
    axes: one Slice per cut axis, then a Reshape for removed or added axes."""
    items = list(index) if isinstance(index, tuple) else [index]
    if any(not (isinstance(i, (int, slice)) or i is None or i is Ellipsis) for i in items):
        raise UnsupportedError(f"{where}: indexing with {index!r}: only ints, slices, ... and None are supported (no tensor indices)")
    explicit = sum(1 for i in items if i is not None and i is not Ellipsis)
    if explicit > len(x.shape) + 1 or items.count(Ellipsis) > 1:
        raise UnsupportedError(f"{where}: index {index!r} has too many entries for (batch, *{x.shape})")
    fill = [slice(None)] * (len(x.shape) + 1 - explicit)
    items = items[: items.index(Ellipsis)] + fill + items[items.index(Ellipsis) + 1 :] if Ellipsis in items else items + fill
    if items[0] != slice(None):
        raise UnsupportedError(f"{where}: index {index!r} selects from or moves the batch axis; only per-sample axes can be indexed")
    out, final = x, []
    axis = 0
    for item in items[1:]:
        if item is None:
            final.append(1)
            continue
        size = x.shape[axis]
        if isinstance(item, int):
            if not -size <= item < size:
                raise UnsupportedError(f"{where}: index {item} out of range for axis {axis + 1} of size {size}")
            start, stop, step = item % size, item % size + 1, 1
        else:
            start, stop, step = item.indices(size)
            if step < 1 or len(range(start, stop, step)) == 0:
                raise UnsupportedError(f"{where}: slice {item} of an axis of size {size} is empty or reversed")
            final.append(len(range(start, stop, step)))
        if (start, stop, step) != (0, size, 1):
            out = b.add(name, Slice(axis=axis, start=start, stop=stop, step=step), [out])
        axis += 1
    return reshape_to(b, name, out, tuple(final), where)
