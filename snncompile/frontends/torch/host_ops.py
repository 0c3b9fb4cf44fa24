"""Tracer handlers for the host operations (:mod:`snncompile.ir.host`): the torch
functions, operators and tensor methods a traced ``forward`` may call on tensors."""

from __future__ import annotations

import operator

import torch

from snncompile.errors import UnsupportedError
from snncompile.frontends.torch.tracer import as_tensor, handles, is_tensor
from snncompile.ir.host import MatMul


@handles(operator.matmul, torch.matmul, methods=("matmul",))
def _matmul(b, name, where, args, kwargs):
    if len(args) != 2 or kwargs or not all(is_tensor(a) for a in args):
        raise UnsupportedError(f"{where}: only the product of two computed tensors is supported, found {args}")
    a, m = (as_tensor(x, where) for x in args)
    return b.add_operands(name, MatMul(), {"a": a, "b": m})
