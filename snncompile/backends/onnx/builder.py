"""A small helper over ``onnx.helper`` that collects nodes and constants of one graph.

Values are named ``<ir node>/<what>`` (made unique with a counter) so that an ONNX
viewer shows which IR node every operator belongs to. Every float constant is float32:
the exported model computes in float32 (see :mod:`snncompile.backends.onnx.export`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from snncompile.errors import UnsupportedError

ONE_F32 = np.float32(1.0)


class Builder:
    """Accumulates ONNX nodes and initializers; hands out unique value names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._used: set[str] = set()
        #: values created since :meth:`begin`: only these may be renamed by :meth:`bind`
        self._private: set[str] = set()
        #: a graph input whose first axis is the batch (set by the exporter)
        self.batch_source: str | None = None
        self._batch: str | None = None

    def begin(self) -> None:
        """Start emitting a new IR node (values made before it become shared)."""
        self._private = set()

    def reserve(self, name: str) -> str:
        """Claim an exact name (graph inputs, outputs, state); refuse one already taken."""
        if name in self._used:
            raise UnsupportedError(f"ONNX value name '{name}' would be used twice; rename the IR node it comes from")
        self._used.add(name)
        return name

    def fresh(self, hint: str) -> str:
        """A new unique value name starting with ``hint``."""
        name, k = hint, 1
        while name in self._used:
            k += 1
            name = f"{hint}_{k}"
        self._used.add(name)
        self._private.add(name)
        return name

    def bind(self, value: str, name: str) -> str:
        """Make ``value`` available under the exact name ``name`` (a graph output).

        A value made by the current IR node is renamed in place (no extra operator);
        anything else (a graph input, another node's value) gets an ``Identity``."""
        self._used.add(name)
        produced = [n for n in self.nodes if value in n.output]
        if value not in self._private or not produced:
            return self.op("Identity", [value], name, out=name)
        for n in self.nodes:
            for seq in (n.input, n.output):
                for k, v in enumerate(seq):
                    if v == value:
                        seq[k] = name
        self._private.discard(value)
        return name

    def op(self, op_type: str, inputs: Sequence[str], hint: str, out: str | None = None, **attrs: Any) -> str:
        """Append one operator; returns its (single) output value name."""
        output = out if out is not None else self.fresh(f"{hint}/{op_type}")
        self.nodes.append(
            helper.make_node(op_type, list(inputs), [output], name=self.fresh(f"{hint}/{op_type}#op"), **attrs)
        )
        return output

    def const(self, array: Any, hint: str, dtype: type = np.float32) -> str:
        """A constant tensor (float32 unless ``dtype`` says otherwise)."""
        name = self.fresh(f"{hint}")
        self.initializers.append(numpy_helper.from_array(np.asarray(array, dtype=dtype), name))
        return name

    def batch_shape(self, rest: Sequence[int], hint: str) -> str:
        """An int64 shape value ``[batch, *rest]`` (batch read off :attr:`batch_source`)."""
        if self.batch_source is None:
            raise UnsupportedError("an ONNX graph without inputs has no batch size to expand constants to")
        if self._batch is None:
            shape = self.op("Shape", [self.batch_source], "batch")
            self._batch = self.op("Slice", [shape, self.ints([0], "batch/start"), self.ints([1], "batch/end")], "batch")
        return self.op("Concat", [self._batch, self.ints(list(rest), f"{hint}/shape")], hint, axis=0)

    def ints(self, values: Sequence[int], hint: str) -> str:
        """An int64 1-D constant (axes, shapes, slice bounds)."""
        return self.const(np.asarray(values, dtype=np.int64), hint, np.int64)

    # -- arithmetic that skips exact identities ---------------------------------------
    def mul(self, x: str, coefficient: np.ndarray, hint: str) -> str:
        """``x * coefficient``; skipped when the coefficient is all ones (exact in IEEE).
        Only for coefficients that broadcast to ``x``'s shape (neuron parameters)."""
        c = np.asarray(coefficient, dtype=np.float32)
        if np.all(c == ONE_F32):
            return x
        return self.op("Mul", [self.const(c, hint), x], hint)

    def add(self, x: str, constant: np.ndarray, hint: str) -> str:
        """``x + constant``; skipped when the constant is all zeros (same rule as :meth:`mul`)."""
        c = np.asarray(constant, dtype=np.float32)
        if np.all(c == 0):
            return x
        return self.op("Add", [x, self.const(c, hint)], hint)
