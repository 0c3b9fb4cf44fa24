"""``snncompile export MODEL --to nir|onnx|onnx-sequence|snnir|netx -o FILE``."""

from __future__ import annotations

import argparse
import importlib
import os

from snncompile.cli.common import add_model_arguments, model_from_args

NAME = "export"
HELP = ("write a model as NIR, ONNX (single step or scanned over time, explicit state), snncompile IR "
        "or netx (lava-dl HDF5, from a loihi2 artifact)")

#: format -> (module, function(graph, path))
EXPORTERS = {
    "nir": ("snncompile.interop.nir", "write_nir"),
    "onnx": ("snncompile.backends.onnx", "write_onnx"),
    "onnx-sequence": ("snncompile.backends.onnx", "write_onnx_sequence"),
    "snnir": ("snncompile.ir", "save_graph"),
    "netx": ("snncompile.interop.netx", "write_netx"),
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("--to", required=True, choices=sorted(EXPORTERS), help="output format")
    p.add_argument("-o", "--output", required=True, help="file to write (atomically)")


def run(args: argparse.Namespace) -> dict:
    graph = model_from_args(args)
    module, function = EXPORTERS[args.to]
    getattr(importlib.import_module(module), function)(graph, args.output)
    return {"model": args.model, "format": args.to, "output": args.output,
            "bytes": os.path.getsize(args.output), "nodes": len(graph.nodes), "dt": graph.dt}


def render(result: dict) -> str:
    return f"wrote {result['output']} ({result['format']}, {result['nodes']} nodes, dt={result['dt']:g} s, {result['bytes']} bytes)"
