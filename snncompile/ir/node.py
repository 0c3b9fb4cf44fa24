"""The node base class and the registry of node types.

A node is a small dataclass. Its fields are its whole meaning: array parameters are
numpy arrays, the rest are ints, floats, tuples or enums. Every node maps one input
(the sum of its incoming edges) to one output per time step; stateful nodes keep their
state in the executor, not in the node.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any, ClassVar

import numpy as np

Shape = tuple[int, ...]

#: kind name -> node class; filled by :func:`register_node`.
NODE_TYPES: dict[str, type[Node]] = {}


def register_node(cls: type[Node]) -> type[Node]:
    """Class decorator: make ``cls`` known to serialization, codecs and executors."""
    NODE_TYPES[cls.kind] = cls
    return cls


@dataclasses.dataclass(eq=False, kw_only=True)
class Node:
    """Base of all IR nodes. ``kind`` is the stable name used in files."""

    kind: ClassVar[str] = "Node"
    #: True for nodes that keep state across time steps (neurons, delays).
    stateful: ClassVar[bool] = False
    #: True for nodes whose output is a spike train (0/1).
    spiking: ClassVar[bool] = False

    def output_shape(self, input_shape: Shape) -> Shape:
        """Per-sample output shape (no batch, no time) for a per-sample input shape."""
        return input_shape

    def check(self, input_shape: Shape) -> list[str]:
        """Every problem with this node given its input shape (empty when valid)."""
        return []

    def param_arrays(self) -> dict[str, np.ndarray]:
        """The array-valued fields, by field name (None-valued ones are left out)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }

    def attributes(self) -> dict[str, Any]:
        """The non-array fields, JSON-ready (enums by value, tuples as lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                continue
            out[f.name] = _jsonable(value)
        return out

    def replace(self, **changes: Any) -> Node:
        """A copy with some fields changed (nodes are treated as immutable)."""
        return dataclasses.replace(self, **changes)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def as_float_array(value: Any) -> np.ndarray:
    """Parameters are float64 arrays: the reference semantics is computed in float64."""
    return np.asarray(value, dtype=np.float64)


def nodes_equal(a: Node, b: Node, rtol: float = 0.0, atol: float = 0.0) -> bool:
    """Field-by-field equality; arrays compared with the given tolerances."""
    if type(a) is not type(b):
        return False
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if x is None or y is None:
                return False
            x, y = np.asarray(x), np.asarray(y)
            if x.shape != y.shape:
                return False
            if rtol == 0 and atol == 0:
                if not np.array_equal(x, y):
                    return False
            elif not np.allclose(x, y, rtol=rtol, atol=atol):
                return False
        elif x != y:
            return False
    return True
