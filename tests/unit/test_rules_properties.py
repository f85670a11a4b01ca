"""Properties of the per-request rules: total on any text, known codes only, valid rows pass."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.domain.geography import parse_zip_prefixes
from disclosure_gateway.domain.model import REQUEST_COLUMNS, REQUIRED_REQUEST_COLUMNS, RequestRecord
from disclosure_gateway.domain.policy import parse_policy
from disclosure_gateway.domain.rules import (
    CODE_ORDER,
    REMEMBERING,
    BatchTally,
    all_codes,
    check_row,
)

SUBMITTED = date(2026, 11, 20)
POLICY = parse_policy(packaged_text("policy-default.toml"))
ZIPS = parse_zip_prefixes(packaged_text("zip3_state.csv"))
KNOWN_CODES = frozenset(CODE_ORDER) - {"MISSING_FIELD"} | {
    f"MISSING_FIELD:{c}" for c in REQUIRED_REQUEST_COLUMNS
}
ORDER = {c: i for i, c in enumerate(CODE_ORDER)}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_tricky = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\x00" * 50,
        "😀" * 10,
        "\ud800",
        "\u202e123",
        "x" * 100000,
        "1" * 5000,
        "9" * 9,
        "-",
        "(a)(1)",
        "8 U.S.C." + "(a)" * 500,
        "2021-" * 300,
        "\n\r\t",
        "\xa0",
        "1 " * 2000,
        "Apt 4 Apt 5 # 6",
        "123 Main St Apt",
        "PO Box 12",
        "#",
        "0 0 0",
        "ÿ" * 300,
    ]
)
_field = st.one_of(st.text(max_size=60), _tricky)


@SETTINGS
@given(st.fixed_dictionaries(dict.fromkeys(REQUEST_COLUMNS, _field)), st.booleans())
def test_check_row_is_total_and_uses_known_codes(values: dict[str, str], malformed: bool) -> None:
    rec = RequestRecord.of(7, values, ("bad_bytes",) if malformed else ())
    result = check_row(rec, POLICY, SUBMITTED, ZIPS)
    assert set(result.codes) <= KNOWN_CODES
    ranks = [ORDER[c.split(":")[0]] for c in result.codes]
    assert ranks == sorted(ranks)
    assert ("ROW_MALFORMED" in result.codes) == malformed
    tally = BatchTally(POLICY)
    tally.add(result)
    assert set(all_codes(result, tally)) <= KNOWN_CODES
    for note in result.notes:
        assert note.isascii()
        assert len(note) <= 60


FIRST = ["José", "María José", "J", "Nguyen Thi", "Mohammed", "Zoë", "Ana-Lucía", "Pat"]
LAST = ["García-López", "de la Cruz", "O'Brien", "Nguyễn", "Smith Jr", "Al-Hassan", "Souza e Silva"]
STREETS = ["N Main St", "Elm Street", "West 5th Avenue", "Calle Ocho", "Martin Luther King Jr Blvd"]
PLACES = [("Houston", "TX", "77002"), ("Miami", "FL", "33135"), ("New York", "NY", "10001-1234")]
PLACES += [("Los Angeles", "california", "90012"), ("Chicago", "IL", "606011234")]
STATUTES = [
    "8 U.S.C. 1253(a)(1)",
    "8 USC §1253(a)(1)",
    "8 usc 1253 (a)(1)",
    "8 U.S.C.A. 1253(a)(1)",
]
WORDS = ["subject", "failed", "to", "depart", "after", "final", "order", "of", "removal"]
WORDS += ["investigation", "locate", "arrest", "warrant", "case", "field", "office", "ongoing"]


def _years() -> st.SearchStrategy[str]:
    low, high = SUBMITTED.year - POLICY.lookback_years, SUBMITTED.year - 1
    year = st.integers(low, high)
    single = year.map(str)
    listed = st.lists(year, min_size=1, max_size=4).map(lambda ys: ", ".join(map(str, ys)))
    ranged = st.tuples(year, year).map(lambda p: f"{min(p)} - {max(p)}")
    return st.one_of(single, listed, ranged)


def _tin() -> st.SearchStrategy[str]:
    ssn = st.tuples(
        st.integers(1, 899).filter(lambda a: a != 666), st.integers(1, 99), st.integers(1, 9999)
    )
    ssn_text = ssn.map(lambda t: f"{t[0]:03d}-{t[1]:02d}-{t[2]:04d}")
    itin = st.tuples(
        st.integers(0, 99), st.sampled_from([50, 65, 70, 88, 90, 92, 94, 99]), st.integers(0, 9999)
    )
    itin_text = itin.map(lambda t: f"9{t[0]:02d}{t[1]:02d}{t[2]:04d}")
    return st.one_of(st.just(""), ssn_text, itin_text)


@st.composite
def valid_rows(draw: st.DrawFn) -> dict[str, str]:
    city, state, zip_code = draw(st.sampled_from(PLACES))
    reason_words = draw(st.lists(st.sampled_from(WORDS), min_size=8, max_size=20, unique=True))
    order_age = draw(st.integers(POLICY.min_days_since_order, 20 * 365))
    born = draw(st.dates(date(1930, 1, 1), date(2008, 1, 1)))
    return {
        "request_id": f"R-{draw(st.integers(1, 10**9))}",
        "first_name": draw(st.sampled_from(FIRST)),
        "middle_name": draw(st.sampled_from(["", "Luis", "Van", "de los Ángeles"])),
        "last_name": draw(st.sampled_from(LAST)),
        "suffix": draw(st.sampled_from(["", "Jr.", "III", "sr"])),
        "street": f"{draw(st.integers(1, 99999))} {draw(st.sampled_from(STREETS))}",
        "unit": draw(st.sampled_from(["", "Apt 4", "#12B", "Unit C"])),
        "city": city,
        "state": state,
        "zip": zip_code,
        "tin": draw(_tin()),
        "birth_date": born.isoformat() if draw(st.booleans()) else "",
        "tax_periods": draw(_years()),
        "statute": draw(st.sampled_from(STATUTES)),
        "removal_order_date": (SUBMITTED - timedelta(days=order_age)).isoformat(),
        "removal_case_number": f"A{draw(st.integers(10**8, 10**9 - 1))}",
        "case_officer": draw(
            st.sampled_from(["Officer Kim", "SA R. Díaz", "Deportation Officer Lee"])
        ),
        "reason": " ".join(reason_words).capitalize() + ".",
    }


@SETTINGS
@given(valid_rows())
def test_fully_valid_row_gets_no_codes(values: dict[str, str]) -> None:
    result = check_row(RequestRecord.of(1, values), POLICY, SUBMITTED, ZIPS)
    assert result.codes == ()
    assert result.name is not None
    assert result.address is not None
    assert result.earliest_tax_year is not None
    assert (result.tin is None) == (values["tin"] == "")
    assert len(result.identity_keys) == (2 if values["tin"] else 1)


@SETTINGS
@given(
    st.fixed_dictionaries({c: st.one_of(_tricky, st.text(max_size=12)) for c in REQUEST_COLUMNS})
)
def test_remembered_field_checks_answer_as_worked_out_afresh(values: dict[str, str]) -> None:
    """A row checked twice (the second time from what the first remembered) and a row
    checked after the remembered answers are forgotten get the same check."""
    rec = RequestRecord(row_no=2, fields=tuple(values.items()), problems=())
    first = check_row(rec, POLICY, SUBMITTED, ZIPS)
    assert check_row(rec, POLICY, SUBMITTED, ZIPS) == first
    for remembered in REMEMBERING:
        remembered.cache_clear()
    assert check_row(rec, POLICY, SUBMITTED, ZIPS) == first
