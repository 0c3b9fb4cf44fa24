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
from snncompile.errors import InputError
from snncompile.ir import Graph

MODEL_HELP = ("a .nir file, file.py:factory (returns a single-step nn.Module), a .snnir IR file, a .snnc artifact "
              "or a .net netx (lava-dl) file")


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    p.add_argument("--weights", help="state_dict .pt for file.py:factory models (loaded with weights_only=True)")
    p.add_argument("--input-shape", help="per-step input shape for PyTorch models, e.g. 2,34,34")
    p.add_argument("--dt", type=float, help="time step in seconds (NIR graphs carry none; default 1e-4)")
    p.add_argument("--reset", choices=["zero", "subtract"], help="reset mode for NIR graphs (default zero)")
    p.add_argument("--reset-timing", choices=["immediate", "delayed"],
                   help="when a NIR graph's reset applies (default immediate; snnTorch-trained: delayed)")


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
    if shape is None and input_path and model_kind(args.model) == "torch":
        shape = input_feature_shape(input_path)
    options = ModelOptions(weights=args.weights, input_shape=shape, dt=args.dt, reset=args.reset,
                           reset_timing=getattr(args, "reset_timing", None))
    return load_for_backend(args.model, backend or default_backend(args.model), options)
