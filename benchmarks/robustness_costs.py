"""``python -m benchmarks.robustness_costs [--repeat 15] [--lava-repeat 5] [--write-docs]``: what the guards against hostile inputs cost
(issue 13, docs/robustness.md), each measured against the unguarded path in the same run.

- reading a NIR file: ``read_nir`` with the HDF5 check (a forked child walks the file
  first) versus with the check skipped;
- reading an ``.npz``: :func:`snncompile.npz.read_npz` versus ``np.load``;
- loading an artifact: with the digest check versus without;
- a Lava run: in a forked child (:func:`snncompile.isolate.call_isolated`) versus in this
  process.

Times are medians of repeated runs, guarded and unguarded alternating (milliseconds);
ratios guarded / unguarded. ``--write-docs`` writes the table into docs/robustness.md
(benchmarks/doc_tables.py).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
ROWS: list[tuple[str, float, float]] = []  # (path, guarded s, unguarded s), as measured


def paired(guarded: Callable[[], object], plain: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Medians of the two, run alternately (a busy machine slows both alike)."""
    guarded()
    plain()
    a, b = [], []
    for _ in range(repeat):
        for fn, times in ((guarded, a), (plain, b)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def row(name: str, guarded: float, plain: float) -> None:
    ROWS.append((name, guarded, plain))
    print(f"{name:48} guarded {guarded * 1e3:9.1f} ms   unguarded {plain * 1e3:9.1f} ms   "
          f"ratio {guarded / plain:6.2f}   extra {1e3 * (guarded - plain):7.1f} ms", flush=True)


def nir_reads(repeat: int) -> None:
    import snncompile.interop.nir.read as nir_read
    from snncompile.interop.nir import read_nir

    real = nir_read.check_hdf5

    def unchecked(path: Path) -> None:
        nir_read.check_hdf5 = lambda *a, **k: None
        try:
            read_nir(path)
        finally:
            nir_read.check_hdf5 = real

    for path in (DATA / "nir_paper" / "03_rnn" / "braille_noDelay_bias_zero.nir",
                 DATA / "nir_paper" / "02_cnn" / "cnn_sinabs.nir"):
        guarded, plain = paired(lambda path=path: read_nir(path), lambda path=path: unchecked(path), repeat)
        row(f"`read_nir` {path.name} ({path.stat().st_size // 1000} kB): HDF5 walked in a forked child first",
            guarded, plain)


def npz_reads(repeat: int) -> None:
    from snncompile.npz import read_npz

    path = DATA / "braille" / "braille7_fold0.npz"

    def plain() -> None:
        with np.load(path, allow_pickle=False) as data:
            {k: data[k] for k in data.files}

    row(f"input {path.name} ({path.stat().st_size // 1000} kB): `read_npz` vs `np.load`", *paired(lambda: read_npz(path), plain, repeat))


def artifact_loads(repeat: int, folder: Path) -> None:
    import snncompile.compile as compile_module
    from snncompile.compile import build_artifact, load_artifact, save_artifact
    from snncompile.interop.nir import read_nir

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = read_nir(DATA / "nir_paper" / "03_rnn" / "braille_noDelay_bias_zero.nir")
        save_artifact(build_artifact(graph, "loihi2"), folder / "braille.snnc")
    path = folder / "braille.snnc"
    real = compile_module.check_digests

    def unchecked() -> None:
        compile_module.check_digests = lambda *a, **k: None
        try:
            load_artifact(path)
        finally:
            compile_module.check_digests = real

    row("`load_artifact` Braille RNN: digests checked vs skipped", *paired(lambda: load_artifact(path), unchecked, repeat))


def lava_runs(repeat: int) -> None:
    import snncompile.backends.lava.run as lava_run
    from snncompile.ir.fixed import FixedGraphBuilder
    from snncompile.simulate import get_backend, normalize_inputs

    b = FixedGraphBuilder((16,))
    b.linear(np.full((16, 16), 3))
    b.lif(du=1023, dv=100, vth=40)
    b.output()
    x = (np.random.default_rng(0).random((1, 50, 16)) < 0.3).astype(np.int64)
    lava = get_backend("lava")
    data = normalize_inputs(b.graph, x)
    row("Lava run, 16 LIF x 50 steps: forked child vs in process", *paired(
        lambda: lava(b.graph, x, timeout=None), lambda: lava_run._run_whole(b.graph, data, 50, [], [], [], False, None),
        repeat))


def doc_table() -> str:
    from benchmarks.doc_tables import markdown_table

    return markdown_table(["path", "guarded", "unguarded", "extra"],
                          [[name, f"{g * 1e3:.1f} ms", f"{p * 1e3:.1f} ms", f"{(g - p) * 1e3:+.1f} ms"]
                           for name, g, p in ROWS])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs of each file read and load")
    parser.add_argument("--lava-repeat", type=int, default=5, help="runs of the Lava network")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/robustness.md")
    args = parser.parse_args()
    print(__doc__.split("\n\n")[0])
    nir_reads(repeat=args.repeat)
    npz_reads(repeat=args.repeat)
    with tempfile.TemporaryDirectory() as folder:
        artifact_loads(repeat=args.repeat, folder=Path(folder))
    lava_runs(repeat=args.lava_repeat)
    if args.write_docs:
        from benchmarks.doc_tables import write_block

        write_block("robustness.md", "robustness_costs", doc_table(),
                    f"python -m benchmarks.robustness_costs --repeat {args.repeat} --lava-repeat {args.lava_repeat} "
                    "--write-docs")


if __name__ == "__main__":
    main()
