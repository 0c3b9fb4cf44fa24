"""The one versioned schema of ``--json`` output (docs/json.md).

Every command prints one JSON object: the envelope (``schema``, ``command``,
``exit_code``, ``warnings``) around the command's result, or around ``error`` when it
failed. The machine-readable JSON Schema is ``schema.json`` beside this module; its
shared vocabulary (``model``, ``input``, ``output``, ``target``, ``nodes``,
``accuracy``, ``*_is_lower_bound``, ``*_j``, ``*_s``, ...) holds at every depth.

Bump :data:`SCHEMA_VERSION` when a key is removed or renamed, or a key's type or unit
changes; adding a key does not bump it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

#: the version every ``--json`` object carries in its ``schema`` key
SCHEMA_VERSION = "snncompile/1"

#: an error's class -> its ``kind`` (an error not listed is named by its class)
ERROR_KINDS = {
    "InputError": "input",
    "GraphError": "graph",
    "UnsupportedError": "unsupported",
    "MappingError": "mapping",
    "TargetError": "target",
}


def envelope(command: str, result: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """A command's result inside the envelope (the envelope's keys come first)."""
    body = {k: v for k, v in result.items() if k != "exit_code"}
    return {"schema": SCHEMA_VERSION, "command": command, "exit_code": int(result.get("exit_code", 0)),
            "warnings": list(warnings), **body}


def error_kind(exc: BaseException) -> str:
    for cls in type(exc).__mro__:
        if cls.__name__ in ERROR_KINDS:
            return ERROR_KINDS[cls.__name__]
    return type(exc).__name__.removesuffix("Error").lower() or "error"


def error_envelope(command: str | None, message: str, kind: str, hint: str | None, exit_code: int,
                   warnings: list[str] | None = None) -> dict[str, Any]:
    """The object ``--json`` prints on stdout when a command fails."""
    return {"schema": SCHEMA_VERSION, "command": command, "exit_code": exit_code, "warnings": list(warnings or []),
            "error": {"message": message, "kind": kind, "hint": hint}}


#: verbs that start advice in a message ("...; pass --dt 0.001", "... (pip install ...)")
ADVICE = ("pass", "use", "give", "run", "rerun", "try", "change", "add", "set", "install", "pip", "state", "export",
          "re-export", "save", "compile", "see", "write", "remove", "drop", "lower", "raise", "split", "replace", "load",
          "call", "convert", "retrain", "train")
_HINT = re.compile(r"(?:;\s|:\s|\(|, or\s|—\s)\s*(?P<hint>(?:" + "|".join(map(re.escape, ADVICE)) + r")\b[^;()]*?)[.)]*$")


def hint_of(message: str) -> str | None:
    """What to do, when the message ends saying it: its last clause (after ``;``, ``:``,
    ``(`` or ``, or``) when it starts with a verb of advice (``pass --no-fit-check to
    write the artifact anyway``), else None. The message itself keeps the advice too."""
    found = _HINT.search(message.strip())
    return found.group("hint").strip() if found else None


@cache
def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of every command's ``--json`` output."""
    text = resources.files("snncompile.cli").joinpath("schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
