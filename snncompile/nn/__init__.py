"""snncompile's own neuron modules for plain-PyTorch models (one time step per call).

Their forward computes exactly the IR equations, so a traced graph behaves like the
module: see :mod:`snncompile.nn.neurons`.
"""

from snncompile.nn.neurons import IF, LI, LIF, NEURON_MODULES, CubaLIF, NeuronModule, reset_states

__all__ = ["LIF", "IF", "CubaLIF", "LI", "NeuronModule", "NEURON_MODULES", "reset_states"]
