"""The compile artifact (``.snnc``): what ``snncompile compile`` writes and ``compare`` reads.

A NumPy ``.npz`` (read by :func:`snncompile.npz.read_npz`: checked before it is read,
never unpickled) holding

- the compiled graph under the prefix ``fixed/`` (integer chip nodes; with host
  segments, float host nodes too, every node's placement and segment in its meta) and
  the float graph it came from under ``float/`` (both in the IR's own array format,
  :func:`graph_to_arrays`);
- ``__artifact__``: JSON ``{"format": "snncompile-artifact", "version": N, "target":
  {"name", "descriptor_sha256", "spec"}, "lags", "report", "partition", "provenance":
  {"snncompile", "source": {"path", "sha256"}, "calibration": {...} | null, "options",
  "created"}, "digests": {"fixed", "float"}}``; ``partition`` is a
  :class:`~snncompile.partition_report.PartitionReport` (segments, crossings, host nodes
  and why, the host's cost per step); ``created`` is ``SOURCE_DATE_EPOCH`` as a UTC time
  when that is set, else null; ``digests`` (optional: older artifacts lack them) are
  SHA-256 sums of the stored graphs (:func:`graph_digest`).

Version 2 added the partition (version 1 artifacts load: a whole-chip graph, no
partition). Written atomically and reproducibly (the same model, options and calibration
give the same bytes). Loading verifies the artifact whole (:func:`load_artifact`) and
refuses newer versions.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from snncompile import __version__
from snncompile.errors import GraphError, InputError, UnsupportedError, one_line
from snncompile.ir import Graph, NeuronNode, SpikingNeuron
from snncompile.ir.placement import chip_segments, extract, on_host
from snncompile.ir.serialize import graph_from_arrays, graph_to_arrays, read_json
from snncompile.ir.suspicious import check_suspicious
from snncompile.limits import check_layer_sizes
from snncompile.npz import read_npz, write_npz
from snncompile.partition_check import check_partition
from snncompile.partition_report import PartitionReport, all_on_chip_error, build_partition_report
from snncompile.passes.partition import Capabilities
from snncompile.passes.quantize import (
    QuantizationReport,
    Quantized,
    QuantizeOptions,
    partition_float,
    quantize,
    source_graph,
)
from snncompile.passes.quantize.spec import (
    descriptor_hash,
    load_target_descriptor,
    spec_from_target,
)
from snncompile.targets import DEFAULT_HOST, Target, load_target

FORMAT = "snncompile-artifact"
VERSION = 2


@dataclass(frozen=True)
class Artifact:
    fixed: Graph
    float_graph: Graph
    lags: Mapping[str, int]
    report: QuantizationReport
    target: Mapping[str, Any]
    provenance: Mapping[str, Any]
    version: int = VERSION
    partition: PartitionReport | None = None


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_artifact(float_graph: Graph, target: Any, options: QuantizeOptions | None = None,
                   calibrate: Mapping[str, np.ndarray] | np.ndarray | None = None,
                   source: str | None = None, calibration_source: str | None = None,
                   all_on_chip: bool = False, host: str = DEFAULT_HOST, fit_check: bool = True,
                   budget: bool = False, readout: str = "count") -> Artifact:
    """Quantize ``float_graph`` for ``target`` (a name, path, loaded target or mapping):
    what the chip's cores cannot compute runs on the host (``host``, a host descriptor),
    unless ``all_on_chip`` makes that an error listing every such node. A network that
    breaks the target's mapping rules is refused (:func:`check_fits`) unless
    ``fit_check`` is False. With ``budget`` and ``calibrate``, the report holds the error
    budget on the calibration input (classes decided by ``readout``). Gathers everything an
    artifact records."""
    host_target = load_target(host)
    if host_target.kind != "host":  # a chip descriptor has no host timing: its figures would be silently absent
        raise InputError(f"host={host}: expected a host descriptor (a target of kind 'host', such as "
                         f"{DEFAULT_HOST}), found kind '{host_target.kind}'", options=("host",))
    descriptor = load_target_descriptor(target) if isinstance(target, str) else target
    spec = spec_from_target(descriptor)
    options = options or QuantizeOptions()
    caps = Capabilities.of(descriptor) if getattr(descriptor, "features", None) is not None else None
    float_graph, retimed = source_graph(float_graph, spec, options)  # the model the compiled graph keeps
    if fit_check and isinstance(descriptor, Target):
        check_fits(float_graph, descriptor, options, caps)
    fits = partial(fits_with, float_graph, descriptor, caps) if fit_check and isinstance(descriptor, Target) else None
    q: Quantized = quantize(float_graph, spec, options, calibrate, capabilities=caps, budget=budget, fits=fits,
                            readout=readout)
    parts = q.partition
    if all_on_chip and parts is not None and parts.host_reasons:
        raise all_on_chip_error(parts.host_reasons, parts.graph, spec.target)
    partition = build_partition_report(q.fixed, parts.host_reasons, spec.target, host_target) \
        if parts is not None else None
    report = dataclasses.replace(q.report, notes=tuple(retimed) + q.report.notes + (lava_expressible(q.fixed),))
    return Artifact(
        fixed=q.fixed, float_graph=float_graph, lags=dict(q.lags), report=report,
        target={"name": spec.target, "descriptor_sha256": descriptor_hash(descriptor), "spec": spec.to_dict()},
        provenance={
            "snncompile": __version__,
            "source": _file_record(source),
            "calibration": _file_record(calibration_source),
            "options": (q.options or options).to_dict(),
            "created": created(),
        },
        partition=partition,
    )


def check_fits(float_graph: Graph, target: Target, options: QuantizeOptions, caps: Capabilities | None) -> None:
    """Raise a (one-line) MappingError listing every rule the chip part of
    ``float_graph`` breaks on ``target`` (what ``snncompile map`` reports); nodes the
    partition puts on the host are not mapped. When no neuron would run on the chip, the
    whole network is mapped: an artifact that runs only on the host is no compilation for
    ``target``, and its violations say what would have to change."""
    from snncompile.mapping import MappingError, map_graph

    folded, parts = partition_float(float_graph, options, caps)
    # all on the chip: the network as written, as `snncompile map` sees it (a chip's layer
    # may do what a lowering pass rewrites, e.g. Speck pools within a layer)
    chip, context = float_graph, ""
    if parts is not None and parts.host_reasons:
        names = [n for n, node in parts.graph.items() if not on_host(node)]
        if any(isinstance(parts.graph.nodes[n], NeuronNode) for n in names):
            chip = extract(parts.graph, names)[0]
            hosted = [f"'{n}' ({why})" for n, why in parts.host_reasons.items()
                      if parts.graph.nodes[n].kind not in ("Input", "Output")]
            context = f"mapped: the part that runs on the chip; on the host: {', '.join(hosted)}" if hosted else ""
    placement = map_graph(chip, target, strict=False)
    if not placement.fits:
        raise MappingError(target.name, placement.violations, compact=True, context=context)


def fits_with(float_graph: Graph, target: Target, caps: Capabilities | None, options: QuantizeOptions) -> bool:
    """Whether ``float_graph`` compiled with ``options`` keeps ``target``'s mapping rules."""
    from snncompile.mapping import MappingError

    try:
        check_fits(float_graph, target, options, caps)
    except MappingError:
        return False
    return True


