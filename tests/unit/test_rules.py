"""SPEC §4 per-request rules: every code accepted and refused, boundaries, order, suppression."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest

from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.domain.geography import ZipPrefixes, parse_zip_prefixes
from disclosure_gateway.domain.model import REQUIRED_REQUEST_COLUMNS, RequestRecord
from disclosure_gateway.domain.policy import Policy, parse_policy
from disclosure_gateway.domain.rules import (
    CODE_ORDER,
    BatchTally,
    RowCheck,
    all_codes,
    check_row,
    parse_strict_date,
    parse_tax_periods,
    reason_is_placeholder,
)

SUBMITTED = date(2026, 11, 20)
POLICY: Policy = parse_policy(packaged_text("policy-default.toml"))
ZIPS: ZipPrefixes = parse_zip_prefixes(packaged_text("zip3_state.csv"))
REASON = "Subject failed to depart after final removal order A123456789; locating for arrest."

BASE: dict[str, str] = {
    "request_id": "R-1",
    "first_name": "José",
    "middle_name": "Luis",
    "last_name": "García-López",
    "suffix": "",
    "street": "123 N Main St",
    "unit": "Apt 4",
    "city": "Houston",
    "state": "TX",
    "zip": "77002",
    "tin": "",
    "birth_date": "1980-05-17",
    "tax_periods": "2023,2024",
    "statute": "8 U.S.C. 1253(a)(1)",
    "removal_order_date": "2025-01-15",
    "removal_case_number": "A123-456-789",
    "case_officer": "Officer Pat Kim",
    "reason": REASON,
}


def row(row_no: int = 1, problems: tuple[str, ...] = (), **changes: str) -> RequestRecord:
    return RequestRecord.of(row_no, {**BASE, **changes}, problems)


def check(policy: Policy = POLICY, **changes: str) -> RowCheck:
    return check_row(row(**changes), policy, SUBMITTED, ZIPS)


def codes(**changes: str) -> tuple[str, ...]:
    return check(**changes).codes


def test_valid_row_has_no_codes_and_is_standardised() -> None:
    result = check(tin="123-45-6789", suffix="jr.")
    assert result.codes == ()
    assert result.name is not None
    assert result.name.key == "JOSE|GARCIA LOPEZ"
    assert result.address is not None
    assert result.tin == "123456789"
    assert result.birth_date == date(1980, 5, 17)
    assert result.suffix == "JR"
    assert result.earliest_tax_year == 2023
    assert result.statute == "8 U.S.C. 1253(a)(1)"
    assert result.notes == ()
    assert re.fullmatch(r"[0-9a-f]{64}", result.reason_key)
    assert re.fullmatch(r"[0-9a-f]{64}", result.officer_key)
    assert [k[:2] for k in result.identity_keys] == ["N:", "T:"]


# --- MISSING_FIELD -------------------------------------------------------------------------


@pytest.mark.parametrize("column", REQUIRED_REQUEST_COLUMNS)
def test_each_empty_required_field_gets_only_missing_field(column: str) -> None:
    assert codes(**{column: "  \t "}) == (f"MISSING_FIELD:{column}",)


@pytest.mark.parametrize("column", ["middle_name", "suffix", "unit", "tin", "birth_date"])
def test_optional_fields_may_be_empty(column: str) -> None:
    assert codes(**{column: ""}) == ()


def test_missing_fields_in_required_column_order() -> None:
    result = codes(reason="", tax_periods="", first_name="", zip="")
    assert result == (
        "MISSING_FIELD:first_name",
        "MISSING_FIELD:zip",
        "MISSING_FIELD:tax_periods",
        "MISSING_FIELD:reason",
    )


def test_missing_field_suppresses_only_that_fields_content_codes() -> None:
    assert codes(last_name="", first_name="UNKNOWN") == ("MISSING_FIELD:last_name", "NAME_INVALID")
    assert codes(city="", street="UNKNOWN") == ("MISSING_FIELD:city",)
    assert check(first_name="").name is None
    assert check(street="").address is None


# --- NAME_INVALID --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last"), [("J", "Smith"), ("John", "Doe"), ("Ana", "De La O"), ("Sean", "O'Brien")]
)
def test_name_accepted(first: str, last: str) -> None:
    assert codes(first_name=first, last_name=last) == ()


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("John3", "Smith"),
        ("John", "S"),
        ("UNKNOWN", "Smith"),
        ("John", "N/A"),
        ("TEST", "User"),
        ("John", "123"),
        ("FNU", "Garcia"),
        ("John", "!!"),
        ("X", "Smith"),
    ],
)
def test_name_refused(first: str, last: str) -> None:
    assert codes(first_name=first, last_name=last) == ("NAME_INVALID",)


# --- ADDRESS_NOT_STREET_LEVEL / ADDRESS_INCONSISTENT ---------------------------------------


@pytest.mark.parametrize(
    "street", ["UNKNOWN", "N/A", "Don't Care", "Main St", "Failed to Provide", "NA NA", "12345"]
)
def test_address_not_street_level(street: str) -> None:
    result = check(street=street)
    assert result.codes == ("ADDRESS_NOT_STREET_LEVEL",)
    assert result.address is None
    assert all(":" not in n or n.split(":")[1].isidentifier() for n in result.notes)


@pytest.mark.parametrize(
    ("state", "zip_code"),
    [
        ("TX", "77002"),
        ("tx", "77002-1234"),
        ("Texas", "770021234"),
        ("NY", "10001"),
        ("PR", "00901"),
        ("DC", "20500"),
        ("AE", "09012"),
    ],
)
def test_address_consistent(state: str, zip_code: str) -> None:
    city = {"NY": "New York", "PR": "San Juan", "DC": "Washington", "AE": "APO"}.get(
        state, "Houston"
    )
    result = check(state=state, zip=zip_code, city=city)
    assert "ADDRESS_INCONSISTENT" not in result.codes


@pytest.mark.parametrize(
    ("state", "zip_code"),
    [
        ("TX", "10001"),
        ("ZZ", "77002"),
        ("TX", "7700"),
        ("TX", "ABCDE"),
        ("TX", "00000"),
        ("Tejas", "77002"),
        ("FM", "96941"),
    ],
)
def test_address_inconsistent(state: str, zip_code: str) -> None:
    assert "ADDRESS_INCONSISTENT" in check(state=state, zip=zip_code).codes


def test_state_full_name_accepted() -> None:
    assert codes(state="Texas") == ()


# --- TIN_INVALID ---------------------------------------------------------------------------


@pytest.mark.parametrize("tin", ["123-45-6789", "123456789", "912-70-1234", " 912 94 1234 "])
def test_tin_accepted(tin: str) -> None:
    result = check(tin=tin)
    assert result.codes == ()
    assert result.tin == tin.replace("-", "").replace(" ", "")


@pytest.mark.parametrize(
    "tin",
    [
        "000-12-3456",
        "666-12-3456",
        "123-00-4567",
        "123-45-0000",
        "912-93-1234",
        "12345",
        "ABC-DE-FGHI",
        "1234567890",
    ],
)
def test_tin_refused(tin: str) -> None:
    result = check(tin=tin)
    assert result.codes == ("TIN_INVALID",)
    assert result.tin is None
    assert [k[:2] for k in result.identity_keys] == ["N:"]


# --- STATUTE_NOT_ELIGIBLE ------------------------------------------------------------------


@pytest.mark.parametrize("statute", ["8 USC §1253(a)(1)", "Title 8 U.S.C. Section 1253(a)(1)"])
def test_statute_accepted_and_canonical(statute: str) -> None:
    result = check(statute=statute)
    assert result.codes == ()
    assert result.statute == "8 U.S.C. 1253(a)(1)"


@pytest.mark.parametrize(
    "statute",
    ["26 U.S.C. 7201", "8 U.S.C. 1227(a)(1)", "8 U.S.C. 1253", "removal", "8 U.S.C. 1325"],
)
def test_statute_refused(statute: str) -> None:
    assert codes(statute=statute) == ("STATUTE_NOT_ELIGIBLE",)


def test_statute_kept_raw_when_unparseable() -> None:
    assert check(statute="  some   law ").statute == "some law"


# --- REMOVAL_ORDER_INVALID / REMOVAL_ORDER_TOO_RECENT --------------------------------------


def _days_before(days: int) -> str:
    return (SUBMITTED - timedelta(days=days)).isoformat()


def test_removal_order_exactly_min_days_is_enough() -> None:
    assert codes(removal_order_date=_days_before(90)) == ()
    assert codes(removal_order_date=_days_before(3650)) == ()


@pytest.mark.parametrize("days", [89, 1, 0])
def test_removal_order_too_recent(days: int) -> None:
    assert codes(removal_order_date=_days_before(days)) == ("REMOVAL_ORDER_TOO_RECENT",)


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-30",
        "01/15/2025",
        "2025-1-15",
        "2025-01-15T00:00",
        "yesterday",
        "0000-01-01",
        _days_before(-1),
        "2099-01-01",
    ],
)
def test_removal_order_invalid(text: str) -> None:
    assert codes(removal_order_date=text) == ("REMOVAL_ORDER_INVALID",)


def test_min_days_follows_policy() -> None:
    strict = dataclasses.replace(POLICY, min_days_since_order=365)
    assert check(strict, removal_order_date=_days_before(364)).codes == (
        "REMOVAL_ORDER_TOO_RECENT",
    )
    assert check(strict, removal_order_date=_days_before(365)).codes == ()


# --- TAX_PERIOD_INVALID --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "earliest"),
    [
        ("2023", 2023),
        ("2022,2023", 2022),
        ("2022, 2023", 2022),
        ("2021-2024", 2021),
        ("2021 - 2024", 2021),
        ("2021;2022", 2021),
        ("2020", 2020),
        ("2025", 2025),
        ("2020-2025", 2020),
        ("2024, 2021-2022", 2021),
        ("2021–2022", 2021),
    ],
)
def test_tax_periods_accepted(text: str, earliest: int) -> None:
    result = check(tax_periods=text)
    assert result.codes == ()
    assert result.earliest_tax_year == earliest


@pytest.mark.parametrize(
    "text",
    [
        "2019",
        "2026",
        "2027",
        "2019-2021",
        "2024-2026",
        "2024-2021",
        "1900-2025",
        "23",
        "FY2023",
        "2023,",
        "2023 2024",
        "2023/2024",
        "abc",
        "2022,,2023",
        "2023-",
        "20232024",
    ],
)
def test_tax_periods_refused(text: str) -> None:
    assert codes(tax_periods=text) == ("TAX_PERIOD_INVALID",)


def test_tax_period_lookback_follows_policy() -> None:
    longer = dataclasses.replace(POLICY, lookback_years=7)
    assert check(longer, tax_periods="2019").codes == ()
    assert check(longer, tax_periods="2018").codes == ("TAX_PERIOD_INVALID",)


def test_parse_tax_periods() -> None:
    assert parse_tax_periods("2021-2023;2025") == (2021, 2022, 2023, 2025)
    assert parse_tax_periods("1970-2020") == tuple(range(1970, 2021))
    assert parse_tax_periods("1969-2020") is None
    assert parse_tax_periods("2023" + ",2023" * 200) is None


# --- REASON_INSUFFICIENT -------------------------------------------------------------------


def test_reason_boundary_40_characters() -> None:
    forty = "Failed to depart; order A12345678 final."
    assert len(forty) == 40
    assert codes(reason=forty) == ()
    assert codes(reason=forty[:39]) == ("REASON_INSUFFICIENT",)
    padded = "  " + forty[:39].replace(" ", "   \n ") + "  "
    assert len(padded) > 40
    assert codes(reason=padded) == ("REASON_INSUFFICIENT",)


@pytest.mark.parametrize(
    "text",
    [
        "N/A",
        "NONE",
        "TBD",
        "see above",
        "See attached",
        "SAME AS ABOVE",
        "test",
        "N/A " * 12,
        "See attached. " * 4,
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit",
        "x" * 60,
        "-" * 60,
        "1234567890 " * 5,
        "... --- ... !!! ??? 000 111 222 333 444 555",
        "blah blah blah blah blah blah blah blah blah",
        "Same as above; see attached; TBD; N/A etc",
    ],
)
def test_reason_placeholder_refused(text: str) -> None:
    assert reason_is_placeholder(text) or len(text.strip()) < 40
    assert codes(reason=text) == ("REASON_INSUFFICIENT",)


def test_reason_min_length_follows_policy() -> None:
    assert not reason_is_placeholder(REASON)
    longer = dataclasses.replace(POLICY, reason_min_length=len(REASON) + 1)
    assert check(longer).codes == ("REASON_INSUFFICIENT",)


# --- notes ---------------------------------------------------------------------------------


def test_birth_date_unparsed_is_a_note_not_a_code() -> None:
    result = check(birth_date="1980-02-30")
    assert result.codes == ()
    assert result.birth_date is None
    assert result.notes == ("birth_date_unparsed",)


def test_suffix_notes_and_precedence() -> None:
    assert check(suffix="Esq").notes == ("suffix_unrecognised",)
    conflict = check(suffix="Sr", last_name="Garcia Lopez Jr")
    assert conflict.suffix == "SR"
    assert conflict.notes == ("suffix_conflict",)
    assert check(last_name="Garcia Lopez, Jr.").suffix == "JR"


def test_notes_and_keys_carry_no_personal_data() -> None:
    result = check(birth_date="bad", suffix="weird", street="Don't Care", tin="123456789")
    text = " ".join((*result.notes, result.reason_key, result.officer_key, *result.identity_keys))
    for secret in ("123456789", "1980", "Garcia", "GARCIA", "Care", "CARE", "Houston", "Officer"):
        assert secret not in text


# --- batch-level codes ---------------------------------------------------------------------


def run_batch(records: list[RequestRecord], policy: Policy = POLICY) -> list[tuple[str, ...]]:
    checks = [check_row(r, policy, SUBMITTED, ZIPS) for r in records]
    tally = BatchTally(policy)
    for c in checks:
        tally.add(c)
    return [all_codes(c, tally) for c in checks]


def _distinct(n: int, **changes: str) -> list[RequestRecord]:
    return [
        row(i + 1, request_id=f"R-{i}", street=f"{100 + i} N Main St", **changes) for i in range(n)
    ]


def test_reason_repeated_up_to_limit_is_specific() -> None:
    assert all(c == () for c in run_batch(_distinct(10)))


def test_reason_repeated_beyond_limit_on_every_row() -> None:
    records = [
        *_distinct(10),
        row(11, request_id="R-x", street="999 Oak Ave", reason=f"  {REASON.upper()} "),
    ]
    assert all(c == ("REASON_NOT_SPECIFIC",) for c in run_batch(records))


def test_rejected_rows_count_towards_repeats_but_empty_reasons_do_not() -> None:
    records = [*_distinct(10), row(11, request_id="R-z", street="9 Elm St", tin="000000000")]
    result = run_batch(records)
    assert result[-1] == ("TIN_INVALID", "REASON_NOT_SPECIFIC")
    blanks = run_batch(_distinct(12, reason=""))
    assert all(c == ("MISSING_FIELD:reason",) for c in blanks)


def test_caseload_boundary() -> None:
    small = dataclasses.replace(POLICY, max_rows_per_officer=3, reason_max_repeats=100)
    assert all(c == () for c in run_batch(_distinct(3), small))
    over = run_batch(
        [
            *_distinct(3),
            row(4, request_id="R-4", street="4 Elm St", case_officer="officer PAT  kim"),
        ],
        small,
    )
    assert all(c == ("CASELOAD_IMPLAUSIBLE",) for c in over)


def test_duplicate_by_name_and_address_earliest_stands() -> None:
    records = [
        row(1),
        row(
            2,
            request_id="R-2",
            first_name="JOSE",
            last_name="garcia y lopez",
            street="123 North Main Street",
        ),
        row(3, request_id="R-3", unit="Apt 5"),
        row(4, request_id="R-4", suffix="Jr"),
        row(5, request_id="R-5", first_name="Maria"),
    ]
    assert run_batch(records) == [(), ("DUPLICATE_REQUEST",), (), (), ()]


def test_duplicate_by_tin_even_with_another_name() -> None:
    records = [
        row(1, tin="123-45-6789"),
        row(2, request_id="R-2", first_name="Maria", street="9 Elm St", tin="123456789"),
    ]
    assert run_batch(records) == [(), ("DUPLICATE_REQUEST",)]


def test_duplicate_does_not_depend_on_add_order() -> None:
    checks = [check_row(row(n, request_id=f"R-{n}"), POLICY, SUBMITTED, ZIPS) for n in (1, 2)]
    tally = BatchTally(POLICY)
    for c in reversed(checks):
        tally.add(c)
    assert [tally.codes_for(c) for c in checks] == [(), ("DUPLICATE_REQUEST",)]


# --- ordering and ROW_MALFORMED ------------------------------------------------------------


def test_every_row_code_in_order() -> None:
    result = check(
        first_name="TEST",
        street="Don't Care",
        state="NY",
        zip="77002",
        tin="000-00-0000",
        statute="26 USC 7201",
        removal_order_date="2099-01-01",
        tax_periods="2030",
        reason="N/A",
    )
    assert result.codes == (
        "NAME_INVALID",
        "ADDRESS_NOT_STREET_LEVEL",
        "ADDRESS_INCONSISTENT",
        "TIN_INVALID",
        "STATUTE_NOT_ELIGIBLE",
        "REMOVAL_ORDER_INVALID",
        "TAX_PERIOD_INVALID",
        "REASON_INSUFFICIENT",
    )


def test_all_codes_order_with_batch_codes_and_malformed_last() -> None:
    policy = dataclasses.replace(POLICY, reason_max_repeats=1, max_rows_per_officer=1)
    records = [
        row(1),
        row(2, problems=("field_count",), removal_order_date=_days_before(10), request_id=""),
    ]
    result = run_batch(records, policy)
    assert result[0] == ("REASON_NOT_SPECIFIC", "CASELOAD_IMPLAUSIBLE")
    assert result[1] == (
        "MISSING_FIELD:request_id",
        "REMOVAL_ORDER_TOO_RECENT",
        "REASON_NOT_SPECIFIC",
        "CASELOAD_IMPLAUSIBLE",
        "DUPLICATE_REQUEST",
        "ROW_MALFORMED",
    )
    order = {c: i for i, c in enumerate(CODE_ORDER)}
    ranks = [order[c.split(":")[0]] for c in result[1]]
    assert ranks == sorted(ranks)


def test_row_malformed_is_a_row_code() -> None:
    result = check_row(row(problems=("bad_bytes",)), POLICY, SUBMITTED, ZIPS)
    assert result.codes == ("ROW_MALFORMED",)


def test_parse_strict_date() -> None:
    assert parse_strict_date("2024-02-29") == date(2024, 2, 29)
    assert parse_strict_date("2023-02-29") is None
    assert parse_strict_date("２０２４-０１-０１") is None
    assert parse_strict_date(" 2024-01-01") is None


def test_tally_accepts_keys_that_are_not_digests() -> None:
    base = check_row(row(), POLICY, SUBMITTED, ZIPS)
    one = dataclasses.replace(base, reason_key="r", officer_key="o", identity_keys=("N:x",))
    two = dataclasses.replace(one, row_no=2)
    tally = BatchTally(dataclasses.replace(POLICY, reason_max_repeats=1))
    tally.add(one)
    tally.add(two)
    assert all_codes(two, tally) == ("REASON_NOT_SPECIFIC", "DUPLICATE_REQUEST")
    assert all_codes(one, tally) == ("REASON_NOT_SPECIFIC",)


def test_tallies_of_chunks_merged_give_the_whole_batch_codes() -> None:
    """Pass 1 tallies each chunk on its own worker; merged in any order, the codes are those
    of one tally over the whole batch (repeats, caseloads, and duplicates' first rows)."""
    policy = dataclasses.replace(POLICY, reason_max_repeats=2, max_rows_per_officer=3)
    records = [*_distinct(5), row(6, request_id="R-dup"), row(7, request_id="R-dup2")]
    records += [row(8, request_id="R-8", reason="Locating subject for removal order 8.")]
    checks = [check_row(r, policy, SUBMITTED, ZIPS) for r in records]
    whole = BatchTally(policy)
    for c in checks:
        whole.add(c)
    expected = [all_codes(c, whole) for c in checks]
    assert any(expected), "the batch must exercise batch-level codes"
    for cut in (1, 3, 6):
        parts = [checks[cut:], checks[:cut]]  # later rows first: order must not matter
        merged = BatchTally(policy)
        for part in parts:
            tally = BatchTally(policy)
            for c in part:
                tally.add(c)
            merged.merge(tally)
        assert merged.snapshot() == whole.snapshot()
        assert [all_codes(c, merged) for c in checks] == expected
        decisive = merged.decisive()
        assert decisive.snapshot() == whole.decisive().snapshot()
        assert [all_codes(c, decisive) for c in checks] == expected
        restored = BatchTally.restore(policy, decisive.snapshot())
        assert [all_codes(c, restored) for c in checks] == expected


def test_the_decisive_tally_keeps_only_what_gives_a_code() -> None:
    """Pass 2 gets the reasons and officers over their limits and the repeated identity
    keys only; every row's codes are the full tally's, and the full tally is far larger."""
    policy = dataclasses.replace(POLICY, reason_max_repeats=2, max_rows_per_officer=3)
    records = [*_distinct(40), row(41, request_id="R-dup"), row(42, request_id="R-dup2")]
    checks = [check_row(r, policy, SUBMITTED, ZIPS) for r in records]
    whole = BatchTally(policy)
    for c in checks:
        whole.add(c)
    decisive = whole.decisive()
    assert [all_codes(c, decisive) for c in checks] == [all_codes(c, whole) for c in checks]
    assert any("DUPLICATE_REQUEST" in all_codes(c, decisive) for c in checks)
    full, kept = whole.snapshot(), decisive.snapshot()
    for part in ("reasons", "officers", "first_row"):
        assert set(kept[part]) <= set(full[part])  # type: ignore[arg-type]
    assert len(kept["first_row"]) < len(full["first_row"]) / 10  # type: ignore[arg-type]
