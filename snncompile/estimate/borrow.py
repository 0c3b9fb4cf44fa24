"""Borrowing figures from another target, explicitly (``--borrow loihi2=loihi``).

Loihi 2 has no public per-operation energies or timing; its target file suggests Loihi
1's "with a warning". Energy and timing figures the recipient lacks are borrowed (timing:
e.g. Loihi 1's barrier per step, so that a latency bound exists). A borrowed figure
keeps its value, provenance and source, gains a note naming the donor, and the estimate
states the borrowing as an assumption. The recipient's own figures always win.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Any

from snncompile.errors import InputError
from snncompile.targets import Target, load_target


def borrow_figures(target: Target, donor: Target, section: str = "energy") -> Target:
    """``target`` with the ``section`` figures it lacks taken from ``donor``."""
    own = dict(target.section(section))
    for key, fig in donor.section(section).items():
        if key not in own:
            own[key] = dataclasses.replace(
                fig, note=f"BORROWED from {donor.name} (not a {target.name} figure)" + (f"; {fig.note}" if fig.note else ""))
    gaps = {k: v for k, v in target.gaps.items() if not (k.startswith(f"{section}.") and k.split(".", 1)[1] in own)}
    changes: dict[str, Any] = {section: MappingProxyType(own), "gaps": MappingProxyType(gaps)}
    return dataclasses.replace(target, **changes)


def parse_borrow(specs: list[str] | None) -> dict[str, str]:
    """``["loihi2=loihi"]`` -> ``{"loihi2": "loihi"}``; errors name the bad item."""
    out = {}
    for spec in specs or []:
        name, sep, donor = spec.partition("=")
        if not sep or not name.strip() or not donor.strip():
            raise InputError(f"borrow=: expected TARGET=DONOR (e.g. loihi2=loihi), found '{spec}'", options=("borrow",))
        out[name.strip()] = donor.strip()
    return out


def apply_borrowing(targets: list[Target], borrow: dict[str, str]) -> list[Target]:
    unknown = sorted(set(borrow) - {t.name for t in targets})
    if unknown:
        raise InputError(f"borrow= names {unknown}, which are not among the estimated targets", options=("borrow",))
    return [_borrow_all(t, load_target(borrow[t.name])) if t.name in borrow else t for t in targets]


#: the sections ``--borrow`` fills
BORROWED_SECTIONS = ("energy", "timing")


def _borrow_all(target: Target, donor: Target) -> Target:
    for section in BORROWED_SECTIONS:
        target = borrow_figures(target, donor, section)
    return target
