"""Norse 1.1.0 cells (``norse.torch``): ``LIFCell``, ``LIFRecurrentCell``, ``LIFBoxCell``,
``LIBoxCell``, ``IAFCell`` and the refractory ``LIFRefracCell``, ``LIFRefracRecurrentCell``.

What Norse computes per step (``norse/torch/functional/{lif,lif_box,leaky_integrator_box,
iaf}.py``), with ``a = dt * tau_mem_inv``, ``b = dt * tau_syn_inv`` and the cell's ``dt``::

    LIFCell     i' = i + x;  v' = v + a ((v_leak - v) + i');  i <- i' - b i'
    LIFBoxCell  v' = v + a (x + v_leak - v)
    LIBoxCell   v' = v + a ((v_leak - v) + x)          (output v', no spikes)
    IAFCell     v' = v + x
    z = (v' - v_th > 0);  v = (1 - z) v' + z v_reset     (LIFBox: or v' - z v_th with
                                                          reset_method=reset_subtract)

starting from ``v = v_leak`` (LIF, LIFBox, LIBox) or ``v = v_reset`` (IAF) and ``i = 0``.
Mapping, in the shifted variable ``u = v - v0`` (``v0`` the start value, so the IR's
zero start is exact): ``CubaLIF`` (LIFCell: ``syn_decay = 1 - b``, ``syn_gain = 1``, the
IR current is Norse's ``i'``), ``LIF`` (LIFBoxCell), ``IF`` (IAFCell) with
``decay = 1 - a``, ``gain = a``, ``bias = a (v_leak - v0) = 0``,
``threshold = v_th - v0``, ``v_reset = v_reset - v0``, reset ``ZERO`` (or ``SUBTRACT``),
timing ``IMMEDIATE``, comparator ``GT``; ``LI`` (LIBoxCell) needs ``v_leak = 0`` because
its output is ``v`` itself. ``Fragment.membrane_offset = v0`` and ``Fragment.dt`` is the
cell's ``dt``.

Refractory cells (``norse/torch/functional/lif_refrac.py``) run the LIF step, then with
``mask = (rho > 0)``: ``v = v_prev`` and ``z = 0`` where masked, and
``rho = rho_reset`` after a spike, else ``relu(rho - mask)``; the current integrates
regardless. A spike thus starts ``ceil(rho_reset)`` masked steps in which ``v`` stays
at ``v_reset``: the IR's ``refractory = ceil(rho_reset)`` (one value per population).

Cells return ``(output, state)`` and take ``state`` as their second argument: the tracer
uses ``output`` and takes ``state`` to be the cell's own state of the previous step (the
only state a one-step model can pass), see :mod:`snncompile.frontends.torch.tracer`.
"""

from __future__ import annotations

import numpy as np
import torch

from snncompile.frontends.torch.adapters import Fragment, adapter, array, unsupported
from snncompile.ir import IF, LI, LIF, Comparator, CubaLIF, Linear, Reset, ResetTiming

_MOD = "norse.torch."


def _method(module, path) -> None:
    method = getattr(module.p, "method", "super")
    if method == "adjoint":
        raise unsupported(path, module, "method='adjoint' is not supported (it replaces the step function)")


def _spiking(module, path, v0, reset=Reset.ZERO) -> dict:
    return dict(
        threshold=array(module.p.v_th) - v0,
        v_reset=array(module.p.v_reset) - v0,
        reset=reset,
        reset_timing=ResetTiming.IMMEDIATE,
        comparator=Comparator.GT,
    )


def _times_dt(module, rate) -> np.ndarray:
    """``dt * rate`` evaluated as Norse does (a torch op in the parameter's dtype)."""
    return array(module.dt * torch.as_tensor(rate))


def _leak(module) -> tuple[np.ndarray, np.ndarray]:
    """(decay, gain) = (1 - dt tau_mem_inv, dt tau_mem_inv)."""
    a = _times_dt(module, module.p.tau_mem_inv)
    return 1.0 - a, a


@adapter(_MOD + "LIFCell")
def lif_cell(module, shape, path) -> Fragment:
    _method(module, path)
    v0 = array(module.p.v_leak)
    decay, gain = _leak(module)
    b = _times_dt(module, module.p.tau_syn_inv)
    node = CubaLIF(shape=shape, syn_decay=1.0 - b, syn_gain=array(1.0), decay=decay, gain=gain, bias=array(0.0),
                   **_spiking(module, path, v0))
    return Fragment(node, dt=float(module.dt), membrane_offset=v0)


