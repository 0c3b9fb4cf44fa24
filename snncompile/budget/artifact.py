"""The error budget of a compiled artifact on new input (``compare --explain``).

An artifact stores its float and fixed graphs, the options and each layer's scales (the
report), not the calibration input the scales were chosen on. The compilation is
reproduced by compiling the float graph again with every layer's scale and threshold
scale pinned to the report's (the weight exponents follow from the scale, see
:mod:`~snncompile.passes.quantize.choose_scales`); the result must equal the stored
fixed graph node for node and edge for edge, or the budget is refused (it would explain
another network). The budget is then measured on the given input.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from snncompile.budget.record import ErrorBudget
from snncompile.errors import UnsupportedError
from snncompile.ir import Graph


def artifact_budget(artifact: Any, inputs: Mapping[str, np.ndarray] | np.ndarray,
                    labels: np.ndarray | None = None, readout: str = "count") -> ErrorBudget:
    """The error budget of ``artifact`` (a :class:`~snncompile.compile.Artifact`) on
    ``inputs`` (module docstring), classes decided by ``readout``
    (:mod:`snncompile.simulate.readout`). Raises UnsupportedError when the compilation
    cannot be reproduced."""
    from snncompile.passes.quantize import QuantizeOptions, error_budget, quantize
    from snncompile.passes.quantize.spec import FixedPointSpec

    stored = QuantizeOptions.from_dict(artifact.provenance["options"])
    layers = artifact.report.layers
    options = dataclasses.replace(stored, scale={lay.name: lay.scale for lay in layers},
                                  threshold_scale={lay.name: lay.threshold_scale for lay in layers},
                                  scale_search=False)
    spec = FixedPointSpec.from_mapping(artifact.target["spec"], target=artifact.target["name"])
    q = quantize(artifact.float_graph, spec, options, capabilities=_capabilities(artifact))
    different = differences(artifact.fixed, q.fixed)
    if different:
        raise UnsupportedError(f"cannot reproduce this artifact's compilation to explain it (differs at "
                               f"{', '.join(different[:5])}): {_why_not(artifact.fixed, q.fixed, different, stored)}")
    return error_budget(artifact.float_graph, q, inputs, labels, readout=readout)


def _why_not(stored_graph: Graph, again: Graph, different: list[str], options: Any) -> str:
    """The likely reason a reproduction differs: ``fire_on_gt`` thresholds chosen from the
    calibration membranes (which an artifact does not store: only their file's hash), or
    another snncompile version."""
    from snncompile.ir.fixed import FixedLIF

    def off_by_one(name: str) -> bool:
        a, b = stored_graph.nodes.get(name), again.nodes.get(name)
        return (isinstance(a, FixedLIF) and isinstance(b, FixedLIF) and a.vth == b.vth - 1
                and _same_node(a.replace(vth=b.vth), b))

    if options.fire_on_gt and all(off_by_one(n) for n in different):
        return ("with fire_on_gt the threshold of " + ", ".join(f"'{n}'" for n in different) + " was lowered by one "
                "unit from the calibration membranes (exact hits), which the artifact does not store; compile "
                "without fire_on_gt to explain it, or compare it without explain")
    return "compiled by another snncompile version?"


def _capabilities(artifact: Any) -> Any:
    """The partition capabilities the artifact was compiled with (None if it was not
    partitioned), from its target's descriptor."""
    if artifact.partition is None:
        return None
    from snncompile.passes.partition import Capabilities
    from snncompile.passes.quantize.spec import load_target_descriptor

    return Capabilities.of(load_target_descriptor(artifact.target["name"]))


def differences(a: Graph, b: Graph) -> list[str]:
    """Names of the nodes (and 'edges') where ``a`` and ``b`` differ in kind, fields or
    wiring (``meta`` aside)."""
    out = [n for n in dict.fromkeys([*a.nodes, *b.nodes]) if n not in a.nodes or n not in b.nodes
           or not _same_node(a.nodes[n], b.nodes[n])]
    def wiring(g: Graph) -> list[tuple[str, str, int, str]]:
        return sorted((e.src, e.dst, e.delay, e.port) for e in g.edges)

    if wiring(a) != wiring(b):
        out.append("edges")
    return out


def _same_node(x: Any, y: Any) -> bool:
    ax, ay = x.param_arrays(), y.param_arrays()
    if x.kind != y.kind or ax.keys() != ay.keys() or any(not np.array_equal(ax[k], ay[k]) for k in ax):
        return False
    return {k: v for k, v in x.attributes().items() if k != "meta"} == \
        {k: v for k, v in y.attributes().items() if k != "meta"}
