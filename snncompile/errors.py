"""Errors users see.

Every error snncompile raises on bad input is a ``SnnCompileError``: the CLI prints its
message on one line and exits with ``exit_code`` (2) instead of showing a traceback.
Messages name the file, node or layer, what was expected and what was found.

Errors speak Python: a message names the parameters of the call that raised it
(``weights=``, ``dt=``, ``weight_split``), and the error lists them in ``options``; the
CLI, which knows its flags, rewrites those names as flags (``--weights``, ``--dt``,
``--weight-split``) when it reports the error (:mod:`snncompile.cli.flags`).
"""

from __future__ import annotations

from collections.abc import Iterable


class SnnCompileError(Exception):
    """Base class of every user-facing error (bad model, bad file, unsupported op).

    ``options``: the parameter names the message mentions (written ``name=VALUE``,
    ``name=`` or ``name``), for front ends that call them something else."""

    exit_code = 2

    def __init__(self, *args: object, options: Iterable[str] = ()) -> None:
        super().__init__(*args)
        self.options: tuple[str, ...] = tuple(options)


class GraphError(SnnCompileError):
    """The IR graph is malformed: unknown node, bad edge, shape mismatch, bad parameter."""


class UnsupportedError(SnnCompileError):
    """A module, node or feature that the front end or backend cannot express."""


class InputError(SnnCompileError):
    """A model, weight or data file is missing, unreadable or of the wrong shape."""


def one_line(message: str) -> str:
    """Collapse a message to one line (the CLI contract: one line per error)."""
    return " ".join(str(message).split())
