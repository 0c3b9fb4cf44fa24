"""The C of a mixed graph's host entry (:mod:`.entry`): ``snn_set_analog(x)`` computes,
in double, every host node from the analog inputs to the ``Quantize`` boundary, whose
integer payloads the chip reads from then on (``snn_step`` hands them on from step
``start``, zeros before, as :class:`~snncompile.ir.host.Quantize` says).

The arithmetic is the emulator's float64 host kernels' (PyTorch's), operation by
operation: ``y_i = sum_j W_ij x_j + b_i`` (the sum in index order, then the bias), a
convolution's sum over (input channel, kernel row, kernel column), ``ReLU``, ``Scale``
(one product), several incoming edges summed in edge order, and the boundary
``clip(round_half_even(x * scale), lo, hi)``. IEEE double gives each product and sum
the same value; only PyTorch's summation order (BLAS blocking) may differ from index
order in the last bits, which changes a payload only when ``x * scale`` lies within a
few ulps of a half-integer (docs/mcu.md reports the margin measured on real data).
Weights are C99 hexadecimal literals: exactly the float64 values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from snncompile.backends.c.plan import Plan
from snncompile.ir import Add, Conv1d, Conv2d, Input, Linear, Node, Scale
from snncompile.ir.host import Quantize
from snncompile.ir.host_activation import ReLU
from snncompile.ir.host_tensor import Reshape
from snncompile.ir.ops import Flatten


@dataclass
class EntryParts:
    state: list[str] = field(default_factory=list)  # members of the entry struct E (RAM)
    tables: list[str] = field(default_factory=list)  # const double tables (flash)
    code: str = ""  # in snn_set_analog
    buffer: str = ""  # where its values are (a double pointer expression); "" for Quantize


@dataclass(frozen=True)
class EntryEmitter:
    emit: Callable[[Plan, str, str], EntryParts]  # (plan, node name, its input buffer)
    problem: Callable[[Node], str | None] = lambda node: None


ENTRY_EMITTERS: dict[type, EntryEmitter] = {}


def entry_emitter(*kinds: type, problem: Callable[[Node], str | None] = lambda node: None):
    def register(fn: Callable[[Plan, str, str], EntryParts]) -> Callable[[Plan, str, str], EntryParts]:
        for kind in kinds:
            ENTRY_EMITTERS[kind] = EntryEmitter(fn, problem)
        return fn

    return register


def c_double(value: float) -> str:
    """The exact C99 literal of a float64 (hexadecimal)."""
    return float(value).hex()


def double_table(name: str, values: np.ndarray) -> str:
    flat = [c_double(v) for v in np.asarray(values, np.float64).reshape(-1)] or ["0x0.0p+0"]
    lines = [", ".join(flat[i:i + 6]) for i in range(0, len(flat), 6)]
    return f"static const double {name}[{len(flat)}] = {{" + ",\n ".join(lines) + "};"


def _size(plan: Plan, name: str) -> int:
    return int(np.prod(plan.shapes[name]))


def _own(plan: Plan, name: str) -> tuple[str, list[str]]:
    ident = plan.idents[name]
    return f"E.{ident}", [f"double {ident}[{_size(plan, name)}];"]


@entry_emitter(Input)
def emit_analog(plan: Plan, name: str, x: str) -> EntryParts:
    offset = sum(_size(plan, n) for n in plan.analog[:plan.analog.index(name)])
    return EntryParts(buffer=f"(analog + {offset})")


@entry_emitter(Flatten, Reshape, Add)
def emit_view(plan: Plan, name: str, x: str) -> EntryParts:
    """The same values (several incoming edges were summed into ``x`` already)."""
    return EntryParts(buffer=x)


@entry_emitter(ReLU)
def emit_relu(plan: Plan, name: str, x: str) -> EntryParts:
    y, state = _own(plan, name)
    code = f"for (uint32_t i = 0; i < {_size(plan, name)}u; i++) {y}[i] = {x}[i] > 0.0 ? {x}[i] : 0.0;"
    return EntryParts(state, [], code, y)


def _broadcast(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(np.asarray(values, np.float64), shape).reshape(-1)


def _gain(plan: Plan, name: str, values: np.ndarray, table: str) -> tuple[list[str], str]:
    """A per-element factor: one literal when uniform, else a table indexed by ``i``."""
    flat = _broadcast(values, tuple(plan.graph.input_shape(name, plan.shapes)))
    if flat.size and np.all(flat == flat[0]):
        return [], c_double(flat[0])
    return [double_table(table, flat)], f"{table}[i]"


@entry_emitter(Scale)
def emit_scale(plan: Plan, name: str, x: str) -> EntryParts:
    node = plan.graph.nodes[name]
    assert isinstance(node, Scale)
    y, state = _own(plan, name)
    tables, s = _gain(plan, name, node.scale, f"{plan.idents[name]}_s")
    code = f"for (uint32_t i = 0; i < {_size(plan, name)}u; i++) {y}[i] = {s} * {x}[i];"
    return EntryParts(state, tables, code, y)


def _no_delays(node: Node) -> str | None:
    delays = getattr(node, "delays", None)
    if delays is not None and np.any(delays):
        return "per-synapse delays (the entry has no history)"
    return None


@entry_emitter(Linear, problem=_no_delays)
def emit_linear(plan: Plan, name: str, x: str) -> EntryParts:
    """``y[r, i] = sum_j W_ij x[r, j] + b_i`` for every leading index ``r``."""
    node = plan.graph.nodes[name]
    assert isinstance(node, Linear)
    y, state = _own(plan, name)
    ident, (n_out, n_in) = plan.idents[name], node.weight.shape
    rows = _size(plan, name) // n_out
    tables = [double_table(f"{ident}_w", node.weight)]
    bias = ""
    if node.bias is not None:
        tables.append(double_table(f"{ident}_b", node.bias))
        bias = f" + {ident}_b[i]"
    code = f"""for (uint32_t r = 0; r < {rows}u; r++) {{
    const double *xr = {x} + r * {n_in}u;
    for (uint32_t i = 0; i < {n_out}u; i++) {{
        const double *w = {ident}_w + i * {n_in}u;
        double acc = 0.0;
        for (uint32_t j = 0; j < {n_in}u; j++) acc += w[j] * xr[j];
        {y}[r * {n_out}u + i] = acc{bias};
    }}
}}"""
    return EntryParts(state, tables, code, y)


@entry_emitter(Conv1d, Conv2d, problem=_no_delays)
def emit_conv(plan: Plan, name: str, x: str) -> EntryParts:
    """PyTorch's cross-correlation (zero padding, stride, dilation, groups); a Conv1d is a
    Conv2d of height 1."""
    node = plan.graph.nodes[name]
    assert isinstance(node, (Conv1d, Conv2d))
    y, state = _own(plan, name)
    ident = plan.idents[name]
    two = isinstance(node, Conv2d)
    c_in, *spatial = plan.graph.input_shape(name, plan.shapes)
    h, w = spatial if two else (1, spatial[0])
    _, oh_ow = node.weight.shape[0], plan.shapes[name][1:]
    oh, ow = oh_ow if two else (1, oh_ow[0])
    c_out, c_group = node.weight.shape[0], node.weight.shape[1]
    kh, kw = node.weight.shape[2:] if two else (1, node.weight.shape[2])
    (sy, sx), (py, px), (dy, dx) = [(v[0], v[1]) if two else (1, v[0]) for v in (node.stride, node.padding,
                                                                                  node.dilation)]
    if not two:
        py, dy = 0, 1
    tables = [double_table(f"{ident}_w", node.weight)]
    bias = ""
    if node.bias is not None:
        tables.append(double_table(f"{ident}_b", node.bias))
        bias = f" + {ident}_b[co]"
    per_group = c_out // node.groups
    code = f"""for (uint32_t co = 0; co < {c_out}u; co++) {{
    const uint32_t c0 = co / {per_group}u * {c_group}u;
    for (int32_t oy = 0; oy < {oh}; oy++) for (int32_t ox = 0; ox < {ow}; ox++) {{
        double acc = 0.0;
        for (uint32_t ci = 0; ci < {c_group}u; ci++) for (int32_t ky = 0; ky < {kh}; ky++) {{
            const int32_t iy = oy * {sy} - {py} + ky * {dy};
            if (iy < 0 || iy >= {h}) continue;
            for (int32_t kx = 0; kx < {kw}; kx++) {{
                const int32_t ix = ox * {sx} - {px} + kx * {dx};
                if (ix < 0 || ix >= {w}) continue;
                acc += {ident}_w[((co * {c_group}u + ci) * {kh}u + (uint32_t)ky) * {kw}u + (uint32_t)kx]
                       * {x}[((c0 + ci) * {h}u + (uint32_t)iy) * {w}u + (uint32_t)ix];
            }}
        }}
        {y}[(co * {oh}u + (uint32_t)oy) * {ow}u + (uint32_t)ox] = acc{bias};
    }}
}}"""
    return EntryParts(state, tables, code, y)


@entry_emitter(Quantize)
def emit_quantize(plan: Plan, name: str, x: str) -> EntryParts:
    """The boundary: ``E.<ident>_q = clip(round_half_even(x * scale), lo, hi)``."""
    node = plan.graph.nodes[name]
    assert isinstance(node, Quantize)
    ident, n = plan.idents[name], _size(plan, name)
    tables, s = _gain(plan, name, node.scale, f"{ident}_qs")
    lo, hi = node.limits()
    code = (f"for (uint32_t i = 0; i < {n}u; i++) E.{ident}_q[i] = "
            f"snn_quantize({s} * {x}[i], {c_double(lo)}, {c_double(hi)});")
    return EntryParts([f"int32_t {ident}_q[{n}];"], tables, code, "")


QUANTIZE_HELPER = """\
/* clip(round half to even(x), lo, hi) without libm: adding and subtracting 2**52 rounds
 * a double of magnitude below 2**52 to the nearest integer, ties to even (IEEE double,
 * round-to-nearest: C99 with FLT_EVAL_METHOD 0, every Arm, Xtensa and x86-64 compiler);
 * NaN gives 0 */
