"""snncompile's own neuron modules for plain-PyTorch models (one time step per call).

Their forward computes exactly the IR equations, so a traced graph behaves like the
module: see :mod:`snncompile.nn.neurons`. :class:`SelectiveScan` is Mamba's selective scan
(:mod:`snncompile.nn.scan`), which the tracer maps to the host node of the same name.
:class:`TemporalConv` runs a convolution over time (a TCN layer, DCLS learned delays)
one step per call (:mod:`snncompile.nn.temporal`); the tracer maps it to synapses with
per-synapse delays.
"""

from snncompile.nn.neurons import IF, LI, LIF, NEURON_MODULES, CubaLIF, NeuronModule, reset_states
from snncompile.nn.scan import SelectiveScan, selective_scan
from snncompile.nn.temporal import TemporalConv

__all__ = ["LIF", "IF", "CubaLIF", "LI", "NeuronModule", "NEURON_MODULES", "reset_states", "SelectiveScan", "selective_scan",
           "TemporalConv"]
