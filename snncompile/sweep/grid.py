"""The grid of a sweep: targets x weight bits x compile options, one :class:`Cell` each.

A cell is one way to compile the float network: a target (a name or descriptor path with
a ``[fixed_point]`` table), the weight mantissa bits (``QuantizeOptions.weight_bits``,
at most the target's), split-sign weights or not, and the rounding. A cell the target
cannot take (more bits than it holds, no integer convention) stays in the grid with the
reason, so the table shows what was not tried and why.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from snncompile.errors import SnnCompileError, one_line
from snncompile.passes.quantize import QuantizeOptions
from snncompile.passes.quantize.spec import load_target_descriptor, spec_from_target


@dataclass(frozen=True)
class Cell:
    target: str
    weight_bits: int
    split_sign: bool = False
    rounding: str = "nearest"

    @property
    def id(self) -> str:
        """A file-name-safe name: ``loihi-w6``, ``loihi2-w4-split-trunc``."""
        stem = re.sub(r"[^A-Za-z0-9_.]+", "_", self.target.rsplit("/", 1)[-1].removesuffix(".toml"))
        return "-".join([stem, f"w{self.weight_bits}", *(["split"] if self.split_sign else []),
                         *([self.rounding] if self.rounding != "nearest" else [])])

    def options(self) -> QuantizeOptions:
        return QuantizeOptions(weight_bits=self.weight_bits, split_sign=self.split_sign, rounding=self.rounding)

    def to_dict(self) -> dict:
        return {"cell": self.id, "target": self.target, "weight_bits": self.weight_bits,
                "split_sign": self.split_sign, "rounding": self.rounding}


def grid(targets: Sequence[str], bits: Sequence[int], split_sign: Sequence[bool] = (False,),
         rounding: Sequence[str] = ("nearest",)) -> list[Cell]:
    """Every combination, targets outermost."""
    return [Cell(t, b, s, r) for t, b, s, r in itertools.product(targets, bits, split_sign, rounding)]


def unsupported(cell: Cell) -> str | None:
    """Why ``cell``'s target cannot compile it, or None."""
    try:
        spec = spec_from_target(load_target_descriptor(cell.target))
    except SnnCompileError as exc:
        return one_line(str(exc))
    if cell.weight_bits > spec.weight_mantissa_bits:
        return f"{cell.target} holds at most {spec.weight_mantissa_bits} weight mantissa bits"
    return None
