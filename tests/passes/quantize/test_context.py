"""The quantizer as one declared pipeline: steps looked up, run in order, named in errors,
pure on the graph they are given."""

import copy

import numpy as np
import pytest

from snncompile.errors import InputError
from snncompile.ir import CubaLIF, Graph, Input, Linear, Output
from snncompile.passes.pipeline import PassError
from snncompile.passes.quantize import QUANTIZE_STEPS, QuantizeOptions, quantize
from snncompile.passes.quantize.context import QuantizeContext, analyze, run_steps, transform
from snncompile.passes.quantize.spec import spec_from_target


def _graph():
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.full((2, 3), 0.6), bias=np.array([0.1, -0.2])))
    g.add("lif", CubaLIF(shape=(2,), decay=0.9, syn_decay=0.8))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    return g


def _ctx(**options):
    return QuantizeContext(spec_from_target("loihi2"), QuantizeOptions(**options))


def test_steps_are_declared_once_by_name():
    names = [s.name for s in QUANTIZE_STEPS]
    assert len(names) == len(set(names))
    assert names.index("choose_scales") < names.index("quantize_neurons") < names.index("add_bias_sources")


def test_transforms_read_the_context_and_conditions_skip():
    seen = {}

    def record(graph, plan, delay):
        seen.update(plan=plan, delay=delay)
        return graph

    steps = [analyze("plan", lambda g, c: c.but(plan="the plan")),
             transform("record", record, plan="plan", delay=lambda c: c.spec.synapse_latency),
             transform("never", lambda g: 1 / 0, when=lambda c: False)]
    graph, ctx = run_steps(_graph(), _ctx(), steps)
    assert seen == {"plan": "the plan", "delay": spec_from_target("loihi2").synapse_latency}
    assert ctx.plan == "the plan"


def test_a_failing_transform_is_named():
    def refuse(graph):
        raise InputError("no")

    with pytest.raises(PassError, match="pass 'refuse': no"):
        run_steps(_graph(), _ctx(), [transform("refuse", refuse)])


def test_quantize_leaves_its_argument_alone_and_notes_in_the_context():
    g = _graph()
    before = copy.deepcopy(g)
    q = quantize(g, "loihi2", QuantizeOptions(bias_split=2))
    assert list(g.nodes) == list(before.nodes) and g.edges == before.edges
    assert {"bias_source", "fc.bias", "fc.bias.lo"} <= set(q.fixed.nodes)
    assert q.context is not None and q.context.lags == q.lags
    assert tuple(q.report.notes) == q.context.notes
