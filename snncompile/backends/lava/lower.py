"""Lower a fixed graph to lava-nc processes (``fixed_pt`` models).

Mapping: Input -> ``io.source.RingBuffer``; FixedLIF -> ``LIF``; FixedLinear -> ``Dense``
(``Sparse`` when at most ``SPARSE_DENSITY`` of the weights are nonzero; ``DelayDense`` /
``DelaySparse`` when delays are needed); FixedConv2d -> ``Conv``; Flatten -> no process
(folded into the next Dense's column order); outputs and recorded populations ->
``io.sink.RingBuffer`` on the spike port; recorded ``v``/``u`` -> ``io.sink.Read``.

A membrane readout (``FixedLIF`` with ``output="v"``) is a Lava LIF with the largest
threshold (``vth = 2**17 - 1``, compared as ``(2**17 - 1) << 6 = 8388544``) whose ``v``
is read by an ``io.sink.Read``; its reset and comparator fields do not apply. It equals
the readout as long as ``v`` stays at or below 8388544 (the state saturates at 8388607):
the run checks the LIF's spike port and raises if the readout ever fired.

Layout: Lava stores (C, H, W) populations as (W, H, C) (X, Y, C), and its Conv is a true
convolution with weight layout (C_out, kW, kH, C_in); we transpose and flip accordingly.

Timing: every Lava synapse process adds one step, so an edge synapse -> consumer must
carry delay >= 1 in the fixed graph; ``delay - 1`` (plus any delay on the edge into the
synapse and the synapse's own ``delays``) becomes the DelayDense delay.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from snncompile.errors import UnsupportedError
from snncompile.ir import Constant, Flatten, Graph, Input, Output, Shape
from snncompile.ir.fixed import (
    MAX_SYNAPSE_DELAY,
    FixedConv1d,
    FixedConv2d,
    FixedLIF,
    FixedLinear,
    FixedSynapse,
    SignMode,
)
from snncompile.ir.host_tensor import FLAT_VIEWS
from snncompile.ir.semantics import Comparator, Reset

#: Use Lava's Sparse process when at most this fraction of a weight matrix is nonzero.
SPARSE_DENSITY = 0.25
#: Bit widths Lava's LIF fixed_pt model hard-codes.
#: the threshold mantissa a membrane readout gets in Lava (the largest, never reached)
READOUT_VTH = (1 << 17) - 1
LAVA_LIF_BITS = {"state_bits": 24, "decay_bits": 12, "vth_bits": 17, "bias_bits": 13, "vth_shift": 6, "act_shift": 6}


def lava_shape(shape: Shape) -> Shape:
    """Lava's layout of an IR population: axes reversed ((C, H, W) -> (W, H, C))."""
    return tuple(reversed(tuple(shape)))


def to_lava_layout(array: np.ndarray, shape: Shape) -> np.ndarray:
    """(…, *shape) in IR layout -> (…, *lava_shape(shape))."""
    lead = array.ndim - len(shape)
    return np.transpose(array, list(range(lead)) + [lead + i for i in reversed(range(len(shape)))])


def from_lava_layout(array: np.ndarray, shape: Shape) -> np.ndarray:
    """Inverse of :func:`to_lava_layout` (reversing axes is its own inverse)."""
    return to_lava_layout(array, lava_shape(shape))


@dataclass
class Plan:
    """What to build: per synapse the source it reads, its extra delay and its consumers."""

    producer: dict[str, tuple[str, Shape | None]] = field(default_factory=dict)  # node -> (source, flattened-from)
    extra_delay: dict[str, int] = field(default_factory=dict)


def _resolve(graph: Graph, name: str, shapes: dict[str, Shape]) -> tuple[str, Shape | None]:
    """Follow Flatten nodes back to the node that owns a Lava port; report the un-flattened
    shape when a Flatten was crossed."""
    flat_from = None
    while isinstance(graph.nodes[name], FLAT_VIEWS):
        (edge,) = graph.incoming(name)
        name = edge.src
        flat_from = shapes[name]
    return name, flat_from


def _delays_to_consumers(graph: Graph, name: str) -> set[int]:
    """The delays from synapse ``name`` to each node its output reaches through views
    (a view adds no step: delays on edges around it add up into the synapse's delay)."""
    out: set[int] = set()
    for e in graph.outgoing(name):
        if isinstance(graph.nodes[e.dst], FLAT_VIEWS):
            out |= {e.delay + d for d in _delays_to_consumers(graph, e.dst)}
        else:
            out.add(e.delay)
    return out


