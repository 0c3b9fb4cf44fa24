"""Random fixed graphs that a netx file can hold (hypothesis strategies).

Built like :func:`snncompile.testing.fixed_graphs.fixed_cases` (same builder, helpers and
:class:`Case`), within netx's limits: a chain of conv / sum-pool / flatten / dense /
dense_rec layers of Lava LIFs, binary input, file weights in netx's 8-bit range after
folding each synapse's ``weight_exp`` (drawn in -1..1, with every sign mode and
``num_weight_bits``), biases ``B << 6`` (netx's fixed exponent), per-synapse and edge
delays up to 62 on dense layers, recurrence without delay. The writer must accept every
graph drawn here (dense_rec draws it rightly refuses are discarded), and netx on Lava
must reproduce the emulator's spikes.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from snncompile.ir.fixed import FixedGraphBuilder, FixedLinear, SignMode
from snncompile.testing.fixed_graphs import Case, _ints

#: mantissa range per sign mode and folded exponent, so that the file weights
#: (effective << exp) stay within netx's [-256, 254] / [0, 255] / [-255, 0] (a mixed
#: matrix may turn out all <= 0, which Lava then treats as inhibitory: no -256)
_RANGES = {
    (SignMode.MIXED, 0): (-254, 254), (SignMode.MIXED, 1): (-126, 127), (SignMode.MIXED, -1): (-254, 254),
    (SignMode.EXCITATORY, 0): (0, 255), (SignMode.EXCITATORY, 1): (0, 127), (SignMode.EXCITATORY, -1): (0, 255),
    (SignMode.INHIBITORY, 0): (-255, 0), (SignMode.INHIBITORY, 1): (-127, 0), (SignMode.INHIBITORY, -1): (-255, 0),
}


def _lif(draw, large: bool) -> dict:
    fields = {
        "du": draw(st.one_of(st.sampled_from([-1, 0, 4095, 1023]), st.integers(-1, 4095))),
        "dv": draw(st.one_of(st.sampled_from([0, 4095, 123]), st.integers(0, 4095))),
        "vth": draw(st.integers((1 << 17) - 4096, (1 << 17) - 1) if large else st.integers(0, 400)),
    }
    if draw(st.booleans()):
        exp = draw(st.sampled_from([6, 7]))
        hi = 4095 >> (exp - 6) if large else 30
        fields["bias_mant"] = draw(st.integers(-hi - 1, hi))
        fields["bias_exp"] = exp
    return fields


def _dense(draw, shape: tuple[int, int], exps=(-1, 0, 1), mode=None) -> dict:
    """FixedLinear fields whose file weights netx encodes exactly (at least one nonzero)."""
    mode = mode or draw(st.sampled_from([None, *SignMode]))
    exp = draw(st.sampled_from(exps))
    lo, hi = _RANGES[(mode or SignMode.MIXED, exp)]
    fields = {"weight_exp": exp, "num_weight_bits": draw(st.integers(1, 8)), "sign_mode": mode}
    w = _ints(draw, shape, lo, hi, zero_prob=0.2)
    if exp < 0:
        w = w & ~1  # a negative exponent floors sums unless every weight is even
    eff = FixedLinear(weight=w, **fields).effective_weight()
    if not np.any(eff):
        sign = -1 if FixedLinear(weight=w, **fields).resolved_sign_mode() is SignMode.INHIBITORY else 1
        w[0, 0], fields["num_weight_bits"] = sign * 64, 8  # netx divides by the largest weight: keep one
    elif eff.min() << max(exp, 0) == -256 and eff.max() <= 0:
        # an all-negative file matrix with -256 would be Lava-inhibitory (-255 at most)
        w[0, 0], fields["num_weight_bits"] = 64, 8
    fields["weight"] = w
    return fields


@st.composite
def netx_cases(draw, max_steps: int = 24, max_layers: int = 3, max_width: int = 6) -> Case:  # noqa: C901
    """A random netx-holdable fixed graph with binary input spikes."""
    steps = draw(st.integers(4, max_steps))
    large = draw(st.integers(0, 5)) == 0
    conv = draw(st.integers(0, 2)) == 0
    parts = []
    shape: tuple[int, ...] = (draw(st.integers(1, 2)), draw(st.integers(3, 6)), draw(st.integers(3, 6))) if conv \
        else (draw(st.integers(1, max_width)),)
    b = FixedGraphBuilder(shape)
    inputs = (_ints(draw, (1, steps, *shape), 0, 3) == 0).astype(np.int64)
    if conv:
        c_out = draw(st.integers(1, 3))
        k = draw(st.integers(1, min(3, shape[1], shape[2])))
        mode = draw(st.sampled_from(list(SignMode)))
        lo, hi = {SignMode.MIXED: (-128, 127), SignMode.EXCITATORY: (0, 255), SignMode.INHIBITORY: (-255, 0)}[mode]
        w = _ints(draw, (c_out, shape[0], k, k), lo, hi)
        if mode is SignMode.MIXED:
            w = w * 2  # mixed-sign Loihi weights are even
        pad, stride = draw(st.integers(0, k - 1)), draw(st.integers(1, 2))
        b.conv2d(w, sign_mode=mode, padding=pad, stride=stride)
        b.lif(**_lif(draw, large))
        parts.append(f"conv{k}x{k}x{c_out}/s{stride}p{pad}")
        h, wd = b.shapes[b.last][1:]
        if h >= 2 and wd >= 2 and draw(st.booleans()):
            b.sum_pool(2)
            b.lif(**_lif(draw, large))
            parts.append("sumpool2")
        b.flatten()
    for _ in range(draw(st.integers(1, max_layers))):
        n_in, n_out = b.shapes[b.last][-1], draw(st.integers(1, max_width))
        recurrent = draw(st.integers(0, 3)) == 0
        # netx encodes a dense_rec layer's two matrices with one shift: same sign mode,
        # even mixed weights (odd ones can ask Lava for 9 weight bits)
        rec_mode = draw(st.sampled_from(list(SignMode))) if recurrent else None
        fields = _dense(draw, (n_out, n_in), (0, 1), rec_mode) if recurrent else _dense(draw, (n_out, n_in))
        delay = 0
        if not recurrent:
            delay = draw(st.one_of(st.just(0), st.integers(0, 4)))
            if draw(st.integers(0, 2)) == 0:
                top = draw(st.sampled_from([3, steps, 62 - delay]))
                fields["delays"] = _ints(draw, (n_out, n_in), 0, top)
        b.linear(delay=delay, **fields)
        lif = b.lif(**_lif(draw, large))
        parts.append(f"fc{n_in}->{n_out}" + (f"+d{delay}" if delay else "") + ("+delays" if "delays" in fields else ""))
        if recurrent:
            b.recurrent(target=lif, **_dense(draw, (n_out, n_out), (0, 1), rec_mode))
            parts.append("rec")
    b.output()
    # netx shifts a dense_rec layer's two matrices jointly, which can push a single-signed
    # part to -256 (Lava-inhibitory: -255 at most), past 254 or to 9 weight bits; the
    # writer refuses those, rightly (about 1 draw in 10 is discarded here)
    from snncompile.interop.netx import netx_problems

    assume(not netx_problems(b.graph))
    desc = f"T={steps} {'large ' if large else ''}" + " ".join(parts)
    return Case(b.graph, inputs, False, desc)
