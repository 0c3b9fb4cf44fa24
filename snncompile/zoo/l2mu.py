"""The L2MU (spiking Legendre Memory Unit; Leto, Urgese, Macii, Fra) for 7-class Braille,
as an IR graph built from its state dict (neuromorphic-polito/L2MU-Braille, Apache-2.0).

Per step ``t``, with ``x`` the 12 taxels and ``sh``, ``sm`` the previous step's hidden
and memory spikes (all four populations are snnTorch Leaky: subtract reset one step
late, ``v > threshold``)::

    u = LIF_u(e_x x + e_h sh + e_m sm)                    70 memory units
    m = LIF_m(A sm_j + B u_j for each memory unit j)      70 x 7 (order) = 490
    h = LIF_h(W_x x + W_h sh + W_m m)                     120
    out = LIF_out(W_o h + b_o)                            7

``x -> u -> m -> h -> out`` is a four-hop chain of zero-delay edges within one step; the
recurrent inputs ``sh`` and ``sm`` arrive over edges of delay 1. The per-unit ``A`` and
``B`` become block-diagonal Linear nodes (``kron(I_70, A)``), memory flattened unit-major
(index ``j * order + k``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from snncompile.errors import InputError
from snncompile.ir import LIF, Graph, Input, Linear, Output, Reset, ResetTiming

POPULATIONS = ("spk_u", "spk_m", "spk_h", "spk_output")


def _lif(n: int, state: dict, pop: str) -> LIF:
    return LIF(shape=(n,), decay=np.asarray(state[f"{pop}.beta"], dtype=np.float64),
               threshold=np.asarray(state[f"{pop}.threshold"], dtype=np.float64),
               reset=Reset.SUBTRACT, reset_timing=ResetTiming.DELAYED)


def l2mu_graph(state: dict[str, np.ndarray], order: int, dt: float = 1e-4) -> Graph:
    """The L2MU IR graph from its state dict arrays (keys as in the original cell)."""
    w = {k: np.asarray(v, dtype=np.float64) for k, v in state.items()}
    units, n_in = w["e_x.weight"].shape
    hidden = w["W_x.weight"].shape[0]
    classes = w["output_transformation.weight"].shape[0]
    if w["e_m.weight"].shape[1] != units * order:
        raise InputError(f"e_m.weight is {w['e_m.weight'].shape}; expected ({units}, {units * order}) for order {order}")
    g = Graph(dt=dt)
    g.add("x", Input(shape=(n_in,)))
    g.add("e_x", Linear(weight=w["e_x.weight"]))
    g.add("e_h", Linear(weight=w["e_h.weight"]))
    g.add("e_m", Linear(weight=w["e_m.weight"]))
    g.add("u", _lif(units, state, "spk_u"))
    g.add("B", Linear(weight=np.kron(np.eye(units), w["B.weight"])))
    g.add("A", Linear(weight=np.kron(np.eye(units), w["A.weight"])))
    g.add("m", _lif(units * order, state, "spk_m"))
    g.add("W_x", Linear(weight=w["W_x.weight"]))
    g.add("W_h", Linear(weight=w["W_h.weight"]))
    g.add("W_m", Linear(weight=w["W_m.weight"]))
    g.add("h", _lif(hidden, state, "spk_h"))
    g.add("W_o", Linear(weight=w["output_transformation.weight"], bias=w["output_transformation.bias"]))
    g.add("out", _lif(classes, state, "spk_output"))
    g.add("y", Output(shape=(classes,)))
    g.chain("x", "e_x", "u", "B", "m", "W_m", "h", "W_o", "out", "y")
    g.connect("x", "W_x")
    g.connect("W_x", "h")
    g.connect("h", "e_h", delay=1)
    g.connect("e_h", "u")
    g.connect("m", "e_m", delay=1)
    g.connect("e_m", "u")
    g.connect("m", "A", delay=1)
    g.connect("A", "m")
    g.connect("h", "W_h", delay=1)
    g.connect("W_h", "h")
    return g.validate()


def load_l2mu(folder: str | Path) -> Graph:
    """Read ``l2mu_braille7.npz`` and ``hparams.json`` from ``folder``."""
    folder = Path(folder)
    try:
        with np.load(folder / "l2mu_braille7.npz", allow_pickle=False) as data:
            state = {k: data[k] for k in data.files}
        hparams = json.loads((folder / "hparams.json").read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"{folder}: cannot read the L2MU files ({exc})") from None
    return l2mu_graph(state, order=int(hparams["params"]["order"]))
