"""The node base class and the registry of node types.

A node is a small dataclass. Its fields are its whole meaning: array parameters are
numpy arrays, the rest are ints, floats, tuples or enums. Per time step a node maps its
input to one output; stateful nodes keep their state in the executor, not in the node.

Input: a node without ``ports`` receives the sum of its incoming edges (NIR's
convention, so fan-in is implicit). A node with ordered operands (``MatMul(a, b)``,
``Div(a, b)``) declares ``ports``; every port receives the sum of the edges that name it
(``Edge.port``), and every port must be fed.

``meta`` holds what analyses found out about a node (where it runs, how far it lags the
float timeline, which pass made it: see :mod:`snncompile.ir.meta`); it is not part of
the node's meaning, so equality ignores it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import Enum
from typing import Any, ClassVar

import numpy as np

from snncompile.errors import GraphError
from snncompile.ir.stage import Stage

Shape = tuple[int, ...]

#: the port name of the summed input of a node without ``ports``
SUM = ""

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
    #: what kind of arithmetic this node type is (see :mod:`snncompile.ir.stage`)
    stage: ClassVar[Stage] = Stage.FLOAT
    #: named ordered operands; () means one input, the sum of the incoming edges
    ports: ClassVar[tuple[str, ...]] = ()
    #: True for nodes that keep state across time steps (neurons, delays).
    stateful: ClassVar[bool] = False
    #: True for nodes whose output is a spike train (0/1).
    spiking: ClassVar[bool] = False
    #: True for nodes whose every output element is a copy of an input element (views,
    #: selections, delays, max): fed spike trains, one per operand, they output one
    #: (see :func:`snncompile.ir.graph.is_spike_train`)
    copies_elements: ClassVar[bool] = False
    #: True for nodes that take no input edge (their output is data: Input, Constant)
    source: ClassVar[bool] = False

    meta: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def output_shape(self, input_shape: Shape) -> Shape:
        """Per-sample output shape (no batch, no time) for a per-sample input shape."""
        return input_shape

    def check(self, input_shape: Shape) -> list[str]:
        """Every problem with this node given its input shape (empty when valid)."""
        return []

    def operand_output_shape(self, shapes: Mapping[str, Shape]) -> Shape:
        """Output shape given the shape at each port (``{SUM: shape}`` without ports).
        Nodes with ``ports`` override this and :meth:`check_operands`."""
        return self.output_shape(shapes[SUM])

    def check_operands(self, shapes: Mapping[str, Shape]) -> list[str]:
        """Every problem given the shape at each port (empty when valid)."""
        return self.check(shapes[SUM])

    def fields(self) -> list[dataclasses.Field]:
        """The dataclass fields that make up the node's meaning (``meta`` excluded)."""
        return [f for f in dataclasses.fields(self) if f.name != "meta"]

    def param_arrays(self) -> dict[str, np.ndarray]:
        """The array-valued fields, by field name (None-valued ones are left out)."""
        return {
            f.name: getattr(self, f.name)
            for f in self.fields()
            if isinstance(getattr(self, f.name), np.ndarray)
        }

    def attributes(self) -> dict[str, Any]:
        """The non-array fields, JSON-ready (enums by value, tuples as lists)."""
        out: dict[str, Any] = {}
        for f in self.fields():
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                continue
            out[f.name] = _jsonable(value)
        return out

    def replace(self, **changes: Any) -> Node:
        """A copy with some fields changed (nodes are treated as immutable); ``meta`` is
        copied, not shared."""
        changes.setdefault("meta", dict(self.meta))
        return dataclasses.replace(self, **changes)

    def with_meta(self, **entries: Any) -> Node:
        """A copy whose ``meta`` has ``entries`` added (None removes a key)."""
        meta = {**self.meta, **entries}
        return self.replace(meta={k: v for k, v in meta.items() if v is not None})


def negative_dims(shape: Shape) -> list[str]:
    """A problem when a declared shape has a negative dimension."""
    return [f"shape {tuple(shape)} has a negative dimension"] if any(d < 0 for d in shape) else []


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def as_float_array(value: Any) -> np.ndarray:
    """Parameters are float64 arrays: the reference semantics is computed in float64.
    Complex values are refused (NumPy would drop the imaginary part with a warning)."""
    array = np.asarray(value)
    if array.dtype.kind == "c":
        raise GraphError("complex parameter values: parameters are real numbers (the imaginary part would be "
                         "dropped; docs/robustness.md)")
    return np.asarray(array, dtype=np.float64)


def nodes_equal(a: Node, b: Node, rtol: float = 0.0, atol: float = 0.0) -> bool:
    """Field-by-field equality; arrays compared with the given tolerances."""
    if type(a) is not type(b):
        return False
    for f in a.fields():
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
