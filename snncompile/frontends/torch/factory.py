"""Load a user's model: ``path/file.py:factory`` plus an optional weights file.

The Python file is the user's own code and is imported (from its path, under a private
module name); the weights file is data and is never unpickled: it is read with
``torch.load(..., weights_only=True)``, which only rebuilds tensors and plain containers.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from snncompile.errors import InputError, one_line
from snncompile.limits import Expired


def _split_spec(spec: str) -> tuple[Path, str]:
    file, sep, factory = str(spec).rpartition(":")
    if not sep or not file or not factory:
        raise InputError(f"model spec '{spec}': expected 'path/file.py:factory'")
    return Path(file), factory


def _import_file(path: Path):
    if not path.is_file():
        raise InputError(f"model file '{path}' does not exist")
    name = f"snncompile_user_model_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"model file '{path}' is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling-free introspection need it
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: B036  the user's code may raise anything (SystemExit too)
        sys.modules.pop(name, None)
        _reraise_interrupts(exc)
        raise InputError(one_line(f"cannot import model file '{path}': {type(exc).__name__}: {exc}")) from None
    return module


def _reraise_interrupts(exc: BaseException) -> None:
    """Ctrl-C and snncompile's own time limit are not the model's errors: let them through."""
    if isinstance(exc, KeyboardInterrupt | Expired):
        raise exc


def _state_dict(path: Path) -> Mapping[str, torch.Tensor]:
    if not path.is_file():
        raise InputError(f"weights file '{path}' does not exist")
    try:
        data = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:
        raise InputError(
            one_line(f"cannot read weights file '{path}' (a torch.save'd state_dict, loaded without unpickling code): "
                     f"{type(exc).__name__}: {exc}")
        ) from None
    if isinstance(data, Mapping) and "state_dict" in data and isinstance(data["state_dict"], Mapping):
        data = data["state_dict"]
    if not isinstance(data, Mapping) or not all(torch.is_tensor(v) for v in data.values()):
        raise InputError(f"weights file '{path}' holds {type(data).__name__}, expected a state_dict (name -> tensor)")
    for key, tensor in data.items():  # what load_state_dict would cast or copy silently
        if tensor.is_complex():
            raise InputError(f"weights file '{path}': '{key}' holds complex values; weights are real numbers "
                             "(docs/robustness.md)")
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise InputError(f"weights file '{path}': '{key}' has non-finite values (NaN or inf)")
    return data


def _load_weights(model: nn.Module, path: Path) -> None:
    state = _state_dict(path)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = [
        f"{k}: model {tuple(expected[k].shape)} vs file {tuple(state[k].shape)}"
        for k in expected
        if k in state and tuple(expected[k].shape) != tuple(state[k].shape)
    ]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"missing keys {missing}")
        if unexpected:
            parts.append(f"unexpected keys {unexpected}")
        if shapes:
            parts.append(f"shape mismatch {shapes}")
        raise InputError(f"weights file '{path}' does not match the model: " + "; ".join(parts))
    model.load_state_dict(state, strict=True)


def load_factory(spec: str, weights: str | Path | None = None, input_shape: tuple[int, ...] | None = None) -> nn.Module:
    """Import ``file.py``, call ``factory`` and load ``weights`` into the result.

    The factory is called with ``input_shape=...`` when it has a parameter of that name
    (so one factory can serve several input sizes), else with no arguments. Every
    problem (missing file, import error, no such factory, not a module, unreadable or
    mismatched weights) is an InputError naming the file.
    """
    path, factory_name = _split_spec(spec)
    module = _import_file(path)
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        available = sorted(
            n for n, v in vars(module).items()
            if callable(v) and not n.startswith("_") and getattr(v, "__module__", None) == module.__name__
        )
        raise InputError(f"model file '{path}' has no factory '{factory_name}'; callables defined there: {available}")
    try:
        params = inspect.signature(factory).parameters
        kwargs = {"input_shape": tuple(input_shape)} if input_shape is not None and "input_shape" in params else {}
        model = factory(**kwargs)
    except BaseException as exc:  # noqa: B036  the user's code may raise anything (SystemExit too)
        _reraise_interrupts(exc)
        raise InputError(one_line(f"factory '{factory_name}' in '{path}' failed: {type(exc).__name__}: {exc}")) from None
    if not isinstance(model, nn.Module):
        raise InputError(f"factory '{factory_name}' in '{path}' returned {type(model).__name__}, expected a torch.nn.Module")
    if weights is not None:
        _load_weights(model, Path(weights))
    return model.eval()
