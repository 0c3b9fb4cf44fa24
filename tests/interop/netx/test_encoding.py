"""netx's weight encoding and delay broadcast, restated in encoding.py, against netx."""

from __future__ import annotations

import numpy as np
import pytest

from snncompile.interop.netx.encoding import broadcast_delay, dense_encoding, exact_dense_fields


def _random_matrices(rng, count):
    for _ in range(count):
        shape = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
        kind = rng.integers(0, 4)
        lo, hi = [(-256, 254), (0, 255), (-255, 0), (-128, 127)][kind]
        w = rng.integers(lo, hi + 1, shape)
        w = w & ~((1 << int(rng.integers(0, 4))) - 1)  # some low bits cleared
        if np.any(w):
            yield w


def test_dense_encoding_equals_netx_optimize_weight_bits(lava_dl):
    from lava.lib.dl.netx.utils import optimize_weight_bits

    rng = np.random.default_rng(5)
    checked = 0
    for w in _random_matrices(rng, 400):
        with np.errstate(divide="ignore"):
            weight, bits, exp, _ = optimize_weight_bits(w.copy())
        ours = dense_encoding(w)
        assert np.array_equal(ours.weight, weight) and (ours.num_weight_bits, ours.weight_exp) == (bits, exp), w
        checked += 1
    assert checked > 300


def test_exact_fields_compute_the_file_weights_on_lava_dense(lava_dl):
    """What Lava's Dense (fixed_pt) multiplies with, from netx's encoding, is W."""
    from lava.utils.weightutils import SignMode, clip_weights, determine_sign_mode, truncate_weights

    rng = np.random.default_rng(6)
    for w in _random_matrices(rng, 200):
        try:
            fields = exact_dense_fields(w)
        except ValueError:
            continue
        mode = determine_sign_mode(fields["weight"])
        lava = truncate_weights(clip_weights(fields["weight"], mode, num_bits=8), mode, fields["num_weight_bits"])
        assert np.array_equal(lava, w << -fields["weight_exp"]), w
        assert mode in set(SignMode)


def test_encoding_refusals_say_why():
    with pytest.raises(ValueError, match="all weights are zero"):
        dense_encoding(np.zeros((2, 2), int))
    with pytest.raises(ValueError, match="exceed netx's"):
        dense_encoding(np.array([[255, -3]]))
    with pytest.raises(ValueError, match="not keep"):
        exact_dense_fields(np.array([[-256, 0]]))  # all <= 0: Lava makes it inhibitory, -255 at most


def test_delay_broadcast_follows_netx():
    w = (3, 2)
    assert np.array_equal(broadcast_delay(np.array(4), w), np.full(w, 4))
    assert np.array_equal(broadcast_delay(np.array([1, 2, 3]), w), [[1, 1], [2, 2], [3, 3]])  # per output
    assert np.array_equal(broadcast_delay(np.array([5, 6]), w), [[5, 6], [5, 6], [5, 6]])  # per input
    square = broadcast_delay(np.array([1, 2]), (2, 2))
    assert np.array_equal(square, [[1, 1], [2, 2]])  # netx checks outputs first
    with pytest.raises(ValueError, match="fits neither"):
        broadcast_delay(np.array([1, 2, 3, 4]), w)
