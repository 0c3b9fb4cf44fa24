"""The snncompile IR: a typed graph of spiking-network nodes in discrete time.

See :mod:`snncompile.ir.graph` for the meaning of a time step and of edge delays,
:mod:`snncompile.ir.neurons` for the neuron equations, :mod:`snncompile.ir.ops` for the
synapse and shape nodes.
"""

from snncompile.ir import (  # noqa: F401  (registers the integer and host node types)
    fixed,
    host,
    host_activation,
    host_scan,
    host_tensor,
    random_source,
)
from snncompile.ir.graph import DEFAULT_DT, Edge, Graph, is_spike_train
from snncompile.ir.neurons import (
    IF,
    LI,
    LIF,
    CubaLI,
    CubaLIF,
    Dynamics,
    Integrator,
    NeuronNode,
    SpikingNeuron,
)
from snncompile.ir.node import NODE_TYPES, Node, Shape, nodes_equal, register_node
from snncompile.ir.ops import (
    Add,
    AvgPool2d,
    BatchNorm,
    Constant,
    Conv1d,
    Conv2d,
    Conv3d,
    Delay,
    Flatten,
    Input,
    Linear,
    MaxPool2d,
    Output,
    Scale,
    SumPool2d,
    Threshold,
)
from snncompile.ir.random_source import RandomSpikes
from snncompile.ir.semantics import Comparator, Reset, ResetTiming
from snncompile.ir.serialize import load_graph, save_graph
from snncompile.ir.stage import Stage
from snncompile.ir.synapse import Synapse

__all__ = [
    "DEFAULT_DT", "Edge", "is_spike_train", "Graph", "Node", "NODE_TYPES", "Shape", "nodes_equal", "register_node",
    "NeuronNode", "SpikingNeuron", "Dynamics", "LIF", "CubaLIF", "IF", "LI", "CubaLI", "Integrator",
    "Input", "Output", "Constant", "Linear", "Conv1d", "Conv2d", "Conv3d", "Synapse", "Stage", "SumPool2d", "AvgPool2d", "MaxPool2d",
    "Flatten", "Scale", "Threshold", "Delay", "Add", "BatchNorm", "RandomSpikes",
    "Reset", "ResetTiming", "Comparator", "load_graph", "save_graph",
]
