"""add_residual_weights: further synapses that carry what the 8-bit mantissas lost.

With ``weight_split=2`` every chip synapse ``s`` (mantissas ``m``, exponent ``e``) gets a
twin ``s.lo`` fed by the same input and feeding the same neurons, holding the rounding
residual ``r = S n g w / 2**act_shift - m 2**e`` on its own (finer, usually negative)
exponent ``e2``: the neuron receives ``m 2**e x + floor(r' x 2**e2)``, about 15 bits of
weight instead of 8 (mixed sign: 7). With ``weight_split=3`` a third part ``s.lo2``
holds the residual of the residual, ``r - r' 2**e2``, on an exponent ``e3`` finer still
(about 22 bits). Part ``k`` is ``k + 1`` times the synaptic work of one, stated in the
report and counted by the estimates; each part's sum is floored on its own (a negative
exponent is an arithmetic shift of that synapse's summed input), as Loihi and Lava's
Dense compute it.

Lava's CPU convolution ignores weight exponents, so the residual of a convolution is the
same map unrolled into a dense (sparse) matrix, ``Flatten -> s.lo -> Reshape``, and so is
a convolution whose own exponent is not 0 (the finer threshold resolution this mode
uses raises the scale): Lava's Dense and Sparse honour exponents, and the emulator
computes both the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np

from snncompile.emulator.synapses import build_csr
from snncompile.ir import Edge, Flatten, Graph, Node
from snncompile.ir.fixed import FixedConv2d, FixedLinear, FixedSynapse, SignMode
from snncompile.ir.host_tensor import Reshape
from snncompile.ir.placement import ORIGIN, with_origin
from snncompile.passes.add_chip_entries import is_entry
from snncompile.passes.quantize.choose_scales import ScalePlan, effective_weight, float_weight
from snncompile.passes.quantize.numbers import exponent_for, quantize_to_grid, weight_grid

SUFFIX = ".lo"
PASS = "add_residual_weights"


def residual_suffix(part: int) -> str:
    """The name suffix of a synapse's part ``part``: '' (the main synapse), ``.lo``,
    ``.lo2``, ``.lo3``..."""
    return "" if part == 0 else SUFFIX if part == 1 else f"{SUFFIX}{part}"


def residual(prepared: Graph, name: str, plan: ScalePlan, parts: FixedSynapse | Sequence[FixedSynapse],
             min_exp: int | None = None) -> tuple[np.ndarray, int] | None:
    """(residual mantissas shaped like the weight, exponent): what the synapse ``parts``
    made so far (the main synapse first, all shaped like it) leave of ``name``'s exact
    weights; None when nothing is left. ``min_exp``: the smallest exponent allowed (a bias
    column, whose one always-on input a negative exponent would only floor, takes 0)."""
    made = [parts] if isinstance(parts, FixedSynapse) else list(parts)
    chosen, _ = plan.for_synapse(name)  # type: ignore[misc]
    spec = plan.spec
    target = chosen.scale * effective_weight(prepared, chosen.layer, name) / 2.0**spec.activation_shift
    rest = target - sum(p.effective_weight() * 2.0**p.weight_exp for p in made)
    if not np.any(np.abs(rest) >= 2.0**-20):
        return None
    grid = weight_grid(rest, spec)
    e2 = exponent_for(float(np.max(np.abs(rest))), grid.magnitude)
    e2 = max(e2 if min_exp is None else max(e2, min_exp), spec.weight_exp_min)  # the target's finest shift
    mantissa, _ = quantize_to_grid(rest / 2.0**e2, grid, plan.options.rounding)
    return (mantissa, e2) if np.any(mantissa) else None


def residual_twin(prepared: Graph, name: str, plan: ScalePlan, parts: FixedSynapse | Sequence[FixedSynapse],
                  min_exp: int | None = None) -> FixedSynapse | None:
    """The next residual synapse after ``parts`` (the main synapse first; same kind and
    wiring fields as it), marked with its origin (``part``: "residual", ``level``: its
    index among the parts, 1 for ``.lo``)."""
    made = [parts] if isinstance(parts, FixedSynapse) else list(parts)
    found = residual(prepared, name, plan, made, min_exp)
    if found is None:
        return None
    mantissa, e2 = found
    main = made[0]
    twin = main.replace(weight=mantissa, weight_exp=e2, sign_mode=SignMode(weight_grid(mantissa, plan.spec).sign_mode),
                        num_weight_bits=plan.spec.weight_mantissa_bits, weight_bits=plan.spec.weight_mantissa_bits,
                        num_message_bits=main.num_message_bits)
    return cast(FixedSynapse, with_origin(twin, PASS, [name], part="residual", level=len(made)))


def residual_chain(prepared: Graph, name: str, plan: ScalePlan, main: FixedSynapse, parts: int,
                   min_exp: int | None = None) -> list[FixedSynapse]:
    """Up to ``parts - 1`` residual synapses of ``main``, each holding what the ones before
    left (stops early when nothing is left)."""
    made: list[FixedSynapse] = [main]
    while len(made) < parts:
        twin = residual_twin(prepared, name, plan, made, min_exp)
        if twin is None:
            break
        made.append(twin)
    return made[1:]


def add_residual_weights(graph: Graph, prepared: Graph, plan: ScalePlan, parts: int = 2) -> Graph:
    """See module docstring: ``parts`` synapses per weight matrix at most (2 or 3). Each
    residual's origin (``part="residual"``, ``level``) is in its meta."""
    g = graph.copy()
    shapes = graph.infer_shapes()
    for name, node in graph.items():
        if not isinstance(node, FixedSynapse) or plan.for_synapse(name) is None or name not in prepared.nodes:
            continue
        if is_entry(prepared.nodes[name]):
            continue  # its boundary scale carries the rest exactly
        if isinstance(node, FixedConv2d) and node.weight_exp != 0:  # Lava's Conv would ignore it
            _unroll(g, name, node, node, graph.input_shape(name, shapes), shapes[name], graph)
        for level, twin in enumerate(residual_chain(prepared, name, plan, node, parts), start=1):
            lo = name + residual_suffix(level)
            g.add(lo, twin)
            if isinstance(twin, FixedConv2d):  # unrolled: Lava's Conv has no exponent
                _unroll(g, lo, twin, node, graph.input_shape(name, shapes), shapes[name], graph, part="residual")
                g.nodes[lo] = with_origin(g.nodes[lo], PASS, [name], part="residual", level=level)
            else:
                g.edges += [Edge(e.src, lo, e.delay, e.port) for e in graph.incoming(name)]
                g.edges += [Edge(lo, e.dst, e.delay, e.port) for e in graph.outgoing(name)]
    return g


