"""Small C text helpers: array literals, integer constants, a node's slot, the
accumulator finish ``wrap(acc << shift, bits)``."""

from __future__ import annotations

import numpy as np

from snncompile.backends.c.plan import Plan, Read

LINE = 24  # values per line in array literals


def c_int(value: int) -> str:
    """An integer literal valid in C99 for any 64-bit value."""
    value = int(value)
    if -(2**31) < value < 2**31:
        return str(value)
    return f"INT64_C({value})" if value > -(2**63) else "INT64_MIN"


def array_literal(values: np.ndarray) -> str:
    """``{1, 2, ...}`` (nested for 2-D), broken into lines."""
    arr = np.asarray(values)
    if arr.ndim > 1:
        return "{\n" + ",\n".join(array_literal(row) for row in arr) + "\n}"
    flat = [str(int(v)) for v in arr.reshape(-1)] or ["0"]
    lines = [", ".join(flat[i:i + LINE]) for i in range(0, len(flat), LINE)]
    return "{" + ",\n ".join(lines) + "}"


def const_array(ctype: str, name: str, values: np.ndarray) -> str:
    """A table in flash: ``static const T name[...] = {...};`` (at least one element)."""
    arr = np.asarray(values)
    if arr.size == 0:
        arr = np.zeros(1, np.int64)
    dims = "".join(f"[{d}]" for d in arr.shape)
    return f"static const {ctype} {name}{dims} = {array_literal(arr)};"


def slot(plan: Plan, read: Read) -> str:
    """The ring index of ``read`` (its source's output ``read.delay`` steps back)."""
    src = plan.nodes[read.src]
    if src.depth == 1:
        return "0"
    if read.delay == 0:
        return f"S.{src.ident}_pos"
    return f"snn_back(S.{src.ident}_pos, {read.delay}u, {src.depth}u)"


def finish(acc: str, shift: int, bits: int) -> str:
    """C expression for ``wrap(acc << shift, bits)`` as int32_t (arithmetic right shift,
    i.e. floor, for a negative shift; two's complement wrap into ``bits`` <= 32)."""
    if shift > 0:
        y = f"(int64_t)((uint64_t)(int64_t)({acc}) << {shift})"
    elif shift < 0:
        y = f"((int64_t)({acc}) >> {-shift})"
    else:
        y = f"(int64_t)({acc})"
    if bits == 32:
        return f"(int32_t)(uint32_t){y}"
    half, mask = 1 << (bits - 1), (1 << bits) - 1
    return f"(int32_t)((int64_t)(((uint64_t){y} + UINT64_C({half})) & UINT64_C({mask})) - INT64_C({half}))"


def started(delay: int) -> str:
    """``if (snn_t >= delay) `` (a Constant read ``delay`` steps back is 0 before), or
    nothing for delay 0."""
    return f"if (snn_t >= {delay}u) " if delay else ""
