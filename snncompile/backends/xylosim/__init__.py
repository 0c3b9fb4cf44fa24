"""XyloSim backend (registered as ``xylosim``): compiled graphs on SynSense's bit-exact
simulator of the Xylo Audio 2 core. The simulator is imported only when a graph is run
(see :mod:`.compat`)."""

from snncompile.backends.xylosim.lower import XyloPlan, plan_xylo
from snncompile.backends.xylosim.run import XYLOSIM, XyloSimBackend

__all__ = ["XYLOSIM", "XyloPlan", "XyloSimBackend", "plan_xylo"]
