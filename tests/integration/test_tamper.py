"""What an attacker with the database files would do, and `dgw audit verify` catching it (exit 3).

Each case opens state.sqlite (or anchor.sqlite) with sqlite3 directly, drops the guard
triggers as an attacker would, changes something, and runs the real CLI entry point.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from disclosure_gateway.adapters.storage.state import Agency, BatchInfo, StateStore
from disclosure_gateway.cli import main as cli_main
from disclosure_gateway.domain.errors import TamperDetected
from disclosure_gateway.domain.manifest import generate_keypair
from disclosure_gateway.domain.model import (
    AccountingDraft,
    Decision,
    DecisionRecord,
    Disclosure,
    Outcome,
)

DISCLOSED_ROWS = (1, 3, 4, 6, 8)  # entries 1..5 in this order
TINS = {row: f"90{row}708123" for row in DISCLOSED_ROWS}


def run_dgw(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """The installed `dgw` entry point, in process: (exit status, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["dgw", *args])
    code = 0
    try:
        cli_main.run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _record(row: int) -> tuple[DecisionRecord, AccountingDraft | None]:
    if row not in DISCLOSED_ROWS:
        outcome = Outcome(Decision.NO_DISCLOSURE, "NO_UNIQUE_MATCH", (), {"candidates": 0})
        return DecisionRecord("B-1", row, f"R-{row}", outcome, "p@1", "m1", "0.1.0"), None
    shown = Disclosure(
        TINS[row], True, f"{row} Main St", "", "Houston", "TX", "77002", "2024-01-02"
    )
    outcome = Outcome(Decision.DISCLOSED, "UNIQUE_MATCH", (), {"score": 0.99}, shown)
    draft = AccountingDraft(
        kind="DISCLOSURE",
        batch_id="B-1",
        request_id=f"R-{row}",
        row_no=row,
        tin=shown.tin,
        agency="DHS-ICE",
        official="Jane Doe",
        statute="8 U.S.C. 1253(a)(1)",
        disclosed=(("address_confirmed", "true"), ("lka_street", shown.lka_street)),
        policy_version="p@1",
        model_version="m1",
        evidence={"rule": "UNIQUE_MATCH"},
    )
    return DecisionRecord("B-1", row, f"R-{row}", outcome, "p@1", "m1", "0.1.0"), draft


@pytest.fixture
def home(tmp_path: Path) -> Path:
    _, public = generate_keypair()
    with StateStore.open(tmp_path) as store:
        store.add_agency(Agency("DHS-ICE", public, ("Jane Doe",), True))
        store.add_batch(
            BatchInfo(
                "B-1",
                "DHS-ICE",
                "Jane Doe",
                "Director",
                "2026-02-01",
                "r.csv",
                "0" * 64,
                9,
                date(2026, 2, 2),
                "2026-02-02T00:00:00+00:00",
                "{}",
                "SUBMITTED",
                0,
            )
        )
        for rows in (range(1, 5), range(5, 10)):
            made = [_record(r) for r in rows]
            store.record_chunk("B-1", [d for d, _ in made], [a for _, a in made if a is not None])
    return tmp_path


def attack(home: Path, *statements: str, db: str = "state.sqlite") -> None:
    with sqlite3.connect(home / db) as con:
        for trigger in (
            "accounting_never_changed",
            "accounting_never_deleted",
            "decisions_never_deleted",
        ):
            if db == "state.sqlite":
                con.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for statement in statements:
            con.execute(statement)


def swap_entries(home: Path) -> None:
    """(c) Exchange every column but seq between entries 2 and 3."""
    with sqlite3.connect(home / "state.sqlite") as con:
        con.execute("DROP TRIGGER accounting_never_changed")
        con.execute("DROP INDEX accounting_one_disclosure")
        columns = [r[1] for r in con.execute("PRAGMA table_info(accounting)") if r[1] != "seq"]
        two = con.execute(f"SELECT {', '.join(columns)} FROM accounting WHERE seq = 2").fetchone()
        three = con.execute(f"SELECT {', '.join(columns)} FROM accounting WHERE seq = 3").fetchone()
        assignments = ", ".join(f"{c} = ?" for c in columns)
        con.execute(f"UPDATE accounting SET {assignments} WHERE seq = 2", three)
        con.execute(f"UPDATE accounting SET {assignments} WHERE seq = 3", two)


