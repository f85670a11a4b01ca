"""The SQLite state store: every method, exact round trips, atomic chunks, clear failures."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from disclosure_gateway.adapters.storage.state import Agency, BatchInfo, Hold, StateStore
from disclosure_gateway.domain.audit import GENESIS
from disclosure_gateway.domain.errors import BadInput, BatchRefused, StoreError, TamperDetected
from disclosure_gateway.domain.manifest import generate_keypair
from disclosure_gateway.domain.model import (
    AccountingDraft,
    Decision,
    DecisionRecord,
    Disclosure,
    Outcome,
)

_, PUBLIC = generate_keypair()


class Clock:
    def __init__(self, now: str = "2026-03-01T10:00:00+00:00") -> None:
        self.now = now

    def __call__(self) -> str:
        return self.now


def agency(name: str = "DHS-ICE", current: bool = True) -> Agency:
    return Agency(name, PUBLIC, ("Jane Doe", "John Roe"), current)


def batch(
    batch_id: str = "B-1", agency_name: str = "DHS-ICE", count: int = 10, on: str = "2026-03-01"
) -> BatchInfo:
    return BatchInfo(
        batch_id=batch_id,
        agency=agency_name,
        official="Jane Doe",
        official_title="Director",
        signed_on="2026-02-27",
        records_file="requests.csv",
        records_sha256="ab" * 32,
        record_count=count,
        submitted_on=date.fromisoformat(on),
        submitted_at=f"{on}T09:00:00+00:00",
        manifest_json=f'{{"batch_id": "{batch_id}"}}',
        state="SUBMITTED",
        rows_done=0,
    )


def tin_of(row_no: int) -> str:
    return f"{100000000 + row_no}"


def decision(
    batch_id: str, row_no: int, kind: Decision = Decision.NO_DISCLOSURE, tin: str = ""
) -> DecisionRecord:
    shown = None
    codes: tuple[str, ...] = ()
    if kind is Decision.DISCLOSED:
        shown = Disclosure(
            tin or tin_of(row_no),
            True,
            "12 Main St",
            "Apt 4",
            "Houston",
            "TX",
            "77002",
            "2024-05-01",
        )
    if kind is Decision.REJECTED:
        codes = ("MISSING_FIELD:tax_periods", "STATUTE_NOT_ELIGIBLE")
    outcome = Outcome(
        decision=kind,
        rule=f"RULE_{kind.value}",
        reason_codes=codes,
        evidence={
            "score": 0.93,
            "candidates": [{"n": 1, "ok": True}],
            "note": "Núñez",
            "none": None,
        },
        disclosure=shown,
    )
    return DecisionRecord(batch_id, row_no, f"R-{row_no}", outcome, "2026.1@abc", "m1", "0.1.0")


def draft_for(record: DecisionRecord, agency_name: str = "DHS-ICE") -> AccountingDraft:
    shown = record.outcome.disclosure
    assert shown is not None
    return AccountingDraft(
        kind="DISCLOSURE",
        batch_id=record.batch_id,
        request_id=record.request_id,
        row_no=record.row_no,
        tin=shown.tin,
        agency=agency_name,
        official="Jane Doe",
        statute="8 U.S.C. 1253(a)(1)",
        disclosed=(
            ("address_confirmed", "true"),
            ("lka_street", shown.lka_street),
            ("lka_unit", shown.lka_unit),
            ("lka_city", shown.lka_city),
            ("lka_state", shown.lka_state),
            ("lka_zip", shown.lka_zip),
            ("lka_effective_date", shown.lka_effective_date),
        ),
        policy_version=record.policy_version,
        model_version=record.model_version,
        evidence={"rule": record.outcome.rule},
    )


def chunk(
    batch_id: str,
    rows: range,
    disclosed: set[int],
    tins: dict[int, str] | None = None,
    agency_name: str = "DHS-ICE",
) -> tuple[list[DecisionRecord], list[AccountingDraft]]:
    records = [
        decision(
            batch_id,
            n,
            Decision.DISCLOSED if n in disclosed else Decision.NO_DISCLOSURE,
            (tins or {}).get(n, ""),
        )
        for n in rows
    ]
    drafts = [
        draft_for(r, agency_name) for r in records if r.outcome.decision is Decision.DISCLOSED
    ]
    return records, drafts


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[StateStore]:
    with StateStore.open(tmp_path / "home", now=clock) as s:
        s.add_agency(agency())
        s.add_batch(batch())
        yield s


def raw(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "state.sqlite")


def anchor_row(home: Path) -> tuple[int, str]:
    with sqlite3.connect(home / "anchor.sqlite") as db:
        row = db.execute("SELECT head_seq, head_hash FROM chain_head").fetchone()
    return int(row[0]), str(row[1])


# -- opening ---------------------------------------------------------------------------------
def test_open_creates_home_both_files_and_an_anchor_at_genesis(tmp_path: Path) -> None:
    home = tmp_path / "a" / "b"
    with StateStore.open(home) as s:
        assert s.chain_anchor() == (0, GENESIS)
    assert (home / "state.sqlite").is_file()
    assert (home / "anchor.sqlite").is_file()
    assert anchor_row(home) == (0, GENESIS)
    with raw(home) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_reopening_keeps_everything(tmp_path: Path) -> None:
    with StateStore.open(tmp_path) as s:
        s.add_agency(agency())
    with StateStore.open(tmp_path) as s:
        assert s.get_agency("DHS-ICE") == agency()


def test_a_home_that_is_a_file_is_a_store_error(tmp_path: Path) -> None:
    home = tmp_path / "file"
    home.write_text("x")
    with pytest.raises(StoreError) as err:
        StateStore.open(home)
    assert "\n" not in str(err.value)


def test_a_read_only_state_file_is_a_store_error_with_one_line(tmp_path: Path) -> None:
    with StateStore.open(tmp_path) as s:
        s.add_agency(agency())
    state = tmp_path / "state.sqlite"
    os.chmod(state, stat.S_IRUSR | stat.S_IRGRP)
    try:
        with StateStore.open(tmp_path) as s:
            assert s.get_agency("DHS-ICE") == agency()  # reading still works
            with pytest.raises(StoreError) as err:
                s.hold_on("court order", "ops")
            assert s.active_hold() is None
    finally:
        os.chmod(state, stat.S_IRUSR | stat.S_IWUSR)
    message = str(err.value)
    assert "\n" not in message
    assert "readonly" in message
    assert message.startswith("state store: cannot record a legal hold")


def test_a_locked_store_is_a_store_error(tmp_path: Path) -> None:
    with StateStore.open(tmp_path) as s:
        s.add_agency(agency())
    blocker = raw(tmp_path)
    blocker.isolation_level = None
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with StateStore.open(tmp_path, busy_timeout=0.05) as s:
            assert s.get_agency("DHS-ICE") == agency()
            with pytest.raises(StoreError, match="locked") as err:
                s.set_safeguards("DHS-ICE", False)
            assert "\n" not in str(err.value)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_a_state_file_that_is_not_sqlite_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "state.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a database"):
        StateStore.open(tmp_path)


# -- agencies ----------------------------------------------------------------------------------
def test_agencies_add_get_list_replace_and_safeguards(store: StateStore) -> None:
    assert store.get_agency("DHS-ICE") == agency()
    assert store.get_agency("nobody") is None
    with pytest.raises(BadInput, match="already registered"):
        store.add_agency(agency())
    _, other_key = generate_keypair()
    replaced = Agency("DHS-ICE", other_key, ("Ann Lee",), False)
    store.add_agency(replaced, replace=True)
    assert store.get_agency("DHS-ICE") == replaced
    store.add_agency(agency("DOJ-FBI"))
    assert [a.name for a in store.list_agencies()] == ["DHS-ICE", "DOJ-FBI"]
    store.set_safeguards("DHS-ICE", True)
    current = store.get_agency("DHS-ICE")
    assert current is not None
    assert current.safeguards_current
    store.set_safeguards("DHS-ICE", False)
    lapsed = store.get_agency("DHS-ICE")
    assert lapsed is not None
    assert not lapsed.safeguards_current
    with pytest.raises(BadInput, match="not registered"):
        store.set_safeguards("nobody", True)


# -- holds -------------------------------------------------------------------------------------
def test_holds_on_off_and_their_history_is_kept(
    store: StateStore, clock: Clock, tmp_path: Path
) -> None:
    assert store.active_hold() is None
    with pytest.raises(BadInput, match="no legal hold"):
        store.hold_off("nothing", "ops")
    store.hold_on("court order 1", "alice")
    assert store.active_hold() == Hold("court order 1", "alice", clock.now)
    with pytest.raises(BadInput, match="already in force"):
        store.hold_on("again", "bob")
    clock.now = "2026-03-02T10:00:00+00:00"
    store.hold_off("order lifted", "bob")
    assert store.active_hold() is None
    store.hold_on("court order 2", "carol")
    with raw(tmp_path / "home") as db:
        events = db.execute("SELECT event, reason, by_name FROM hold_events ORDER BY id").fetchall()
        assert events == [
            ("ON", "court order 1", "alice"),
            ("OFF", "order lifted", "bob"),
            ("ON", "court order 2", "carol"),
        ]
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            db.execute("DELETE FROM hold_events")


# -- batches -----------------------------------------------------------------------------------
def test_batches_round_trip_list_and_state(store: StateStore) -> None:
    assert store.get_batch("B-1") == batch()
    assert store.get_batch("nope") is None
    store.add_batch(batch("B-2", on="2026-03-02"))
    assert [b.batch_id for b in store.list_batches()] == ["B-1", "B-2"]
    store.set_batch_state("B-1", "RUNNING")
    got = store.get_batch("B-1")
    assert got is not None
    assert got.state == "RUNNING"
    with pytest.raises(BadInput, match="batch state"):
        store.set_batch_state("B-1", "PAUSED")
    with pytest.raises(BadInput, match="no batch"):
        store.set_batch_state("nope", "DONE")


def test_a_repeated_batch_id_is_refused_by_the_key(store: StateStore) -> None:
    with pytest.raises(BatchRefused) as err:
        store.add_batch(batch(count=99))
    assert err.value.code == "DUPLICATE_BATCH"
    got = store.get_batch("B-1")
    assert got is not None
    assert got.record_count == 10


def test_a_batch_of_an_unknown_agency_is_refused(store: StateStore) -> None:
    with pytest.raises(BadInput, match="agency is not registered"):
        store.add_batch(batch("B-9", agency_name="nobody"))


# -- decisions ---------------------------------------------------------------------------------
def test_decisions_round_trip_exactly(store: StateStore) -> None:
    records = [
        decision("B-1", 1, Decision.DISCLOSED),
        decision("B-1", 2, Decision.REJECTED),
        decision("B-1", 3, Decision.NO_DISCLOSURE),
        decision("B-1", 4, Decision.REVIEW),
    ]
    store.record_chunk("B-1", records, [draft_for(records[0])])
    assert list(store.iter_decisions("B-1")) == records
    assert store.decision_for("B-1", "R-2") == records[1]
    assert store.decision_for("B-1", "R-99") is None
    assert store.decided_count("B-1") == 4
    got = store.get_batch("B-1")
    assert got is not None
    assert got.rows_done == 4


def test_confirm_only_disclosure_round_trips(store: StateStore) -> None:
    record = decision("B-1", 1, Decision.DISCLOSED)
    confirm = Outcome(Decision.DISCLOSED, "R", (), {}, Disclosure(tin_of(1), False))
    record = DecisionRecord("B-1", 1, "R-1", confirm, "p", "m", "c")
    d = AccountingDraft(
        "DISCLOSURE", "B-1", "R-1", 1, tin_of(1), "DHS-ICE", "Jane Doe", "s",
        (("address_confirmed", "false"),), "p", "m", {},
    )  # fmt: skip
    store.record_chunk("B-1", [record], [d])
    assert list(store.iter_decisions("B-1")) == [record]
    assert store.verify_chain().ok


def test_iter_decisions_streams_in_row_order_across_chunks(store: StateStore) -> None:
    store.add_batch(batch("B-2", count=2500))
    for start in (1001, 1, 2001):
        records, drafts = chunk(
            "B-2", range(start, start + 1000 if start < 2001 else 2501), {start}
        )
        store.record_chunk("B-2", records, drafts)
    rows = [r.row_no for r in store.iter_decisions("B-2")]
    assert rows == list(range(1, 2501))
    assert store.decided_count("B-2") == 2500
    assert store.decided_count("B-1") == 0


def test_a_repeated_row_raises_and_never_adds_a_second_row(store: StateStore) -> None:
    records, drafts = chunk("B-1", range(1, 4), {2})
    store.record_chunk("B-1", records, drafts)
    with pytest.raises(StoreError, match="already decided") as err:
        store.record_chunk("B-1", records, drafts)
    assert "\n" not in str(err.value)
    assert store.decided_count("B-1") == 3
    assert len(list(store.iter_accounting())) == 1


def test_a_chunk_failing_half_way_writes_nothing(store: StateStore, tmp_path: Path) -> None:
    first, first_drafts = chunk("B-1", range(1, 3), {1})
    store.record_chunk("B-1", first, first_drafts)
    before = anchor_row(tmp_path / "home")
    records, drafts = chunk("B-1", range(3, 7), {3, 5})
    records.append(decision("B-1", 4))  # row 4 twice: the key refuses it after rows 3-6 went in
    with pytest.raises(StoreError, match="nothing of this chunk was recorded"):
        store.record_chunk("B-1", records, drafts)
    assert [r.row_no for r in store.iter_decisions("B-1")] == [1, 2]
    assert [e.seq for e in store.iter_accounting()] == [1]
    assert anchor_row(tmp_path / "home") == before
    got = store.get_batch("B-1")
    assert got is not None
    assert got.rows_done == 2
    assert store.verify_chain().ok


def test_a_chunk_failing_at_the_anchor_writes_nothing(store: StateStore, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with sqlite3.connect(home / "anchor.sqlite") as db:
        db.execute("DELETE FROM chain_head")
    records, drafts = chunk("B-1", range(1, 5), {2})
    with pytest.raises(TamperDetected, match="nothing was recorded"):
        store.record_chunk("B-1", records, drafts)
    assert store.decided_count("B-1") == 0
    assert list(store.iter_accounting()) == []


@pytest.mark.parametrize(
    "problem", ["missing draft", "extra draft", "other tin", "other batch", "no content"]
)
def test_a_chunk_whose_disclosures_and_entries_disagree_is_refused(
    store: StateStore, problem: str
) -> None:
    records, drafts = chunk("B-1", range(1, 4), {2})
    if problem == "missing draft":
        drafts = []
    elif problem == "extra draft":
        drafts.append(draft_for(decision("B-1", 3, Decision.DISCLOSED)))
    elif problem == "other tin":
        drafts = [dataclasses.replace(drafts[0], tin="999999999")]
    elif problem == "other batch":
        records[0] = decision("B-9", 1)
    else:
        records[1] = DecisionRecord(
            "B-1", 2, "R-2", Outcome(Decision.DISCLOSED, "R"), "p", "m", "c"
        )
    with pytest.raises(StoreError):
        store.record_chunk("B-1", records, drafts)
    assert store.decided_count("B-1") == 0
    assert list(store.iter_accounting()) == []


def test_a_chunk_for_an_unknown_batch_is_refused(store: StateStore) -> None:
    records, drafts = chunk("B-7", range(1, 3), set())
    with pytest.raises(StoreError, match="no batch B-7"):
        store.record_chunk("B-7", records, drafts)


def test_evidence_that_is_not_json_is_a_store_error_and_nothing_is_written(
    store: StateStore,
) -> None:
    records, drafts = chunk("B-1", range(1, 3), set())
    bad = Outcome(Decision.NO_DISCLOSURE, "R", (), {"when": date(2026, 1, 1)})
    records.append(DecisionRecord("B-1", 3, "R-3", bad, "p", "m", "c"))
    with pytest.raises(StoreError, match="row 3"):
        store.record_chunk("B-1", records, drafts)
    assert store.decided_count("B-1") == 0


# -- accounting --------------------------------------------------------------------------------
def test_accounting_entries_are_chained_in_order_and_anchored(
    store: StateStore, clock: Clock, tmp_path: Path
) -> None:
    records, drafts = chunk("B-1", range(1, 6), {1, 3, 5})
    store.record_chunk("B-1", records, drafts)
    entries = list(store.iter_accounting())
    assert [e.seq for e in entries] == [1, 2, 3]
    assert [e.draft for e in entries] == drafts
    assert entries[0].prev_hash == GENESIS
    assert entries[1].prev_hash == entries[0].entry_hash
    assert all(e.recorded_at == clock.now for e in entries)
    assert anchor_row(tmp_path / "home") == (3, entries[-1].entry_hash)
    assert store.chain_anchor() == (3, entries[-1].entry_hash)
    assert store.accounting_entry(2) == entries[1]
    assert store.accounting_entry(9) is None
    report = store.verify_chain()
    assert (report.ok, report.entries, report.head_seq) == (True, 3, 3)


def test_one_disclosure_entry_per_row_is_enforced_by_the_schema(
    store: StateStore, tmp_path: Path
) -> None:
    records, drafts = chunk("B-1", range(1, 3), {1})
    store.record_chunk("B-1", records, drafts)
    with raw(tmp_path / "home") as db:
        db.execute("DROP TRIGGER accounting_never_changed")
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            db.execute(
                "INSERT INTO accounting SELECT 2, recorded_at, kind, batch_id, request_id, "
                "row_no, tin, agency, official, statute, disclosed_json, policy_version, "
                "model_version, evidence_json, retracts_seq, retraction_reason, prev_hash, "
                "entry_hash FROM accounting WHERE seq = 1"
            )


def retraction(of: int, batch_id: str = "B-1", row_no: int = 1) -> AccountingDraft:
    return AccountingDraft(
        "RETRACTION", batch_id, f"R-{row_no}", row_no, tin_of(row_no), "DHS-ICE", "Jane Doe", "s",
        (), "p", "m", {"retracted_by": "ops"}, retracts_seq=of, retraction_reason="wrong person",
    )  # fmt: skip


def test_retractions_are_appended_and_checked(store: StateStore) -> None:
    records, drafts = chunk("B-1", range(1, 4), {1, 2})
    store.record_chunk("B-1", records, drafts)
    store.append_accounting([retraction(1)])
    made = store.retraction_of(1)
    assert made is not None
    assert made.seq == 3
    assert made.draft.retracts_seq == 1
    assert store.retraction_of(2) is None
    with pytest.raises(BadInput, match="already retracted by entry 3"):
        store.append_accounting([retraction(1)])
    with pytest.raises(BadInput, match="not a disclosure"):
        store.append_accounting([retraction(3)])
    with pytest.raises(BadInput, match="not a disclosure"):
        store.append_accounting([retraction(42)])
    with pytest.raises(BadInput, match="only retractions"):
        store.append_accounting(drafts[:1])
    assert [e.seq for e in store.iter_accounting()] == [1, 2, 3]
    assert store.verify_chain().ok


def test_appending_after_a_removed_tail_is_refused(store: StateStore, tmp_path: Path) -> None:
    records, drafts = chunk("B-1", range(1, 4), {1, 2})
    store.record_chunk("B-1", records, drafts)
    with raw(tmp_path / "home") as db:
        db.execute("DROP TRIGGER accounting_never_deleted")
        db.execute("DELETE FROM accounting WHERE seq = 2")
    more, more_drafts = chunk("B-1", range(4, 6), {4})
    with pytest.raises(TamperDetected, match="does not match its anchor"):
        store.record_chunk("B-1", more, more_drafts)
    assert store.decided_count("B-1") == 3


def test_verify_cross_checks_the_decision_log(store: StateStore, tmp_path: Path) -> None:
    records, drafts = chunk("B-1", range(1, 4), {2})
    store.record_chunk("B-1", records, drafts)
    assert store.verify_chain().ok
    with raw(tmp_path / "home") as db:
        db.execute("UPDATE decisions SET lka_street = '99 Other Rd' WHERE row_no = 2")
    report = store.verify_chain()
    assert not report.ok
    assert report.problem == "entry 1: differs from the decision log"


def test_verify_reports_unreadable_entries_as_tampering(store: StateStore, tmp_path: Path) -> None:
    records, drafts = chunk("B-1", range(1, 3), {1})
    store.record_chunk("B-1", records, drafts)
    with raw(tmp_path / "home") as db:
        db.execute("DROP TRIGGER accounting_never_changed")
        db.execute("UPDATE accounting SET evidence_json = '{broken' WHERE seq = 1")
    report = store.verify_chain()
    assert not report.ok
    assert report.problem == "entry 1: its content is not readable"


def test_a_replaced_empty_state_file_does_not_reset_the_anchor(tmp_path: Path) -> None:
    with StateStore.open(tmp_path) as s:
        s.add_agency(agency())
        s.add_batch(batch())
        records, drafts = chunk("B-1", range(1, 3), {1, 2})
        s.record_chunk("B-1", records, drafts)
    (tmp_path / "state.sqlite").unlink()
    with StateStore.open(tmp_path) as s:
        report = s.verify_chain()
    assert not report.ok
    assert report.problem.startswith("entry 1 is missing")


def test_yearly_counts_by_agency(store: StateStore, clock: Clock) -> None:
    store.add_agency(agency("DOJ-FBI"))
    store.add_batch(batch("F-1", agency_name="DOJ-FBI", count=4))
    store.add_batch(batch("OLD", count=7, on="2025-12-31"))
    records, drafts = chunk(
        "B-1", range(1, 6), {1, 2, 3}, tins={2: tin_of(1)}
    )  # one taxpayer twice
    store.record_chunk("B-1", records, drafts)
    fbi, fbi_drafts = chunk("F-1", range(1, 3), {1}, agency_name="DOJ-FBI")
    store.record_chunk("F-1", fbi, fbi_drafts)
    store.append_accounting([retraction(1)])
    clock.now = "2027-01-01T00:00:01+00:00"
    store.append_accounting([retraction(2, row_no=2)])
    counts = {c.agency: c for c in store.yearly_counts(2026)}
    ice, fbi_count = counts["DHS-ICE"], counts["DOJ-FBI"]
    assert (ice.requests, ice.disclosures, ice.taxpayers, ice.retractions) == (10, 3, 2, 1)
    assert (fbi_count.requests, fbi_count.disclosures, fbi_count.taxpayers) == (4, 1, 1)
    assert store.yearly_taxpayers(2026) == 2  # tin_of(1) went to both agencies
    old = store.yearly_counts(2025)
    assert [(c.agency, c.requests, c.disclosures) for c in old] == [("DHS-ICE", 7, 0)]
    later = store.yearly_counts(2027)
    assert [(c.agency, c.disclosures, c.retractions) for c in later] == [("DHS-ICE", 0, 1)]
    assert store.verify_chain().ok


def test_a_batch_never_gets_more_decisions_than_rows(store: StateStore) -> None:
    records, drafts = chunk("B-1", range(1, 12), {11})  # B-1 holds 10 rows
    with pytest.raises(StoreError, match="more decisions than rows"):
        store.record_chunk("B-1", records, drafts)
    assert store.decided_count("B-1") == 0
    assert list(store.iter_accounting()) == []


def test_a_lost_anchor_is_restored_only_while_the_chain_is_empty(tmp_path: Path) -> None:
    with StateStore.open(tmp_path) as s:
        s.add_agency(agency())
        s.add_batch(batch())
    (tmp_path / "anchor.sqlite").unlink()
    with StateStore.open(tmp_path) as s:
        assert s.chain_anchor() == (0, GENESIS)
        records, drafts = chunk("B-1", range(1, 3), {1})
        s.record_chunk("B-1", records, drafts)
    (tmp_path / "anchor.sqlite").unlink()
    with StateStore.open(tmp_path) as s:
        assert s.chain_anchor() is None
        report = s.verify_chain()
        assert not report.ok
        assert "anchor is missing" in report.problem
        more, more_drafts = chunk("B-1", range(3, 5), {3})
        with pytest.raises(TamperDetected):
            s.record_chunk("B-1", more, more_drafts)