def _reshapes_into_convolution(graph: Graph, name: str, node, n_in: int) -> bool:
    """A view other than a full flatten that feeds a convolution: dense synapses read any
    view of their source (their rows are laid out from the source's own shape), a Conv
    reads the Lava layout of the shape it is given."""
    full_flatten = isinstance(node, Flatten) and \
        (node.start_dim % max(n_in, 1), node.end_dim % max(n_in, 1)) == (0, max(n_in - 1, 0))
    return not full_flatten and any(isinstance(graph.nodes[e.dst], (FixedConv2d, FixedConv1d))
                                    for e in graph.outgoing(name))


def plan_lowering(graph: Graph) -> Plan:  # noqa: C901
    """Check that Lava can run ``graph`` exactly; raise UnsupportedError listing EVERY
    problem, else return the connection plan."""
    shapes = graph.infer_shapes()
    problems: list[str] = []
    plan = Plan()
    for name, node in graph.items():
        where = f"node '{name}' ({node.kind})"
        if isinstance(node, FixedLIF):
            if node.reset is not Reset.ZERO and not node.reads_membrane:
                problems.append(f"{where}: reset '{node.reset.value}' (Lava's LIF only resets to zero)")
            if node.comparator is not Comparator.GT and not node.reads_membrane:
                problems.append(f"{where}: comparator '>=' (Lava's LIF fires on v > threshold)")
            if node.graded:
                problems.append(f"{where}: graded spikes (Lava's LIF sends binary spikes)")
            for key, bits in LAVA_LIF_BITS.items():
                if getattr(node, key) != bits:
                    problems.append(f"{where}: {key}={getattr(node, key)} (Lava's LIF has {bits})")
        elif isinstance(node, FixedSynapse):
            problems += [f"{where}: {p}" for p in _synapse_problems(node)]
        elif isinstance(node, FLAT_VIEWS):
            n_in = len(graph.input_shape(name, shapes))
            ins = graph.incoming(name)
            # a delay between a synapse and the view of its output is the synapse's own delay
            delayed = any(e.delay and not isinstance(graph.nodes[e.src], FixedSynapse) for e in ins)
            if len(ins) != 1 or delayed:
                problems.append(f"{where}: Lava needs exactly one zero-delay input into a {node.kind}")
            elif _reshapes_into_convolution(graph, name, node, n_in):
                problems.append(f"{where}: a {node.kind} into a convolution (Lava's Conv reads its own layout)")
        elif isinstance(node, Constant):
            if np.any(node.value != np.round(node.value)):
                problems.append(f"{where}: a constant sent to the chip must be integer payloads")
        elif not isinstance(node, (Input, Output)):
            problems.append(f"{where}: not a fixed-point node (quantize the graph first)")
    if problems:
        raise UnsupportedError(_format(problems))
    for name, node in graph.items():
        where = f"node '{name}' ({node.kind})"
        ins = graph.incoming(name)
        if isinstance(node, FixedSynapse):
            srcs = {_resolve(graph, e.src, shapes) for e in ins}
            if len(srcs) != 1 or len({e.delay for e in ins}) != 1:
                problems.append(f"{where}: Lava synapses read exactly one population (found {len(ins)} inputs)")
                continue
            src, flat_from = srcs.pop()
            if isinstance(graph.nodes[src], FixedSynapse):
                problems.append(f"{where}: synapse fed by synapse '{src}' (Lava connects synapses to neurons)")
            plan.producer[name] = (src, flat_from)
            out_delays = _delays_to_consumers(graph, name)
            if len(out_delays) > 1:
                problems.append(f"{where}: consumers at different delays {sorted(out_delays)}; Lava has one delay per synapse")
                continue
            out_delay = out_delays.pop() if out_delays else 1
            if out_delay < 1:
                problems.append(f"{where}: edge out of a synapse has delay 0; every Lava synapse adds one step (delay >= 1)")
                continue
            extra = out_delay - 1 + ins[0].delay
            plan.extra_delay[name] = extra
            own = int(node.delays.max()) if isinstance(node, FixedLinear) and node.delays is not None else 0
            if extra + own > MAX_SYNAPSE_DELAY:
                problems.append(f"{where}: total delay {extra + own} > {MAX_SYNAPSE_DELAY} (6-bit Loihi delays)")
            if isinstance(node, FixedConv2d) and extra:
                problems.append(f"{where}: delay {extra} on a convolution (Lava's Conv has no delays)")
        elif isinstance(node, (FixedLIF, Output)):
            for e in ins:
                src, _ = _resolve(graph, e.src, shapes)
                if not isinstance(graph.nodes[src], FixedSynapse) and e.delay != 0:
                    problems.append(f"{where}: edge from '{e.src}' has delay {e.delay}; direct connections in Lava have none")
                if isinstance(node, FixedLIF) and int(np.prod(shapes[src])) != int(np.prod(node.shape)):
                    problems.append(f"{where}: input from '{src}' has shape {shapes[src]}")
    if problems:
        raise UnsupportedError(_format(problems))
    return plan


