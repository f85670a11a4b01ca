"""The per-request legal rules of SPEC §4: every reason code a request can earn.

`check_row` judges one row on its own; `BatchTally` sees the whole batch (two passes in
row order: `add` every row, then `codes_for` each) for the codes that count rows;
`all_codes` puts both together in the fixed order of `CODE_ORDER`. Nothing here raises on
any input text: a row that cannot be read earns a code, never an exception.

Text compares after trimming, collapsing white space and ignoring case. An empty required
field earns only `MISSING_FIELD:<column>`, never a code about its content.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from disclosure_gateway.domain.addresses import StdAddress, Unparsed, standardise_address
from disclosure_gateway.domain.geography import VALID_STATES, ZipPrefixes, state_code, zip5_of
from disclosure_gateway.domain.model import REQUEST_COLUMNS, REQUIRED_REQUEST_COLUMNS, RequestRecord
from disclosure_gateway.domain.names import (
    StdName,
    first_name_plausible,
    fold_text,
    last_name_plausible,
    normalise_suffix,
    standardise_name,
    suffix_in_last_name,
)
from disclosure_gateway.domain.policy import Policy
from disclosure_gateway.domain.statutes import is_eligible, parse_statute
from disclosure_gateway.domain.tin import normalise_tin, tin_type

__all__ = [
    "CODE_ORDER",
    "BatchTally",
    "RowCheck",
    "all_codes",
    "check_row",
    "parse_strict_date",
    "parse_tax_periods",
    "reason_is_placeholder",
]

MISSING_FIELD = "MISSING_FIELD"
NAME_INVALID = "NAME_INVALID"
ADDRESS_NOT_STREET_LEVEL = "ADDRESS_NOT_STREET_LEVEL"
ADDRESS_INCONSISTENT = "ADDRESS_INCONSISTENT"
TIN_INVALID = "TIN_INVALID"
STATUTE_NOT_ELIGIBLE = "STATUTE_NOT_ELIGIBLE"
REMOVAL_ORDER_INVALID = "REMOVAL_ORDER_INVALID"
REMOVAL_ORDER_TOO_RECENT = "REMOVAL_ORDER_TOO_RECENT"
TAX_PERIOD_INVALID = "TAX_PERIOD_INVALID"
REASON_INSUFFICIENT = "REASON_INSUFFICIENT"
REASON_NOT_SPECIFIC = "REASON_NOT_SPECIFIC"
CASELOAD_IMPLAUSIBLE = "CASELOAD_IMPLAUSIBLE"
DUPLICATE_REQUEST = "DUPLICATE_REQUEST"
ROW_MALFORMED = "ROW_MALFORMED"

# The order codes appear in (MISSING_FIELD:<column> entries follow REQUIRED_REQUEST_COLUMNS).
CODE_ORDER: tuple[str, ...] = (
    MISSING_FIELD,
    NAME_INVALID,
    ADDRESS_NOT_STREET_LEVEL,
    ADDRESS_INCONSISTENT,
    TIN_INVALID,
    STATUTE_NOT_ELIGIBLE,
    REMOVAL_ORDER_INVALID,
    REMOVAL_ORDER_TOO_RECENT,
    TAX_PERIOD_INVALID,
    REASON_INSUFFICIENT,
    REASON_NOT_SPECIFIC,
    CASELOAD_IMPLAUSIBLE,
    DUPLICATE_REQUEST,
    ROW_MALFORMED,
)

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PERIOD_ITEM = re.compile(r"([0-9]{4})(?:\s*[-\u2013]\s*([0-9]{4}))?")  # hyphen or en dash
_PERIOD_SEPARATOR = re.compile(r"\s*[,;]\s*")
_MAX_PERIOD_TEXT = 400
_MAX_RANGE_YEARS = 50
_REASON_FILLER = frozenset(
    {"N", "A", "NA", "NONE", "NIL", "NULL", "TBD", "TBA", "TODO", "SEE", "ABOVE", "BELOW"}
    | {"ATTACHED", "ATTACHMENT", "SAME", "AS", "DITTO", "TEST", "TESTING", "UNKNOWN"}
    | {"PENDING", "REASON", "PLACEHOLDER", "INSERT", "HERE", "ETC", "X", "XX", "XXX"}
)
_MIN_DISTINCT_REASON_WORDS = 3
_HEX_DIGEST = re.compile(r"[0-9a-f]{32,64}")
_SAFE_NOTE = re.compile(r"[a-z0-9_]{1,40}")


@dataclass(frozen=True, slots=True)
class RowCheck:
    """What the rules found in one request row (no batch-level codes; see BatchTally)."""

    row_no: int
    request_id: str
    codes: tuple[str, ...]
    name: StdName | None
    address: StdAddress | None
    tin: str | None
    birth_date: date | None
    suffix: str
    earliest_tax_year: int | None
    statute: str
    notes: tuple[str, ...]
    reason_key: str
    officer_key: str
    identity_keys: tuple[str, ...]


# Pure functions of one field's text whose values repeat across a batch's rows (given
# names, surnames, statutes, tax periods, boilerplate reasons): each distinct text is worked
# out once per process, up to this many remembered per function.
_REMEMBERED = 1 << 16
_first_plausible = lru_cache(maxsize=_REMEMBERED)(first_name_plausible)
_last_plausible = lru_cache(maxsize=_REMEMBERED)(last_name_plausible)
_name_std = lru_cache(maxsize=_REMEMBERED)(standardise_name)
_state_code = lru_cache(maxsize=_REMEMBERED)(state_code)
_zip5_of = lru_cache(maxsize=_REMEMBERED)(zip5_of)
_eligible = lru_cache(maxsize=_REMEMBERED)(is_eligible)


@lru_cache(maxsize=_REMEMBERED)
def _statute_text(text: str) -> str:
    """The canonical citation of a statute as requested; the text itself when it is none."""
    statute = parse_statute(text)
    return str(statute) if statute is not None else text


def _clean(text: str) -> str:
    return " ".join(text.split())


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=_REMEMBERED)
def _text_key(cleaned: str) -> str:
    return _digest(cleaned.casefold()) if cleaned else ""


def parse_strict_date(text: str) -> date | None:
    """A `YYYY-MM-DD` date that exists (2026-02-30 does not); None otherwise."""
    if not _DATE.fullmatch(text):
        return None
    try:
        return date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        return None


@lru_cache(maxsize=_REMEMBERED)
def parse_tax_periods(text: str) -> tuple[int, ...] | None:
    """The years listed (`2023`, `2022, 2023`, `2021-2024`, `2021;2022`), sorted; None when
    unparseable, a range is reversed, or a range spans more than 50 years."""
    if len(text) > _MAX_PERIOD_TEXT:
        return None
    years: set[int] = set()
    for item in _PERIOD_SEPARATOR.split(text.strip()):
        found = _PERIOD_ITEM.fullmatch(item)
        if found is None:
            return None
        low, high = int(found[1]), int(found[2] or found[1])
        if high < low or high - low > _MAX_RANGE_YEARS:
            return None
        years.update(range(low, high + 1))
    return tuple(sorted(years))


@lru_cache(maxsize=_REMEMBERED)
def reason_is_placeholder(text: str) -> bool:
    """Filler, not a reason: N/A, TBD, SEE ATTACHED, TEST, lorem ipsum, one repeated
    character, only punctuation or digits, or fewer than three distinct words."""
    if not any(c.isalpha() for c in text):
        return True
    if len(set(text.replace(" ", "").casefold())) == 1:
        return True
    words = fold_text(text).split()
    if "LOREM" in words and "IPSUM" in words:
        return True
    return all(w in _REASON_FILLER for w in words) or len(set(words)) < _MIN_DISTINCT_REASON_WORDS


def _name_codes(v: dict[str, str]) -> tuple[StdName, list[str], list[str]]:
    std = _name_std(v["first_name"], v["middle_name"], v["last_name"], v["suffix"])
    codes, notes = [], []
    first, last = v["first_name"], v["last_name"]
    if (first and not _first_plausible(first)) or (last and not _last_plausible(last)):
        codes.append(NAME_INVALID)
    explicit = normalise_suffix(v["suffix"])
    if v["suffix"] and not explicit:
        notes.append("suffix_unrecognised")
    in_last = suffix_in_last_name(last)
    if explicit and in_last and explicit != in_last:
        notes.append("suffix_conflict")
    return std, codes, notes


def _state_zip_inconsistent(state: str, zip_text: str, zips: ZipPrefixes) -> bool:
    code = _state_code(state) if state else ""
    zip5 = _zip5_of(zip_text) if zip_text else None
    if state and code not in VALID_STATES:
        return True
    if zip_text and zip5 is None:
        return True
    return bool(code and zip5) and not zips.state_matches(zip5 or "", code)


def _address_codes(
    v: dict[str, str], zips: ZipPrefixes
) -> tuple[StdAddress | None, list[str], list[str]]:
    address: StdAddress | None = None
    codes: list[str] = []
    notes: list[str] = []
    if all(v[c] for c in ("street", "city", "state", "zip")):
        state = _state_code(v["state"])
        parsed = standardise_address(
            v["street"],
            v["unit"],
            v["city"],
            state if state in VALID_STATES else v["state"],
            v["zip"],
        )
        if isinstance(parsed, Unparsed):
            codes.append(ADDRESS_NOT_STREET_LEVEL)
            reason = parsed.reason if _SAFE_NOTE.fullmatch(parsed.reason) else "other"
            notes.append(f"address_unparsed:{reason}")
        else:
            address = parsed
    if _state_zip_inconsistent(v["state"], v["zip"], zips):
        codes.append(ADDRESS_INCONSISTENT)
    return address, codes, notes


def _tin_codes(text: str) -> tuple[str | None, list[str]]:
    if not text:
        return None, []
    tin = normalise_tin(text)
    if tin is None or tin_type(tin) is None:
        return None, [TIN_INVALID]
    return tin, []


def _removal_order_codes(text: str, policy: Policy, submitted_on: date) -> list[str]:
    if not text:
        return []
    order = parse_strict_date(text)
    if order is None or order > submitted_on:
        return [REMOVAL_ORDER_INVALID]
    if (submitted_on - order).days < policy.min_days_since_order:
        return [REMOVAL_ORDER_TOO_RECENT]
    return []


def _tax_period_codes(
    text: str, policy: Policy, submitted_on: date
) -> tuple[int | None, list[str]]:
    if not text:
        return None, []
    years = parse_tax_periods(text)
    if not years:
        return None, [TAX_PERIOD_INVALID]
    first_ok, last_ok = submitted_on.year - policy.lookback_years, submitted_on.year - 1
    valid = first_ok <= years[0] and years[-1] <= last_ok
    return years[0], [] if valid else [TAX_PERIOD_INVALID]


def _birth_date(text: str, submitted_on: date) -> tuple[date | None, list[str]]:
    if not text:
        return None, []
    born = parse_strict_date(text)
    if born is None:
        return None, ["birth_date_unparsed"]
    return born, ["birth_date_in_future"] if born > submitted_on else []


def _identity_keys(
    name: StdName | None, address: StdAddress | None, tin: str | None
) -> tuple[str, ...]:
    keys: list[str] = []
    if name is not None and name.given and name.surnames and address is not None:
        keys.append("N:" + _digest(name.key, name.suffix, address.key, address.unit))
    if tin is not None:
        keys.append("T:" + _digest(tin))
    return tuple(keys)


# Every per-text answer check_row remembers (tests forget them to compare with fresh ones).
REMEMBERING = (
    _first_plausible,
    _last_plausible,
    _name_std,
    _state_code,
    _zip5_of,
    _eligible,
    _statute_text,
    _text_key,
    parse_tax_periods,
    reason_is_placeholder,
)


def check_row(
    rec: RequestRecord, policy: Policy, submitted_on: date, zips: ZipPrefixes
) -> RowCheck:
    """Every row-level code SPEC §4 gives this request, and its standardised parts. Total."""
    given = dict(rec.fields)
    v = {c: _clean(given.get(c, "")) for c in REQUEST_COLUMNS}
    std_name, name_codes, name_notes = _name_codes(v)
    name = std_name if v["first_name"] and v["last_name"] else None
    address, address_codes, address_notes = _address_codes(v, zips)
    tin, tin_codes = _tin_codes(v["tin"])
    eligible = not v["statute"] or _eligible(v["statute"], policy.eligible_statutes)
    earliest, period_codes = _tax_period_codes(v["tax_periods"], policy, submitted_on)
    reason = v["reason"]
    reason_bad = bool(reason) and (
        len(reason) < policy.reason_min_length or reason_is_placeholder(reason)
    )
    born, born_notes = _birth_date(v["birth_date"], submitted_on)
    codes = [
        *(f"{MISSING_FIELD}:{c}" for c in REQUIRED_REQUEST_COLUMNS if not v[c]),
        *name_codes,
        *address_codes,
        *tin_codes,
        *([] if eligible else [STATUTE_NOT_ELIGIBLE]),
        *_removal_order_codes(v["removal_order_date"], policy, submitted_on),
        *period_codes,
        *([REASON_INSUFFICIENT] if reason_bad else []),
        *([ROW_MALFORMED] if rec.problems else []),
    ]
    return RowCheck(
        row_no=rec.row_no,
        request_id=v["request_id"],
        codes=tuple(codes),
        name=name,
        address=address,
        tin=tin,
        birth_date=born,
        suffix=std_name.suffix,
        earliest_tax_year=earliest,
        statute=_statute_text(v["statute"]),
        notes=(*name_notes, *address_notes, *born_notes),
        reason_key=_text_key(reason),
        officer_key=_text_key(v["case_officer"]),
        identity_keys=_identity_keys(name, address, tin),
    )


def _compact(key: str) -> int:
    """128 bits of a key's digest: enough to tell keys apart, a third of the text's memory."""
    tail = key.rpartition(":")[2]
    return int(tail[:32] if _HEX_DIGEST.fullmatch(tail) else _digest(key)[:32], 16)


class BatchTally:
    """Counts over a whole batch. Two passes in row order: `add` every row, then ask
    `codes_for` each. Memory grows with the number of distinct keys, not of rows."""

    def __init__(self, policy: Policy) -> None:
        self._max_repeats = policy.reason_max_repeats
        self._max_per_officer = policy.max_rows_per_officer
        self._reasons: Counter[int] = Counter()
        self._officers: Counter[int] = Counter()
        self._first_row: dict[int, int] = {}
        self._repeated: set[int] = set()  # identity keys of more than one row

    def add(self, check: RowCheck) -> None:
        if check.reason_key:
            self._reasons[_compact(check.reason_key)] += 1
        if check.officer_key:
            self._officers[_compact(check.officer_key)] += 1
        for key in check.identity_keys:
            compact = _compact(key)
            seen = self._first_row.get(compact)
            if seen is None:
                self._first_row[compact] = check.row_no
            else:
                self._repeated.add(compact)
                self._first_row[compact] = min(seen, check.row_no)

    def merge(self, other: BatchTally) -> None:
        """Add the counts of `other`, a tally of other rows of the same batch (any order)."""
        self._reasons.update(other._reasons)
        self._officers.update(other._officers)
        self._repeated |= other._repeated
        first = self._first_row
        for key, row in other._first_row.items():
            seen = first.get(key)
            if seen is None:
                first[key] = row
            else:
                self._repeated.add(key)
                if row < seen:
                    first[key] = row

    def decisive(self) -> BatchTally:
        """The part of this tally that gives any row a code: the reasons and officers over
        their limits, the identity keys of more than one row. `codes_for` answers as this
        tally does (a key left out counted at most its limit, or was one row's alone), for
        about a thousandth of the memory at a million rows: what the deciders are sent and
        a resumed run restores. It is asked, never added to or merged."""
        kept = BatchTally.__new__(BatchTally)
        kept._max_repeats, kept._max_per_officer = self._max_repeats, self._max_per_officer
        kept._reasons = Counter({k: n for k, n in self._reasons.items() if n > self._max_repeats})
        kept._officers = Counter(
            {k: n for k, n in self._officers.items() if n > self._max_per_officer}
        )
        kept._first_row = {k: self._first_row[k] for k in self._repeated}
        kept._repeated = set(self._repeated)
        return kept

    def snapshot(self) -> dict[str, object]:
        """Everything `codes_for` needs, as JSON-ready data (to resume without pass 1)."""
        return {
            "reasons": {f"{k:x}": n for k, n in self._reasons.items()},
            "officers": {f"{k:x}": n for k, n in self._officers.items()},
            "first_row": {f"{k:x}": n for k, n in self._first_row.items()},
        }

    @classmethod
    def restore(cls, policy: Policy, data: Mapping[str, object]) -> BatchTally:
        """The tally `snapshot` described; ValueError when the data is not one."""
        tally = cls(policy)
        parts = [data.get(k) for k in ("reasons", "officers", "first_row")]
        if not all(isinstance(p, dict) for p in parts):
            raise ValueError("not a tally snapshot")
        checked = [p for p in parts if isinstance(p, dict)]
        for target, part in zip(
            (tally._reasons, tally._officers, tally._first_row), checked, strict=True
        ):
            for k, n in part.items():
                if not isinstance(n, int) or isinstance(n, bool):
                    raise ValueError("not a tally snapshot")
                target[int(k, 16)] = n
        # A snapshot holds no counts of identity keys: any key it lists may be a repeat.
        tally._repeated = set(tally._first_row)
        return tally

    def codes_for(self, check: RowCheck) -> tuple[str, ...]:
        """The batch-level codes for one row already added, in CODE_ORDER."""
        codes: list[str] = []
        if check.reason_key and self._reasons[_compact(check.reason_key)] > self._max_repeats:
            codes.append(REASON_NOT_SPECIFIC)
        if (
            check.officer_key
            and self._officers[_compact(check.officer_key)] > self._max_per_officer
        ):
            codes.append(CASELOAD_IMPLAUSIBLE)
        if any(
            self._first_row.get(_compact(k), check.row_no) < check.row_no
            for k in check.identity_keys
        ):
            codes.append(DUPLICATE_REQUEST)
        return tuple(codes)


def all_codes(check: RowCheck, tally: BatchTally) -> tuple[str, ...]:
    """Row codes, then batch codes, then ROW_MALFORMED: deduplicated, in CODE_ORDER."""
    row = [c for c in check.codes if c != ROW_MALFORMED]
    tail = [ROW_MALFORMED] if ROW_MALFORMED in check.codes else []
    return tuple(dict.fromkeys([*row, *tally.codes_for(check), *tail]))