@adapter(_MOD + "LIFRecurrentCell")
def lif_recurrent_cell(module, shape, path) -> Fragment:
    """As LIFCell, with Norse's own weights: ``i' = i + W_in x + W_rec z[t-1]``. The
    input goes through ``<path>.input`` (Linear W_in) and the spikes come back through
    ``<path>.recurrent`` (Linear W_rec, one-step-delayed edge); the autapse diagonal is
    whatever the weights hold (Norse zeroes it unless ``autapses=True``)."""
    fragment = lif_cell(module, (*shape[:-1], int(module.hidden_size)), path)
    fragment.extra = {
        "input": Linear(weight=array(module.input_weights)),
        "recurrent": Linear(weight=array(module.recurrent_weights)),
    }
    fragment.edges = [("input", "", 0), ("", "recurrent", 1), ("recurrent", "", 0)]
    fragment.entry = "input"
    return fragment


def _refractory(module, path) -> int:
    if getattr(module.p.lif, "method", "super") == "adjoint":
        raise unsupported(path, module, "method='adjoint' is not supported (it replaces the step function)")
    rho = array(module.p.rho_reset).ravel()
    if rho.size and np.any(rho != rho[0]):
        raise unsupported(path, module, f"rho_reset varies across neurons ({rho.min():g}..{rho.max():g}); "
                                        "the IR has one refractory period per population")
    return int(np.ceil(rho[0])) if rho.size and rho[0] > 0 else 0


class _LIFView(torch.nn.Module):
    """A refractory cell seen as the LIF cell it wraps (its ``p.lif`` as ``p``)."""

    def __init__(self, module):
        super().__init__()
        self.p, self.dt = module.p.lif, module.dt
        self.input_weights = getattr(module, "input_weights", None)
        self.recurrent_weights = getattr(module, "recurrent_weights", None)
        self.hidden_size = getattr(module, "hidden_size", None)


@adapter(_MOD + "LIFRefracCell")
def lif_refrac_cell(module, shape, path) -> Fragment:
    fragment = lif_cell(_LIFView(module), shape, path)
    fragment.neuron = fragment.neuron.replace(refractory=_refractory(module, path))  # type: ignore[assignment]
    return fragment


@adapter(_MOD + "LIFRefracRecurrentCell")
def lif_refrac_recurrent_cell(module, shape, path) -> Fragment:
    fragment = lif_recurrent_cell(_LIFView(module), shape, path)
    fragment.neuron = fragment.neuron.replace(refractory=_refractory(module, path))  # type: ignore[assignment]
    return fragment


@adapter(_MOD + "LIFBoxCell")
def lif_box_cell(module, shape, path) -> Fragment:
    _method(module, path)
    from norse.torch.functional.reset import reset_subtract, reset_value

    method = getattr(module.p, "reset_method", reset_value)
    if method is reset_value:
        reset = Reset.ZERO
    elif method is reset_subtract:
        reset = Reset.SUBTRACT
    else:
        raise unsupported(path, module, f"reset_method {getattr(method, '__name__', method)!r}; supported: reset_value, reset_subtract")
    v0 = array(module.p.v_leak)
    decay, gain = _leak(module)
    node = LIF(shape=shape, decay=decay, gain=gain, bias=array(0.0), **_spiking(module, path, v0, reset))
    return Fragment(node, dt=float(module.dt), membrane_offset=v0)


@adapter(_MOD + "IAFCell")
def iaf_cell(module, shape, path) -> Fragment:
    _method(module, path)
    v0 = array(module.p.v_reset)
    node = IF(shape=shape, gain=array(1.0), bias=array(0.0), **_spiking(module, path, v0))
    return Fragment(node, dt=float(module.dt), membrane_offset=v0)


@adapter(_MOD + "LIBoxCell")
def li_box_cell(module, shape, path) -> Fragment:
    v_leak = array(module.p.v_leak)
    if np.any(v_leak != 0):
        raise unsupported(
            path, module,
            "v_leak != 0: the cell starts at v = v_leak and outputs v, but IR neurons start at 0 "
            "(a spiking cell can be shifted, an integrator's output cannot)",
        )
    decay, gain = _leak(module)
    return Fragment(LI(shape=shape, decay=decay, gain=gain, bias=array(0.0)), dt=float(module.dt))