def test_a_clean_store_verifies(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_dgw(monkeypatch, capsys, "--home", str(home), "audit", "verify")
    assert (code, err) == (0, "")
    assert out.startswith("accounting verifies: 5 entries, head 5 ")
    assert len(out.strip().splitlines()) == 1


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "a: edit a field of entry 3": (
        lambda h: attack(h, "UPDATE accounting SET statute = '8 U.S.C. 1326' WHERE seq = 3"),
        "entry 3: digest does not match content (edited)",
    ),
    "b: delete entry 2": (
        lambda h: attack(h, "DELETE FROM accounting WHERE seq = 2"),
        "entry 2 is missing",
    ),
    "c: swap entries 2 and 3": (swap_entries, "entry 2:"),
    "d: delete the last entry": (
        lambda h: attack(h, "DELETE FROM accounting WHERE seq = 5"),
        "entry 5 is missing",
    ),
    "e: edit the anchor only": (
        lambda h: attack(
            h, "UPDATE chain_head SET head_hash = 'ab' || substr(head_hash, 3)", db="anchor.sqlite"
        ),
        "entry 5: the anchor digest does not match",
    ),
    "e2: move the anchor back one entry": (
        lambda h: attack(h, "UPDATE chain_head SET head_seq = 4", db="anchor.sqlite"),
        "entry 5: the chain runs past its anchor",
    ),
    "e3: delete the anchor": (
        lambda h: attack(h, "DELETE FROM chain_head", db="anchor.sqlite"),
        "anchor is missing",
    ),
    "f: delete a DISCLOSED decision": (
        lambda h: attack(h, "DELETE FROM decisions WHERE row_no = 4"),
        "entry 3: no DISCLOSED decision matches it",
    ),
    "f4: mark an undisclosed decision DISCLOSED (a release nobody accounted for)": (
        lambda h: attack(
            h,
            "UPDATE decisions SET decision = 'DISCLOSED', has_disclosure = 1, tin = '123456789', "
            "address_confirmed = 1, lka_street = '2 Main St' WHERE row_no = 2",
        ),
        "batch B-1 row 2: DISCLOSED but not accounted",
    ),
    "f2: turn a DISCLOSED decision into NO_DISCLOSURE": (
        lambda h: attack(h, "UPDATE decisions SET decision = 'NO_DISCLOSURE' WHERE row_no = 6"),
        "entry 4: no DISCLOSED decision matches it",
    ),
    "f3: change the address a decision would release": (
        lambda h: attack(h, "UPDATE decisions SET lka_street = '1 Elsewhere Rd' WHERE row_no = 8"),
        "entry 5: differs from the decision log",
    ),
    "g: an entry of an unknown kind": (
        lambda h: attack(
            h,
            "PRAGMA ignore_check_constraints = ON",
            "UPDATE accounting SET kind = 'EXPORT' WHERE seq = 3",
        ),
        "entry 3:",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tampering_exits_3_naming_the_first_bad_entry(
    case: str, home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    change, expected = CASES[case]
    change(home)
    code, out, err = run_dgw(monkeypatch, capsys, "--home", str(home), "audit", "verify")
    message = " ".join(err.split())
    assert code == 3, (out, err)
    assert len(err.strip().splitlines()) == 1
    assert out == ""
    assert message.startswith("dgw: accounting does not verify: ")
    assert expected in message
    assert not any(tin in err for tin in TINS.values())


def test_a_tampered_chain_refuses_further_disclosures(home: Path) -> None:
    attack(home, "DELETE FROM accounting WHERE seq = 5")
    with StateStore.open(home) as store:
        store.add_batch(
            BatchInfo(
                "B-2",
                "DHS-ICE",
                "Jane Doe",
                "Director",
                "2026-02-01",
                "r.csv",
                "0" * 64,
                1,
                date(2026, 2, 3),
                "2026-02-03T00:00:00+00:00",
                "{}",
                "SUBMITTED",
                0,
            )
        )
        record, draft = _record(1)
        moved = DecisionRecord("B-2", 1, "R-1", record.outcome, "p@1", "m1", "0.1.0")
        assert draft is not None
        with pytest.raises(TamperDetected):
            store.record_chunk("B-2", [moved], [dataclasses.replace(draft, batch_id="B-2")])
        assert store.decided_count("B-2") == 0
