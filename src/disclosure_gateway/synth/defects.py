"""Defects that make a request legally insufficient (SPEC §4), each with the exact codes it earns.

A defect edits one group of fields; a row with several defects on different groups earns the
union of their codes. An emptied required field earns only MISSING_FIELD:<column>.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from disclosure_gateway.domain.model import REQUIRED_REQUEST_COLUMNS
from disclosure_gateway.synth.pools import STATE_NAMES

Fields = dict[str, str]


@dataclass(frozen=True, slots=True)
class Defect:
    name: str
    group: str
    codes: tuple[str, ...]
    apply: Callable[[Fields, Random, date], None]


def _set(col: str, *values: str) -> Callable[[Fields, Random, date], None]:
    def edit(f: Fields, rng: Random, as_of: date) -> None:
        f[col] = rng.choice(values)

    return edit


def _digits_in_name(f: Fields, rng: Random, as_of: date) -> None:
    col = rng.choice(("first_name", "last_name"))
    text = f[col].strip() or "Garcia"
    f[col] = text[:2] + rng.choice("0123456789") + text[3:]


def _zip_only(f: Fields, rng: Random, as_of: date) -> None:
    f["street"] = f["zip"][:5]
    f["unit"] = ""


def _no_number(f: Fields, rng: Random, as_of: date) -> None:
    number, _, rest = f["street"].partition(" ")
    f["street"] = rest if number.isdigit() and rest else "Main St"


def _po_box(f: Fields, rng: Random, as_of: date) -> None:
    f["street"] = rng.choice(("PO Box {n}", "P.O. Box {n}", "Post Office Box {n}")).format(
        n=rng.randint(1, 9999)
    )
    f["unit"] = ""


_MISMATCH = {"TX": "CA", "CA": "TX", "AZ": "IL", "IL": "AZ", "NY": "FL", "FL": "NY"}


def _state_mismatch(f: Fields, rng: Random, as_of: date) -> None:
    code = {v: k for k, v in STATE_NAMES.items()}.get(f["state"], f["state"])
    f["state"] = _MISMATCH.get(code, "TX" if code != "TX" else "CA")


def _order(days_back: tuple[int, ...]) -> Callable[[Fields, Random, date], None]:
    def edit(f: Fields, rng: Random, as_of: date) -> None:
        f["removal_order_date"] = (as_of - timedelta(days=rng.choice(days_back))).isoformat()

    return edit


def _order_future(f: Fields, rng: Random, as_of: date) -> None:
    f["removal_order_date"] = (as_of + timedelta(days=rng.randint(1, 400))).isoformat()


def _period_future(f: Fields, rng: Random, as_of: date) -> None:
    y = as_of.year
    f["tax_periods"] = rng.choice((str(y), str(y + 1), f"{y - 2}-{y}", f"{y - 1},{y}"))


def _period_old(f: Fields, rng: Random, as_of: date) -> None:
    y = as_of.year
    f["tax_periods"] = rng.choice((str(y - 7), f"{y - 8}-{y - 3}", f"{y - 7},{y - 2}", "1999"))


def _period_garbage(f: Fields, rng: Random, as_of: date) -> None:
    y = as_of.year
    f["tax_periods"] = rng.choice(("last year", "FY", f"{y - 1}-{y - 4}", "20x3", "all"))


def _missing(col: str) -> Defect:
    return Defect(f"missing:{col}", col, (f"MISSING_FIELD:{col}",), _set(col, ""))


_NI, _NSL, _AI = "NAME_INVALID", "ADDRESS_NOT_STREET_LEVEL", "ADDRESS_INCONSISTENT"
_SNE, _ROI, _ROR = "STATUTE_NOT_ELIGIBLE", "REMOVAL_ORDER_INVALID", "REMOVAL_ORDER_TOO_RECENT"
_TPI, _RI = "TAX_PERIOD_INVALID", "REASON_INSUFFICIENT"

DEFECTS: tuple[Defect, ...] = (
    *(_missing(c) for c in REQUIRED_REQUEST_COLUMNS if c != "request_id"),
    Defect("name_fnu", "first_name", (_NI,), _set("first_name", "FNU", "NFN")),
    Defect("name_digits", "name", (_NI,), _digits_in_name),
    Defect("name_placeholder", "last_name", (_NI,), _set("last_name", "UNKNOWN", "N/A", "TEST")),
    Defect("name_single_char", "last_name", (_NI,), _set("last_name", "G", "M", "R")),
    Defect(
        "address_placeholder",
        "street",
        (_NSL,),
        _set(
            "street",
            "Don't Care 12345",
            "UNKNOWN",
            "N/A",
            "Failed to Provide",
            "Unknown Address",
            "NA NA",
        ),
    ),
    Defect("address_zip_only", "street", (_NSL,), _zip_only),
    Defect("address_no_number", "street", (_NSL,), _no_number),
    Defect("address_po_box", "street", (_NSL,), _po_box),
    Defect("address_state_zip_mismatch", "state", (_AI,), _state_mismatch),
    Defect("address_bad_state", "state", (_AI,), _set("state", "ZZ", "XX", "QQ")),
    Defect(
        "tin_invalid",
        "tin",
        ("TIN_INVALID",),
        _set(
            "tin",
            "000-12-3456",
            "666-45-1234",
            "912-93-4567",
            "123-00-4567",
            "123-45-0000",
            "987-65-432",
            "12345",
        ),
    ),
    Defect(
        "statute_title26",
        "statute",
        (_SNE,),
        _set("statute", "26 U.S.C. 7201", "26 USC §7206(1)", "26 U.S.C. § 7203"),
    ),
    Defect(
        "statute_civil",
        "statute",
        (_SNE,),
        _set("statute", "8 U.S.C. 1227(a)(1)(B)", "8 U.S.C. 1182(a)(6)(A)(i)", "8 USC 1229a"),
    ),
    Defect(
        "statute_unparseable",
        "statute",
        (_SNE,),
        _set("statute", "failure to depart", "INA violation", "see case file"),
    ),
    Defect("order_future", "order", (_ROI,), _order_future),
    Defect(
        "order_not_a_date",
        "order",
        (_ROI,),
        _set("removal_order_date", "2023-02-30", "pending", "03/15/2021", "2021-13-01"),
    ),
    Defect("order_too_recent", "order", (_ROR,), _order((0, 30, 45, 89))),
    Defect("period_future", "period", (_TPI,), _period_future),
    Defect("period_too_old", "period", (_TPI,), _period_old),
    Defect("period_garbage", "period", (_TPI,), _period_garbage),
    Defect("reason_short", "reason", (_RI,), _set("reason", "")),
    Defect("reason_placeholder", "reason", (_RI,), _set("reason", "")),
)

# Which request columns each defect group touches (two defects on a row never share one).
GROUP_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("first_name", "last_name"),
    "first_name": ("first_name",),
    "last_name": ("last_name",),
    "street": ("street", "unit"),
    "state": ("state",),
    "order": ("removal_order_date",),
    "period": ("tax_periods",),
}


_FAMILIES = (
    frozenset({"first_name", "last_name"}),
    frozenset({"street", "unit", "city", "state", "zip"}),
)


def footprint(defect: Defect) -> frozenset[str]:
    """The columns a defect touches, widened to the whole name or address it belongs to:
    codes about an address are only given when every part of it is present, so two defects
    never share a name, an address or a column."""
    cols = frozenset(GROUP_COLUMNS.get(defect.group, (defect.group,)))
    for family in _FAMILIES:
        if cols & family:
            cols |= family
    return cols


PLACEHOLDER_REASONS: tuple[str, ...] = (
    "N/A", "see attached", "TBD", "SEE ATTACHED", "none", "test", "same as above",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "..........................................",
)  # fmt: skip
BOILERPLATE_REASON = (
    "Subject is under investigation for willful failure to depart after a final order of "
    "removal and the agency requires the last known address."
)