def created() -> str | None:
    """The creation time an artifact records: ``SOURCE_DATE_EPOCH`` (the reproducible-
    builds convention) when set, else none, so that compiling the same input twice gives
    the same bytes (docs/robustness.md)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        when = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise InputError(f"SOURCE_DATE_EPOCH={epoch!r}: expected seconds since 1970 (an integer)") from None
    return when.isoformat(timespec="seconds")


def lava_expressible(fixed: Graph) -> str:
    """One line: whether Lava's fixed_pt models can run every chip segment of ``fixed``
    exactly, and if not why (the Lava lowering's own check; Lava itself is not needed)."""
    from snncompile.backends.lava.lower import plan_lowering

    try:
        for names in chip_segments(fixed).values():
            plan_lowering(extract(fixed, names)[0])
    except UnsupportedError as exc:
        problems = one_line(str(exc)).split("; ")
        more = f"; and {len(problems) - 3} more (snncompile simulate --backend lava lists them)" \
            if len(problems) > 3 else ""
        return f"not expressible in Lava: {'; '.join(problems[:3])}{more}"
    return "expressible in Lava (fixed_pt): the emulator and Lava compute the same integers on every chip segment"


def _file_record(path: str | None) -> dict[str, str | None] | None:
    if path is None:
        return None
    real = path.split(":")[0]  # file.py:factory
    return {"path": path, "sha256": file_sha256(real) if os.path.isfile(real) else None}


def save_artifact(artifact: Artifact, path: str | os.PathLike) -> None:
    """Write atomically; the header records each stored graph's digest
    (:func:`graph_digest`), and the same artifact gives the same bytes."""
    arrays = {**graph_to_arrays(artifact.fixed, "fixed/"), **graph_to_arrays(artifact.float_graph, "float/")}
    header = {
        "format": FORMAT, "version": VERSION, "target": dict(artifact.target), "lags": dict(artifact.lags),
        "report": artifact.report.to_dict(), "provenance": dict(artifact.provenance),
        "partition": artifact.partition.to_dict() if artifact.partition is not None else None,
        "digests": {part: graph_digest(arrays, prefix) for part, prefix in GRAPHS.items()},
    }
    arrays["__artifact__"] = np.array(json.dumps(header))
    # not compressed: deflating 10 M float64 weights took 11 s of a 13 s compile and saved
    # little (integer arrays are stored narrow, see graph_to_arrays)
    write_npz(path, arrays)


#: the stored graphs: header name -> array prefix
GRAPHS = {"fixed": "fixed/", "float": "float/"}


def graph_digest(arrays: Mapping[str, np.ndarray], prefix: str) -> str:
    """SHA-256 of a stored graph: every array under ``prefix`` (its JSON header included)
    in name order, each as name, dtype, shape and C-order bytes."""
    digest = hashlib.sha256()
    for key in sorted(k for k in arrays if k.startswith(prefix)):
        array = np.ascontiguousarray(arrays[key])
        digest.update(f"{key}\0{array.dtype.str}\0{array.shape}\0".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def load_artifact(path: str | os.PathLike) -> Artifact:
    """Read an artifact and verify it whole: header fields, the digests of both stored
    graphs, both graphs valid, a lag for every layer, a well-formed report. Every problem
    is an InputError naming the file; an artifact written before digests existed is read
    with a warning that it cannot be verified."""
    source = str(path)
    arrays = read_npz(path, "snncompile artifact")
    if "__artifact__" not in arrays:
        raise InputError(f"{source}: not an snncompile artifact (no '__artifact__' header; "
                         "write one with 'snncompile compile')")
    header = read_json(arrays, "__artifact__", source)
    check_artifact_header(header, source)
    check_digests(header, arrays, source)
    fixed, float_graph = (_valid(graph_from_arrays(arrays, f"{source} ({part} graph)", prefix), f"{source} ({part} graph)")
                          for part, prefix in GRAPHS.items())
    lags = _check_lags(header["lags"], fixed, float_graph, source)
    return Artifact(fixed, float_graph, lags, _report(header["report"], source), header["target"],
                    header["provenance"], int(header["version"]), _partition(header.get("partition"), fixed, source))


def check_artifact_header(header: Any, source: str) -> None:
    """Format, version and the type of every header section (before any is used)."""
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        found = header.get("format") if isinstance(header, dict) else type(header).__name__
        raise InputError(f"{source}: format '{found}' is not '{FORMAT}'")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InputError(f"{source}: artifact version must be a positive integer, found {version!r}")
    if version > VERSION:
        raise InputError(f"{source}: artifact version {version} is newer than this snncompile reads ({VERSION}); "
                         "upgrade snncompile or recompile the model")
    missing = [k for k in ("target", "lags", "report", "provenance") if k not in header]
    if missing:
        raise InputError(f"{source}: artifact header lacks {missing}")
    wrong = [k for k in ("target", "lags", "report", "provenance") if not isinstance(header[k], dict)]
    wrong += ["partition"] if header.get("partition") is not None and not isinstance(header["partition"], dict) else []
    if wrong:
        raise InputError(f"{source}: artifact header entries {wrong} must be JSON objects")
    target = header["target"]
    if not isinstance(target.get("name"), str) or not isinstance(target.get("spec"), dict):
        raise InputError(f"{source}: the artifact's target must name the target and hold its spec")
    digests = header.get("digests")
    if digests is not None and not (isinstance(digests, dict) and all(
            isinstance(digests.get(part), str) and len(digests[part]) == 64 for part in GRAPHS)):
        raise InputError(f"{source}: 'digests' must hold a SHA-256 (64 hex digits) for each of {list(GRAPHS)}")


def check_digests(header: Mapping[str, Any], arrays: Mapping[str, np.ndarray], source: str) -> None:
    """Each stored graph matches the digest written with it (docs/robustness.md)."""
    digests = header.get("digests")
    if digests is None:
        warnings.warn(f"{source}: written without graph digests (by an older snncompile): its stored graphs cannot "
                      "be verified; recompile to add them", stacklevel=3)
        return
    for part, prefix in GRAPHS.items():
        if graph_digest(arrays, prefix) != digests[part]:
            raise InputError(f"{source}: the stored {part} graph does not match its digest (the file changed after "
                             "it was written); recompile the model")


def _valid(graph: Graph, where: str) -> Graph:
    """``graph`` validated, its layers within the allocation limit, then checked by the
    suspicious-but-legal rules."""
    try:
        graph.validate()
    except GraphError as exc:
        raise InputError(f"{where}: {exc}") from None
    check_layer_sizes(graph, where)
    return check_suspicious(graph, where)


def _partition(data: Any, fixed: Graph, source: str) -> PartitionReport | None:
    """The partition section (version 2; None for whole-chip graphs and version 1),
    every field checked against the fixed graph (:mod:`snncompile.partition_check`)."""
    return None if data is None else check_partition(data, fixed, source)


def _check_lags(lags: Mapping[str, Any], fixed: Graph, float_graph: Graph, source: str) -> dict[str, int]:
    """Lags are step counts of fixed nodes, and every layer compared (a spiking neuron or
    an output in both graphs) has one."""
    bad = {k: v for k, v in lags.items() if k not in fixed.nodes or not _is_int(v) or not 0 <= v <= 2**31}
    if bad:
        raise InputError(f"{source}: lags must be step counts (0..2**31) of fixed-graph nodes; found {bad}")
    needed = [n for n, node in float_graph.items()
              if n in fixed.nodes and (isinstance(node, SpikingNeuron) or n in float_graph.outputs)]
    missing = [n for n in needed if n not in lags]
    if missing:
        raise InputError(f"{source}: no lag recorded for {missing}")
    return {k: int(v) for k, v in lags.items()}


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _report(data: Mapping[str, Any], source: str) -> QuantizationReport:
    """The quantization report, every field of the type it declares."""
    try:
        report = QuantizationReport.from_dict(data)
        problems = [p for layer in report.layers for p in _field_problems(layer)]
        problems += [p for layer in report.layers for syn in layer.synapses for p in _field_problems(syn)]
        if not isinstance(report.target, str) or not all(isinstance(n, str) for n in report.notes):
            problems.append("target and notes must be strings")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{source}: the quantization report is malformed ({one_line(str(exc))[:200]})") from None
    if problems:
        raise InputError(f"{source}: the quantization report is malformed ({problems[0]})")
    return report


#: what a report field's declared type accepts from JSON
_ACCEPTS = {"str": (str,), "int": (int,), "float": (int, float), "None": (type(None),)}


def _field_problems(record: Any) -> list[str]:
    problems = []
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        kinds = [k.strip() for k in str(f.type).split("|")]
        if any(k.startswith("tuple") for k in kinds):
            continue
        accepted = tuple(t for k in kinds for t in _ACCEPTS.get(k, (object,)))
        if isinstance(value, bool) or not isinstance(value, accepted):
            problems.append(f"'{f.name}' of {getattr(record, 'name', '?')!r} is {value!r}, expected {f.type}")
    return problems
