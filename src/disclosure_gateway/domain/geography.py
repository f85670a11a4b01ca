"""US geography for address checks: valid state codes, ZIP parsing, ZIP prefix to state.

The ZIP prefix table (`data/zip3_state.csv`, header `prefix,state`) lists every 3-digit
ZIP prefix the USPS has assigned, one row per (prefix, state); a prefix shared by several
states or territories (967 HI/AS, 969 GU/MP/PW/FM/MH) has several rows. An unassigned
prefix has no row, so it never belongs to any state. Callers read the table's text
(`adapters.reference.packaged.packaged_text("zip3_state.csv")`) and pass it in: this module
does no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scourgify.address_constants import STATE_ABBREVIATIONS as _USPS_STATE_FORMS

__all__ = [
    "STATE_NAMES",
    "VALID_STATES",
    "ZipPrefixes",
    "parse_zip_prefixes",
    "state_code",
    "zip5_of",
]

_STATES_50 = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
]

# The 50 states, DC, the five inhabited territories and the three military "states" (SPEC §4).
VALID_STATES: frozenset[str] = frozenset(
    (*_STATES_50, "DC", "PR", "GU", "VI", "AS", "MP", "AA", "AE", "AP")
)

# Full names (upper, ASCII, single spaces) of every code in VALID_STATES, for `state_code`.
STATE_NAMES: dict[str, str] = {
    "ALABAMA": "AL",
    "ALASKA": "AK",
    "ARIZONA": "AZ",
    "ARKANSAS": "AR",
    "CALIFORNIA": "CA",
    "COLORADO": "CO",
    "CONNECTICUT": "CT",
    "DELAWARE": "DE",
    "FLORIDA": "FL",
    "GEORGIA": "GA",
    "HAWAII": "HI",
    "IDAHO": "ID",
    "ILLINOIS": "IL",
    "INDIANA": "IN",
    "IOWA": "IA",
    "KANSAS": "KS",
    "KENTUCKY": "KY",
    "LOUISIANA": "LA",
    "MAINE": "ME",
    "MARYLAND": "MD",
    "MASSACHUSETTS": "MA",
    "MICHIGAN": "MI",
    "MINNESOTA": "MN",
    "MISSISSIPPI": "MS",
    "MISSOURI": "MO",
    "MONTANA": "MT",
    "NEBRASKA": "NE",
    "NEVADA": "NV",
    "NEW HAMPSHIRE": "NH",
    "NEW JERSEY": "NJ",
    "NEW MEXICO": "NM",
    "NEW YORK": "NY",
    "NORTH CAROLINA": "NC",
    "NORTH DAKOTA": "ND",
    "OHIO": "OH",
    "OKLAHOMA": "OK",
    "OREGON": "OR",
    "PENNSYLVANIA": "PA",
    "RHODE ISLAND": "RI",
    "SOUTH CAROLINA": "SC",
    "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN",
    "TEXAS": "TX",
    "UTAH": "UT",
    "VERMONT": "VT",
    "VIRGINIA": "VA",
    "WASHINGTON": "WA",
    "WEST VIRGINIA": "WV",
    "WISCONSIN": "WI",
    "WYOMING": "WY",
    "DISTRICT OF COLUMBIA": "DC",
    "WASHINGTON DC": "DC",
    "PUERTO RICO": "PR",
    "GUAM": "GU",
    "VIRGIN ISLANDS": "VI",
    "US VIRGIN ISLANDS": "VI",
    "AMERICAN SAMOA": "AS",
    "NORTHERN MARIANA ISLANDS": "MP",
    "ARMED FORCES AMERICAS": "AA",
    "ARMED FORCES EUROPE": "AE",
    "ARMED FORCES PACIFIC": "AP",
}

# Every written form `state_code` knows: the names above and the usual short forms (`Tex`).
_STATE_FORMS: dict[str, str] = {
    **{form: code for form, code in _USPS_STATE_FORMS.items() if code in VALID_STATES},
    **STATE_NAMES,
}

_ZIP_RE = re.compile(r"([0-9]{5})(?:-?[0-9]{4})?")
_PREFIX_RE = re.compile(r"[0-9]{3}")
_CODE_RE = re.compile(r"[A-Z]{2}")
_NOT_LETTERS = re.compile(r"[^A-Za-z ]")


@dataclass(frozen=True, slots=True)
class ZipPrefixes:
    """Which states each assigned 3-digit ZIP prefix belongs to, as (prefix, state) pairs."""

    pairs: frozenset[tuple[str, str]]

    def state_matches(self, zip5: str, state: str) -> bool:
        """True iff `zip5` is five digits and its 3-digit prefix belongs to `state`."""
        if len(zip5) != 5 or not zip5.isascii() or not zip5.isdigit():
            return False
        return (zip5[:3], state.strip().upper()) in self.pairs

    def states_of(self, zip5: str) -> frozenset[str]:
        """Every state the prefix of `zip5` belongs to (empty for an unassigned prefix)."""
        prefix = zip5[:3]
        return frozenset(s for p, s in self.pairs if p == prefix)

    @property
    def states(self) -> frozenset[str]:
        return frozenset(s for _, s in self.pairs)


def parse_zip_prefixes(text: str) -> ZipPrefixes:
    """Parse the `prefix,state` table; ValueError (naming the line) on any malformed row."""
    lines = [line.strip() for line in text.splitlines()]
    if not lines or lines[0].replace(" ", "").lower() != "prefix,state":
        raise ValueError("zip prefix table: the header must be 'prefix,state'")
    pairs: set[tuple[str, str]] = set()
    for line_no, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        cells = [cell.strip() for cell in line.split(",")]
        if len(cells) != 2:
            raise ValueError(f"zip prefix table: line {line_no} must have two cells")
        prefix, state = cells
        if not _PREFIX_RE.fullmatch(prefix) or not _CODE_RE.fullmatch(state):
            raise ValueError(f"zip prefix table: line {line_no} is not a 3-digit prefix and a code")
        if (prefix, state) in pairs:
            raise ValueError(f"zip prefix table: line {line_no} repeats an earlier row")
        pairs.add((prefix, state))
    if not pairs:
        raise ValueError("zip prefix table: no rows")
    return ZipPrefixes(frozenset(pairs))


def zip5_of(zip_text: str) -> str | None:
    """The 5-digit ZIP of `77002`, `770021234` or `77002-1234` (spaces around allowed).

    Anything else (4 digits, letters, a ZIP of all zeros) is None.
    """
    match = _ZIP_RE.fullmatch(zip_text.strip())
    if match is None or not match.group(0).isascii():
        return None
    zip5 = match.group(1)
    return None if zip5 == "00000" else zip5


def state_code(text: str) -> str:
    """`TX`, `tx`, `Texas`, `Tex.`, `t.x.` -> `TX`; other two letters as written; else ""."""
    cleaned = " ".join(_NOT_LETTERS.sub("", text).upper().split())
    if _CODE_RE.fullmatch(cleaned):
        return cleaned
    return _STATE_FORMS.get(cleaned, "")
