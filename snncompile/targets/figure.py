"""One number from a target descriptor, with where it came from and how sure it is.

A `Figure` is what every limit, energy, timing and cycle entry of a target file
becomes. Its unit is fixed by the schema key (see `schema.py`), never stored here:
energies are joules, powers watts, times seconds, frequencies hertz, memories bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How a figure was obtained, strongest first.
#:
#: - measured: read off fabricated silicon (power meter, chip counters).
#: - simulated: pre-silicon circuit simulation (e.g. Loihi's Table 2).
#: - derived: divided or computed out of another figure (whole-chip power / events,
#:   datasheet current x voltage / clock).
#: - estimate: a reasoned guess or a vendor model labelled as an estimate.
#: - specified: a design parameter stated by a datasheet, paper or reference
#:   implementation (core counts, bit widths). Not allowed for energies: an energy
#:   is never "specified", it is one of the four above.
#: - assumed: a convention the sources do not give (a chip whose integer arithmetic is
#:   not public), chosen and stated by the descriptor; compile reports name every one.
#:   Not allowed for energies.
PROVENANCES: tuple[str, ...] = ("measured", "simulated", "derived", "estimate", "specified", "assumed")

#: Provenances an energy figure may carry (see `PROVENANCES`).
ENERGY_PROVENANCES: tuple[str, ...] = ("measured", "simulated", "derived", "estimate")

Value = int | float | str | bool | tuple[int | float, ...]


@dataclass(frozen=True)
class Figure:
    """A value plus its provenance and source.

    Attributes:
        value: the number (SI unit given by the schema key), a tuple of numbers for
            per-core lists, or a string/bool for conventions (e.g. overflow mode).
        provenance: one of `PROVENANCES`.
        source: citation a reader can follow (paper, table, datasheet, code path).
        note: why this value, how it was derived, or what is uncertain.
        range: (low, high) when the source gives a range; `value` lies inside it.
    """

    value: Value
    provenance: str
    source: str
    note: str = ""
    range: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain-JSON form (tuples become lists; empty note and range are omitted)."""
        out: dict[str, object] = {
            "value": list(self.value) if isinstance(self.value, tuple) else self.value,
            "provenance": self.provenance,
            "source": self.source,
        }
        if self.note:
            out["note"] = self.note
        if self.range is not None:
            out["range"] = list(self.range)
        return out
