"""Last known address and "in effect" intervals of one taxpayer's addresses (SPEC §2, §4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from disclosure_gateway.domain.model import AddressRow


@dataclass(frozen=True, slots=True)
class Tenure:
    """An address row and the time it was in effect: [start, end), `end` None while current."""

    row: AddressRow
    start: date
    end: date | None

    def overlaps(self, first: date, last: date) -> bool:
        """Whether the row was in effect at some time in [first, last] (both inclusive)."""
        if self.end is not None and self.end <= self.start:
            return False  # superseded on the day it took effect: never in effect
        if self.start > last:
            return False
        return self.end is None or self.end > first


def history(rows: Sequence[AddressRow], as_of: date) -> list[Tenure]:
    """The rows known on `as_of`, in SPEC §2 order, each with the time it was in effect.

    A row takes effect on its effective_date and stays in effect until the next row's
    effective_date. Rows dated after `as_of` are not yet known and are left out. Two rows
    with the same date: the one SPEC §2 ranks later supersedes the other at once, so the
    earlier-ranked one was never in effect (an empty tenure, which overlaps nothing).
    """
    known = sorted((r for r in rows if r.effective_date <= as_of), key=lambda r: r.order_key)
    tenures: list[Tenure] = []
    for i, row in enumerate(known):
        end = known[i + 1].effective_date if i + 1 < len(known) else None
        if end is not None and end <= row.effective_date:
            tenures.append(Tenure(row, row.effective_date, row.effective_date))
        else:
            tenures.append(Tenure(row, row.effective_date, end))
    return tenures


def last_known_address(rows: Sequence[AddressRow], as_of: date) -> AddressRow | None:
    """SPEC §2: latest effective date; ties FORM_8822 > RETURN > NCOA, later tax year, later row."""
    known = [r for r in rows if r.effective_date <= as_of]
    return max(known, key=lambda r: r.order_key) if known else None
