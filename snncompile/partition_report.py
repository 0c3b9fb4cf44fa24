"""What runs where in a compiled graph, what crosses between chip and host each step,
and what the host part costs — the report ``snncompile compile`` prints and the
``.snnc`` artifact stores.

Per segment: its nodes and where they run. Per crossing edge: what it carries each step
(spikes from a chip neuron, values into a chip entry, float values between host nodes
and outputs), how many, and the bytes a link moves per step and sample: spikes as a
bitmap (one bit per neuron, the bound an event list undercuts when activity is sparse),
integer payloads at their width, floats at 4 bytes. The host part's time and energy per
step come from a host descriptor (``targets/host-*.toml``) and the op counts of
:mod:`snncompile.estimate.host_ops`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from snncompile.errors import SnnCompileError
from snncompile.estimate.host_ops import host_op_counts
from snncompile.ir import Graph, is_spike_train
from snncompile.ir.host import Quantize
from snncompile.ir.placement import crossings, is_static, placement_of, segments


class PartitionError(SnnCompileError):
    """Nodes that cannot run on the chip where the user asked for all of it to."""


@dataclass(frozen=True)
class SegmentReport:
    segment: str
    placement: str
    nodes: tuple[str, ...]
    kinds: Mapping[str, int]


@dataclass(frozen=True)
class CrossingReport:
    src: str
    dst: str
    direction: str  # "chip->host" or "host->chip"
    carries: str  # "spikes", "payloads" or "values"
    per_step: int  # elements per step and sample
    bytes_per_step: int
    once: bool = False  # static: sent once per sample (e.g. into bias registers), not every step


@dataclass(frozen=True)
class PartitionReport:
    target: str
    host: str
    segments: tuple[SegmentReport, ...]
    crossings: tuple[CrossingReport, ...]
    host_nodes: Mapping[str, str]  # node -> why it runs on the host
    host_ops_per_step: float
    host_ops_once: float = 0.0  # static host work, once per sample
    host_step_s: float | None = None
    host_step_j: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def bytes_per_step(self) -> int:
        return sum(c.bytes_per_step for c in self.crossings if not c.once)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["bytes_per_step"] = self.bytes_per_step
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PartitionReport:
        return cls(
            target=data["target"], host=data["host"],
            segments=tuple(SegmentReport(s["segment"], s["placement"], tuple(s["nodes"]), dict(s["kinds"]))
                           for s in data["segments"]),
            crossings=tuple(CrossingReport(**c) for c in data["crossings"]),
            host_nodes=dict(data["host_nodes"]), host_ops_per_step=float(data["host_ops_per_step"]),
            host_ops_once=float(data.get("host_ops_once", 0.0)),
            host_step_s=data.get("host_step_s"), host_step_j=data.get("host_step_j"),
            notes=tuple(data.get("notes", ())),
        )


def all_on_chip_error(host_reasons: Mapping[str, str], graph: Graph, target: str) -> PartitionError:
    """The ``all_on_chip`` refusal: every node that would run on the host, with why."""
    detail = "; ".join(f"'{n}' ({graph.nodes[n].kind}): {why}" for n, why in host_reasons.items())
    return PartitionError(f"all_on_chip=True: {len(host_reasons)} node(s) cannot run on {target}: {detail}",
                          options=("all_on_chip",))


def build_partition_report(compiled: Graph, host_reasons: Mapping[str, str], target: str, host: Any) -> PartitionReport:
    """The report of a compiled graph (its nodes carry placement and segment meta);
    ``host`` is the host descriptor (a loaded target of kind ``host``)."""
    segs = tuple(
        SegmentReport(seg, placement_of(compiled.nodes[names[0]]).value, tuple(names),
                      dict(Counter(compiled.nodes[n].kind for n in names)))
        for seg, names in segments(compiled).items()
    )
    shapes = compiled.infer_shapes()
    rows = tuple(_crossing(compiled, e.src, e.dst, shapes[e.src]) for e in crossings(compiled))
    counts = host_op_counts(compiled)
    once = float(sum(v for n, v in counts.items() if is_static(compiled.nodes[n])))
    ops = float(sum(counts.values())) - once
    per_mac, clock, mac_j = (host.number("cycles", "per_mac"), host.number("timing", "clock_hz"),
                             host.number("energy", "mac_j"))
    step_s = ops * per_mac / clock if per_mac is not None and clock else None
    step_j = ops * mac_j if mac_j is not None else None
    notes = (f"host time and energy per step and sample on {host.name}: multiply-accumulate equivalents x "
             "cycles.per_mac / timing.clock_hz and x energy.mac_j (a lower bound on time: no memory stalls)",
             "crossing bytes per step and sample: spikes as a bitmap, payloads at their width, floats at 4 bytes")
    return PartitionReport(target, host.name, segs, rows, dict(host_reasons), ops, once, step_s, step_j, notes)


def _crossing(graph: Graph, src: str, dst: str, shape: tuple[int, ...]) -> CrossingReport:
    direction = f"{placement_of(graph.nodes[src]).value}->{placement_of(graph.nodes[dst]).value}"
    n = int(math.prod(shape))
    node = graph.nodes[src]
    once = is_static(node)
    if is_spike_train(graph, src):
        return CrossingReport(src, dst, direction, "spikes", n, math.ceil(n / 8), once)
    if isinstance(node, Quantize):
        return CrossingReport(src, dst, direction, "payloads", n, n * math.ceil(node.bits / 8), once)
    return CrossingReport(src, dst, direction, "values", n, 4 * n, once)


def render_partition(report: Mapping[str, Any]) -> str:
    from snncompile.cli.output import table

    lines = [f"partition for {report['target']} (host: {report['host']})"]
    seg_rows = [{"segment": s["segment"], "runs on": s["placement"], "nodes": len(s["nodes"]),
                 "kinds": ", ".join(f"{k} x{v}" for k, v in sorted(s["kinds"].items()))} for s in report["segments"]]
    lines.append(table(seg_rows, ["segment", "runs on", "nodes", "kinds"], title="Segments"))
    if report["crossings"]:
        lines.append(table([dict(c) for c in report["crossings"]],
                           ["src", "dst", "direction", "carries", "per_step", "bytes_per_step", "once"],
                           title="Crossings (per step and sample)"))
    if report["host_nodes"]:
        lines.append(table([{"node": n, "why on the host": w} for n, w in report["host_nodes"].items()],
                           ["node", "why on the host"], title="Host nodes"))
        cost = f"host: {report['host_ops_per_step']:.4g} MAC-equivalents per step"
        if report.get("host_ops_once"):
            cost += f" (+ {report['host_ops_once']:.4g} once per sample: static)"
        if report.get("host_step_s") is not None:
            cost += f", >= {report['host_step_s'] * 1e6:.4g} us"
        if report.get("host_step_j") is not None:
            cost += f", {report['host_step_j'] * 1e9:.4g} nJ"
        lines.append(cost + f"; crossings {report['bytes_per_step']} bytes per step")
    else:
        lines.append("everything runs on the chip")
    return "\n".join(lines)
