"""A registry of handlers keyed by module class, where the class may live in a framework
that is not installed.

Keys are dotted import paths (``"snntorch.Leaky"``) or classes. A dotted key is resolved
only when its top-level package is already imported (a model that contains an snnTorch
module has imported snnTorch), so registering a handler never imports a framework.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Generic, TypeVar

Handler = TypeVar("Handler")


class ClassRegistry(Generic[Handler]):
    """Maps module classes to handlers; lookup walks the instance's MRO (most specific
    registered class wins)."""

    def __init__(self, what: str):
        self.what = what
        self._by_key: dict[str | type, Handler] = {}
        self._resolved: dict[str, type | None] = {}

    def register(self, *keys: str | type) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            for key in keys:
                self._by_key[key] = handler
            return handler

        return decorate

    def _classes(self) -> dict[type, Handler]:
        out: dict[type, Handler] = {}
        for key, handler in self._by_key.items():
            cls = key if isinstance(key, type) else self._resolve(key)
            if cls is not None:
                out[cls] = handler
        return out

    def _resolve(self, path: str) -> type | None:
        if path in self._resolved and self._resolved[path] is not None:
            return self._resolved[path]
        package = path.split(".", 1)[0]
        if package not in sys.modules:
            return None  # framework not in use: nothing of it can be in the model
        module_path, _, name = path.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module_path), name, None)
        except ImportError:
            cls = None
        self._resolved[path] = cls if isinstance(cls, type) else None
        return self._resolved[path]

    def lookup(self, module: object) -> tuple[type, Handler] | None:
        """(registered class, handler) for ``module``, or None."""
        classes = self._classes()
        for cls in type(module).__mro__:
            if cls in classes:
                return cls, classes[cls]
        return None

    def names(self) -> list[str]:
        """Registered keys as display names (for error messages)."""
        return sorted(k if isinstance(k, str) else f"{k.__module__}.{k.__qualname__}" for k in self._by_key)
