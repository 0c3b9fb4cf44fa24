"""The target-file schema as data: which sections and keys exist, their units and types.

A target file (TOML) has top-level `schema_version`, `name`, `kind`, `description`
and these sections:

- `[timing]`: `execution` (plain string) plus figures (`clock_hz`, `tick_s`, ...).
- `[limits]`: capacity and precision figures (counts, bytes, bits).
- `[features]`: plain values (what the chip can express) plus one `source`.
- `[energy]`: joules per operation, watts for powers.
- `[cycles]`: clock cycles per operation (software targets, cycle models).
- `[fixed_point]`: the integer convention the quantizer and emulator read.
- `[benchmarks.<name>]`: whole-workload figures (free keys, unit by suffix).
- `[gaps]`: `"section.key" = "why there is no figure"`, so absence is explicit.

Every figure is a table `{value, provenance, source, note?, range?}`. Units are SI and
fixed per key: J, W, s, Hz, B (bytes); plus bits, count, cycles. Adding a key means
adding one `Key` row here; the validator and renderer pick it up.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 1

KINDS = ("neuromorphic", "mcu", "method", "host")
EXECUTIONS = ("time-stepped", "asynchronous")
NEURON_MODELS = (
    "if", "lif", "cuba_lif", "lif_shift_decay", "if_linear_leak", "sigma_delta",
    "programmable",
)
RESET_MODES = ("zero", "subtract", "none")
COMPARATORS = (">", ">=")


@dataclass(frozen=True)
class Key:
    """One schema key.

    Attributes:
        unit: SI unit or "bits" / "count" / "cycles" / "" (dimensionless, convention).
        kind: "int", "number", "int_list", "number_list", "bool", "str", "choice",
            "choice_list".
        doc: one line for `snncompile targets` and the docs.
        sign: "positive" (> 0), "nonnegative" (>= 0) or "any"; numbers only.
        choices: allowed strings for "choice" / "choice_list".
    """

    unit: str
    kind: str
    doc: str
    sign: str = "nonnegative"
    choices: tuple[str, ...] = ()


def _count(doc: str) -> Key:
    return Key("count", "int", doc)


def _bits(doc: str) -> Key:
    return Key("bits", "int", doc, sign="positive")


def _joules(doc: str) -> Key:
    return Key("J", "number", doc, sign="positive")


def _cycles(doc: str) -> Key:
    return Key("cycles", "number", doc, sign="positive")


TIMING: dict[str, Key] = {
    "clock_hz": Key("Hz", "number", "core clock frequency", sign="positive"),
    "tick_s": Key("s", "number", "duration of one algorithmic time step", sign="positive"),
    "barrier_s": Key("s", "number", "barrier synchronisation at the end of a time step",
                     sign="positive"),
    "event_latency_s": Key("s", "number", "latency of one event through the network",
                           sign="positive"),
}

LIMITS: dict[str, Key] = {
    "cores": _count("neuro cores / processing elements per chip"),
    "embedded_cpus": _count("general-purpose CPUs on the chip besides the cores"),
    "neurons_per_core": _count("neurons (compartments) per core"),
    "neurons_total": _count("neurons per chip"),
    "synapses_total": _count("synapses per chip"),
    "input_channels": _count("input channels (fixed-topology chips)"),
    "hidden_neurons": _count("hidden neurons (fixed-topology chips)"),
    "output_neurons": _count("output neurons (fixed-topology chips)"),
    "synapse_memory_bytes_per_core": Key("B", "int", "synaptic memory per core"),
    "memory_bytes_per_core": Key("B", "int", "memory per core shared by synapses and state"),
    "fan_in_per_core": _count("input axons (axon lists) per core"),
    "fan_out_per_core": _count("output edges per core"),
    "max_fan_out_per_neuron": _count("outgoing synapses per neuron"),
    "max_destinations_per_neuron": _count("distinct target cores/axons per neuron"),
    "max_destinations_per_layer": _count("distinct destination layers per layer"),
    "axon_types": _count("axon types per core (one weight per type per neuron)"),
    "min_delay": Key("steps", "int", "smallest synaptic delay"),
    "max_delay": Key("steps", "int", "largest synaptic delay"),
    "weight_bits": _bits("largest weight width, sign included"),
    "weight_bits_min": _bits("smallest weight width"),
    "state_bits": _bits("membrane/current state width"),
    "decay_bits": _bits("decay constant width"),
    "threshold_bits": _bits("threshold width"),
    "max_kernel_size": _count("largest convolution kernel side"),
    "allowed_strides": Key("count", "int_list", "convolution strides the chip accepts"),
    "allowed_sum_pool": Key("count", "int_list", "sum-pooling sizes the chip accepts"),
    "kernel_memory_entries_per_core": Key("count", "int_list", "kernel memory per core"),
    "neuron_memory_entries_per_core": Key("count", "int_list", "neuron memory per core"),
    "macs_per_cycle_int16": Key("count", "number", "16-bit MACs per cycle (SIMD)",
                                sign="positive"),
}

ENERGY: dict[str, Key] = {
    "synop_j": _joules("one synaptic operation (spike x synapse)"),
    "synop_active_j": _joules("one synaptic operation, active energy only"),
    "neuron_update_j": _joules("one neuron update"),
    "neuron_update_active_j": _joules("one neuron update, neuron active"),
    "neuron_update_inactive_j": _joules("one neuron update, neuron inactive"),
    "synaptic_update_j": _joules("one on-chip learning (STDP) synapse update"),
    "spike_local_j": _joules("one spike delivered within a tile"),
    "spike_hop_ew_j": _joules("one spike, one mesh hop east-west"),
    "spike_hop_ns_j": _joules("one spike, one mesh hop north-south"),
    "static_power_w": Key("W", "number", "static (leakage) power", sign="positive"),
    "idle_power_w": Key("W", "number", "idle / resting power", sign="positive"),
    "energy_per_cycle_j": _joules("one core clock cycle (software targets)"),
    "mac_j": _joules("one float multiply-accumulate in software (host processors)"),
    "e_mac_j": _joules("one multiply-accumulate (paper method, fp32)"),
    "e_ac_j": _joules("one accumulate (paper method, fp32)"),
    "int8_add_j": _joules("int8 add"),
    "int8_mult_j": _joules("int8 multiply"),
    "int32_add_j": _joules("int32 add"),
    "int32_mult_j": _joules("int32 multiply"),
    "fp16_add_j": _joules("fp16 add"),
    "fp16_mult_j": _joules("fp16 multiply"),
    "fp32_add_j": _joules("fp32 add"),
    "fp32_mult_j": _joules("fp32 multiply"),
    "sram_read_64b_8kib_j": _joules("64-bit SRAM read, 8 KiB array"),
    "sram_read_64b_32kib_j": _joules("64-bit SRAM read, 32 KiB array"),
    "sram_read_64b_1mib_j": _joules("64-bit SRAM read, 1 MiB array"),
    "dram_access_64b_j": _joules("64-bit DRAM access"),
}

CYCLES: dict[str, Key] = {
    "per_synop": _cycles("one event-driven synaptic add"),
    "per_neuron_update": _cycles("one neuron update (decay, add, compare, reset)"),
    "per_spike": _cycles("emitting one spike"),
    "per_step": _cycles("fixed cost of one time step (software targets: calls, loop set-up)"),
    "per_mac": _cycles("one float multiply-accumulate in software (host processors)"),
    # Xylo's published cycle model, term by term (see xylo-audio2.toml).
    "per_input_synop": _cycles("input spike x hidden target"),
    "per_input_channel": _cycles("per input channel per step"),
    "per_hidden_synop": _cycles("hidden spike x recurrent fan-out synapse"),
    "per_hidden_neuron": _cycles("per hidden neuron per step (synaptic current)"),
    "per_hidden_spike": _cycles("per hidden spike, before its output synapses"),
    "per_output_synop": _cycles("hidden spike x output neuron"),
    "per_hidden_neuron_fixed": _cycles("per hidden neuron per step (spike stage)"),
    "per_output_neuron_fixed": _cycles("per output neuron per step"),
}

FIXED_POINT: dict[str, Key] = {
    # widths (see snncompile.passes.quantize.spec.FixedPointSpec)
    "weight_mantissa_bits": _bits("weight magnitude bits (sign extra)"),
    "mixed_sign_extra_shift": Key("bits", "int", "extra LSBs dropped for mixed-sign weights"),
    "u_bits": _bits("synaptic current width"),
    "v_bits": _bits("membrane voltage width"),
    "du_bits": _bits("current decay constant width"),
    "dv_bits": _bits("voltage decay constant width"),
    "decay_denominator": Key("count", "int", "decay is x * (D - d) / D", sign="positive"),
    "threshold_mant_bits": _bits("threshold mantissa width"),
    "threshold_shift": Key("bits", "int", "threshold compared as vth << shift"),
    "activation_shift": Key("bits", "int", "synaptic input added as a << shift"),
    "bias_mant_bits": _bits("bias mantissa width, sign included"),
    "bias_exp_bits": Key("bits", "int", "bias exponent width (0: no exponent)"),
    "weight_exp_min": Key("bits", "int", "smallest weight exponent (shift) of a synapse", sign="any"),
    "weight_exp_max": Key("bits", "int", "largest weight exponent (shift) of a synapse", sign="any"),
    # timing
    "max_delay": Key("steps", "int", "largest extra synaptic delay on top of the latency"),
    "synapse_latency": Key("steps", "int", "steps from a neuron's spike to the next neuron's update"),
    "input_latency": Key("steps", "int", "steps from an input spike to the first neurons' update"),
    # spikes
    "max_spikes_hidden": _count("spikes a hidden neuron may send per step (subtract reset)"),
    "max_spikes_output": _count("spikes an output neuron may send per step"),
    "max_input_payload": _count("input spike count per channel and step the chip reads (0: binary)"),
    "comparators": Key("", "choice_list", "spike condition of the integer core", choices=COMPARATORS),
    # arithmetic (snncompile.ir.arithmetic)
    "decay_encoding": Key("", "choice", "how a decay constant shrinks a state",
                          choices=("multiply", "shift", "none")),
    "input_timing": Key("", "choice", "synaptic input joins u before or after its decay",
                        choices=("after_decay", "before_decay")),
    "rounding": Key("", "choice", "decay rounding", choices=("toward_zero", "floor", "none")),
    "u_overflow": Key("", "choice", "what u does past its width (saturate: per synaptic event)",
                      choices=("wrap", "saturate")),
    "v_overflow": Key("", "choice", "what v does past its width", choices=("saturate",)),
    "membrane_update": Key("", "choice", "v = sat(D(v) + u + b), or every addition saturating",
                           choices=("clip_sum", "saturate_each")),
    "state_range": Key("", "choice", "saturation bounds of u and v", choices=("symmetric", "twos_complement")),
    "weight_range": Key("", "choice", "mixed-sign weight range", choices=("twos_complement", "symmetric")),
    "weight_sharing": Key("", "choice", "what synapses share on the chip",
                          choices=("none", "convolution", "axon_types")),
}

FEATURES: dict[str, Key] = {
    "neuron_models": Key("", "choice_list", "neuron models the chip runs",
                         choices=NEURON_MODELS),
    "reset_modes": Key("", "choice_list", "reset after a spike", choices=RESET_MODES),
    "comparators": Key("", "choice_list", "spike condition v ? threshold",
                       choices=COMPARATORS),
    "graded_spikes": Key("", "bool", "spikes may carry an integer payload"),
    "graded_spike_bits": _bits("payload width when graded_spikes"),
    "recurrence": Key("", "bool", "recurrent connections within a layer"),
    "bias": Key("", "bool", "constant per-neuron input"),
    "delays": Key("", "bool", "programmable synaptic delays"),
    "conv": Key("", "bool", "native convolution (shared kernels)"),
    "on_chip_learning": Key("", "bool", "synaptic plasticity on chip"),
    "source": Key("", "str", "where these capabilities are documented"),
    "note": Key("", "str", "caveats"),
}

#: Figure sections: name -> key table. Features and timing.execution are plain values.
FIGURE_SECTIONS: dict[str, dict[str, Key]] = {
    "timing": TIMING,
    "limits": LIMITS,
    "energy": ENERGY,
    "cycles": CYCLES,
    "fixed_point": FIXED_POINT,
}

#: Sections each kind of target must have; the rest are optional.
REQUIRED_SECTIONS: dict[str, tuple[str, ...]] = {
    "neuromorphic": ("timing", "limits", "features", "energy"),
    "mcu": ("timing", "limits", "features", "energy", "cycles"),
    "method": ("energy",),
    "host": ("timing", "energy", "cycles"),
}

OPTIONAL_SECTIONS = ("timing", "limits", "features", "energy", "cycles", "fixed_point",
                     "benchmarks", "gaps")
TOP_LEVEL = ("schema_version", "name", "kind", "description")

#: Benchmarks have free keys; the unit is read off the suffix.
BENCHMARK_SUFFIX_UNITS: dict[str, str] = {
    "_j": "J", "_w": "W", "_s": "s", "_hz": "Hz", "_bytes": "B", "_fps": "1/s",
}


def benchmark_unit(key: str) -> str:
    """Unit of a free benchmark key from its suffix ("" for plain counts)."""
    for suffix, unit in BENCHMARK_SUFFIX_UNITS.items():
        if key.endswith(suffix):
            return unit
    return "count"
