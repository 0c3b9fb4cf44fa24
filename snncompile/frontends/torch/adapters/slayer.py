"""SLAYER (lava-dl 0.6.0, ``lava.lib.dl.slayer``): CUBA blocks and the CUBA neuron.

SLAYER modules take a whole sequence (``N, C[, H, W], T``); the tracer reads them as
their per-step meaning, so a SLAYER network traces like any one-step model and its
inputs are given as (batch, time, *features). What SLAYER computes, from its source
(lava-dl 0.6.0; paths under ``lava/lib/dl/slayer/``):

- ``neuron/cuba.py`` ``Neuron.dynamics`` (lines 356-374): the current and the voltage are
  two ``leaky_integrator.dynamics`` passes; ``neuron/dynamics/leaky_integrator.py``
  ``_li_dynamics_fwd`` (lines 210-231) computes in integers scaled by
  ``s_scale = scale << 6`` (4096 by default): ``y = right_shift_to_zero(y (4096 - decay),
  12) + int(s_scale x)``, ``decay`` = ``quantize(current_decay)`` / ``quantize(voltage_decay)``
  (``p_scale = 4096`` times the constructor's fractions, rounded, clamped to [0, 4096]);
  the voltage pass resets ``y`` to 0 once it reaches ``(threshold + 0.01/s_scale) s_scale``
  (line 225), i.e. ``v > threshold`` on integers; no bias (line 368);
- ``neuron/base.py`` line 128: ``threshold`` is quantized to ``int(threshold * 64) / 64``;
  ``quantize_8bit`` (lines 168-198), the blocks' ``pre_hook_fx``, rounds weights to steps
  of ``2/64`` and clamps them to ``[-256/64, 254/64]``;
- ``spike/spike.py`` line 88: spikes are ``v >= threshold + threshold_eps``;
- ``block/base.py`` ``AbstractDense.forward`` (lines 535-557) / ``AbstractConv.forward``
  (lines 699-713): ``neuron(synapse(x))``, then ``step_delay`` (one step: the chip's
  synapse latency, ``delay_shift=True``) and the optional axonal ``Delay`` per output
  channel (``axon/delay.py``; whole steps, ``int()`` of the learnt delay, as
  ``export_hdf5`` floors it); ``AbstractRecurrent.forward`` (lines 1460-1488) adds
  ``R s[t-1]`` to the input of step ``t`` (``utils/recurrent.py`` lines 63-71).

Mapping: ``CubaLIF(syn_decay = 1 - cd/4096, syn_gain = 1, decay = 1 - vd/4096, gain = 1,
bias = 0, threshold = int(64 threshold)/64, reset ZERO IMMEDIATE, comparator GT)`` with
``cd``, ``vd`` the quantized decays, behind a ``Linear`` / ``Conv2d`` holding the
``pre_hook_fx``-quantized weights; an axonal delay becomes a ``Delay`` node in front of
the neuron (the neuron has no bias and starts at rest, so delaying its input by ``d``
delays its output by ``d`` — how netx places it too); a recurrent block adds its
quantized ``R`` on a one-step-delayed edge. ``step_delay`` is the one-step latency the
chip adds per synapse stage: the float graph does not carry it (IR synapses take no
time) and compiling for loihi2 adds it back, so SLAYER's block outputs equal the compiled
graph's and trail the float graph's by one step per block. The float graph differs
from SLAYER's forward only by SLAYER's integer rounding (``right_shift_to_zero`` of each
decay, ``int(s_scale x)`` of the input); SLAYER's forward is bit-exact with the integer
graph of its netx export (docs/netx.md).

Refused: graded spikes, a normalization (``norm``), complex synapses, ``scale`` other
than ``1 << 6``.
"""

from __future__ import annotations

import numpy as np
import torch

from snncompile.frontends.torch.adapters import Fragment, adapter, array, unsupported
from snncompile.frontends.torch.layers import LAYERS
from snncompile.interop.netx.lava_dl import install_import_hook
from snncompile.ir import Comparator, Conv2d, CubaLIF, Delay, Flatten, Linear, Reset, ResetTiming

# Resolving the dotted keys below imports lava.lib.dl.slayer when Lava is in use: without
# the stub its object-detection package would fail to import (needs torchvision, cv2).
install_import_hook()

_BLOCK = "lava.lib.dl.slayer.block.cuba."
#: SLAYER's default state scale ``s_scale = scale << 6`` and parameter scale ``p_scale``
S_SCALE, P_SCALE = 1 << 12, 1 << 12


def cuba_neuron(neuron, shape, path, owner=None) -> CubaLIF:
    """The float CubaLIF of a ``slayer.neuron.cuba.Neuron`` (see module docstring);
    errors name ``owner`` (the block) when given."""
    owner = neuron if owner is None else owner
    if neuron.graded_spike:
        raise unsupported(path, owner, "graded_spike=True (graded spikes have no CubaLIF form)")
    if neuron.norm is not None:
        raise unsupported(path, owner, "a normalization (norm) on the dendrite; no IR form")
    if neuron.s_scale != S_SCALE or neuron.p_scale != P_SCALE:
        raise unsupported(path, owner, f"scale={neuron.w_scale} (only SLAYER's default 1 << 6 is mapped)")

    def decay(p) -> np.ndarray:  # quantize() = round, after SLAYER's clamp to [0, p_scale]
        q = np.round(np.clip(array(p), 0, P_SCALE))
        return _per_channel(1.0 - q / P_SCALE, shape)

    return CubaLIF(shape=shape, syn_decay=decay(neuron.current_decay), syn_gain=np.array(1.0),
                   decay=decay(neuron.voltage_decay), gain=np.array(1.0), bias=np.array(0.0),
                   threshold=np.array(float(neuron.threshold)), reset=Reset.ZERO,
                   reset_timing=ResetTiming.IMMEDIATE, comparator=Comparator.GT)


