"""How closely a supplied address agrees with one on file, as a named level.

Numbers are never fuzzy: house number and ZIP5 must be equal, and so must every number in
the street name (`5TH ST` vs `6TH ST`, `COUNTY ROAD 12` vs `COUNTY ROAD 13` differ). A unit
on both sides must be equal (`4A` vs `4B` is another household); a unit missing on either
side may agree. A ZIP5 or house number missing on either side is NONE: we fail closed.

With those equal, the street text decides:

- `EXACT`: the same street text (what `addresses.same_address` says);
- `STREET_TYPO`: exactly one tolerated difference: one directional present on one side only
  (`N MAIN ST` vs `MAIN ST`), or at the other end (`N MAIN ST` vs `MAIN ST N`), or a street
  type present on one side only (`MAIN` vs `MAIN ST`), or street names one edit apart
  (Damerau-Levenshtein 1, or Jaro-Winkler >= 0.95; names of 4+ characters);
- `NONE`: anything else, including a differing directional (`N` vs `S`) or street type
  (`ST` vs `AVE`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler
from scourgify import address_constants as usps

from disclosure_gateway.domain.addresses import StdAddress, units_compatible

__all__ = [
    "AddressAgreement",
    "AddressLevel",
    "address_corroborates",
    "compare_addresses",
    "street_corroborates",
]


class AddressLevel(StrEnum):
    """How two addresses agree, strongest first."""

    EXACT = "exact"
    STREET_TYPO = "street_typo"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class AddressAgreement:
    """The level and a one-line explanation naming the part that decided it."""

    level: AddressLevel
    detail: str


_DIRECTIONALS = frozenset(usps.DIRECTIONAL_REPLACEMENTS.values())
_STREET_TYPES = frozenset(t for t in usps.STREET_TYPE_ABBREVIATIONS.values() if " " not in t)
_DIGITS = re.compile(r"[0-9]+")
_STREET_JARO_WINKLER = 0.95
_FUZZY_MIN_LENGTH = 4


@dataclass(frozen=True, slots=True)
class _Street:
    """A street text split into its directional (and where it stood), name and type."""

    directional: str
    directional_first: bool
    name: str
    street_type: str


@functools.lru_cache(maxsize=2**16)
def _parse_street(street: str) -> _Street:
    tokens = street.split()
    directional, first = "", False
    if len(tokens) > 1 and tokens[0] in _DIRECTIONALS:
        directional, first, tokens = tokens[0], True, tokens[1:]
    elif len(tokens) > 1 and tokens[-1] in _DIRECTIONALS:
        directional, tokens = tokens[-1], tokens[:-1]
    street_type = ""
    if len(tokens) > 1 and tokens[-1] in _STREET_TYPES:
        street_type, tokens = tokens[-1], tokens[:-1]
    return _Street(directional, first, " ".join(tokens), street_type)


def _one_sided(x: str, y: str) -> bool:
    return bool(x) != bool(y)


def _names_one_edit(a: str, b: str) -> bool:
    if _DIGITS.findall(a) != _DIGITS.findall(b) or min(len(a), len(b)) < _FUZZY_MIN_LENGTH:
        return False
    if DamerauLevenshtein.distance(a, b, score_cutoff=2) <= 1:
        return True
    return JaroWinkler.similarity(a, b) >= _STREET_JARO_WINKLER


@functools.lru_cache(maxsize=2**16)
def _street_differences(a: str, b: str) -> tuple[str, ...] | None:
    """The tolerated differences between two street texts; None when one is not tolerated.
    Cached: retrieval asks it of the same streets of one ZIP over and over."""
    sa, sb = _parse_street(a), _parse_street(b)
    found: list[str] = []
    if sa.directional and sb.directional and sa.directional != sb.directional:
        return None
    if _one_sided(sa.directional, sb.directional):
        found.append("directional_missing")
    elif sa.directional and sa.directional_first != sb.directional_first:
        found.append("directional_moved")
    if sa.street_type and sb.street_type and sa.street_type != sb.street_type:
        return None
    if _one_sided(sa.street_type, sb.street_type):
        found.append("type_missing")
    if sa.name != sb.name:
        if not _names_one_edit(sa.name, sb.name):
            return None
        found.append("name_edit")
    return tuple(found)


def _numbers_and_unit(req: StdAddress, on_file: StdAddress) -> str:
    """Why house number, ZIP5 or unit rule the pair out ("" when they agree)."""
    if not req.zip5 or not on_file.zip5:
        return "zip=missing"
    if req.zip5 != on_file.zip5:
        return "zip=different"
    if not req.house_number or req.house_number != on_file.house_number:
        return "house=different"
    if not units_compatible(req.unit, on_file.unit):
        return "unit=different"
    return ""


def compare_addresses(req: StdAddress, on_file: StdAddress) -> AddressAgreement:
    """The level at which a supplied address agrees with one on file. Total: never raises."""
    if problem := _numbers_and_unit(req, on_file):
        return AddressAgreement(AddressLevel.NONE, problem)
    unit = "equal" if req.unit == on_file.unit else "one_missing"
    if req.street == on_file.street:
        return AddressAgreement(AddressLevel.EXACT, f"street=exact;unit={unit}")
    differences = _street_differences(req.street, on_file.street)
    if differences is None or not differences:
        return AddressAgreement(AddressLevel.NONE, "street=different")
    if len(differences) > 1:
        return AddressAgreement(AddressLevel.NONE, "street=" + ",".join(differences))
    return AddressAgreement(AddressLevel.STREET_TYPO, f"street={differences[0]};unit={unit}")


def street_corroborates(req: StdAddress, street: str, unit: str) -> bool:
    """Whether an address on file with the request's house number and ZIP, and this street
    and unit, corroborates it: exactly `compare_addresses(req, that).level is not NONE`,
    without building it (retrieval asks this of every address row at a house and ZIP)."""
    if not req.zip5 or not req.house_number or not units_compatible(req.unit, unit):
        return False
    if req.street == street:
        return True
    differences = _street_differences(req.street, street)
    return differences is not None and len(differences) == 1


def address_corroborates(req: StdAddress, on_file: StdAddress) -> bool:
    """SPEC §4 corroboration under the smarter matcher: EXACT or STREET_TYPO."""
    return compare_addresses(req, on_file).level is not AddressLevel.NONE
