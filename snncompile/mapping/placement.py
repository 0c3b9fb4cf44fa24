"""``map_graph``: place a graph on a target's cores and check every rule."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from snncompile.ir import Graph
from snncompile.mapping import rules, speck
from snncompile.mapping.layers import Layer, extract_layers
from snncompile.mapping.place import Core, CoreLimits, place
from snncompile.mapping.violation import MappingError, Violation
from snncompile.targets import Target


@dataclass(frozen=True)
class Placement:
    """Where every layer went, and every rule the network breaks on this target."""

    target: str
    layers: tuple[Layer, ...]
    cores: tuple[Core, ...]
    limits: CoreLimits
    violations: tuple[Violation, ...]
    weight_bits: int
    assumptions: tuple[str, ...]

    @property
    def fits(self) -> bool:
        return not self.violations

    def core_rows(self) -> list[dict]:
        """Resource report: one row per core, actual against limit and utilisation."""
        rows = []
        for c in self.cores:
            used = c.synapse_bytes + c.state_bytes
            rows.append({
                "core": c.index,
                "layers": ", ".join(f"{s.layer}[{s.start}:{s.stop}]" for s in c.slices),
                "neurons": c.neurons, "neurons_limit": self.limits.neurons,
                "synapse_bytes": c.synapse_bytes, "memory_bytes": used,
                "memory_limit": self.limits.memory_bytes,
                "fan_in": c.fan_in, "fan_in_limit": self.limits.fan_in,
                "fan_out": c.fan_out, "fan_out_limit": self.limits.fan_out,
                "utilisation": _utilisation(c, self.limits),
            })
            if c.kernel_capacity is not None and c.neuron_capacity is not None:
                rows[-1].update(kernel_entries=c.kernel_entries, kernel_limit=c.kernel_capacity,
                                neuron_entries=c.neuron_entries, neuron_limit=c.neuron_capacity,
                                utilisation=max(c.kernel_entries / c.kernel_capacity,
                                                c.neuron_entries / c.neuron_capacity))
        return rows

    def chip_rows(self, target: Target) -> list[dict]:
        """Chip-level totals against chip-level limits (the ones the target gives)."""
        hidden = sum(ly.neurons for ly in self.layers if not ly.feeds_output)
        outputs = sum(ly.neurons for ly in self.layers if ly.feeds_output)
        actual = {"cores": len(self.cores), "neurons_total": hidden + outputs,
                  "hidden_neurons": hidden, "output_neurons": outputs,
                  "max_fan_out_per_neuron": max((ly.max_fan_out for ly in self.layers), default=0)}
        rows = []
        for key, value in actual.items():
            limit = target.number("limits", key)
            if limit is not None:
                rows.append({"resource": key, "used": value, "limit": int(limit),
                             "utilisation": value / limit if limit else None})
        return rows

    def layer_rows(self) -> list[dict]:
        return [{"layer": ly.name, "kind": ly.kind, "neurons": ly.neurons, "fan_in": ly.fan_in,
                 "max_fan_out": ly.max_fan_out, "weights": ly.weights,
                 "synapse_bytes": ly.weights * self.weight_bits // 8,
                 "destinations": list(ly.destinations)} for ly in self.layers]

    def to_dict(self) -> dict:
        return {
            "target": self.target, "fits": self.fits, "cores_used": len(self.cores),
            "weight_bits": self.weight_bits, "limits": asdict(self.limits),
            "cores": self.core_rows(), "layers": self.layer_rows(),
            "violations": [v.as_dict() for v in self.violations],
            "assumptions": list(self.assumptions),
        }


def _utilisation(c: Core, limits: CoreLimits) -> float | None:
    """The tightest resource's fraction used (None when the core has no limits)."""
    pairs = [(c.neurons, limits.neurons), (c.synapse_bytes + c.state_bytes, limits.memory_bytes),
             (c.fan_in, limits.fan_in), (c.fan_out, limits.fan_out)]
    fracs = [used / limit for used, limit in pairs if limit]  # type: ignore[operator]
    return max(fracs) if fracs else None


def map_graph(graph: Graph, target: Target, weight_bits: int | None = None,
              state_bits: int | None = None, strict: bool = True) -> Placement:
    """Place ``graph`` on ``target``. ``weight_bits`` defaults to the target's own width
    (a float graph is assumed to be quantized to it). With ``strict`` a network that
    breaks any rule raises :class:`MappingError` listing every violation."""
    layers = extract_layers(graph)
    given = weight_bits is not None
    wb = weight_bits or int(target.number("limits", "weight_bits") or 8)
    sb = state_bits or int(target.number("limits", "state_bits") or 16)
    limits = CoreLimits.of(target)
    cores = place(layers, limits, wb, sb) if limits.any else speck.place_layers(graph, layers, target)
    ctx = rules.Context(graph, target, tuple(layers), tuple(cores), limits, wb, sb, given)
    violations = rules.check(ctx)
    result = Placement(
        target=target.name, layers=tuple(layers), cores=tuple(cores), limits=limits,
        violations=tuple(violations), weight_bits=wb,
        assumptions=(
            f"{wb}-bit weights stored densely (zero weights included), {sb}-bit states",
            "a layer's neurons are cut into equal slices; each slice listens to all the layer's "
            "inputs and sends one edge per neuron to every core of each destination layer",
            "slices packed first-fit decreasing by neurons, memory and input axons",
        ),
    )
    if strict and violations:
        raise MappingError(target.name, violations)
    return result
