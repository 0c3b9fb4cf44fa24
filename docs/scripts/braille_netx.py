"""The NIR paper's Braille RNN (braille_noDelay_bias_zero) compiled for Loihi 2, exported
to netx and run by netx's own hdf5.Network on Lava's CPU fixed_pt models; braille7_fold0.
Prints a Markdown table (docs/netx.md).

    python docs/scripts/braille_netx.py [N_SAMPLES] [N_NETX]

netx holds neither the default compile's always-on bias source (a second synapse into
each layer) nor weight exponents (its weights are 8-bit, exponent 0) nor biases finer than
64 (``bias_exp = 6``). The netx compile therefore (1) folds each Linear bias into the
CubaLIF's neuron bias at the current filter's steady state, ``b / (1 - alpha)``, (2)
quantizes with ``weight_exp = 0``, (3) rounds each neuron bias to a multiple of 64. The
table reports each step's accuracy, so the cost of each approximation is visible.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from snncompile.emulator import emulate
from snncompile.interop.netx import read_netx, write_netx
from snncompile.interop.netx.run import run_netx
from snncompile.interop.nir import read_nir
from snncompile.ir import CubaLIF, Graph, Linear
from snncompile.ir.fixed import FixedLIF
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.simulate import simulate

ROOT = Path(__file__).parents[2]


def fold_bias_steady_state(g: Graph) -> Graph:
    """Linear bias b into a CubaLIF: neuron bias += gain syn_gain b / (1 - syn_decay)."""
    g = g.copy()
    for name, node in list(g.items()):
        if not isinstance(node, Linear) or node.bias is None:
            continue
        (edge,) = g.outgoing(name)
        neuron = g.nodes[edge.dst]
        assert isinstance(neuron, CubaLIF)
        d = neuron.dynamics()
        extra = d.gain * d.syn_gain * node.bias / (1 - d.syn_decay)
        g.nodes[edge.dst] = neuron.replace(bias=np.asarray(neuron.bias) + extra)
        g.nodes[name] = node.replace(bias=None)
    return g.validate()


def round_bias_to_64(fixed: Graph) -> tuple[Graph, int]:
    g, worst = fixed.copy(), 0
    for name, node in list(g.items()):
        if isinstance(node, FixedLIF):
            b = node.effective_bias()
            mant = np.round(b / 64).astype(np.int64)
            worst = max(worst, int(np.abs(mant * 64 - b).max()))
            g.nodes[name] = node.replace(bias_mant=mant, bias_exp=np.int64(6))
    return g, worst


def acc(counts: np.ndarray, y: np.ndarray) -> float:
    return float((counts.argmax(-1) == y).mean())


def main(samples: int, n_netx: int) -> None:
    data = np.load(ROOT / "tests/data/braille/braille7_fold0.npz", allow_pickle=False)
    x, y = data["spikes"][:samples].astype(np.int64), data["labels"][:samples]
    calib = data["spikes"][:40].astype(np.float64)
    g = read_nir(ROOT / "tests/data/nir_paper/03_rnn/braille_noDelay_bias_zero.nir", dt=1e-4, reset="zero")
    rows = [("float reference (NIR graph)", acc(simulate(g, x.astype(float)).outputs["output"].sum(1), y))]
    default = quantize(g, "loihi2", calibrate=calib)
    rows.append(("loihi2 compile, defaults (emulator; not netx-holdable)",
                 acc(emulate(default.fixed, x).outputs["output"].sum(1), y)))
    folded = fold_bias_steady_state(g)
    rows.append(("float, Linear biases folded at steady state",
                 acc(simulate(folded, x.astype(float)).outputs["output"].sum(1), y)))
    q = quantize(folded, "loihi2", QuantizeOptions(weight_exp=0), calibrate=calib)
    rows.append(("  + loihi2 compile with weight_exp=0 (emulator)", acc(emulate(q.fixed, x).outputs["output"].sum(1), y)))
    fixed, worst = round_bias_to_64(q.fixed)
    ours = emulate(fixed, x).outputs["output"]
    rows.append((f"  + biases rounded to multiples of 64 (emulator; largest change {worst})", acc(ours.sum(1), y)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "braille.net"
        write_netx(fixed, path)
        back = emulate(read_netx(path), x).outputs["output"]
        assert np.array_equal(back, ours)
        netx = np.stack([run_netx(path, x[i]) for i in range(n_netx)])
    same = int(sum(np.array_equal(netx[i], ours[i]) for i in range(n_netx)))
    rows.append((f"  the same .net file through netx on Lava (first {n_netx})", acc(netx.sum(1), y[:n_netx])))
    rows.append((f"  emulator on those {n_netx}", acc(ours[:n_netx].sum(1), y[:n_netx])))
    print(f"| braille_noDelay_bias_zero, braille7_fold0 ({samples} samples) | accuracy |")
    print("|---|---|")
    for label, value in rows:
        print(f"| {label} | {value:.3f} |")
    print(f"\nnetx on Lava == emulator (every spike of every step): {same}/{n_netx} samples")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 280, args[1] if len(args) > 1 else 280)
