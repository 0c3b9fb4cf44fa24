"""Adapters: framework neuron modules -> IR neuron nodes with the same discrete-time
semantics.

One module per framework registers, with :func:`adapter`, a function
``fn(module, shape, path) -> Fragment`` for each supported module class (by dotted import
path, so the framework import stays lazy and optional). ``shape`` is the per-sample input
shape; ``path`` the module's name in the model (for error messages). Parameters are read
as they are at trace time (learnable or not, scalar or per neuron).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from snncompile.errors import UnsupportedError
from snncompile.frontends.torch.registry import ClassRegistry
from snncompile.ir import NeuronNode, Node, Shape


@dataclass
class Fragment:
    """What one neuron module becomes.

    ``neuron`` is named after the module path; ``extra`` nodes are named
    ``<path>.<suffix>`` (e.g. a recurrent ``Linear``); ``edges`` connect them, with
    ``""`` standing for the neuron itself: ``("", "recurrent", 1)`` is a one-step-delayed
    edge from the neuron to its recurrent synapses. ``entry`` is the node that receives the
    module's input (``""``: the neuron; a cell with its own input weights names its input
    ``Linear``). ``output`` is the node whose output is the module's (``""``: the neuron; a
    stateful module built of several nodes names another, with ``output_shape``; default:
    the input's shape). An edge may name an operand port as a fourth element. ``dt`` is a
    time step the module fixes (Norse cells carry one); ``membrane_offset`` is what to add
    to the IR membrane to get the framework's (nonzero when the state was shifted so that
    it starts at 0).
    """

    neuron: NeuronNode
    extra: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple] = field(default_factory=list)  # (src, dst, delay) or (src, dst, delay, port)
    entry: str = ""
    output: str = ""
    output_shape: Shape | None = None
    dt: float | None = None
    membrane_offset: np.ndarray | float = 0.0


Adapter = Callable[[torch.nn.Module, Shape, str], Fragment]

#: module class (dotted path) -> adapter
ADAPTERS: ClassRegistry[Adapter] = ClassRegistry("neuron module")


def adapter(*paths: str) -> Callable[[Adapter], Adapter]:
    """Register an adapter for the module classes at ``paths`` (``"snntorch.Leaky"``)."""
    return ADAPTERS.register(*paths)


def array(value, name: str = "") -> np.ndarray:
    """A parameter (tensor, number) as a float64 numpy array (gradients dropped)."""
    if torch.is_tensor(value):
        return value.detach().to("cpu", torch.float64).numpy()
    return np.asarray(value, dtype=np.float64)


def unsupported(path: str, module: torch.nn.Module, why: str) -> UnsupportedError:
    return UnsupportedError(f"module '{path}' ({type(module).__name__}): {why}")


def load_builtin_adapters() -> None:
    """Import the adapter modules (each registers itself; none imports its framework)."""
    from snncompile.frontends.torch.adapters import (  # noqa: F401
        braincog,
        native,
        norse,
        slayer,
        snntorch,
        spikingjelly,
        zoo,
    )
