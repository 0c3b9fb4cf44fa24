"""snncompile's own neuron modules for plain-PyTorch models (one time step per call).

Their forward computes exactly the IR equations, so a traced graph behaves like the
module: see :mod:`snncompile.nn.neurons`. :class:`SelectiveScan` is Mamba's selective scan
(:mod:`snncompile.nn.scan`), which the tracer maps to the host node of the same name.
"""

from snncompile.nn.neurons import IF, LI, LIF, NEURON_MODULES, CubaLIF, NeuronModule, reset_states
from snncompile.nn.scan import SelectiveScan, selective_scan

__all__ = ["LIF", "IF", "CubaLIF", "LI", "NeuronModule", "NEURON_MODULES", "reset_states", "SelectiveScan", "selective_scan"]
