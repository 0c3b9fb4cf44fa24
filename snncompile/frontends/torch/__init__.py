"""The PyTorch front end: trace a one-time-step model into the IR.

- :func:`trace` (:mod:`.tracer`): ``torch.fx`` tracing of plain torch layers plus neuron
  modules from snnTorch, SpikingJelly, Norse and :mod:`snncompile.nn`;
- :mod:`.adapters`: one module per framework, exact neuron mappings;
- :func:`load_factory` (:mod:`.factory`): import a user's model file and load weights
  without unpickling.
"""

from snncompile.frontends.torch.adapters import ADAPTERS, Fragment, adapter
from snncompile.frontends.torch.factory import load_factory
from snncompile.frontends.torch.layers import LAYERS
from snncompile.frontends.torch.tracer import TraceInfo, trace, trace_details

__all__ = ["trace", "trace_details", "TraceInfo", "load_factory", "ADAPTERS", "LAYERS", "Fragment", "adapter"]
