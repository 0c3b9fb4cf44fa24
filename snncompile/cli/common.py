"""Arguments shared by the commands that read a MODEL.

Imports of the IR and the NIR reader happen inside the functions: every command module
imports this one, and ``snncompile --help`` must not pay for them."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from snncompile.errors import InputError, SnnCompileError

if TYPE_CHECKING:
    from snncompile.ir import Graph

MODEL_HELP = ("a .nir file, file.py:factory (returns a single-step nn.Module), a .snnir IR file, a .snnc artifact, "
              "a .net netx (lava-dl) file or zoo:NAME (a trained network of snncompile.zoo, e.g. zoo:spikformer; "
              "docs/zoo.md lists them)")


class LazyNames(Sequence[str]):
    """The sorted keys of a registry, loaded on first use: argparse ``choices`` that cost
    nothing until an option is given or help is printed (the NIR dialects import nir)."""

    def __init__(self, load: Callable[[], Iterable[str]]):
        self._load = load
        self._names: list[str] | None = None

    def _get(self) -> list[str]:
        if self._names is None:
            self._names = sorted(self._load())
        return self._names

    def __getitem__(self, i):  # type: ignore[override]
        return self._get()[i]

    def __len__(self) -> int:
        return len(self._get())

    def __contains__(self, name: object) -> bool:
        return name in self._get()


def _dialects() -> Iterable[str]:
    from snncompile.interop.nir.dialects import DIALECTS

    return DIALECTS


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    from snncompile.interop.nir.semantics import DEFAULTS, DISCRETIZATIONS
    from snncompile.ir import Comparator, Reset, ResetTiming

    p.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    p.add_argument("--weights", help="state_dict .pt for file.py:factory models (loaded with weights_only=True)")
    p.add_argument("--input-shape", help="per-step input shape for PyTorch models, e.g. 2,34,34")
    nir = p.add_argument_group(
        "NIR semantics",
        "what a .nir file does not store; each unset choice comes from the file's snncompile hints, else the "
        "--from dialect, else the default shown (docs/nir.md)")
    nir.add_argument("--dt", type=float, help=f"time step in seconds (default {DEFAULTS['dt']:g})")
    nir.add_argument("--reset", choices=[r.value for r in Reset],
                     help=f"reset after a spike: zero (v = v_reset), subtract (v -= threshold), none "
                          f"(default {DEFAULTS['reset']})")
    nir.add_argument("--reset-timing", choices=[t.value for t in ResetTiming],
                     help=f"when the reset applies: in the spike's step, or at the start of the next one as "
                          f"snnTorch does (default {DEFAULTS['reset_timing']})")
    nir.add_argument("--comparator", choices=[c.value for c in Comparator],
                     help=f"spike condition v > threshold or v >= threshold (default '{DEFAULTS['comparator']}')")
    nir.add_argument("--discretization", choices=sorted(DISCRETIZATIONS),
                     help=f"tau -> per-step decay: euler (1 - dt/tau) or exact (exp(-dt/tau)) "
                          f"(default {DEFAULTS['discretization']})")
    nir.add_argument("--from", dest="dialect", choices=LazyNames(_dialects), metavar="EXPORTER",
                     help="the framework that wrote the file: apply what its exporter is known to mean "
                          "(%(choices)s; default: plain NIR, or the writer the file's metadata names)")


def backend_from_args(args: argparse.Namespace) -> str:
    """``--backend`` when given, else the model's default (emulator for artifacts)."""
    from snncompile.api import default_backend

    return getattr(args, "backend", None) or default_backend(args.model)


