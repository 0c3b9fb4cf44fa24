"""The C of one node: its RAM state (members of the one state struct), its flash
tables, and its code in ``snn_step``. One emitter per node class (:data:`EMITTERS`).

The arithmetic is the emulator's (:mod:`snncompile.emulator.kernels`), statement by
statement: a neuron's input is summed modulo 2**32 (the emulator wraps ``a`` and
``a << act_shift`` to int32, which is the same value), ``u`` takes Lava's one-shot
wrap, ``v`` saturates; a synapse adds each active source's row to its accumulator ring
and hands on ``wrap(acc << shift, accum_bits)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from snncompile.backends.c.cexpr import c_int, const_array, slot, started
from snncompile.backends.c.plan import CONST, DENSE, EVENTS, NodePlan, Plan, Read, index_type
from snncompile.backends.c.synapse_tables import build_tables
from snncompile.ir import Constant, Input
from snncompile.ir.fixed import FixedConv1d, FixedConv2d, FixedLIF, FixedLinear
from snncompile.ir.host import Quantize
from snncompile.ir.host_tensor import Reshape
from snncompile.ir.ops import Flatten, Output
from snncompile.ir.semantics import Comparator, Reset


@dataclass
class Parts:
    state: list[str] = field(default_factory=list)  # struct members (RAM)
    tables: list[str] = field(default_factory=list)  # flash
    step: str = ""


Emitter = Callable[[Plan, NodePlan], Parts]
EMITTERS: dict[type, Emitter] = {}


def emitter(*kinds: type) -> Callable[[Emitter], Emitter]:
    def register(fn: Emitter) -> Emitter:
        for kind in kinds:
            EMITTERS[kind] = fn
        return fn

    return register


def output_storage(np_: NodePlan) -> list[str]:
    """The ring a storing node writes: event lists or int32 values, ``depth`` steps."""
    if np_.storage == EVENTS:
        it = index_type(np_.size)
        return [f"{it} {np_.ident}_ev[{np_.depth}][{np_.size}];", f"uint32_t {np_.ident}_nev[{np_.depth}];"]
    return [f"int32_t {np_.ident}_out[{np_.depth}][{np_.size}];"]


def ring_state(np_: NodePlan) -> list[str]:
    return output_storage(np_) + ([f"uint32_t {np_.ident}_pos;"] if np_.depth > 1 else [])


@emitter(Input)
def emit_input(plan: Plan, np_: NodePlan) -> Parts:
    offset = sum(p.size for p in plan.inputs[:plan.inputs.index(np_)])
    step = f"snn_copy32(S.{np_.ident}_out[{slot(plan, Read(np_.name, 0))}], input + {offset}, {np_.size}u);"
    return Parts(ring_state(np_), [], step)


@emitter(Constant)
def emit_constant(plan: Plan, np_: NodePlan) -> Parts:
    node = np_.node
    assert isinstance(node, Constant)
    return Parts([], [const_array("int32_t", f"{np_.ident}_c", np.asarray(node.value, np.int64).reshape(-1))], "")


@emitter(Quantize)
def emit_quantized(plan: Plan, np_: NodePlan) -> Parts:
    """The host entry's integer payloads (``E.<ident>_q``, set by ``snn_set_analog``,
    :mod:`.emit_entry`) from step ``start`` on, zeros before."""
    node = np_.node
    assert isinstance(node, Quantize)
    out, q = f"S.{np_.ident}_out[{slot(plan, Read(np_.name, 0))}]", f"E.{np_.ident}_q"
    if node.start:
        step = f"for (i = 0; i < {np_.size}u; i++) {out}[i] = snn_t >= {node.start}u ? {q}[i] : 0;"
    else:
        step = f"snn_copy32({out}, {q}, {np_.size}u);"
    return Parts(ring_state(np_), [], step)


@emitter(Flatten, Reshape, Output)
def emit_pass(plan: Plan, np_: NodePlan) -> Parts:
    """Data movement: nothing to do for an alias; with several inputs, their sum."""
    if np_.storage != DENSE:
        return Parts()
    out = f"S.{np_.ident}_out[{slot(plan, Read(np_.name, 0))}]"
    lines = [f"for (i = 0; i < {np_.size}u; i++) {out}[i] = 0;"]
    lines += [add_read(plan, r, out, wrapping_sum) for r in np_.reads]
    return Parts(ring_state(np_), [], "\n".join(lines))


def add_read(plan: Plan, read: Read, dst: str, combine: Callable[[str, str], str]) -> str:
    """C that folds the payloads of ``read`` into ``dst``: ``combine(element, value)`` is
    the statement for one element."""
    src = plan.nodes[read.src]
    if src.storage == EVENTS:
        s = slot(plan, read)
        return f"for (e = 0; e < S.{src.ident}_nev[{s}]; e++) {combine(f'{dst}[S.{src.ident}_ev[{s}][e]]', '1')}"
    if src.storage == CONST:
        return f"{started(read.delay)}for (i = 0; i < {src.size}u; i++) {combine(f'{dst}[i]', f'{src.ident}_c[i]')}"
    return f"for (i = 0; i < {src.size}u; i++) {combine(f'{dst}[i]', f'S.{src.ident}_out[{slot(plan, read)}][i]')}"


def wrapping_sum(element: str, value: str) -> str:
    return f"{element} = (int32_t)((uint32_t){element} + (uint32_t)({value}));"


def count_spike(element: str, value: str) -> str:
    return f"{element} += 1u;"


@emitter(FixedLIF)
def emit_lif(plan: Plan, np_: NodePlan) -> Parts:
    node = np_.node
    assert isinstance(node, FixedLIF)
    n, ident = np_.size, np_.ident
    state = [f"int32_t {ident}_u[{n}];", f"int32_t {ident}_v[{n}];", *ring_state(np_)]
    if node.refractory:  # steps each neuron has left to wait (a spike sets it to the period)
        state.append(f"uint32_t {ident}_left[{n}];")
    tables: list[str] = []
    pre: list[str] = []
    terms = []
    events = [r for r in np_.reads if plan.nodes[r.src].storage == EVENTS]
    if events:  # spikes straight into a neuron: count them per target first
        state.append(f"uint32_t {ident}_a[{n}];")
        pre.append(f"snn_zero(S.{ident}_a, (uint32_t)sizeof S.{ident}_a);")
        pre += [add_read(plan, r, f"S.{ident}_a", count_spike) for r in events]
        terms.append(f"S.{ident}_a[i]")
    for k, r in enumerate(r for r in np_.reads if plan.nodes[r.src].storage != EVENTS):
        src = plan.nodes[r.src]
        if src.storage == CONST:
            pre.append(f"const uint32_t on{k} = {f'snn_t >= {r.delay}u' if r.delay else '1u'};")
            terms.append(f"(on{k} ? (uint32_t){src.ident}_c[i] : 0u)")
        else:
            pre.append(f"const int32_t *x{k} = S.{src.ident}_out[{slot(plan, r)}];")
            terms.append(f"(uint32_t)x{k}[i]")
    bias = node.effective_bias().reshape(-1)
    if np.all(bias == bias[0]):
        bias_term = f" + {c_int(bias[0])}" if bias[0] else ""
    else:
        tables.append(const_array("int32_t", f"{ident}_bias", bias))
        bias_term = f" + {ident}_bias[i]"
    unity = 1 << node.decay_bits
    half, vth = 1 << (node.state_bits - 1), node.effective_threshold()
    # after its one-shot wrap |u| <= 2**31 - 2**S and |v| < 2**(S-1): v + u + bias cannot
    # leave int32 while |bias| < 2**(S-1), so the membrane is summed in one register
    vol_type = "int32_t" if int(np.abs(bias).max(initial=0)) < half else "int64_t"
    cmp = ">=" if node.comparator is Comparator.GE else ">"
    reset = {Reset.ZERO: "0", Reset.SUBTRACT: f"vol - {c_int(vth)}", Reset.NONE: "vol"}[node.reset]
    here = slot(plan, Read(np_.name, 0))
    silent, rest = "", ""
    if node.refractory:  # u integrates; v holds and nothing is sent while the counter runs
        rest = f"S.{ident}_left[i] = {node.refractory}u; "
        quiet = "" if np_.storage == EVENTS else "out[i] = 0; "
        silent = f"\n    if (S.{ident}_left[i] > 0u) {{ S.{ident}_left[i]--; {quiet}continue; }}"
    if np_.storage == EVENTS:
        pre.append(f"uint32_t nev = 0; {index_type(n)} *ev = S.{ident}_ev[{here}];")
        fire = f"if (vol {cmp} {c_int(vth)}) {{ ev[nev++] = ({index_type(n)})i; {rest}vol = {reset}; }}"
        post = f"S.{ident}_nev[{here}] = nev;"
    elif node.reads_membrane:
        pre.append(f"int32_t *out = S.{ident}_out[{here}];")
        fire, post = "out[i] = (int32_t)vol;", ""
    else:  # graded spikes: the payload v >> vth_shift
        pre.append(f"int32_t *out = S.{ident}_out[{here}];")
        fire = (f"if (vol {cmp} {c_int(vth)}) {{ out[i] = (int32_t)(vol >> {node.vth_shift}); {rest}vol = {reset}; }} "
                "else out[i] = 0;")
        post = ""
    body = f"""for (i = 0; i < {n}u; i++) {{
    const uint32_t a = {' + '.join(terms) or '0u'};
    int32_t cur = (int32_t)((uint32_t){decay(f'S.{ident}_u[i]', unity - (node.du + 1), node.decay_bits)} + (a << {node.act_shift}));
    if (cur > {c_int(half)}) cur = (int32_t)(cur - {c_int(2 * half)});
    else if (cur <= -{c_int(half)}) cur = (int32_t)(cur + {c_int(2 * half)});
    S.{ident}_u[i] = cur;{silent}
    {vol_type} vol = ({vol_type}){decay(f'S.{ident}_v[i]', unity - node.dv, node.decay_bits)} + cur{bias_term};
    if (vol > {c_int(half - 1)}) vol = {c_int(half - 1)};
    else if (vol < -{c_int(half - 1)}) vol = -{c_int(half - 1)};
    {fire}
    S.{ident}_v[i] = (int32_t)vol;
}}"""
    return Parts(state, tables, "\n".join([*pre, body, post]).strip())


def decay(x: str, factor: int, bits: int) -> str:
    """``trunc0(x * factor / 2**bits)`` (the identity and zero spelled out)."""
    if factor == 1 << bits:
        return x
    if factor == 0:
        return "0"
    return f"snn_decay({x}, {factor}, {bits})"


@emitter(FixedLinear, FixedConv2d, FixedConv1d)
def emit_synapse(plan: Plan, np_: NodePlan) -> Parts:
    from snncompile.backends.c.emit_synapse import synapse_parts

    in_shape = plan.graph.input_shape(np_.name, plan.shapes)
    return synapse_parts(plan, np_, build_tables(np_.node, tuple(in_shape), np_.size), ring_state(np_))  # type: ignore[arg-type]


__all__ = ["EMITTERS", "Parts", "add_read", "emitter", "ring_state"]
