"""Each framework's own NIR exporter, read back with its dialect, against the framework's
own forward pass, spike for spike (the cases live in docs/scripts/nir_exporters.py,
which also writes the table in docs/nir.md; this test checks the committed table is
what a fresh run generates)."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("snntorch")
pytest.importorskip("norse")
pytest.importorskip("sinabs")
pytest.importorskip("spikingjelly")
pytest.importorskip("rockpool")
pytestmark = pytest.mark.frameworks

SCRIPT = Path(__file__).resolve().parents[3] / "docs" / "scripts" / "nir_exporters.py"


def _load():
    spec = importlib.util.spec_from_file_location("nir_exporters", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["nir_exporters"] = module  # (dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


EXPORTERS = _load()
CASES = EXPORTERS.CASES


@functools.cache
def row(i: int):
    return EXPORTERS.run_case(CASES[i])


@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{c.framework}-{c.neuron}-{c.layers}" for c in CASES])
def test_exporter_case(i):
    case, r = CASES[i], row(i)
    assert r.status == case.expect, r.notes
    if r.status != "refused":
        assert r.mismatches == 0, f"{r.mismatches} mismatched spikes; notes: {r.notes}"
        assert min(r.silent) > 0, f"a neuron layer never spiked: {r.silent}"
        if r.status == "corrected":
            assert r.plain != 0, "plain NIR reading agrees too: the correction changed nothing that matters"
    elif r.spikes:  # refused, but the exporter wrote a graph: the documented difference shows
        assert r.mismatches > 0 and min(r.silent) > 0
    else:
        assert r.notes and "Error" in r.notes[0]


def test_docs_table_is_generated():
    fresh = EXPORTERS.table([row(i) for i in range(len(CASES))])
    doc = EXPORTERS.DOC.read_text()
    committed = doc.split(EXPORTERS.BEGIN)[1].split(EXPORTERS.END)[0].strip()
    assert committed == fresh, "docs/nir.md is stale: run python docs/scripts/nir_exporters.py --write"


def test_every_required_combination_is_in_the_table():
    covered = {(c.framework.split()[0], n.strip()) for c in CASES for n in c.neuron.split(",")}
    for framework, neurons in {"snnTorch": ["Leaky", "Synaptic", "RLeaky", "RSynaptic"],
                               "Norse": ["LIFBoxCell", "LIFCell"], "sinabs": ["IAF", "LIF (SingleSpike)"],
                               "SpikingJelly": ["LIFNode", "IFNode"]}.items():
        for neuron in neurons:
            assert (framework, neuron) in covered, (framework, neuron)
    layers = {c.framework.split()[0]: set() for c in CASES}
    for c in CASES:
        layers[c.framework.split()[0]] |= {x.strip() for x in c.layers.split(",")}
    assert {"Linear", "Conv2d"} <= layers["snnTorch"] and {"Linear", "Conv2d"} <= layers["Norse"]
    assert {"Conv2d", "SumPool2d", "Flatten"} <= layers["sinabs"]
