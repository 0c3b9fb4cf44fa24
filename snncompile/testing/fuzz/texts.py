"""Hostile target files (``.toml``), edited as text: negative, zero, absurd and
non-finite figures, wrong types, missing tables and keys, duplicated keys, deep inline
tables, huge arrays."""

from __future__ import annotations

import re

import numpy as np

from snncompile.testing.fuzz.registry import generator

NUMBER = re.compile(r"(?<![\w.\"-])(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.\"])")

#: replacement figures, as TOML text
FIGURES = ["-1", "0", "-0.0", "1e308", "-1e308", "1e-320", "nan", "inf", "-inf", "99999999999999999999",
           "9223372036854775807", "-9223372036854775808", "0.5", "1e-30", '"12"', "true", "[]", "{}", "[1, 2]"]


@generator("toml")
def absurd_figure(rng, seed, out):
    text = seed.read_text()
    spots = list(NUMBER.finditer(text))
    count = int(rng.integers(1, 4))
    chosen = sorted({int(i) for i in rng.integers(0, len(spots), count)}, reverse=True)
    done = []
    for i in chosen:
        m = spots[i]
        value = FIGURES[int(rng.integers(0, len(FIGURES)))]
        line = text.count("\n", 0, m.start()) + 1
        text = text[: m.start()] + value + text[m.end():]
        done.append(f"line {line}: {value}")
    out.write_text(text)
    return "; ".join(done)


@generator("toml")
def drop_table(rng, seed, out):
    text = seed.read_text()
    heads = [m for m in re.finditer(r"^\[[^\n]*\]\s*$", text, re.M)]
    m = heads[int(rng.integers(0, len(heads)))]
    nxt = text.find("\n[", m.end())
    end = len(text) if nxt < 0 else nxt + 1
    out.write_text(text[: m.start()] + text[end:])
    return f"removed table {m.group(0).strip()}"


@generator("toml")
def drop_line(rng, seed, out):
    lines = seed.read_text().splitlines()
    keyed = [i for i, line in enumerate(lines) if "=" in line and not line.lstrip().startswith("#")]
    i = keyed[int(rng.integers(0, len(keyed)))]
    out.write_text("\n".join(lines[:i] + lines[i + 1:]) + "\n")
    return f"removed line {i + 1}: {lines[i][:40]!r}"


@generator("toml")
def retype_value(rng, seed, out):
    """A whole ``key = value`` replaced by another type (a figure table by a bare number,
    a string by a table, a list by a string)."""
    lines = seed.read_text().splitlines()
    keyed = [i for i, line in enumerate(lines) if re.match(r"^\s*[\w.\"-]+\s*=", line)]
    i = keyed[int(rng.integers(0, len(keyed)))]
    key = lines[i].split("=", 1)[0]
    value = ["1", '"x"', "{ value = -3 }", "{ value = nan, provenance = 'measured', source = 's' }",
             "{}", "[]", '["zero", "banana"]', "{ value = 1, provenance = 'guess', source = '' }",
             "{ value = 1e400 }"][int(rng.integers(0, 9))]
    lines[i] = f"{key}= {value}"
    out.write_text("\n".join(lines) + "\n")
    return f"line {i + 1}: {key.strip()} = {value}"


@generator("toml")
def syntax(rng, seed, out):
    text = seed.read_text()
    how = int(rng.integers(0, 6))
    extra = ["\nname = \"again\"\n", "\n[limits]\n", "\nkey = \n", "\n" + "x = [" * 3000 + "\n",
             "\nx = " + "{a = " * 500 + "1" + "}" * 500 + "\n", "\n\x00\xff\n"][how]
    out.write_text(text + extra, errors="surrogateescape")
    return ["a duplicated key", "a duplicated table", "a key without value", "3000 open brackets",
            "500 nested inline tables", "control bytes"][how]


@generator("toml")
def huge_array(rng, seed, out):
    text = seed.read_text()
    n = int(rng.choice([10**4, 3 * 10**5]))
    out.write_text(text.replace("[features]\n", "[features]\nreset_modes = [" + '"zero", ' * n + '"zero"]\n', 1)
                   if "reset_modes" not in text else text.replace('reset_modes = ["zero"', 'reset_modes = ["zero"'
                                                                  + ', "zero"' * n, 1))
    return f"an array of {n} entries"


_ = np  # the registry passes numpy generators
