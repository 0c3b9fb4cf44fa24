"""Scale choice on widths that leave nothing to choose (issue 13: a ZeroDivisionError
escaped when one weight bit left mixed-sign mantissas no nonzero value)."""

import numpy as np
import pytest

from snncompile.errors import InputError
from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.passes.quantize import QuantizeOptions, quantize


def one_layer(weight):
    weight = np.asarray(weight, dtype=float)
    g = Graph()
    g.add("x", Input(shape=(weight.shape[1],)))
    g.add("fc", Linear(weight=weight))
    g.add("n", LIF(shape=(weight.shape[0],), decay=0.9, threshold=1.0))
    g.add("y", Output(shape=(weight.shape[0],)))
    g.chain("x", "fc", "n", "y")
    return g


def test_one_bit_leaves_mixed_sign_weights_nothing_and_is_refused_by_synapse(loihi2):
    assert loihi2.mixed_sign_extra_shift == 1  # Lava drops one more bit of mixed-sign mantissas
    with pytest.raises(InputError, match=r"synapse 'fc': 1 weight bits leave no nonzero mixed-sign mantissa on "
                                         r"this target .* use at least 2 bits"):
        quantize(one_layer([[0.5, -0.25]]), loihi2, QuantizeOptions(weight_bits=1))
    for split in (1, 2):
        quantize(one_layer([[0.5, -0.25]]), loihi2, QuantizeOptions(weight_bits=2, weight_split=split))
    quantize(one_layer([[0.5, 0.25]]), loihi2, QuantizeOptions(weight_bits=1))  # one sign: 1 bit is a weight


@pytest.mark.parametrize("value", [0, -1, 2**31])
def test_threshold_resolution_out_of_range_is_refused(value):
    with pytest.raises(InputError, match=f"threshold_resolution={value}: must be in 1..2147483647"):
        QuantizeOptions(threshold_resolution=value)
