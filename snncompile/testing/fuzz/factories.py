"""Hostile ``file.py:factory`` models and state-dict files: factories that raise (also
``BaseException`` subclasses and ``SystemExit``), loop, sleep, recurse, allocate, return
the wrong type; modules whose forward raises or loops; weights files that are not state
dicts, hold pickled objects, complex or NaN tensors, or the wrong shapes."""

from __future__ import annotations

import pickle  # noqa: S403  (writes a hostile file for the loader to refuse; never loads)
from pathlib import Path

import numpy as np

from snncompile.testing.fuzz.registry import generator

HEAD = '''
import sys, time
import torch
from torch import nn
import snncompile.nn as snn
'''

#: factory bodies, by what they test (``factory`` is what the case names)
FACTORIES: dict[str, str] = {
    "raises": "def factory():\n    raise ValueError('no model today')\n",
    "base-exception": "class Boom(BaseException):\n    pass\n\ndef factory():\n    raise Boom('boom')\n",
    "system-exit": "def factory():\n    sys.exit(3)\n",
    "generator-exit": "def factory():\n    raise GeneratorExit()\n",
    "loops": "def factory():\n    while True:\n        pass\n",
    "sleeps": "def factory():\n    time.sleep(10**6)\n",
    "loops-at-import": "while True:\n    pass\n\ndef factory():\n    return None\n",
    "exits-at-import": "sys.exit(0)\n",
    "recursion": "def factory():\n    return factory()\n",
    "allocates": "def factory():\n    return torch.zeros(10**12)\n",
    "returns-none": "def factory():\n    return None\n",
    "returns-int": "def factory():\n    return 3\n",
    "returns-class": "def factory():\n    return nn.Linear\n",
    "returns-list": "def factory():\n    return [nn.Linear(3, 2)]\n",
    "not-callable": "factory = 3\n",
    "needs-arguments": "def factory(a, b):\n    return nn.Linear(a, b)\n",
    "syntax-error": "def factory(:\n    return\n",
    "missing-import": "import snncompile_does_not_exist\n\ndef factory():\n    return None\n",
    "unsupported-layer": "def factory():\n    return nn.Sequential(nn.Linear(3, 2), nn.GRU(2, 2))\n",
    "forward-raises": ("class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                       "        self.fc = nn.Linear(3, 2)\n    def forward(self, x):\n        raise RuntimeError('no')\n\n"
                       "def factory():\n    return M()\n"),
    "forward-loops": ("class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                      "        self.fc = nn.Linear(3, 2)\n    def forward(self, x):\n        while True:\n            pass\n\n"
                      "def factory():\n    return M()\n"),
    "forward-returns-none": ("class M(nn.Module):\n    def forward(self, x):\n        return None\n\n"
                             "def factory():\n    return M()\n"),
    "nan-weights": ("def factory():\n    m = nn.Sequential(nn.Linear(3, 2), snn.LIF(decay=0.9))\n"
                    "    with torch.no_grad():\n        m[0].weight.fill_(float('nan'))\n    return m\n"),
    "inf-threshold": "def factory():\n    return nn.Sequential(nn.Linear(3, 2), snn.LIF(decay=0.9, threshold=float('inf')))\n",
    "complex-weights": ("def factory():\n    m = nn.Linear(3, 2)\n    m.weight = nn.Parameter(torch.ones(2, 3, dtype=torch.complex64))\n"
                        "    return nn.Sequential(m, snn.LIF(decay=0.9))\n"),
    "huge-layer": "def factory():\n    return nn.Sequential(nn.Linear(3, 10**6), snn.LIF(decay=0.9))\n",
}


@generator("py")
def hostile_factory(rng, seed, out):
    what = sorted(FACTORIES)[int(rng.integers(0, len(FACTORIES)))]
    out.write_text(HEAD + FACTORIES[what])
    return f"factory: {what}"


class _NotATensor:
    """A class a weights file may try to make the loader build (weights_only refuses)."""

    def __reduce__(self):
        return (print, ("unpickled!",))


@generator("pt")
def hostile_weights(rng, seed, out):
    import torch

    state = torch.load(seed, weights_only=True)
    key = sorted(state)[int(rng.integers(0, len(state)))]
    how = int(rng.integers(0, 9))
    if how == 0:
        state[key] = state[key].to(torch.complex64)
    elif how == 1:
        state[key] = torch.full_like(state[key], float("nan"))
    elif how == 2:
        state[key] = torch.zeros(7, 7)
    elif how == 3:
        state = {k: v.tolist() for k, v in state.items()}
    elif how == 4:
        state = [state]
    elif how == 5:
        out.write_bytes(pickle.dumps({key: _NotATensor()}))
        return "a plain pickle holding a code-running object"
    elif how == 6:
        torch.save({key: _NotATensor()}, out)
        return "a torch file holding a code-running object"
    elif how == 7:
        state["surprise"] = torch.ones(2)
    else:
        state[key] = torch.full_like(state[key], float("inf"))
    torch.save(state, out)
    return f"state dict edit {how} on '{key}'"


_ = (np, Path)
