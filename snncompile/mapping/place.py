"""Placement onto cores: split layers larger than a core, pack small ones together.

Per-core limits read from the target: ``neurons_per_core``, synapse memory
(``synapse_memory_bytes_per_core``, or ``memory_bytes_per_core`` shared with neuron
state), ``fan_in_per_core`` (input axons) and ``fan_out_per_core`` (output edges).

Model (stated, simple): a layer's neurons are cut into equal slices that fit one core;
every neuron of a slice stores its full dense fan-in of ``weight_bits`` weights
(rounded up to whole bytes per neuron); a slice
listens to all of its layer's inputs (input axons = layer fan-in); a neuron sends one
edge to every core holding a slice of a destination layer. Slices are packed first-fit
decreasing into cores while neurons, memory and input axons fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from snncompile.mapping.layers import Layer
from snncompile.targets import Target


@dataclass(frozen=True)
class Slice:
    layer: str
    start: int
    stop: int

    @property
    def neurons(self) -> int:
        return self.stop - self.start


@dataclass
class Core:
    index: int
    slices: list[Slice] = field(default_factory=list)
    neurons: int = 0
    synapse_bytes: int = 0
    state_bytes: int = 0
    fan_in: int = 0
    fan_out: int = 0
    kernel_entries: int = 0  # Speck-style cores: memory entries used and available
    neuron_entries: int = 0
    kernel_capacity: int | None = None
    neuron_capacity: int | None = None


@dataclass(frozen=True)
class CoreLimits:
    neurons: int | None
    memory_bytes: int | None
    shared_memory: bool  # memory holds neuron state too
    fan_in: int | None
    fan_out: int | None

    @classmethod
    def of(cls, target: Target) -> CoreLimits:
        def num(key: str) -> int | None:
            v = target.number("limits", key)
            return None if v is None else int(v)

        syn = num("synapse_memory_bytes_per_core")
        shared = num("memory_bytes_per_core")
        return cls(num("neurons_per_core"), syn if syn is not None else shared,
                   syn is None and shared is not None, num("fan_in_per_core"), num("fan_out_per_core"))

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.neurons, self.memory_bytes, self.fan_in, self.fan_out))


def synapse_bytes_per_neuron(layer: Layer, weight_bits: int) -> int:
    """One neuron's dense fan-in of weights, rounded up to whole bytes per neuron."""
    return math.ceil(layer.fan_in * weight_bits / 8)


def state_bytes_per_neuron(limits: CoreLimits, state_bits: int) -> int:
    """u and v, counted only where the core's memory also holds neuron state."""
    return math.ceil(2 * state_bits / 8) if limits.shared_memory else 0


def bytes_per_neuron(layer: Layer, limits: CoreLimits, weight_bits: int, state_bits: int) -> int:
    return synapse_bytes_per_neuron(layer, weight_bits) + state_bytes_per_neuron(limits, state_bits)


def slice_size(layer: Layer, limits: CoreLimits, weight_bits: int, state_bits: int) -> int:
    """Most neurons of ``layer`` one core holds (0: not even one neuron fits)."""
    size = layer.neurons
    if limits.neurons is not None:
        size = min(size, limits.neurons)
    if limits.memory_bytes is not None:
        size = min(size, limits.memory_bytes // max(bytes_per_neuron(layer, limits, weight_bits, state_bits), 1))
    return size


def place(layers: list[Layer], limits: CoreLimits, weight_bits: int, state_bits: int) -> list[Core]:
    """Cores with their slices; a layer of which not even one neuron fits is left out
    (the rules report it)."""
    per_neuron = {ly.name: bytes_per_neuron(ly, limits, weight_bits, state_bits) for ly in layers}
    slices: list[tuple[Slice, Layer]] = []
    for ly in layers:
        size = slice_size(ly, limits, weight_bits, state_bits)
        if size == 0:
            continue
        n = math.ceil(ly.neurons / size)
        bounds = [round(i * ly.neurons / n) for i in range(n + 1)]
        slices += [(Slice(ly.name, a, b), ly) for a, b in zip(bounds, bounds[1:])]
    slices.sort(key=lambda s: -s[0].neurons)
    cores: list[Core] = []
    for sl, ly in slices:
        mem = sl.neurons * per_neuron[ly.name]
        for core in cores:
            if _fits(core, sl, ly, mem, limits):
                break
        else:
            core = Core(len(cores))
            cores.append(core)
        core.slices.append(sl)
        core.neurons += sl.neurons
        core.synapse_bytes += sl.neurons * synapse_bytes_per_neuron(ly, weight_bits)
        core.state_bytes += sl.neurons * state_bytes_per_neuron(limits, state_bits)
        core.fan_in += ly.fan_in
    _fill_fan_out(cores, layers)
    return cores


def _fits(core: Core, sl: Slice, ly: Layer, mem: int, limits: CoreLimits) -> bool:
    if limits.neurons is not None and core.neurons + sl.neurons > limits.neurons:
        return False
    if limits.memory_bytes is not None and core.synapse_bytes + core.state_bytes + mem > limits.memory_bytes:
        return False
    return not (limits.fan_in is not None and core.fan_in + ly.fan_in > limits.fan_in)


def _fill_fan_out(cores: list[Core], layers: list[Layer]) -> None:
    by_name = {ly.name: ly for ly in layers}
    cores_of: dict[str, set[int]] = {}
    for core in cores:
        for sl in core.slices:
            cores_of.setdefault(sl.layer, set()).add(core.index)
    for core in cores:
        for sl in core.slices:
            dest_cores = set().union(*(cores_of.get(d, set()) for d in by_name[sl.layer].destinations)) \
                if by_name[sl.layer].destinations else set()
            core.fan_out += sl.neurons * len(dest_cores)
