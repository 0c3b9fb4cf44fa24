"""A ``fixed_pt`` process model for Lava's ``LIFRefractory`` (lava-nc 0.10.0 ships only its
``floating_pt`` model).

It is Lava's own bit-accurate LIF (``PyLifModelBitAcc``: every bit of ``u`` and ``v`` is
Lava's code) with the refractory rule of Lava's float ``PyLifRefractoryModelFloat``
applied on top: a neuron that spikes at time step ``t`` sets
``refractory_period_end = t + refractory_period``; while ``refractory_period_end >=
time_step`` its ``u`` integrates, its ``v`` keeps its value and it does not fire. That is
:class:`snncompile.ir.fixed.FixedLIF` with ``refractory`` steps, which the emulator runs.

Imported only after :func:`snncompile.backends.lava.compat.ensure_lava` (it imports Lava);
runs are configured with ``exception_proc_model_map=EXCEPTIONS``.
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.lif.models import PyLifModelBitAcc
from lava.proc.lif.process import LIFRefractory


@implements(proc=LIFRefractory, protocol=LoihiProtocol)
class PyLifRefractoryModelFixed(PyLifModelBitAcc):
    """Lava's fixed-point LIF with a refractory period (see the module docstring). CPU
    and the ``fixed_pt`` tag are inherited from ``PyLifModelBitAcc``."""

    # Lava's @implements refuses a subclass of a model of another process unless the
    # inherited link is cleared first
    implements_process = None
    implements_protocol = None
    refractory_period_end: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=32)

    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        self.refractory_period = int(proc_params["refractory_period"])

    def _refractory(self) -> np.ndarray:
        return self.refractory_period_end >= self.time_step

    def subthr_dynamics(self, activation_in: np.ndarray) -> None:
        held = self.v.copy()
        super().subthr_dynamics(activation_in)  # u integrates in every step
        refractory = self._refractory()
        self.v[refractory] = held[refractory]

    def spiking_activation(self) -> np.ndarray:
        return super().spiking_activation() & ~self._refractory()

    def reset_voltage(self, spike_vector: np.ndarray) -> None:
        self.refractory_period_end[spike_vector] = self.time_step + self.refractory_period
        super().reset_voltage(spike_vector)


#: the run configuration's exception_proc_model_map for fixed-point runs
EXCEPTIONS = {LIFRefractory: PyLifRefractoryModelFixed}
