"""The one table from the Python API's parameter names to the CLI's flags.

API errors name parameters (``weights=FILE``, ``dt=``, ``weight_split``) and list them in
:attr:`snncompile.errors.SnnCompileError.options`; the CLI reports them with its flags
(:func:`cli_message`)."""

from __future__ import annotations

import re

#: Python parameter -> CLI flag (a parameter not listed here is ``--`` + its name with dashes)
FLAGS: dict[str, str] = {
    "dialect": "--from",
    "input": "--input",
    "input_shape": "--input-shape",
    "weights": "--weights",
    "dt": "--dt",
    "reset": "--reset",
    "reset_timing": "--reset-timing",
    "comparator": "--comparator",
    "discretization": "--discretization",
    "weight_split": "--weight-split",
    "weight_bits": "--weight-bits",
    "bias_timing": "--bias-timing",
    "threshold_resolution": "--threshold-resolution",
    "fire_on_gt": "--fire-on-gt",
    "rate": "--rate",
    "steps": "--steps",
    "host": "--host",
    "workers": "--workers",
    "chunk_batches": "--chunk-batches",
    "retries": "--retries",
    "batch_size": "--batch-size",
    "format": "--data-format",
    "labels": "--labels",
    "time_unit": "--time-unit",
    "binning": "--bin",
    "limit": "--limit",
    "tolerance_steps": "--tolerance-steps",
    "mismatches": "--mismatches",
    "all_on_chip": "--all-on-chip",
    "borrow": "--borrow",
    "readout": "--readout",
}


def flag(parameter: str) -> str:
    """The CLI flag of an API parameter."""
    return FLAGS.get(parameter, "--" + parameter.replace("_", "-"))


def cli_message(exc: BaseException) -> str:
    """``exc``'s message with the parameters it names (its ``options``, written
    ``name=VALUE`` or ``name=``) as flags: ``--flag VALUE``, ``--flag`` (and ``name=True``
    of a switch: ``--flag``)."""
    message = str(exc)
    for name in getattr(exc, "options", ()):
        pattern = re.compile(rf"(?<![\w.-]){re.escape(name)}=(?:True\b)?(?=(\S?))")
        message = pattern.sub(_as_flag(flag(name)), message)
    return message


def _as_flag(name: str):
    """A substitution: the flag, then a space when a value follows (``--dt 0.001``)."""
    return lambda m: name + (" " if m.group(1) and m.group(1) not in ",;:)" and not m.group(0).endswith("True")
                             else "")
