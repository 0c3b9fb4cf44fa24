"""Shared pieces of the netx tests: lava-dl (skipped where it is not installed, a
failure under make test), a tiny writer for hand-made files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def lava_dl():
    pytest.importorskip("lava.lib.dl")
    from snncompile.interop.netx import ensure_lava_dl

    return ensure_lava_dl()


def write_layers(path, layers: list[dict], attrs: dict | None = None) -> Path:
    """An HDF5 file with ``/layer/<i>/...`` from dicts (nested dicts are groups; a
    ``type`` string is stored as netx/SLAYER store it)."""
    import h5py

    def fill(group, content):
        for key, value in content.items():
            if isinstance(value, dict):
                fill(group.create_group(key), value)
            elif key == "type":
                group.create_dataset("type", (1,), "S10", [value.encode("ascii")])
            else:
                group.create_dataset(key, data=np.asarray(value))

    with h5py.File(path, "w") as f:
        for key, value in (attrs or {}).items():
            f.attrs[key] = value
        root = f.create_group("layer")
        for i, layer in enumerate(layers):
            fill(root.create_group(str(i)), layer)
    return Path(path)


NEURON = {"type": "CUBA", "iDecay": 1024, "vDecay": 128, "vThMant": 80, "refDelay": 1, "gradedSpike": False}


def dense(weight, **extra) -> dict:
    weight = np.asarray(weight)
    return {"type": "dense", "shape": [weight.shape[0]], "weight": weight, "neuron": dict(NEURON)} | extra
