"""Arguments shared by the commands that read a MODEL."""

from __future__ import annotations

import argparse

from snncompile.api import (
    ModelOptions,
    default_backend,
    input_feature_shape,
    load_for_backend,
    model_kind,
)
from snncompile.errors import InputError, SnnCompileError
from snncompile.interop.nir.dialects import DIALECTS
from snncompile.interop.nir.semantics import DEFAULTS, DISCRETIZATIONS
from snncompile.ir import Comparator, Graph, Reset, ResetTiming

MODEL_HELP = ("a .nir file, file.py:factory (returns a single-step nn.Module), a .snnir IR file, a .snnc artifact "
              "or a .net netx (lava-dl) file")


def add_model_arguments(p: argparse.ArgumentParser) -> None:
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
    nir.add_argument("--from", dest="dialect", choices=sorted(DIALECTS), metavar="EXPORTER",
                     help=f"the framework that wrote the file: apply what its exporter is known to mean "
                          f"({', '.join(sorted(DIALECTS))}; default: plain NIR, or the writer the file's metadata names)")


def backend_from_args(args: argparse.Namespace) -> str:
    """``--backend`` when given, else the model's default (emulator for artifacts)."""
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
        raise InputError(f"{named} (traced with the per-step input shape {shape} of {traced_from})") from None
