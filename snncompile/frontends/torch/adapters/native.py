"""snncompile's own neuron modules (:mod:`snncompile.nn`): their fields are the IR's."""

from __future__ import annotations

from snncompile.frontends.torch.adapters import Fragment, adapter


@adapter("snncompile.nn.neurons.LIF", "snncompile.nn.neurons.IF", "snncompile.nn.neurons.CubaLIF", "snncompile.nn.neurons.LI")
def native_neuron(module, shape, path) -> Fragment:
    """Exact by construction: the module's forward is the IR equation (see snncompile.nn)."""
    return Fragment(module.to_node(shape))