def parse_shape(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return tuple(int(v) for v in text.replace("x", ",").split(",") if v.strip())
    except ValueError:
        raise InputError(f"--input-shape: expected integers like 2,34,34, found '{text}'") from None


def model_from_args(args: argparse.Namespace, input_path: str | None = None, backend: str | None = None) -> Graph:
    """Load MODEL with the shared options, as ``backend`` runs it (an artifact's integer
    or float graph); a PyTorch model takes its input shape from ``--input-shape`` or from
    the input file's ``input`` array."""
    from snncompile.api import (
        ModelOptions,
        default_backend,
        input_feature_shape,
        load_for_backend,
        model_kind,
    )

    shape = parse_shape(getattr(args, "input_shape", None))
    traced_from = None
    if shape is None and input_path and model_kind(args.model) == "torch":
        shape, traced_from = input_feature_shape(input_path), input_path
    options = ModelOptions(weights=args.weights, input_shape=shape, dt=args.dt, reset=args.reset,
                           reset_timing=getattr(args, "reset_timing", None), comparator=getattr(args, "comparator", None),
                           discretization=getattr(args, "discretization", None), dialect=getattr(args, "dialect", None))
    try:
        return load_for_backend(args.model, backend or default_backend(args.model), options)
    except SnnCompileError as exc:
        if traced_from is None or (args.weights and str(args.weights) in str(exc)):
            raise
        named = str(exc) if args.model in str(exc) else f"{args.model}: {exc}"
        raise InputError(f"{named} (traced with the per-step input shape {shape} of {traced_from})",
                         options=exc.options) from None


def add_readout_argument(p: argparse.ArgumentParser) -> None:
    """``--readout NAME``: how outputs become a class (evaluate, compare, simulate, sweep, report)."""
    from snncompile.simulate.readout import READOUTS, classifying_names

    rules = ", ".join(f"{n} ({READOUTS[n].meaning})" for n in classifying_names())
    p.add_argument("--readout", choices=classifying_names(),
                   help=f"how outputs decide a class: {rules}. Default: the readout a zoo "
                        "model declares (zoo:relpsp, zoo:first-to-spike: first-spike; also for an artifact compiled "
                        "from one), else count (docs/evaluate.md)")


def readout_line(readout: str, chosen_by: str, model: str) -> str:
    """What the text output says about the readout used."""
    why = {"option": "--readout", "model": f"declared by {model}", "default": "default"}[chosen_by]
    return f"readout: {readout} ({why})"


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    """``--data PATH`` and how to read it (evaluate, sweep)."""
    from snncompile.datasets import BINNINGS, READERS

    formats = "; ".join(f"{name}: {cls.description}" for name, cls in READERS.items())
    g = p.add_argument_group("data", "a data set read in batches (docs/evaluate.md)")
    g.add_argument("--data", required=True, metavar="PATH",
                   help=".npz (or a directory of .npz shards), .npy (memory-mapped), SHD/SSC .h5 or a tonic cache "
                        "directory")
    g.add_argument("--data-format", choices=sorted(READERS), help=f"the data's format (default: detected). {formats}")
    g.add_argument("--labels", metavar="Y.npy", help="labels for .npy data that has none beside it")
    g.add_argument("--steps", type=int,
                   help="time steps: event data is binned into this many steps of the graph's dt (default: its "
                        "longest recording); array data runs this many (default: its length)")
    g.add_argument("--time-unit", type=float, metavar="SECONDS",
                   help="seconds per unit of event time (default: 1 for SHD/SSC, 1e-6 for tonic)")
    g.add_argument("--bin", dest="binning", choices=BINNINGS,
                   help="events per step: their count (default, as tonic's ToFrame) or 1 where any fell")
    g.add_argument("--limit", type=int, metavar="N", help="only the first N samples")
    g.add_argument("--batch-size", type=int, default=32, help="samples run together (default 32)")


def data_options_from_args(args: argparse.Namespace):
    from snncompile.datasets import DataOptions

    return DataOptions(format=args.data_format, labels=args.labels, steps=args.steps, time_unit=args.time_unit,
                       binning=args.binning, limit=args.limit)


def add_worker_arguments(p: argparse.ArgumentParser) -> None:
    """``--workers N`` / ``--ray ADDRESS`` (evaluate, sweep)."""
    g = p.add_argument_group("parallelism", "shard the work over Ray (pip install 'snncompile[distributed]')")
    g.add_argument("--workers", type=int, default=1,
                   help="worker processes; above 1 a local Ray is started for the run (default 1: this process)")
    g.add_argument("--ray", metavar="ADDRESS", help="run on the Ray cluster at ADDRESS (e.g. 'auto' or host:6379)")
    g.add_argument("--chunk-batches", type=int, metavar="K", help="batches per Ray task (default: about 4 tasks "
                                                                  "per worker)")
    g.add_argument("--retries", type=int, default=3, help="reruns of a task whose worker died (default 3)")


def warn_steps(steps: int | None, length: int, source: str) -> None:
    """One warning line when ``--steps`` pads ``source``'s ``length`` steps with zero input
    or cuts them (a stated --steps equal to the input's length, or none, says nothing)."""
    import warnings

    if steps is None or steps == length or steps < 1:
        return
    if steps > length:
        what = f"runs {steps - length} steps past its end with zero input (padding)"
    else:
        what = f"runs only the first {steps} (the last {length - steps} are cut)"
    warnings.warn(f"{source}: --steps {steps} on an input of {length} steps {what}", stacklevel=2)


def warn_output_lags(graph: Graph, outputs: Iterable[str], source: str) -> dict[str, int]:
    """Warn when a compiled graph's outputs trail the float timeline by the chip's
    latency (their ``lag``, :mod:`snncompile.ir.placement`): output step t then answers
    input step t - lag. Returns output -> lag for the outputs that trail."""
    import warnings

    from snncompile.ir.placement import lags

    trailing = {n: k for n, k in lags(graph).items() if n in set(outputs) and k > 0}
    if trailing:
        shown = ", ".join(f"'{n}' by {k} step{'s' if k != 1 else ''}" for n, k in trailing.items())
        warnings.warn(f"{source}: outputs are shifted by the chip's latency ({shown}): output step t answers "
                      f"input step t - lag; run lag more steps to see the last inputs' answer, or use 'snncompile "
                      f"compare', which aligns them", stacklevel=2)
    return trailing
