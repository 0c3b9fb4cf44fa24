"""Check a decoded target document against `schema.py`; return every violation.

Validation never stops at the first problem: a user editing a chip file sees all
missing keys, bad provenances, wrong types and out-of-range values in one run.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from snncompile.targets import schema
from snncompile.targets.errors import Violation
from snncompile.targets.figure import ENERGY_PROVENANCES, PROVENANCES
from snncompile.targets.schema import Key

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
FIGURE_FIELDS = ("value", "provenance", "source", "note", "range")


def _is_number(x: object) -> bool:
    # bool is an int subclass in Python; TOML true is never a number here.
    return isinstance(x, int | float) and not isinstance(x, bool)


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _show(x: object) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(x: object) -> str:
    return {bool: "boolean", int: "integer", float: "float", str: "string",
            list: "array", dict: "table"}.get(type(x), type(x).__name__)


class _Checker:
    """Collects violations for one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[Violation] = []

    def add(self, path: str, expected: str, found: str) -> None:
        self.found.append(Violation(self.file, path, expected, found))

    def unknown(self, path: str, key: str, known: Iterable[str]) -> None:
        close = difflib.get_close_matches(key, list(known), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        self.add(f"{path}{key}", f"a known key{hint}", "unknown key")

    def value(self, path: str, key: Key, raw: object) -> None:
        """Check a value against its Key kind, sign and choices."""
        kind = key.kind
        ok = {
            "int": _is_int(raw),
            "number": _is_number(raw),
            "bool": isinstance(raw, bool),
            "str": isinstance(raw, str),
            "choice": isinstance(raw, str),
            "int_list": isinstance(raw, list) and bool(raw) and all(map(_is_int, raw)),
            "number_list": isinstance(raw, list) and bool(raw) and all(map(_is_number, raw)),
            "choice_list": isinstance(raw, list) and all(isinstance(s, str) for s in raw),
        }[kind]
        if not ok:
            self.add(path, kind.replace("_", " "), f"{_type_name(raw)} {_show(raw)}")
            return
        if kind in ("choice", "choice_list"):
            items = raw if isinstance(raw, list) else [raw]
            for item in items:
                if item not in key.choices:
                    self.add(path, f"one of {', '.join(key.choices)}", _show(item))
        nums = raw if isinstance(raw, list) else [raw]
        if kind in ("int", "number", "int_list", "number_list"):
            self.sign(path, key.sign, nums)

    def sign(self, path: str, sign: str, nums: list[Any]) -> None:
        if sign == "positive" and any(n <= 0 for n in nums):
            self.add(path, "a value > 0", _show(nums if len(nums) > 1 else nums[0]))
        elif sign == "nonnegative" and any(n < 0 for n in nums):
            self.add(path, "a value >= 0", _show(nums if len(nums) > 1 else nums[0]))

    def figure(self, path: str, key: Key, raw: object, provenances: tuple[str, ...]) -> None:
        """Check one `{value, provenance, source, note?, range?}` table."""
        if not isinstance(raw, dict):
            self.add(path, "a table {value, provenance, source}", _type_name(raw))
            return
        for field in raw:
            if field not in FIGURE_FIELDS:
                self.unknown(f"{path}.", field, FIGURE_FIELDS)
        for field in ("value", "provenance", "source"):
            if field not in raw:
                self.add(f"{path}.{field}", "a required field", "nothing")
        if "value" in raw:
            self.value(f"{path}.value", key, raw["value"])
        prov = raw.get("provenance")
        if "provenance" in raw and prov not in provenances:
            self.add(f"{path}.provenance", f"one of {', '.join(provenances)}", _show(prov))
        src = raw.get("source")
        if "source" in raw and not (isinstance(src, str) and src.strip()):
            self.add(f"{path}.source", "a non-empty string", _show(src))
        if "note" in raw and not isinstance(raw["note"], str):
            self.add(f"{path}.note", "string", _type_name(raw["note"]))
        if "range" in raw:
            self.range(f"{path}.range", raw["range"], raw.get("value"))

    def range(self, path: str, rng: object, value: object) -> None:
        if not (isinstance(rng, list) and len(rng) == 2 and all(map(_is_number, rng))):
            self.add(path, "[low, high] numbers", _show(rng))
            return
        low, high = rng
        if low > high:
            self.add(path, "low <= high", _show(rng))
        elif _is_number(value) and not low <= value <= high:  # type: ignore[operator]
            self.add(path, f"value inside [{low}, {high}]", _show(value))


def _check_top(c: _Checker, doc: Mapping[str, Any]) -> None:
    for key in doc:
        if key not in schema.TOP_LEVEL and key not in schema.OPTIONAL_SECTIONS:
            c.unknown("", key, [*schema.TOP_LEVEL, *schema.OPTIONAL_SECTIONS])
    for key in schema.TOP_LEVEL:
        if key not in doc:
            c.add(key, "a required key", "nothing")
    version = doc.get("schema_version")
    if "schema_version" in doc and version != schema.SCHEMA_VERSION:
        c.add("schema_version", str(schema.SCHEMA_VERSION), _show(version))
    name = doc.get("name")
    if "name" in doc and not (isinstance(name, str) and NAME_RE.match(name)):
        c.add("name", "lower-case letters, digits, '-' or '_'", _show(name))
    kind = doc.get("kind")
    if "kind" in doc and kind not in schema.KINDS:
        c.add("kind", f"one of {', '.join(schema.KINDS)}", _show(kind))
    if "description" in doc and not isinstance(doc["description"], str):
        c.add("description", "string", _type_name(doc["description"]))
    required = schema.REQUIRED_SECTIONS.get(kind, ()) if isinstance(kind, str) else ()
    for section in required:
        if section not in doc:
            c.add(section, f"a [{section}] section (required for kind '{kind}')", "nothing")


def _check_figures(c: _Checker, name: str, table: Mapping[str, Any]) -> None:
    keys = schema.FIGURE_SECTIONS[name]
    provenances = ENERGY_PROVENANCES if name == "energy" else PROVENANCES
    for key, raw in table.items():
        if key in keys:
            c.figure(f"{name}.{key}", keys[key], raw, provenances)
        elif not (name == "timing" and key == "execution"):
            c.unknown(f"{name}.", key, [*keys, "execution"] if name == "timing" else keys)


def _check_timing(c: _Checker, table: Mapping[str, Any]) -> None:
    """timing.execution is a plain string; the rest are figures."""
    if "execution" not in table:
        c.add("timing.execution", "a required key", "nothing")
    elif table["execution"] not in schema.EXECUTIONS:
        c.add("timing.execution", f"one of {', '.join(schema.EXECUTIONS)}",
              _show(table["execution"]))
    _check_figures(c, "timing", table)


def _check_features(c: _Checker, table: Mapping[str, Any]) -> None:
    keys = schema.FEATURES
    for key, raw in table.items():
        if key not in keys:
            c.unknown("features.", key, list(keys))
        else:
            c.value(f"features.{key}", keys[key], raw)
    for key in ("neuron_models", "source"):
        if key not in table:
            c.add(f"features.{key}", "a required key", "nothing")
    if table.get("neuron_models") == []:
        c.add("features.neuron_models", "at least one neuron model", "[]")
    if table.get("graded_spikes") is True and "graded_spike_bits" not in table:
        c.add("features.graded_spike_bits", "a width when graded_spikes = true", "nothing")


def _check_benchmarks(c: _Checker, table: Mapping[str, Any]) -> None:
    number = Key("", "number", "benchmark figure")
    for bench, body in table.items():
        path = f"benchmarks.{bench}"
        if not isinstance(body, dict):
            c.add(path, "a table", _type_name(body))
            continue
        if not isinstance(body.get("description", ""), str):
            c.add(f"{path}.description", "string", _type_name(body["description"]))
        for key, raw in body.items():
            if key != "description":
                c.figure(f"{path}.{key}", number, raw, ENERGY_PROVENANCES)


def _check_gaps(c: _Checker, doc: Mapping[str, Any], table: Mapping[str, Any]) -> None:
    known = {**schema.FIGURE_SECTIONS, "features": schema.FEATURES}
    for dotted, reason in table.items():
        path = f"gaps.{dotted}"
        if not isinstance(reason, str) or not reason.strip():
            c.add(path, "a reason (non-empty string)", _show(reason))
        section, _, key = dotted.partition(".")
        if section not in known or key not in known[section]:
            c.add(path, "'section.key' naming a schema key", _show(dotted))
        elif isinstance(doc.get(section), dict) and key in doc[section]:
            c.add(path, "a gap only for a key that is absent", f"{dotted} is also given")


#: Sections with their own rules; other figure sections use `_check_figures`.
_SECTION_CHECKS = {
    "timing": _check_timing,
    "features": _check_features,
    "benchmarks": _check_benchmarks,
}


def validate_document(doc: Mapping[str, Any], file: str) -> list[Violation]:
    """Return every violation of `doc` (a decoded TOML table) against the schema."""
    c = _Checker(file)
    _check_top(c, doc)
    for name in schema.OPTIONAL_SECTIONS:
        if name not in doc:
            continue
        table = doc[name]
        if not isinstance(table, dict):
            c.add(name, "a table", _type_name(table))
        elif name == "gaps":
            _check_gaps(c, doc, table)
        elif name in _SECTION_CHECKS:
            _SECTION_CHECKS[name](c, table)
        else:
            _check_figures(c, name, table)
    return c.found
