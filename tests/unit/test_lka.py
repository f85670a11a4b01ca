"""Last known address (SPEC §2) and in-effect intervals (SPEC §4): every tie-break."""

from __future__ import annotations

from datetime import date

from disclosure_gateway.domain.lka import history, last_known_address
from disclosure_gateway.domain.model import AddressRow, AddressSource

AS_OF = date(2026, 11, 20)


def row(
    seq: int, eff: str, source: str = "RETURN", tax_year: int | None = None, street: str = ""
) -> AddressRow:
    return AddressRow(
        tin="123456789",
        street=street or f"{seq} Main St",
        unit="",
        city="Houston",
        state="TX",
        zip="77002",
        source=AddressSource(source),
        effective_date=date.fromisoformat(eff),
        tax_year=tax_year,
        seq=seq,
    )


def test_latest_effective_date_wins_whatever_the_file_order() -> None:
    rows = [row(1, "2024-03-01"), row(2, "2021-04-01"), row(3, "2023-01-01")]
    assert last_known_address(rows, AS_OF) == rows[0]


def test_same_date_form_8822_beats_return_beats_ncoa() -> None:
    ncoa, ret, f8822 = (
        row(1, "2024-03-01", "NCOA"),
        row(2, "2024-03-01", "RETURN", 2023),
        row(3, "2024-03-01", "FORM_8822"),
    )
    assert last_known_address([f8822, ret, ncoa], AS_OF) == f8822
    assert last_known_address([ret, ncoa], AS_OF) == ret
    assert last_known_address([ncoa], AS_OF) == ncoa


def test_same_date_and_source_later_tax_year_wins() -> None:
    older, newer = row(1, "2024-03-01", "RETURN", 2023), row(2, "2024-03-01", "RETURN", 2022)
    assert last_known_address([older, newer], AS_OF) == older


def test_missing_tax_year_loses_to_a_present_one() -> None:
    with_year, without = row(2, "2024-03-01", "RETURN", 2020), row(5, "2024-03-01", "RETURN", None)
    assert last_known_address([with_year, without], AS_OF) == with_year


def test_full_tie_the_later_row_in_the_file_wins() -> None:
    first, second = row(4, "2024-03-01", "RETURN", 2023), row(9, "2024-03-01", "RETURN", 2023)
    assert last_known_address([second, first], AS_OF) == second


def test_rows_dated_after_the_submission_are_not_known_yet() -> None:
    rows = [row(1, "2024-03-01"), row(2, "2027-01-01")]
    assert last_known_address(rows, AS_OF) == rows[0]
    assert last_known_address([row(2, "2027-01-01")], AS_OF) is None


def test_in_effect_until_the_next_row() -> None:
    rows = [row(1, "2019-04-01"), row(2, "2020-06-01"), row(3, "2024-02-01")]
    t1, t2, t3 = history(rows, AS_OF)
    assert (t1.start, t1.end) == (date(2019, 4, 1), date(2020, 6, 1))
    assert t3.end is None
    # a 2019 address left in mid-2020 does not cover a request whose periods begin in 2021
    assert not t1.overlaps(date(2021, 1, 1), AS_OF)
    assert t1.overlaps(date(2020, 1, 1), AS_OF)
    assert t2.overlaps(date(2023, 1, 1), AS_OF)
    # a row that took effect after the window's end is not in effect in it
    assert not t3.overlaps(date(2020, 1, 1), date(2023, 12, 31))


def test_an_old_address_never_changed_still_covers_recent_years() -> None:
    (only,) = history([row(1, "2019-04-01")], AS_OF)
    assert only.overlaps(date(2023, 1, 1), AS_OF)


def test_a_row_superseded_the_same_day_was_never_in_effect() -> None:
    loser, winner = row(1, "2024-03-01", "NCOA"), row(2, "2024-03-01", "FORM_8822")
    tenures = {t.row.seq: t for t in history([loser, winner], AS_OF)}
    assert not tenures[1].overlaps(date(2020, 1, 1), AS_OF)
    assert tenures[2].overlaps(date(2020, 1, 1), AS_OF)
