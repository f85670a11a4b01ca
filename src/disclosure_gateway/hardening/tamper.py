"""The tamper campaign: random single edits to a copy of the state store, each must be caught.

An attacker here has write access to the database files (SQLite opened directly, the
append-only triggers dropped) but not to the head-signing key. Kinds of edit:
`byte` (change one character of one column of one entry), `delete` (one entry), `swap`
(the contents of two entries), `truncate` (the last k entries), `truncate_anchor` (the same
and the anchor moved back to the new head), `rechain` (edit one entry, re-digest every entry
after it and fix the anchor — a forgery made without the key).
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from disclosure_gateway.adapters.storage.heads import HeadPlaces
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.domain.audit import GENESIS, chain_entry
from disclosure_gateway.domain.errors import TamperDetected
from disclosure_gateway.service.audit import verify_accounting

KINDS = ("byte", "delete", "swap", "truncate", "truncate_anchor", "rechain")
TEXT_COLUMNS = (
    "recorded_at",
    "batch_id",
    "request_id",
    "tin",
    "agency",
    "official",
    "statute",
    "disclosed_json",
    "policy_version",
    "model_version",
    "evidence_json",
    "prev_hash",
    "entry_hash",
)


@dataclass(frozen=True)
class CampaignResult:
    trials: Counter[str]
    caught: Counter[str]
    refused_by_database: Counter[str]

    @property
    def missed(self) -> int:
        return sum(self.trials.values()) - sum(self.caught.values())


def _open(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    for trigger in ("accounting_never_changed", "accounting_never_deleted"):
        con.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    con.execute("DROP INDEX IF EXISTS accounting_one_disclosure")
    return con


def _count(con: sqlite3.Connection) -> int:
    return int(con.execute("SELECT count(*) FROM accounting").fetchall()[0][0])


def _byte(home: Path, rng: random.Random) -> None:
    with _open(home / "state.sqlite") as con:
        seq = rng.randint(1, _count(con))
        column = rng.choice(TEXT_COLUMNS)
        value = str(
            con.execute(f"SELECT {column} FROM accounting WHERE seq = ?", (seq,)).fetchall()[0][0]
        )
        i = rng.randrange(len(value)) if value else 0
        old = value[i] if value else ""
        new = rng.choice([c for c in "0123456789abcdefXYZ" if c != old])
        con.execute(
            f"UPDATE accounting SET {column} = ? WHERE seq = ?",
            (value[:i] + new + value[i + 1 :], seq),
        )


def _delete(home: Path, rng: random.Random) -> None:
    with _open(home / "state.sqlite") as con:
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute("DELETE FROM accounting WHERE seq = ?", (rng.randint(1, _count(con)),))


def _swap(home: Path, rng: random.Random) -> None:
    with _open(home / "state.sqlite") as con:
        a, b = rng.sample(range(1, _count(con) + 1), 2)
        cols = [r[1] for r in con.execute("PRAGMA table_info(accounting)") if r[1] != "seq"]
        row_a = con.execute(
            f"SELECT {', '.join(cols)} FROM accounting WHERE seq = ?", (a,)
        ).fetchall()[0]
        row_b = con.execute(
            f"SELECT {', '.join(cols)} FROM accounting WHERE seq = ?", (b,)
        ).fetchall()[0]
        sets = ", ".join(f"{c} = ?" for c in cols)
        con.execute(f"UPDATE accounting SET {sets} WHERE seq = ?", (*row_b, a))
        con.execute(f"UPDATE accounting SET {sets} WHERE seq = ?", (*row_a, b))


def _truncate(home: Path, rng: random.Random, fix_anchor: bool) -> None:
    with _open(home / "state.sqlite") as con:
        n = _count(con)
        keep = rng.randint(0, n - 1)
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute("DELETE FROM accounting WHERE seq > ?", (keep,))
        rows = con.execute("SELECT entry_hash FROM accounting WHERE seq = ?", (keep,)).fetchall()
    if fix_anchor:
        head = rows[0][0] if rows else GENESIS
        with sqlite3.connect(home / "anchor.sqlite") as con:
            con.execute(
                "UPDATE chain_head SET head_seq = ?, head_hash = ? WHERE id = 1", (keep, head)
            )


def _rechain(home: Path, rng: random.Random) -> None:
    with StateStore.open(home) as store:
        entries = list(store.iter_accounting())
    start = rng.randint(1, len(entries))
    prev = entries[start - 2].entry_hash if start > 1 else GENESIS
    forged = []
    for entry in entries[start - 1 :]:
        draft = entry.draft
        if entry.seq == start:
            draft = replace(draft, official=draft.official + " (amended)")
        made = chain_entry(entry.seq, entry.recorded_at, draft, prev)
        forged.append(made)
        prev = made.entry_hash
    with _open(home / "state.sqlite") as con:
        for made in forged:
            con.execute(
                "UPDATE accounting SET official = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?",
                (made.draft.official, made.prev_hash, made.entry_hash, made.seq),
            )
    with sqlite3.connect(home / "anchor.sqlite") as con:
        con.execute("UPDATE chain_head SET head_hash = ? WHERE id = 1", (prev,))


EDITS: dict[str, Callable[[Path, random.Random], None]] = {
    "byte": _byte,
    "delete": _delete,
    "swap": _swap,
    "truncate": lambda home, rng: _truncate(home, rng, fix_anchor=False),
    "truncate_anchor": lambda home, rng: _truncate(home, rng, fix_anchor=True),
    "rechain": _rechain,
}


def run_campaign(pristine: Path, work: Path, trials: int, seed: int) -> CampaignResult:
    """`trials` random single edits, each on a fresh copy of `pristine`; count what verify caught.

    The heads folder and keys must live inside `pristine` (HOME/heads, HOME/keys).
    """
    rng = random.Random(seed)
    tried: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for i in range(trials):
        kind = KINDS[i % len(KINDS)]
        home = work / f"t{i}"
        shutil.copytree(pristine, home)
        try:
            EDITS[kind](home, rng)
        except sqlite3.IntegrityError:
            refused[kind] += 1  # the database itself refused the edit: nothing to catch
            shutil.rmtree(home)
            continue
        tried[kind] += 1
        try:
            with StateStore.open(home) as store:
                verify_accounting(store, HeadPlaces.of(home))
        except TamperDetected:
            caught[kind] += 1
        shutil.rmtree(home)
    return CampaignResult(tried, caught, refused)


def build_pristine(home: Path, entries: int, now: str) -> None:
    """A store with one batch whose every row was disclosed, and a signed head."""
    from datetime import date

    from disclosure_gateway.adapters.storage.state import Agency, BatchInfo
    from disclosure_gateway.domain.manifest import generate_keypair
    from disclosure_gateway.domain.model import (
        AccountingDraft,
        Decision,
        DecisionRecord,
        Disclosure,
        Outcome,
    )
    from disclosure_gateway.service.audit import create_head_key

    _, public = generate_keypair()
    with StateStore.open(home) as store:
        store.add_agency(Agency("DHS-ICE", public, ("Jane Doe",), True))
        store.add_batch(
            BatchInfo("B-1", "DHS-ICE", "Jane Doe", "Director", "2026-11-01", "r.csv", "0" * 64,
                      entries, date(2026, 11, 2), now, "{}", "SUBMITTED", 0)
        )  # fmt: skip
        decisions, drafts = [], []
        for row in range(1, entries + 1):
            tin = f"{100000000 + row}"
            shown = Disclosure(
                tin, True, f"{row} Main St", "", "Houston", "TX", "77002", "2025-01-01"
            )
            outcome = Outcome(Decision.DISCLOSED, "R6", (), {"rule": "R6"}, shown)
            decisions.append(DecisionRecord("B-1", row, f"R-{row}", outcome, "p@1", "m1", "0.1.0"))
            values = {"address_confirmed": "true", "lka_street": shown.lka_street, "lka_unit": "",
                      "lka_city": "Houston", "lka_state": "TX", "lka_zip": "77002",
                      "lka_effective_date": "2025-01-01"}  # fmt: skip
            drafts.append(
                AccountingDraft(
                    "DISCLOSURE", "B-1", f"R-{row}", row, tin, "DHS-ICE", "Jane Doe",
                    "8 U.S.C. 1253(a)(1)", tuple(values.items()), "p@1", "m1", {"rule": "R6"},
                )
            )  # fmt: skip
        store.record_chunk("B-1", decisions, drafts)
        create_head_key(store, HeadPlaces.of(home), now)
