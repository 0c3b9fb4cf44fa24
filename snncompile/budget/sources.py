"""The sources of fixed-point error an error budget separates, each declared once.

A chip layer differs from its float model only through these; the ideal emulator
(:mod:`snncompile.budget.ideal`) computes each one either as the chip does or exactly:

- ``weights``: synapse mantissas (rounded to the mantissa grid, clipped, the mixed-sign
  low bit dropped; negative exponents floor the summed input) — bias columns and reset
  corrections included; exact: ``S n g w`` itself;
- ``decays``: ``du``/``dv`` on the ``1/2**decay_bits`` grid and the decayed ``u``/``v``
  truncated to whole units every step; exact: ``u ← α u``, ``v ← β v`` in real numbers;
- ``threshold``: the threshold mantissa (``vth << vth_shift`` instead of ``S θ``) and a
  comparator changed by ``fire_on_gt``; exact: ``S θ`` and the float comparator;
- ``bias``: a neuron's bias register — its rounding (``bias_mant << bias_exp``) and its
  start at chip step 0, ``lag`` steps before its input; exact: ``S n b`` from the
  neuron's own float step 0;
- ``lag``: the pipeline — every synapse stage adds the target's latency, and a back edge
  shorter than that latency cannot keep its float delay; exact: the graph compiled for
  a target without synapse latency (float timing);
- ``saturation``: ``v`` clipped to its range, ``u`` and synaptic sums wrapped; exact:
  unbounded;
- ``boundary``: host values rounded and clipped to integer payloads where they enter the
  chip (``Quantize``); exact: ``x · scale``.

Each source names the option that reduces it (:func:`remedy`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Source:
    name: str
    what: str
    #: options in effect -> what to try (one phrase)
    remedy: Callable[[Mapping[str, Any]], str]


def _weights(options: Mapping[str, Any]) -> str:
    more = [flag for flag, key in (("--weight-split 2", "weight_split"), ("--bias-split 2", "bias_split"))
            if options.get(key, 1) == 1]
    if more:
        return (f"{' '.join(more)} (a residual synapse per weight matrix / bias column: about twice the bits; "
                "compare the estimates for its cost in synapses and energy)")
    if not options.get("scale_search", False):
        return ("--scale-search with --calibrate (each layer's scale measured: a larger one gives the weights' "
                "and the residuals' mantissas more of the threshold)")
    if options.get("weight_split", 1) == 2:
        return ("--weight-split 3 (a second residual synapse per weight matrix and reset correction: about 22 bits "
                "of weight; three times the synaptic work)")
    return "--split-sign (weights and biases are split and scales searched: mixed-sign matrices get their dropped bit)"


def _decays(options: Mapping[str, Any]) -> str:
    return ("decays are fixed to the target's 12-bit grid; a larger membrane scale shrinks the truncation "
            "(--threshold-resolution, higher)")


def _threshold(options: Mapping[str, Any]) -> str:
    from snncompile.passes.quantize.options import RESOLUTIONS

    now = options.get("threshold_resolution") or RESOLUTIONS.get(options.get("weight_split", 1), 256)
    return f"--threshold-resolution {int(now) * 16} (a larger membrane scale: finer thresholds)"


def _bias(options: Mapping[str, Any]) -> str:
    if options.get("bias_timing", "exact") == "register":
        return "--bias-timing exact (biases start with their input)"
    return "current-based neurons keep bias registers; a larger membrane scale rounds them finer"


def _lag(options: Mapping[str, Any]) -> str:
    return "edges that cannot keep their float delay on this target: retime the network (see the timing notes)"


def _saturation(options: Mapping[str, Any]) -> str:
    return "a smaller membrane scale (--scale LAYER=S) or calibration data that covers the peaks (--calibrate)"


def _boundary(options: Mapping[str, Any]) -> str:
    return "host values enter the chip as integer payloads: a larger membrane scale for that layer (--scale)"


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("weights", "synapse mantissas", _weights),
    Source("decays", "decay constants and their truncation", _decays),
    Source("threshold", "threshold mantissa and comparator", _threshold),
    Source("bias", "bias registers: rounding, start lag steps early", _bias),
    Source("lag", "pipeline latency and edges that cannot keep their delay", _lag),
    Source("saturation", "state clipping and wrapping", _saturation),
    Source("boundary", "host values rounded into chip payloads", _boundary),
)}


def remedy(source: str, options: Mapping[str, Any]) -> str:
    return SOURCES[source].remedy(options)
