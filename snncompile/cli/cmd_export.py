"""``snncompile export MODEL --to nir|onnx|onnx-sequence|snnir|netx -o FILE [--for IMPORTER]``."""

from __future__ import annotations

import argparse
import importlib
import os

from snncompile.cli.common import add_model_arguments, model_from_args
from snncompile.errors import InputError

NAME = "export"
HELP = ("write a model as NIR, ONNX (single step or scanned over time, explicit state), snncompile IR "
        "or netx (lava-dl HDF5, from a loihi2 artifact)")
EXAMPLES = """
snncompile export "net.py:make_net" --weights net.pt --input-shape 700 --to nir -o net.nir
snncompile export model.nir --to onnx-sequence -o model.onnx
snncompile export model.snnc --to netx -o model.net
"""

#: format -> (module, function(graph, path))
EXPORTERS = {
    "nir": ("snncompile.interop.nir", "write_nir"),
    "onnx": ("snncompile.backends.onnx", "write_onnx"),
    "onnx-sequence": ("snncompile.backends.onnx", "write_onnx_sequence"),
    "snnir": ("snncompile.ir", "save_graph"),
    "netx": ("snncompile.interop.netx", "write_netx"),
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    from snncompile.interop.nir.importers import IMPORTERS

    add_model_arguments(p)
    p.add_argument("--to", required=True, choices=sorted(EXPORTERS), help="output format")
    p.add_argument("-o", "--output", required=True, help="file to write (atomically)")
    p.add_argument("--for", dest="importer", choices=sorted(IMPORTERS),
                   help="--to nir: write for this framework's own NIR importer (its dt and conventions); "
                        "warns naming each field it would drop (docs/nir.md)")


def run(args: argparse.Namespace) -> dict:
    importer = getattr(args, "importer", None)
    if importer and args.to != "nir":
        raise InputError(f"--for {importer} applies to --to nir only, not --to {args.to}")
    graph = model_from_args(args)
    module, function = EXPORTERS[args.to]
    extra = {"dialect": importer} if importer else {}
    getattr(importlib.import_module(module), function)(graph, args.output, **extra)
    return {"model": args.model, "format": args.to, "output": args.output,
            "bytes": os.path.getsize(args.output),
            "nodes": [{"name": n, "kind": node.kind} for n, node in graph.items()], "dt": graph.dt}


def render(result: dict) -> str:
    return f"wrote {result['output']} ({result['format']}, {len(result['nodes'])} nodes, dt={result['dt']:g} s, {result['bytes']} bytes)"