def _synapse_problems(node: FixedSynapse) -> list[str]:
    problems = []
    if isinstance(node, FixedLinear) and node.accum_bits != 32:
        problems.append(f"accum_bits={node.accum_bits} (Lava's Dense sends int32)")
    if isinstance(node, FixedConv2d):
        if node.accum_bits != 24:
            problems.append(f"accum_bits={node.accum_bits} (Lava's Conv wraps to 24 bits)")
        if node.weight_exp != 0:
            problems.append(f"weight_exp={node.weight_exp} (Lava's CPU Conv ignores weight_exp)")
        if not np.array_equal(node.effective_weight(), node.weight):
            problems.append(
                "weights not representable as given (Lava's CPU Conv does not clip or truncate; "
                f"num_weight_bits={node.num_weight_bits}, sign mode {node.resolved_sign_mode().value})"
            )
    if node.weight_bits != 8:
        problems.append(f"weight_bits={node.weight_bits} (Lava clips weights to 8 bits)")
    return problems


def _format(problems: list[str]) -> str:
    head = "Lava cannot run this graph exactly"
    if len(problems) == 1:
        return f"{head}: {problems[0]}"
    return f"{head} ({len(problems)} problems): " + "; ".join(problems)


def lava_sign_mode(mode: SignMode):
    from lava.utils.weightutils import SignMode as LavaSignMode

    return {SignMode.MIXED: LavaSignMode.MIXED, SignMode.EXCITATORY: LavaSignMode.EXCITATORY,
            SignMode.INHIBITORY: LavaSignMode.INHIBITORY}[mode]


def dense_columns(weight: np.ndarray, flat_from: Shape | None) -> np.ndarray:
    """Reorder the columns of a dense matrix fed through Flatten from a multi-axis
    population: Lava flattens its (W, H, C) layout, the IR flattens (C, H, W)."""
    if flat_from is None or len(flat_from) < 2:
        return weight
    ir_index = np.arange(int(np.prod(flat_from))).reshape(flat_from)
    return weight[..., to_lava_layout(ir_index, flat_from).ravel()]


def consumer_shape(graph: Graph, name: str, shapes: dict[str, Shape]) -> Shape:
    """The shape of the population ``name``'s output lands in (through flat views)."""
    for e in graph.outgoing(name):
        if isinstance(graph.nodes[e.dst], FLAT_VIEWS):
            return consumer_shape(graph, e.dst, shapes)
        if isinstance(graph.nodes[e.dst], FixedLIF):
            return graph.nodes[e.dst].shape  # type: ignore[attr-defined]
    return shapes[name]


def dense_matrix(weight: np.ndarray, in_shape: Shape, out_shape: Shape) -> np.ndarray:
    """A FixedLinear's matrix over flat populations in Lava's layout: ``kron(I, W)`` over
    the leading axes of its input (the same matrix per leading index), columns in the
    source's Lava flat order, rows in the destination's."""
    in_size, n_in = int(np.prod(in_shape)), weight.shape[1]
    full = np.kron(np.eye(in_size // n_in, dtype=weight.dtype), weight) if in_size > n_in else weight
    full = dense_columns(full, in_shape)
    if len(out_shape) < 2:
        return full
    ir_rows = np.arange(int(np.prod(out_shape))).reshape(out_shape)
    return full[to_lava_layout(ir_rows, out_shape).ravel()]


def conv2d_form(node: FixedConv2d, in_shape: Shape) -> tuple[FixedConv2d, Shape]:
    """A convolution as Lava's Conv runs it: a FixedConv1d over (C, L) is the FixedConv2d
    over (C, L, 1)."""
    if isinstance(node, FixedConv1d):
        return node.as_conv2d(), (*in_shape, 1)
    return node, tuple(in_shape)


def conv_weight(weight: np.ndarray) -> np.ndarray:
    """PyTorch (C_out, C_in/g, kH, kW) cross-correlation -> Lava (C_out, kW, kH, C_in/g) convolution."""
    return np.ascontiguousarray(weight.transpose(0, 3, 2, 1)[:, ::-1, ::-1])
