"""Factories for ``snncompile convert``: the two trained ReLU networks of the zoo.

    snncompile convert examples/digits_ann.py:mlp --calibrate train.npz -o mlp_snn.snnir

Each returns the trained ANN (float64, eval mode; weights from snncompile/zoo/weights,
trained by examples/train_digits_ann.py); see docs/convert.md.
"""

from snncompile.zoo.digits_ann import load_ann


def mlp():
    return load_ann("mlp")


def cnn():
    return load_ann("cnn")
