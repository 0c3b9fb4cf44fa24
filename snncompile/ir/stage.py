"""What kind of arithmetic a node type stands for: declared once, on the node class.

Every node class sets ``stage`` (a :class:`Stage`); everything that needs to know "is this
a chip node", "may this graph run on the emulator", "what must the quantizer lower" asks
here instead of keeping its own tuple of classes:

- ``FLOAT``: float nodes that have an integer form (neurons, synapses, pools, BatchNorm,
  Scale, ...): a quantizer lowers them for a chip, or they run on the host in float.
- ``INTEGER``: what a chip core computes, bit for bit (FixedLIF, FixedLinear, ...).
- ``HOST``: float operations no core computes (MatMul, norms, smooth activations,
  selective scans, ...): in a compiled graph they run on the host beside the chip.
- ``ANY``: data movement and I/O valid in every graph (Input, Output, Constant, Flatten
  and other pure re-indexings).

A compiled (*mixed*) graph holds INTEGER and ANY nodes on the chip and FLOAT/HOST nodes
on the host; where each node runs is the partition's answer, stored in ``node.meta``
(see :mod:`snncompile.ir.placement`).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snncompile.ir.graph import Graph
    from snncompile.ir.node import Node


class Stage(str, Enum):
    FLOAT = "float"
    INTEGER = "integer"
    HOST = "host"
    ANY = "any"


def stage_of(node: Node) -> Stage:
    return type(node).stage


def is_integer(node: Node) -> bool:
    """A node a chip runs as is (integer arithmetic or pure data movement)."""
    return stage_of(node) in (Stage.INTEGER, Stage.ANY)


def is_float(node: Node) -> bool:
    """A node of the float meaning (anything that is not integer arithmetic)."""
    return stage_of(node) is not Stage.INTEGER


def is_integer_graph(graph: Graph) -> bool:
    """True when every node is integer or pure data movement (a whole-chip graph)."""
    return all(is_integer(node) for node in graph.nodes.values())


def is_float_graph(graph: Graph) -> bool:
    """True when no node is an integer node (the float meaning of a network)."""
    return all(is_float(node) for node in graph.nodes.values())


def describe(names: Iterable[str], graph: Graph) -> str:
    """``'a' (Kind), 'b' (Kind)`` for error messages."""
    return ", ".join(f"'{n}' ({graph.nodes[n].kind})" for n in names)