def residual_notes(graph: Graph) -> list[str]:
    """How many residual synapses ``graph`` (the pass's result) has, and of how many levels."""
    added = [node for node in graph.nodes.values() if is_residual(node)]
    if not added:
        return []
    levels = max(int(node.meta[ORIGIN].get("level", 1)) for node in added)
    names = ", ".join(f"'<name>{residual_suffix(k)}'" for k in range(1, levels + 1))
    return [f"weight_split={levels + 1}: {len(added)} residual synapse(s) ({names}; up to {levels + 1} times the "
            "synaptic work; convolutions' residuals unrolled into sparse dense matrices)"]


def is_residual(node: Node) -> bool:
    origin = node.meta.get(ORIGIN, {})
    return origin.get("pass") == PASS and origin.get("part") == "residual"


def _unroll(g: Graph, name: str, conv: FixedConv2d, like: FixedSynapse, in_shape: tuple[int, ...],
            out_shape: tuple[int, ...], original: Graph, part: str = "main") -> None:
    """Make ``name`` in ``g`` the dense form of ``conv`` (``Flatten -> dense -> Reshape``),
    wired as the synapse ``like`` is in ``original`` (the same inputs and consumers)."""
    dense = dense_form(conv, in_shape, int(np.prod(out_shape)))
    g.nodes[name] = with_origin(FixedLinear(weight=dense, weight_exp=conv.weight_exp, sign_mode=conv.sign_mode,
                                            num_weight_bits=conv.num_weight_bits, weight_bits=conv.weight_bits,
                                            num_message_bits=conv.num_message_bits,
                                            mixed_sign_extra_shift=conv.mixed_sign_extra_shift,
                                            weight_range=conv.weight_range, accumulate=conv.accumulate,
                                            max_payload=conv.max_payload), PASS, [name], part=part)
    src = [n for n, node in original.items() if node is like][0]
    g.edges = [e for e in g.edges if name not in (e.src, e.dst)]
    flat = g.add(name + ".in", Flatten())
    view = g.add(name + ".out", Reshape(shape=tuple(out_shape)))
    g.edges += [Edge(e.src, flat, e.delay, e.port) for e in original.incoming(src)]
    # the synapse's delay goes before the view (the same thing; Lava keeps it on the synapse)
    out = original.outgoing(src)
    shared = out[0].delay if out and len({e.delay for e in out}) == 1 else 0
    g.edges += [Edge(flat, name), Edge(name, view, shared)]
    g.edges += [Edge(view, e.dst, e.delay - shared, e.port) for e in out]


def dense_form(conv: FixedConv2d, in_shape: tuple[int, ...], out_size: int) -> np.ndarray:
    """The convolution's effective weights as an (outputs, inputs) matrix over flat
    populations (the emulator's own unrolling)."""
    csr = build_csr(conv, in_shape, out_size)
    dense = np.zeros((out_size, csr.n_in), np.int64)
    for src in range(csr.n_in):
        start, stop = csr.indptr[src], csr.indptr[src + 1]
        dense[csr.indices[start:stop], src] = csr.weights[start:stop]
    return dense


def unrolled(prepared: Graph, name: str, weight: np.ndarray) -> np.ndarray:
    """The float convolution ``name``'s ``weight`` (any values shaped like its kernel) as
    the (outputs, inputs) matrix over flat populations (the float side of :func:`dense_form`)."""
    import torch

    from snncompile.estimate.nodes import apply_synapse

    node = prepared.nodes[name]
    in_shape = prepared.input_shape(name)
    size = int(np.prod(in_shape))
    eye = torch.eye(size, dtype=torch.float64).reshape(size, *in_shape)
    out = apply_synapse(node, eye, torch.as_tensor(weight, dtype=torch.float64))
    return out.reshape(size, -1).T.numpy()


__all__ = ["add_residual_weights", "float_weight", "residual", "residual_chain", "residual_notes", "residual_suffix",
           "unrolled"]