def _per_channel(value: np.ndarray, shape) -> np.ndarray:
    """A scalar, or one value per channel (``shared_param=False``) laid out over ``shape``."""
    value = value.reshape(-1)
    if value.size == 1:
        return value.reshape(())
    return value.reshape((-1,) + (1,) * (len(shape) - 1))


def _weight(synapse, path, module) -> np.ndarray:
    """The weights SLAYER multiplies with: weight norm applied, then ``pre_hook_fx``."""
    if hasattr(synapse, "imag"):
        raise unsupported(path, module, "complex synapses have no IR form")
    if getattr(synapse, "bias", None) is not None:
        raise unsupported(path, module, "a synapse bias (SLAYER's CUBA blocks have none)")
    with torch.no_grad():
        if getattr(synapse, "weight_norm_enabled", False):
            w = torch._weight_norm(synapse.weight_v, synapse.weight_g, 0)
        else:
            w = synapse.weight
        hook = synapse._pre_hook_fx
        return array(w if hook is None else hook(w))


def _axon_delay(module, shape, fragment: Fragment) -> Fragment:
    if module.delay is None:
        return fragment
    d = np.floor(array(module.delay.delay)).astype(np.int64)
    if not module.delay.init or d.size == 0:
        return fragment  # never run: SLAYER draws its delays at the first forward
    fragment.extra["delay"] = Delay(delay=_per_channel(d.astype(np.float64), shape))
    fragment.edges = [(src, "delay" if dst == "" else dst, k) for src, dst, k in fragment.edges] + [("delay", "", 0)]
    return fragment


def _mask(module, weight: np.ndarray) -> np.ndarray:
    mask = getattr(module, "mask", None)
    return weight if mask is None else weight * array(mask).reshape(weight.shape)


@adapter(_BLOCK + "Dense")
def dense_block(module, shape, path) -> Fragment:
    """``synapse -> [delay ->] neuron``; the block's output is the neuron's."""
    w = _mask(module, _weight(module.synapse, path, module).reshape(module.synapse.out_channels, -1))
    neuron = cuba_neuron(module.neuron, (w.shape[0],), path, module)
    fragment = Fragment(neuron, extra={"synapse": Linear(weight=w)}, edges=[("synapse", "", 0)], entry="synapse")
    return _axon_delay(module, (w.shape[0],), fragment)


@adapter(_BLOCK + "Conv")
def conv_block(module, shape, path) -> Fragment:
    syn = module.synapse
    w = _weight(syn, path, module)[..., 0]  # Conv3d kernel (out, in/g, kH, kW, 1)
    node = Conv2d(weight=w, stride=tuple(syn.stride[:2]), padding=tuple(syn.padding[:2]),
                  dilation=tuple(syn.dilation[:2]), groups=int(syn.groups))
    out = node.output_shape(shape)
    fragment = Fragment(cuba_neuron(module.neuron, out, path, module), extra={"synapse": node},
                        edges=[("synapse", "", 0)], entry="synapse")
    return _axon_delay(module, out, fragment)


@adapter(_BLOCK + "Recurrent")
def recurrent_block(module, shape, path) -> Fragment:
    """``input -> neuron``, ``neuron -> recurrent -> neuron`` one step later."""
    if module.bias is not None:
        raise unsupported(path, module, "a bias on the recurrent block; no IR form")
    if module.delay is not None:
        raise unsupported(path, module, "an axonal delay on a recurrent block (its neuron feeds itself back)")
    w = _weight(module.input_synapse, path, module).reshape(module.input_synapse.out_channels, -1)
    r = _weight(module.recurrent_synapse, path, module).reshape(w.shape[0], w.shape[0])
    return Fragment(cuba_neuron(module.neuron, (w.shape[0],), path, module),
                    extra={"input": Linear(weight=w), "recurrent": Linear(weight=r)},
                    edges=[("input", "", 0), ("", "recurrent", 1), ("recurrent", "", 0)], entry="input")


@adapter("lava.lib.dl.slayer.neuron.cuba.Neuron")
def neuron(module, shape, path) -> Fragment:
    """A bare CUBA neuron: its input is SLAYER's weighted input (float units)."""
    return Fragment(cuba_neuron(module, tuple(shape), path))


@LAYERS.register(_BLOCK + "Flatten")
def flatten_block(module, shape, path):
    """``x.reshape(N, -1, T)``: flattens (C, H, W) in C order."""
    if module.count_log:
        raise unsupported(path, module, "count_log=True (the block returns a tuple)")
    return Flatten()
