"""Errors users see.

Every error snncompile raises on bad input is a ``SnnCompileError``: the CLI prints its
message on one line and exits with ``exit_code`` (2) instead of showing a traceback.
Messages name the file, node or layer, what was expected and what was found.
"""

from __future__ import annotations


class SnnCompileError(Exception):
    """Base class of every user-facing error (bad model, bad file, unsupported op)."""

    exit_code = 2


class GraphError(SnnCompileError):
    """The IR graph is malformed: unknown node, bad edge, shape mismatch, bad parameter."""


class UnsupportedError(SnnCompileError):
    """A module, node or feature that the front end or backend cannot express."""


class InputError(SnnCompileError):
    """A model, weight or data file is missing, unreadable or of the wrong shape."""


def one_line(message: str) -> str:
    """Collapse a message to one line (the CLI contract: one line per error)."""
    return " ".join(str(message).split())
