"""Unique, valid TINs for synthetic taxpayers: an affine permutation of the taxpayer index.

Index `k` maps injectively into a space of ITINs (first 44M values) followed by SSNs, so
distinct indices always get distinct TINs, and about 15% of them are ITINs (DOMAIN.md §4).
"""

from __future__ import annotations

from math import gcd
from random import Random

ITIN_GROUPS: tuple[int, ...] = (
    *range(50, 66),
    *range(70, 89),
    *range(90, 93),
    *range(94, 100),
)
SSN_AREAS: tuple[int, ...] = tuple(a for a in range(1, 900) if a != 666)
ITIN_SPACE = 100 * len(ITIN_GROUPS) * 10_000
SSN_SPACE = ITIN_SPACE * 85 // 15
TIN_SPACE = ITIN_SPACE + SSN_SPACE


class TinAllocator:
    """`tin(k)` -> (nine digits, "SSN" | "ITIN"), injective for 0 <= k < TIN_SPACE."""

    def __init__(self, seed: int) -> None:
        rng = Random(f"tins:{seed}")
        mult = rng.randrange(TIN_SPACE // 3, TIN_SPACE)
        while gcd(mult, TIN_SPACE) != 1:
            mult += 1
        self._mult = mult
        self._shift = rng.randrange(TIN_SPACE)

    def tin(self, k: int) -> tuple[str, str]:
        if not 0 <= k < TIN_SPACE:
            raise ValueError("taxpayer index out of the TIN space")
        x = (self._mult * k + self._shift) % TIN_SPACE
        if x < ITIN_SPACE:
            middle, serial = divmod(x, 10_000)
            high, group = divmod(middle, len(ITIN_GROUPS))
            return f"9{high:02d}{ITIN_GROUPS[group]:02d}{serial:04d}", "ITIN"
        x -= ITIN_SPACE
        rest, serial = divmod(x, 9_999)
        area, group = divmod(rest, 99)
        return f"{SSN_AREAS[area]:03d}{group + 1:02d}{serial + 1:04d}", "SSN"


def is_valid_ssn(tin: str) -> bool:
    """DOMAIN.md §4: never area 000, 666 or 900-999, group 00, serial 0000."""
    if len(tin) != 9 or not tin.isdigit():
        return False
    area, group, serial = int(tin[:3]), int(tin[3:5]), int(tin[5:])
    return area not in (0, 666) and area < 900 and group != 0 and serial != 0


def is_valid_itin(tin: str) -> bool:
    """DOMAIN.md §4: first digit 9, 4th-5th digits in 50-65, 70-88, 90-92, 94-99."""
    return len(tin) == 9 and tin.isdigit() and tin[0] == "9" and int(tin[3:5]) in ITIN_GROUPS
