"""Random fixed graphs for differential testing (hypothesis strategies).

Every graph drawn here is one Lava can run exactly (binary LIF, zero reset, ``>``, Lava's
bit widths), so the emulator and Lava's ``fixed_pt`` models must agree on every spike,
``u`` and ``v``. Draws cover dense and sparse matrices, convolutions and sum pooling,
flatten, per-synapse and edge delays up to 63, recurrence, mixed/excitatory/inhibitory
weights beyond the 8-bit range (clipped), weight exponents, ``num_weight_bits``, graded
input payloads, decays, biases with exponents, thresholds, refractory periods (Lava's
``LIFRefractory`` with snncompile's fixed_pt model for it), and a "large values" regime
that drives ``u`` past its 24-bit wrap and ``v`` into saturation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from snncompile.ir import Graph
from snncompile.ir.fixed import FixedGraphBuilder, SignMode


@dataclass
class Case:
    graph: Graph
    inputs: np.ndarray  # (1, T, *input_shape) int
    sparse: bool  # ask Lava for Sparse processes
    description: str


def _ints(draw, shape, lo, hi, zero_prob=0.0):
    values = np.array(draw(st.lists(st.integers(lo, hi), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
                      dtype=np.int64).reshape(shape)
    if zero_prob:
        mask = np.array(draw(st.lists(st.booleans(), min_size=values.size, max_size=values.size))).reshape(shape)
        if zero_prob < 0.5:
            mask = mask & np.array(draw(st.lists(st.booleans(), min_size=values.size, max_size=values.size))).reshape(shape)
        values = np.where(mask, 0, values)
    return values


def _lif_fields(draw, large: bool, readout: bool = False) -> dict:
    fields = {
        "du": draw(st.one_of(st.sampled_from([-1, 0, 4095, 2048]), st.integers(0, 4095))),
        "dv": draw(st.one_of(st.sampled_from([0, 4095, 163]), st.integers(0, 4095))),
        "vth": draw(st.integers((1 << 17) - 4096, (1 << 17) - 1) if large else st.integers(0, 400)),
    }
    if draw(st.booleans()):
        fields["bias_mant"] = draw(st.integers(-4096, 4095) if large else st.integers(-60, 60))
        fields["bias_exp"] = draw(st.integers(0, 7) if large else st.integers(0, 3))
    if not readout and draw(st.integers(0, 3)) == 0:
        fields["refractory"] = draw(st.integers(1, 5))
    return fields


def _synapse_fields(draw, large: bool) -> dict:
    return {
        "weight_exp": draw(st.integers(3, 7) if large else st.integers(-3, 2)),
        "num_weight_bits": draw(st.integers(1, 8)),
        "sign_mode": draw(st.sampled_from([None, None, *SignMode])),
    }


def _weight_range(mode: SignMode | None) -> tuple[int, int]:
    return {None: (-300, 300), SignMode.MIXED: (-300, 300), SignMode.EXCITATORY: (-20, 300),
            SignMode.INHIBITORY: (-300, 20)}[mode]


@st.composite
def fixed_cases(draw, max_steps: int = 20, max_layers: int = 3, max_width: int = 6) -> Case:  # noqa: C901
    """A random Lava-runnable fixed graph with input spikes."""
    steps = draw(st.integers(4, max_steps))
    large = draw(st.integers(0, 5)) == 0
    conv = draw(st.integers(0, 3)) == 0
    parts = []
    if conv:  # (C, H, W) or (N,)
        shape = tuple([draw(st.integers(1, 2)), draw(st.integers(3, 6)), draw(st.integers(3, 6))])
    else:
        shape = tuple([draw(st.integers(1, max_width))])
    b = FixedGraphBuilder(shape)
    graded = not conv and draw(st.integers(0, 4)) == 0
    if graded:
        inputs = _ints(draw, (1, steps, *shape), -8, 8, zero_prob=0.5)
    else:
        inputs = (_ints(draw, (1, steps, *shape), 0, 3) == 0).astype(np.int64)
    if conv:
        c = shape[0]
        c_out = draw(st.integers(1, 3))
        k = draw(st.integers(1, min(3, shape[1], shape[2])))
        mode = draw(st.sampled_from(list(SignMode)))
        lo, hi = {SignMode.MIXED: (-128, 127), SignMode.EXCITATORY: (0, 255), SignMode.INHIBITORY: (-255, 0)}[mode]
        w = _ints(draw, (c_out, c, k, k), lo, hi)
        if mode is SignMode.MIXED:
            w = w * 2  # Lava's Conv does not truncate: keep mixed weights representable (even)
        pad = draw(st.integers(0, k - 1))
        stride = draw(st.integers(1, 2))
        b.conv2d(w, sign_mode=mode, padding=pad, stride=stride)
        b.lif(**_lif_fields(draw, large))
        parts.append(f"conv{k}x{k}x{c_out}/s{stride}p{pad}")
        h, wd = b.shapes[b.last][1:]
        if h >= 2 and wd >= 2 and draw(st.booleans()):
            b.sum_pool(2)
            b.lif(**_lif_fields(draw, large))
            parts.append("sumpool2")
        b.flatten()
    sparse = draw(st.booleans())
    n_layers = draw(st.integers(1, max_layers))
    for layer in range(n_layers):
        n_in = b.shapes[b.last][-1]
        n_out = draw(st.integers(1, max_width))
        fields = _synapse_fields(draw, large)
        lo, hi = _weight_range(fields["sign_mode"])
        w = _ints(draw, (n_out, n_in), lo, hi, zero_prob=0.6 if sparse else 0.2)
        if graded and layer == 0:
            fields["num_message_bits"] = draw(st.integers(1, 8))
        delay = draw(st.one_of(st.just(0), st.integers(0, 4)))
        if draw(st.integers(0, 2)) == 0:  # per-synapse delays; edge + synapse delay <= 63
            top = draw(st.sampled_from([3, steps, 63 - delay]))
            fields["delays"] = _ints(draw, (n_out, n_in), 0, top)
        # the last layer may be a membrane readout, kept small (|w| <= 60, exponent <= 0,
        # binary input) so its v stays below Lava's largest threshold in 16 steps
        readout = layer == n_layers - 1 and not large and not (graded and layer == 0) and draw(st.integers(0, 3)) == 0
        if readout:
            w = np.clip(w, -60, 60)
            fields["weight_exp"] = min(fields["weight_exp"], 0)
        b.linear(w, delay=delay, **fields)
        lif = b.lif(**_lif_fields(draw, large, readout), **({"output": "v"} if readout else {}))
        parts.append(f"fc{n_in}->{n_out}" + (f"+d{delay}" if delay else "") + ("+delays" if "delays" in fields else "")
                     + ("+readout" if readout else ""))
        if not readout and draw(st.integers(0, 3)) == 0:
            rfields = _synapse_fields(draw, large)
            lo, hi = _weight_range(rfields["sign_mode"])
            rw = _ints(draw, (n_out, n_out), lo, hi, zero_prob=0.3)
            rdelay = draw(st.integers(0, 3))
            b.recurrent(rw, delay=rdelay, target=lif, **rfields)
            parts.append(f"rec+d{rdelay}")
    b.output()
    refractory = [r for n in b.graph.nodes.values() if (r := getattr(n, "refractory", 0))]
    parts += [f"refractory{refractory}"] if refractory else []
    desc = f"T={steps} {'large ' if large else ''}{'graded ' if graded else ''}{'sparse ' if sparse else ''}" + " ".join(parts)
    return Case(b.graph, inputs, sparse, desc)


def compare_runs(a, b, graph: Graph) -> list[str]:
    """Every mismatch between two integer runs (outputs, recorded, membranes, currents)."""
    problems = []
    for kind in ("outputs", "recorded", "membranes", "currents"):
        left, right = getattr(a, kind), getattr(b, kind)
        for name in sorted(set(left) | set(right)):
            if name not in left or name not in right:
                problems.append(f"{kind}[{name}] missing on one side")
                continue
            x, y = np.asarray(left[name]), np.asarray(right[name])
            if x.shape != y.shape:
                problems.append(f"{kind}[{name}] shapes {x.shape} vs {y.shape}")
                continue
            diff = np.argwhere(x != y)
            if diff.size:
                first = tuple(diff[0])
                problems.append(f"{kind}[{name}]: {len(diff)} differ, first at {first}: {x[first]} vs {y[first]}")
    return problems
