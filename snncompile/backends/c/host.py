"""Backend ``c``: the generated C, compiled for this machine with its C compiler (``CC``,
else ``cc``), run through the host harness. What the MCU runs, on the host: its results
are tested equal to the emulator's, integer for integer.

A mixed graph whose host part is an entry (:mod:`.entry`: e.g. a converted ANN whose
first synapse sees the analog image) runs as one generated project, the entry in double
inside it, as an MCU runs it. Any other mixed graph (and one whose entry nodes are
recorded) runs each chip segment as generated C with the values its host inputs took
replayed into it (the emulator runs the host part, in float64), as the ``lava`` backend
does; host nodes' values are then the emulator's."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from snncompile.backends.c.emit_nodes import EMITTERS
from snncompile.backends.c.entry import entry_problems, is_analog_input, is_entry
from snncompile.backends.c.project import HOST_CFLAGS, write_project
from snncompile.errors import InputError, UnsupportedError
from snncompile.ir import Constant, Graph, Node
from snncompile.ir.fixed import FixedLIF, FixedSynapse
from snncompile.ir.placement import chip_segments, crossings, extract, on_host
from snncompile.ir.stage import is_integer, is_integer_graph
from snncompile.simulate.backend import (
    Backend,
    GraphKind,
    Record,
    RunInputs,
    padded_steps,
    register_backend,
)
from snncompile.simulate.result import SimResult


def c_compiler() -> str:
    """``$CC``, else the first of cc, gcc, clang on PATH."""
    found = os.environ.get("CC") or next((c for c in ("cc", "gcc", "clang") if shutil.which(c)), None)
    if not found:
        raise UnsupportedError("the c backend needs a C compiler: none of $CC, cc, gcc, clang was found")
    return found


def node_problem(node: Node) -> str | None:
    """Why the generated C cannot run ``node`` (None: it can)."""
    if type(node) not in EMITTERS:
        if on_host(node):
            return "placed on the host (a mixed graph): the generated C runs only the chip's integer nodes"
        if not is_integer(node):
            return "a float node: compile the model for an MCU first (snncompile compile MODEL --target cortex-m4)"
        return "no C form (the generated C runs integer nodes, Inputs, Outputs, Flatten, Reshape, Constants)"
    if isinstance(node, FixedLIF) and not 1 < node.state_bits <= 31:
        return f"state_bits {node.state_bits}: the C holds states in int32_t (at most 31 bits)"
    if isinstance(node, FixedSynapse) and not 1 < node.accum_bits <= 32:
        return f"accum_bits {node.accum_bits}: the C hands synaptic input on as int32_t (at most 32 bits)"
    if isinstance(node, Constant) and np.any(node.value != np.round(node.value)):
        return "a Constant with non-integer values (the generated C is integer only)"
    return None


def check_whole_chip(graph: Graph) -> None:
    """Raise UnsupportedError naming every node a C project cannot hold: a project is one
    program for the MCU, so the host part of a mixed graph must be an entry the C computes
    in double (:mod:`.entry`); other host nodes are refused by name, op and way out."""
    bad = entry_problems(graph)
    bad.update({n: why for n, node in graph.items() if not on_host(node) and (why := node_problem(node))})
    if bad:
        detail = "; ".join(f"'{n}' ({graph.nodes[n].kind}): {why}" for n, why in bad.items())
        raise UnsupportedError(f"the c backend cannot run {len(bad)} node(s) in a C project: {detail}")


def runs_whole(graph: Graph, record: list[str]) -> bool:
    """Whether the backend runs ``graph`` as one project (its host part an entry, no entry
    node recorded: the entry keeps no probes)."""
    return not entry_problems(graph) and not any(is_entry(graph, n) for n in record)


class CBackend(Backend):
    name = "c"
    runs = GraphKind.COMPILED
    description = "the generated C99 (what an MCU runs), compiled with this machine's C compiler"

    def supports(self, graph: Graph, name: str, node: Node) -> str | None:
        if on_host(node) and type(node) not in EMITTERS:
            return None  # a mixed graph's host part: the emulator runs it, its values are replayed
        return node_problem(node)

    def execute(self, graph: Graph, inputs: RunInputs, steps: int, record: list[str], membranes: list[str],
                progress: bool, currents: Record = None, **_: Any) -> SimResult:
        from snncompile.simulate.backend import resolve_record

        u_names = [n for n in resolve_record(graph, currents) if isinstance(graph.nodes[n], FixedLIF)]
        if not is_integer_graph(graph) and not runs_whole(graph, record):
            return _run_segments(self, graph, inputs, steps, record, membranes, u_names)
        want_probes = bool(record or membranes or u_names)
        with tempfile.TemporaryDirectory(prefix="snnc-c-") as tmp:
            exe = build_harness(graph, Path(tmp) / "project")
            raw = run_harness(exe, *stack_inputs(graph, inputs), steps, want_probes)
        return _result(graph, raw, inputs.batch, steps, record, membranes, u_names, self.name)


def _run_segments(backend: CBackend, graph: Graph, inputs: RunInputs, steps: int, record: list[str],
                  membranes: list[str], u_names: list[str]) -> SimResult:
    """Each chip segment as generated C, its host inputs replayed from an emulator run."""
    from snncompile.emulator import EMULATOR

    boundary = sorted({e.src for e in crossings(graph) if not on_host(graph.nodes[e.dst])})
    emulated = EMULATOR.execute(graph, inputs, steps, list(dict.fromkeys([*record, *boundary])), [], False)
    result = SimResult(outputs={}, recorded={}, dt=graph.dt, backend=backend.name)
    for segment in chip_segments(graph).values():
        sub, fed = extract(graph, segment)
        arrays = {n: padded_steps(inputs.arrays[n], steps) for n in sub.inputs if n in inputs.arrays}
        arrays.update({n: emulated.recorded[n] for n in fed})
        mine = set(segment)
        part = backend.execute(sub, RunInputs(arrays, steps, inputs.batch, inputs.first_sample), steps, [n for n in record if n in mine],
                               [n for n in membranes if n in mine], False, currents=[n for n in u_names if n in mine])
        result.recorded.update(part.recorded)
        result.outputs.update({o: a for o, a in part.outputs.items() if o in graph.outputs})
        result.membranes.update(part.membranes)
        result.currents.update(part.currents)
    for n in record:  # host nodes: the emulator's float64 values
        result.recorded.setdefault(n, emulated.recorded[n])
    for o in graph.outputs:
        result.outputs.setdefault(o, emulated.outputs[o])
    return result


def build_harness(graph: Graph, folder: Path, target: str = "host") -> Path:
    """Write the project for ``graph`` and compile its host harness; returns the binary."""
    write_project(graph, folder, target=target)
    exe = folder / "snn_harness"
    cmd = [c_compiler(), *HOST_CFLAGS, "-o", str(exe), str(folder / "snn_harness.c"), str(folder / "snn_model.c")]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise UnsupportedError(f"compiling the generated C failed ({' '.join(cmd[:2])}): {done.stderr.strip()[:2000]}")
    if done.stderr.strip():
        raise UnsupportedError(f"the generated C compiled with warnings: {done.stderr.strip()[:2000]}")
    return exe


def stack_inputs(graph: Graph, inputs: RunInputs) -> tuple[np.ndarray, np.ndarray]:
    """(batch, length, size) int32 payloads of the integer Inputs and float64 values of the
    analog ones (:mod:`.entry`), each in graph.inputs order."""
    parts, analog = [], []
    for name in graph.inputs:
        x = np.asarray(inputs.arrays[name])
        x = x.reshape(x.shape[0], x.shape[1], -1)
        if is_analog_input(graph, name):
            analog.append(x.astype(np.float64))
            continue
        if x.dtype.kind == "f" and np.any(x != np.round(x)):
            raise InputError(f"input '{name}': the c backend takes integer payloads (spikes 0/1 or graded ints)")
        if x.size and (x.min() < -(2**31) or x.max() >= 2**31):
            raise InputError(f"input '{name}': payloads must fit in int32")
        parts.append(x.astype(np.int32))

    def joined(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(arrays, axis=2) if arrays else np.zeros((inputs.batch, inputs.length, 0), dtype)

    return joined(parts, np.int32), joined(analog, np.float64)


def run_harness(exe: Path, data: np.ndarray, analog: np.ndarray, steps: int, probes: bool) -> np.ndarray:
    """Run the host harness (:mod:`.harness`) on int32 ``data`` and float64 ``analog``
    (batch, length, size each); its int32 output stream."""
    batch, length, width = data.shape
    head = np.array([batch, steps, length, width, int(probes), analog.shape[2]], np.int32)
    rows = np.empty((batch, length), [("i", "<i4", (width,)), ("a", "<f8", (analog.shape[2],))])
    rows["i"], rows["a"] = data, analog
    done = subprocess.run([str(exe)], input=head.tobytes() + rows.tobytes(), capture_output=True)
    if done.returncode != 0:
        raise UnsupportedError(f"the generated C's harness failed (exit {done.returncode}): "
                               f"{done.stderr.decode(errors='replace').strip()[:500]}")
    return np.frombuffer(done.stdout, np.int32)


def _result(graph: Graph, raw: np.ndarray, batch: int, steps: int, record: list[str], membranes: list[str],
            u_names: list[str], backend: str) -> SimResult:
    from snncompile.backends.c.plan import build_plan

    shapes = graph.infer_shapes()
    plan = build_plan(graph)
    sizes = [plan.nodes[n].size for n in graph.outputs]
    layout = [(n, plan.nodes[n].size, isinstance(graph.nodes[n], FixedLIF)) for n in plan.order]
    per_step = sum(sizes) + (sum(s * (3 if lif else 1) for _, s, lif in layout) if (record or membranes or u_names)
                             else 0)
    rows = raw.reshape(batch, steps, per_step)
    out: dict[str, np.ndarray] = {}
    at = 0
    for name, size in zip(graph.outputs, sizes):
        out[name] = rows[:, :, at:at + size]
        at += size
    payload: dict[str, np.ndarray] = {}
    u: dict[str, np.ndarray] = {}
    v: dict[str, np.ndarray] = {}
    if per_step > at:
        for name, size, lif in layout:
            payload[name] = rows[:, :, at:at + size]
            at += size
            if lif:
                u[name], v[name] = rows[:, :, at:at + size], rows[:, :, at + size:at + 2 * size]
                at += 2 * size

    def shaped(series: Mapping[str, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
        return {n: np.array(series[n]).reshape(batch, steps, *shapes[n]) for n in names}

    return SimResult(outputs=shaped(out, list(graph.outputs)), recorded=shaped(payload, record),
                     membranes=shaped(v, membranes), currents=shaped(u, u_names), dt=graph.dt, backend=backend)


C_BACKEND = register_backend(CBackend())
