"""Taxpayer identification numbers: SSNs and ITINs (DOMAIN.md §4)."""

from __future__ import annotations

import re

from disclosure_gateway.domain.model import TinType

__all__ = ["normalise_tin", "tin_type"]

_NINE_DIGITS = re.compile(r"[0-9]{9}")
_ITIN_GROUPS = frozenset(
    [*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100)],
)


def normalise_tin(text: str) -> str | None:
    """The nine digits of a TIN written with spaces or dashes anywhere; None otherwise."""
    digits = "".join(text.split()).replace("-", "")
    return digits if _NINE_DIGITS.fullmatch(digits) else None


def tin_type(tin9: str) -> TinType | None:
    """ITIN or SSN by the number's structure; None when it can be neither (or is not 9 digits).

    ITIN: first digit 9 and 4th-5th digits in 50-65, 70-88, 90-92 or 94-99 (93 is an
    adoption number). SSN: area not 000, 666 or 900-999; group not 00; serial not 0000.
    """
    if not _NINE_DIGITS.fullmatch(tin9):
        return None
    area, group, serial = int(tin9[:3]), int(tin9[3:5]), int(tin9[5:])
    if tin9[0] == "9":
        return TinType.ITIN if group in _ITIN_GROUPS else None
    if area in (0, 666) or group == 0 or serial == 0:
        return None
    return TinType.SSN
