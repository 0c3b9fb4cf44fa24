"""User-visible quantization choices (compile options), so another tool's conversion can
be reproduced exactly. Every option is per layer when given as a mapping
``{neuron layer name: value}``; layers not named get the automatic choice.

Example: the NIR paper's Lava conversion of ``lif_norse.nir`` (weight
``int(w·r·dt/tau·256)``, ``dv = int(dt/tau·4095)``, ``vth = int(v_th·131071) >> 9``) is::

    QuantizeOptions(scale=2**14, threshold_scale=131071 / 512 * 64,
                    rounding="trunc", decay_unity=4095)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from snncompile.errors import InputError

ROUNDINGS = ("nearest", "trunc")
BIAS_TIMINGS = ("exact", "register")
#: synapses per weight matrix (or bias column) at most: a main one and its residuals
MAX_PARTS = 3
#: the automatic threshold resolution per ``weight_split`` (a residual synapse only pays
#: off when one synaptic input unit is small beside the threshold; the state range
#: usually stops the scale before a third part's 2**21)
RESOLUTIONS = {1: 256, 2: 16384, 3: 16384 * 128}

PerLayer = float | int | Mapping[str, float | int] | None


@dataclass(frozen=True)
class QuantizeOptions:
    """- ``scale``: integer ``v`` units per float unit of membrane (``S``); None = auto;
    - ``threshold_scale``: the scale used for the threshold only (default ``scale``);
    - ``weight_exp``: force the weight exponent of every synapse into a layer;
    - ``weight_bits``: weight mantissa bits (at most the target's);
    - ``rounding``: float → integer conversion, ``nearest`` (half away from zero) or
      ``trunc`` (toward zero, as most hand-written conversions do);
    - ``decay_unity``: ``dv = rnd((1 - decay) · decay_unity)`` (default: the target's
      ``decay_denominator``; the NIR paper used 4095);
    - ``threshold_resolution``: the automatic scale is raised by powers of two until the
      threshold mantissa is at least this large (when the state range allows); default
      256, 16384 with ``weight_split=2``, 2**21 with 3 (:data:`RESOLUTIONS`: a
      residual synapse only pays off when one synaptic input unit is small beside the
      threshold; the state range usually stops the scale first);
    - ``headroom``: the automatic scale keeps calibrated state maxima below
      ``state_max / headroom``;
    - ``percentile``: of |u| and |v| over the calibration input, for those maxima;
    - ``split_sign``: split mixed-sign Linear synapses into an excitatory and an
      inhibitory matrix (each keeps every mantissa bit and its own exponent; twice the
      synapse matrices);
    - ``graded_input``: the graph's inputs are integer payloads (synapses fed by an Input
      use them as values), not spikes (every nonzero input counts as 1);
    - ``bias_timing``: ``exact`` (default) starts a neuron's bias with its input, ``lag``
      steps after chip step 0, through a delayed synapse from an always-on source
      (:mod:`~snncompile.passes.quantize.add_delayed_biases`); ``register`` keeps the
      neuron's bias register (one synapse fewer; the bias starts ``lag`` steps early);
    - ``weight_split``: 1 (default) one synapse per weight matrix; 2 adds a residual
      synapse holding what the mantissas rounded away (about twice the weight bits, twice
      the synaptic work; :mod:`~snncompile.passes.quantize.add_residual_weights`); 3 a
      second residual, the first one's rounding (about three times the bits and the
      work); the reset corrections of snnTorch neurons get as many parts;
    - ``fire_on_gt``: ``>=`` neurons fire on ``v > vth << shift`` (one unit of ``v`` from
      ``>=``; Lava's LIF has only ``>``), instead of keeping ``>=``;
    - ``retime_recurrences``: a loop with fewer steps of delay than synapse stages (a
      chain computed within one step inside a recurrence, as the L2MU's) gets the missing
      steps on its back edge, a changed model listed in the report, compiled whole on the
      chip (:mod:`~snncompile.passes.retime_recurrences`); without it (default) such a
      loop runs on the host, where the float timing holds.
    - ``bias_split``: 2 gives every bias column (a bias carried by a synapse from the
      always-on source) a residual column, as ``weight_split=2`` does for weights, and
      the neuron's bias register the columns' steady-state rest: one synapse per neuron
      more and, the source being always on, one synaptic event per neuron per step; 3
      up to two residual columns; 1 (default): one column;
    - ``scale_search``: with calibration input, try each spiking layer's scale at powers of
      two around the automatic choice and keep the one whose compiled spikes agree best
      with the float model's on that input (:mod:`~snncompile.passes.quantize.search_scales`);
    - ``auto_precision`` (default True): with calibration input, when ``weight_split`` and
      ``bias_split`` are 1, ``weight_bits`` is not given and a chip layer's spikes agree with float on less than 99 % of
      the calibration input, compile again with ``weight_split=2, bias_split=2``, then
      with ``scale_search=True``, then (small networks) with 3 parts, and keep the best,
      saying so in the report (:mod:`~snncompile.passes.quantize.choose_precision`);
      False: never.
    """

    scale: PerLayer = None
    threshold_scale: PerLayer = None
    weight_exp: PerLayer = None
    weight_bits: int | None = None
    rounding: str = "nearest"
    decay_unity: int | None = None
    threshold_resolution: int | None = None
    headroom: float = 2.0
    percentile: float = 99.99
    split_sign: bool = False
    graded_input: bool = False
    bias_timing: str = "exact"
    weight_split: int = 1
    fire_on_gt: bool = False
    retime_recurrences: bool = False
    bias_split: int = 1
    scale_search: bool = False
    auto_precision: bool = True

    def __post_init__(self) -> None:
        problems = []
        if self.rounding not in ROUNDINGS:
            problems.append(f"rounding={self.rounding!r}: must be one of {ROUNDINGS}")
        if self.bias_split not in range(1, MAX_PARTS + 1):
            problems.append(f"bias_split={self.bias_split}: must be 1, 2 or 3")
        if self.weight_split not in range(1, MAX_PARTS + 1):
            problems.append(f"weight_split={self.weight_split}: must be 1, 2 or 3")
        if self.bias_timing not in BIAS_TIMINGS:
            problems.append(f"bias_timing={self.bias_timing!r}: must be one of {BIAS_TIMINGS}")
        if self.weight_bits is not None and not (1 <= int(self.weight_bits) <= 16):
            problems.append(f"weight_bits={self.weight_bits}: must be in 1..16")
        if not (self.headroom >= 1):
            problems.append(f"headroom={self.headroom}: must be >= 1")
        if not (0 < self.percentile <= 100):
            problems.append(f"percentile={self.percentile}: must be in (0, 100]")
        for name in ("scale", "threshold_scale"):
            for layer, value in _items(getattr(self, name)):
                if not (0 < float(value) < math.inf):
                    problems.append(f"{name}={value} for {layer}: must be > 0 and finite")
                elif not (2.0**-64 <= float(value) <= 2.0**64):
                    problems.append(f"{name}={value} for {layer}: must be in [2**-64, 2**64]")
        if self.threshold_resolution is not None and not (1 <= int(self.threshold_resolution) <= 2**31 - 1):
            problems.append(f"threshold_resolution={self.threshold_resolution}: must be in 1..{2**31 - 1}")
        if self.decay_unity is not None and not (1 <= int(self.decay_unity) <= 2**31 - 1):
            problems.append(f"decay_unity={self.decay_unity}: must be in 1..{2**31 - 1}")
        for layer, value in _items(self.weight_exp):
            if not (-64 <= int(value) <= 64):
                problems.append(f"weight_exp={value} for {layer}: must be in -64..64")
        if problems:  # each problem starts with the option's name
            raise InputError("quantize options: " + "; ".join(problems),
                             options=dict.fromkeys(p.split("=")[0] for p in problems))

    @property
    def bias_parts(self) -> int:
        """Columns per delayed bias synapse: ``bias_split``, or ``weight_split`` when larger."""
        return max(self.bias_split, self.weight_split)

    @property
    def resolution(self) -> int:
        """The threshold resolution in effect (see ``threshold_resolution``)."""
        if self.threshold_resolution is not None:
            return int(self.threshold_resolution)
        return RESOLUTIONS[self.weight_split]

    def for_layer(self, name: str, option: str) -> Any:
        """The value of ``option`` for layer ``name`` (None: choose automatically)."""
        value = getattr(self, option)
        if isinstance(value, Mapping):
            return value.get(name)
        return value

    def to_dict(self) -> dict[str, Any]:
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = dict(value) if isinstance(value, Mapping) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuantizeOptions:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"quantize options: unknown option(s) {unknown}; known: {sorted(known)}")
        return cls(**data)


def _items(value: PerLayer) -> list[tuple[str, Any]]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [(f"layer '{k}'", v) for k, v in value.items()]
    return [("every layer", value)]
