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

:class:`L2MU` is the same cell as a PyTorch module built from snnTorch's own ``Leaky``
(one step per call, the recurrent spikes kept between calls; :meth:`L2MU.reset`), loading
the same state dict: the graph is tested against it (``tests/zoo/test_l2mu.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from snncompile.errors import InputError
from snncompile.ir import LIF, Graph, Input, Linear, Output, Reset, ResetTiming

POPULATIONS = ("spk_u", "spk_m", "spk_h", "spk_output")
#: the trained cell shipped with the package (weights/l2mu/README.md)
WEIGHTS = Path(__file__).parent / "weights" / "l2mu"
#: Braille folds shipped with the package (braille/README.md): held-out and calibration
BRAILLE = Path(__file__).parent / "braille"
SPLITS = {"test": "braille7_fold0.npz", "train": "braille7_fold2.npz"}


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


def _leaky() -> nn.Module:
    import snntorch as snn

    return snn.Leaky(beta=0.5, threshold=1.0, learn_beta=True, learn_threshold=True, init_hidden=True,
                     reset_mechanism="subtract")


class L2MU(nn.Module):
    """The L2MU cell (neuromorphic-polito/L2MU-Braille) as snnTorch computes it, one step
    per call: ``forward(x)`` returns the output spikes; :attr:`recorded` holds the last
    step's spikes and membranes of every population (for tests)."""

    def __init__(self, n_in: int, units: int, order: int, hidden: int, classes: int):
        super().__init__()
        self.units, self.order = units, order
        self.e_x = nn.Linear(n_in, units, bias=False)
        self.e_h = nn.Linear(hidden, units, bias=False)
        self.e_m = nn.Linear(units * order, units, bias=False)
        self.A = nn.Linear(order, order, bias=False)
        self.B = nn.Linear(1, order, bias=False)
        self.W_x = nn.Linear(n_in, hidden, bias=False)
        self.W_h = nn.Linear(hidden, hidden, bias=False)
        self.W_m = nn.Linear(units * order, hidden, bias=False)
        self.output_transformation = nn.Linear(hidden, classes)
        for pop in POPULATIONS:
            setattr(self, pop, _leaky())
        self.reset()

    def reset(self) -> None:
        """Start a new sequence: no previous spikes, zero membranes."""
        self.sh: torch.Tensor | None = None
        self.sm: torch.Tensor | None = None
        self.recorded: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        for pop in POPULATIONS:
            getattr(self, pop).mem = torch.zeros(0)

    def _fire(self, pop: str, drive: torch.Tensor, name: str) -> torch.Tensor:
        neuron = getattr(self, pop)
        spikes = neuron(drive).to(drive.dtype)  # snnTorch's Heaviside returns float32
        self.recorded[name] = (spikes, neuron.mem)
        return spikes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.shape[0]
        if self.sh is None or self.sm is None:
            self.sh = x.new_zeros(batch, self.W_h.in_features)
            self.sm = x.new_zeros(batch, self.units * self.order)
        u = self._fire("spk_u", self.e_x(x) + self.e_h(self.sh) + self.e_m(self.sm), "u")
        m_prev = self.sm.reshape(batch, self.units, self.order)
        m = self._fire("spk_m", self.A(m_prev) + self.B(u.unsqueeze(-1)), "m").reshape(batch, -1)
        h = self._fire("spk_h", self.W_x(x) + self.W_h(self.sh) + self.W_m(m), "h")
        out = self._fire("spk_output", self.output_transformation(h), "out")
        self.sh, self.sm = h, m
        return out


def l2mu_module(folder: str | Path) -> L2MU:
    """:class:`L2MU` with the state dict of ``folder`` (float64, eval mode)."""
    folder = Path(folder)
    try:
        with np.load(folder / "l2mu_braille7.npz", allow_pickle=False) as data:
            state = {k: torch.as_tensor(data[k]) for k in data.files}
        order = int(json.loads((folder / "hparams.json").read_text())["params"]["order"])
    except (OSError, ValueError) as exc:
        raise InputError(f"{folder}: cannot read the L2MU files ({exc})") from None
    units, n_in = state["e_x.weight"].shape
    hidden, classes = state["W_x.weight"].shape[0], state["output_transformation.weight"].shape[0]
    model = L2MU(n_in, units, order, hidden, classes).double()
    model.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in state.items()})
    return model.eval()


def braille(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Braille spikes (n, 256, 12) float64 and labels of ``split``: 'test' is fold 0 (the
    held-out data the float model's 0.99 refers to), 'train' fold 2 (for calibration)."""
    if split not in SPLITS:
        raise ValueError(f"split is {split!r}; expected one of {sorted(SPLITS)}")
    with np.load(BRAILLE / SPLITS[split], allow_pickle=False) as data:
        return data["spikes"].astype(np.float64), data["labels"].astype(np.int64)
