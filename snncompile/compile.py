"""The compile artifact (``.snnc``): what ``snncompile compile`` writes and ``compare`` reads.

A NumPy ``.npz`` (loaded with ``allow_pickle=False``) holding

- the compiled graph under the prefix ``fixed/`` (integer chip nodes; with host
  segments, float host nodes too, every node's placement and segment in its meta) and
  the float graph it came from under ``float/`` (both in the IR's own array format,
  :func:`graph_to_arrays`);
- ``__artifact__``: JSON ``{"format": "snncompile-artifact", "version": N, "target":
  {"name", "descriptor_sha256", "spec"}, "lags", "report", "partition", "provenance":
  {"snncompile", "source": {"path", "sha256"}, "calibration": {...} | null, "options",
  "created"}}``; ``partition`` is a :class:`~snncompile.partition_report.PartitionReport`
  (segments, crossings, host nodes and why, the host's cost per step).

Version 2 added the partition (version 1 artifacts load: a whole-chip graph, no
partition). Written atomically; loading checks the format name and refuses newer
versions.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from snncompile import __version__
from snncompile.errors import InputError, UnsupportedError, one_line
from snncompile.ir import Graph
from snncompile.ir.placement import chip_segments, extract
from snncompile.ir.serialize import graph_from_arrays, graph_to_arrays
from snncompile.npz import write_npz
from snncompile.partition_report import PartitionReport, all_on_chip_error, build_partition_report
from snncompile.passes.partition import Capabilities
from snncompile.passes.quantize import QuantizationReport, Quantized, QuantizeOptions, quantize
from snncompile.passes.quantize.spec import (
    descriptor_hash,
    load_target_descriptor,
    spec_from_target,
)
from snncompile.targets import DEFAULT_HOST, load_target

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
                   all_on_chip: bool = False, host: str = DEFAULT_HOST, budget: bool = False) -> Artifact:
    """Quantize ``float_graph`` for ``target`` (a name, path, loaded target or mapping):
    what the chip's cores cannot compute runs on the host (``host``, a host descriptor),
    unless ``all_on_chip`` makes that an error listing every such node. With ``budget``
    and ``calibrate``, the report holds the error budget on the calibration input.
    Gathers everything an artifact records."""
    descriptor = load_target_descriptor(target) if isinstance(target, str) else target
    spec = spec_from_target(descriptor)
    options = options or QuantizeOptions()
    caps = Capabilities.of(descriptor) if getattr(descriptor, "features", None) is not None else None
    q: Quantized = quantize(float_graph, spec, options, calibrate, capabilities=caps, budget=budget)
    parts = q.partition
    if all_on_chip and parts is not None and parts.host_reasons:
        raise all_on_chip_error(parts.host_reasons, parts.graph, spec.target)
    partition = build_partition_report(q.fixed, parts.host_reasons, spec.target, load_target(host)) \
        if parts is not None else None
    report = dataclasses.replace(q.report, notes=q.report.notes + (lava_expressible(q.fixed),))
    return Artifact(
        fixed=q.fixed, float_graph=float_graph, lags=dict(q.lags), report=report,
        target={"name": spec.target, "descriptor_sha256": descriptor_hash(descriptor), "spec": spec.to_dict()},
        provenance={
            "snncompile": __version__,
            "source": _file_record(source),
            "calibration": _file_record(calibration_source),
            "options": options.to_dict(),
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        },
        partition=partition,
    )


def lava_expressible(fixed: Graph) -> str:
    """One line: whether Lava's fixed_pt models can run every chip segment of ``fixed``
    exactly, and if not why (the Lava lowering's own check; Lava itself is not needed)."""
    from snncompile.backends.lava.lower import plan_lowering

    try:
        for names in chip_segments(fixed).values():
            plan_lowering(extract(fixed, names)[0])
    except UnsupportedError as exc:
        return f"not expressible in Lava: {one_line(str(exc))}"
    return "expressible in Lava (fixed_pt): the emulator and Lava compute the same integers on every chip segment"


def _file_record(path: str | None) -> dict[str, str | None] | None:
    if path is None:
        return None
    real = path.split(":")[0]  # file.py:factory
    return {"path": path, "sha256": file_sha256(real) if os.path.isfile(real) else None}


def save_artifact(artifact: Artifact, path: str | os.PathLike) -> None:
    header = {
        "format": FORMAT, "version": VERSION, "target": dict(artifact.target), "lags": dict(artifact.lags),
        "report": artifact.report.to_dict(), "provenance": dict(artifact.provenance),
        "partition": artifact.partition.to_dict() if artifact.partition is not None else None,
    }
    arrays = {**graph_to_arrays(artifact.fixed, "fixed/"), **graph_to_arrays(artifact.float_graph, "float/")}
    arrays["__artifact__"] = np.array(json.dumps(header))
    # not compressed: deflating 10 M float64 weights took 11 s of a 13 s compile and saved
    # little (integer arrays are stored narrow, see graph_to_arrays)
    write_npz(path, arrays)


def load_artifact(path: str | os.PathLike) -> Artifact:
    """Read an artifact; every problem is an InputError naming the file."""
    source = str(path)
    if not os.path.exists(path):
        raise InputError(f"{source}: no such file")
    try:
        with np.load(path, allow_pickle=False) as data:
            if "__artifact__" not in data.files:
                raise InputError(f"{source}: not an snncompile artifact (no '__artifact__' header; "
                                 "write one with 'snncompile compile')")
            header = json.loads(str(data["__artifact__"]))
            _check_header(header, source)
            fixed = graph_from_arrays(data, f"{source} (fixed graph)", "fixed/")
            float_graph = graph_from_arrays(data, f"{source} (float graph)", "float/")
    except (zipfile.BadZipFile, ValueError, OSError, json.JSONDecodeError, KeyError) as exc:
        raise InputError(f"{source}: not a readable snncompile artifact ({type(exc).__name__}: {exc})") from None
    partition = header.get("partition")
    return Artifact(fixed, float_graph, {k: int(v) for k, v in header["lags"].items()},
                    QuantizationReport.from_dict(header["report"]), header["target"], header["provenance"],
                    int(header["version"]), PartitionReport.from_dict(partition) if partition else None)


def _check_header(header: Any, source: str) -> None:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        found = header.get("format") if isinstance(header, dict) else type(header).__name__
        raise InputError(f"{source}: format '{found}' is not '{FORMAT}'")
    version = header.get("version")
    if not isinstance(version, int) or version < 1:
        raise InputError(f"{source}: artifact version must be a positive integer, found {version!r}")
    if version > VERSION:
        raise InputError(f"{source}: artifact version {version} is newer than this snncompile reads ({VERSION}); "
                         "upgrade snncompile or recompile the model")
    missing = [k for k in ("target", "lags", "report", "provenance") if k not in header]
    if missing:
        raise InputError(f"{source}: artifact header lacks {missing}")