static int32_t snn_quantize(double x, double lo, double hi) {
    const double big = 4503599627370496.0;
    if (!(x == x)) return 0;
    x = x < lo ? lo : (x > hi ? hi : x);
    x = x >= 0.0 ? (x + big) - big : -((-x + big) - big);
    return (int32_t)x;
}
"""


def entry_source(plan: Plan) -> tuple[list[str], list[str], str]:
    """(struct members, tables, the body of ``snn_set_analog``) for the plan's entry."""
    graph = plan.graph
    buffers: dict[str, str] = {}
    state: list[str] = []
    tables: list[str] = []
    blocks: list[str] = []
    boundary = [n for n in plan.order if isinstance(graph.nodes[n], Quantize)]  # they read entry nodes only
    for name in [*plan.entry, *boundary]:
        node = graph.nodes[name]
        edges = graph.incoming(name)
        x = buffers[edges[0].src] if len(edges) == 1 else ""
        if len(edges) > 1:  # several edges: their sum, in edge order (the emulator's)
            ident, n = plan.idents[name], int(np.prod(graph.input_shape(name, plan.shapes)))
            x = f"E.{ident}_in"
            state.append(f"double {ident}_in[{n}];")
            adds = "".join(f" {x}[i] += {buffers[e.src]}[i];" for e in edges[1:])
            blocks.append(f"/* {name}: summed input */\nfor (uint32_t i = 0; i < {n}u; i++) "
                          f"{{ {x}[i] = {buffers[edges[0].src]}[i];{adds} }}")
        parts = ENTRY_EMITTERS[type(node)].emit(plan, name, x)
        buffers[name] = parts.buffer
        state += parts.state
        tables += parts.tables
        if parts.code:
            blocks.append(f"/* {name}: {node.kind} */\n{parts.code}")
    return state, tables, "\n".join(blocks)
