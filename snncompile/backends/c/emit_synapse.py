"""The C of one synapse node: for every active source (an event, or a nonzero value),
add its synapses into the accumulator ring, then hand on this step's slot finished
(``wrap(acc << shift, accum_bits)``) and clear it. Work per step: spikes x fan-out for
the events, plus one finish per target.

Per-synapse delays with a negative shift: as Lava's DelayDense (and the emulator,
:mod:`snncompile.emulator.events`), each delay's partial sum of this step is floored on
its own (``grouped``): the events add into one row per delay, which is then shifted into
its arrival slot, and the slot is finished without a shift."""

from __future__ import annotations

from snncompile.backends.c.cexpr import const_array, finish, slot, started
from snncompile.backends.c.emit_nodes import Parts
from snncompile.backends.c.plan import CONST, EVENTS, NodePlan, Plan, Read, index_type
from snncompile.backends.c.synapse_tables import ROWS, SynapseTables


def synapse_parts(plan: Plan, np_: NodePlan, t: SynapseTables, ring: list[str]) -> Parts:
    ident = np_.ident
    tables = [const_array(t.weight_type, f"{ident}_w", t.weights)]
    state = [f"{t.acc_type} {ident}_acc[{t.slots}][{t.n_out}];", *ring]
    if t.slots > 1:
        state.append(f"uint32_t {ident}_apos;")
    if grouped(t):
        state.append(f"{t.acc_type} {ident}_grp[{t.slots}][{t.n_out}];")
    if t.layout != ROWS:
        assert t.indptr is not None and t.indices is not None
        tables.append(const_array("uint32_t", f"{ident}_ptr", t.indptr))
        tables.append(const_array(index_type(t.n_out), f"{ident}_idx", t.indices))
        if t.delays is not None:
            tables.append(const_array("uint8_t", f"{ident}_dly", t.delays))
    body = _row_code(ident, t)
    lines = [f"{t.acc_type} *acc = S.{ident}_acc[{f'S.{ident}_apos' if t.slots > 1 else '0'}];"]
    if len(np_.reads) == 1:
        lines.append(_single_source(plan, np_.reads[0], t, body))
    else:
        state.append(f"int64_t {ident}_x[{t.n_in}];")
        lines += _summed_sources(plan, np_, t, body)
    if grouped(t):
        lines.append(f"{{ uint32_t d; for (d = 0; d < {t.slots}u; d++) {{ uint32_t s = S.{ident}_apos + d; "
                     f"if (s >= {t.slots}u) s -= {t.slots}u; for (j = 0; j < {t.n_out}u; j++) {{ "
                     f"S.{ident}_acc[s][j] += ({t.acc_type})((int64_t)S.{ident}_grp[d][j] >> {-t.shift}); "
                     f"S.{ident}_grp[d][j] = 0; }} }} }}")
    out = f"S.{ident}_out[{slot(plan, Read(np_.name, 0))}]"
    shift = 0 if grouped(t) else t.shift
    lines.append(f"for (j = 0; j < {t.n_out}u; j++) {{ {out}[j] = {finish('acc[j]', shift, t.accum_bits)}; "
                 "acc[j] = 0; }")
    if t.slots > 1:
        lines.append(f"S.{ident}_apos = S.{ident}_apos + 1u == {t.slots}u ? 0u : S.{ident}_apos + 1u;")
    return Parts(state, tables, "\n".join(lines))


def grouped(t: SynapseTables) -> bool:
    """Whether each delay's partial sum is floored on its own (module docstring)."""
    return t.delays is not None and t.shift < 0


def _row_code(ident: str, t: SynapseTables) -> str:
    """The synapses of source ``i`` with payload ``p`` into the accumulator ring."""
    term = f"({t.acc_type}){{w}} * p" if t.graded else "{w}"
    if t.layout == ROWS:
        add = term.format(w="w[j]")
        return (f"{{ const {t.weight_type} *w = {ident}_w[i]; "
                f"for (j = 0; j < {t.n_out}u; j++) acc[j] += {add}; }}")
    add = term.format(w=f"{ident}_w[k]")
    if t.delays is None:
        return f"for (k = {ident}_ptr[i]; k < {ident}_ptr[i + 1]; k++) acc[{ident}_idx[k]] += {add};"
    if grouped(t):
        return (f"for (k = {ident}_ptr[i]; k < {ident}_ptr[i + 1]; k++) "
                f"S.{ident}_grp[{ident}_dly[k]][{ident}_idx[k]] += {add};")
    return (f"for (k = {ident}_ptr[i]; k < {ident}_ptr[i + 1]; k++) {{ "
            f"uint32_t s = S.{ident}_apos + {ident}_dly[k]; if (s >= {t.slots}u) s -= {t.slots}u; "
            f"S.{ident}_acc[s][{ident}_idx[k]] += {add}; }}")


def _payload(t: SynapseTables, value: str) -> str:
    return f"const {t.acc_type} p = {value}; " if t.graded else ""


def _single_source(plan: Plan, read: Read, t: SynapseTables, body: str) -> str:
    src = plan.nodes[read.src]
    if src.storage == EVENTS:
        s = slot(plan, read)
        return (f"for (e = 0; e < S.{src.ident}_nev[{s}]; e++) {{ const uint32_t i = S.{src.ident}_ev[{s}][e]; "
                f"{_payload(t, '1')}{body} }}")
    if src.storage == CONST:
        values, guard = f"{src.ident}_c", started(read.delay)
    else:
        values, guard = f"S.{src.ident}_out[{slot(plan, read)}]", ""
    return (f"{guard}for (i = 0; i < {t.n_in}u; i++) {{ if ({values}[i] == 0) continue; "
            f"{_payload(t, f'{values}[i]')}{body} }}")


def _summed_sources(plan: Plan, np_: NodePlan, t: SynapseTables, body: str) -> list[str]:
    """Several edges into one synapse: their payloads summed (int64) first."""
    x = f"S.{np_.ident}_x"
    lines = [f"for (i = 0; i < {t.n_in}u; i++) {x}[i] = 0;"]
    for r in np_.reads:
        src = plan.nodes[r.src]
        if src.storage == EVENTS:
            s = slot(plan, r)
            lines.append(f"for (e = 0; e < S.{src.ident}_nev[{s}]; e++) {x}[S.{src.ident}_ev[{s}][e]] += 1;")
        elif src.storage == CONST:
            lines.append(f"{started(r.delay)}for (i = 0; i < {t.n_in}u; i++) {x}[i] += {src.ident}_c[i];")
        else:
            lines.append(f"for (i = 0; i < {t.n_in}u; i++) {x}[i] += S.{src.ident}_out[{slot(plan, r)}][i];")
    lines.append(f"for (i = 0; i < {t.n_in}u; i++) {{ if ({x}[i] == 0) continue; {_payload(t, f'{x}[i]')}{body} }}")
    return lines
