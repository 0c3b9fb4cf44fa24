"""Random fixed graphs for testing the generated C against the emulator.

:func:`c_cases` draws a Lava-runnable graph (:func:`~snncompile.testing.fixed_graphs.fixed_cases`)
and then uses what Lava cannot run but the emulator and the MCU code do: subtract and no
reset, ``>=`` (with or without a refractory period), graded spikes (``v >> vth_shift``) into
graded synapses, a Constant source
through a delayed synapse (the quantizer's bias source), an extra synapse from the input
into a later population (several inputs summed per neuron), and synapse inputs summed
from two sources.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from snncompile.ir import Constant
from snncompile.ir.fixed import FixedLIF, FixedLinear
from snncompile.ir.semantics import Comparator, Reset
from snncompile.testing.fixed_graphs import Case, fixed_cases


@st.composite
def c_cases(draw, max_steps: int = 20) -> Case:
    case = draw(fixed_cases(max_steps=max_steps))
    g = case.graph
    notes = []
    lifs = [n for n, node in g.items() if isinstance(node, FixedLIF) and not node.reads_membrane]
    for name in lifs:
        node = g.nodes[name]
        reset = draw(st.sampled_from(list(Reset)))
        comparator = draw(st.sampled_from(list(Comparator)))
        consumers = [e.dst for e in g.outgoing(name) if isinstance(g.nodes[e.dst], FixedLinear)]
        graded = bool(consumers) and draw(st.integers(0, 3)) == 0
        # the drawn refractory period stays: with any reset and comparator here (Lava's has one)
        g.nodes[name] = node.replace(reset=reset, comparator=comparator, graded=graded)
        if graded:
            for dst in consumers:
                g.nodes[dst] = g.nodes[dst].replace(num_message_bits=24)
        notes.append(f"{name}:{reset.value}{'>=' if comparator is Comparator.GE else '>'}{'+graded' if graded else ''}")
    shapes = g.infer_shapes()
    flat = [n for n in lifs if len(shapes[n]) == 1]
    if flat and draw(st.booleans()):  # a bias source through a delayed one-column synapse
        target = draw(st.sampled_from(flat))
        n = shapes[target][0]
        g.add("bias_source", Constant(value=np.ones(1)))
        g.add("bias_syn", FixedLinear(weight=np.array(draw(st.lists(st.integers(-40, 40), min_size=n, max_size=n))
                                                     ).reshape(n, 1)))
        g.connect("bias_source", "bias_syn", draw(st.integers(0, 3)))
        g.connect("bias_syn", target, 1 + draw(st.integers(0, 3)))
        notes.append(f"bias->{target}")
    one_d_input = len(shapes[g.inputs[0]]) == 1
    if flat and one_d_input and draw(st.booleans()):  # the input also straight into a later layer
        target = flat[-1]
        n_in, n = shapes[g.inputs[0]][0], shapes[target][0]
        w = np.array(draw(st.lists(st.integers(-100, 100), min_size=n * n_in, max_size=n * n_in))).reshape(n, n_in)
        g.add("skip", FixedLinear(weight=w, num_message_bits=draw(st.sampled_from([0, 24]))))
        g.connect(g.inputs[0], "skip")
        g.connect("skip", target, 1 + draw(st.integers(0, 2)))
        if draw(st.booleans()):  # summed synapse input: the input now and 1-3 steps ago
            g.connect(g.inputs[0], "skip", draw(st.integers(1, 3)))
            notes.append("summed")
        notes.append(f"skip->{target}")
    return Case(g.validate(), case.inputs, case.sparse, case.description + " | " + " ".join(notes))
