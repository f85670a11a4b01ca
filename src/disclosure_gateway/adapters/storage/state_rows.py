"""Rows of the state store to and from domain values, and the store's longer queries.

Kept apart from `state.py` so that each module stays small; nothing here opens a file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from disclosure_gateway.domain.audit import (
    DISCLOSURE,
    GENESIS,
    RETRACTION,
    AccountingEntry,
    chain_entry,
)
from disclosure_gateway.domain.errors import BadInput, StoreError, TamperDetected
from disclosure_gateway.domain.model import (
    AccountingDraft,
    Decision,
    DecisionRecord,
    Disclosure,
    Outcome,
)

if TYPE_CHECKING:
    from disclosure_gateway.adapters.storage.state import BatchInfo

BATCH_COLUMNS = (
    "batch_id, agency, official, official_title, signed_on, records_file, records_sha256, "
    "record_count, submitted_on, submitted_at, manifest_json, state, rows_done"
)
DECISION_COLUMNS = (
    "batch_id, row_no, request_id, decision, rule, reason_codes, evidence_json, has_disclosure, "
    "tin, address_confirmed, lka_street, lka_unit, lka_city, lka_state, lka_zip, "
    "lka_effective_date, policy_version, model_version, code_version"
)
ENTRY_COLUMNS = (
    "seq, recorded_at, kind, batch_id, request_id, row_no, tin, agency, official, statute, "
    "disclosed_json, policy_version, model_version, evidence_json, retracts_seq, "
    "retraction_reason, prev_hash, entry_hash"
)
LKA = ("lka_street", "lka_unit", "lka_city", "lka_state", "lka_zip", "lka_effective_date")


def insert(table: str, columns: str) -> str:
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * (columns.count(',') + 1))})"


def statements(script: str) -> Iterator[str]:
    """The statements of an SQL script, one at a time (comment lines dropped)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""


def to_json(value: object, what: str) -> str:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"state store: {what} is not JSON ({type(exc).__name__})") from exc


def batch_row(info: BatchInfo) -> tuple[object, ...]:
    return (
        info.batch_id, info.agency, info.official, info.official_title, info.signed_on,
        info.records_file, info.records_sha256, info.record_count, info.submitted_on.isoformat(),
        info.submitted_at, info.manifest_json, info.state, info.rows_done,
    )  # fmt: skip


def batch_values(row: Sequence[Any]) -> list[Any]:
    """A batches row with its submission date as a date, in BatchInfo's field order."""
    values = list(row)
    values[8] = date.fromisoformat(values[8])
    return values


def check_chunk(
    batch_id: str, decisions: Sequence[DecisionRecord], drafts: Sequence[AccountingDraft]
) -> None:
    """Refuse (before writing) a chunk whose disclosures and accounting entries disagree."""
    disclosed: dict[int, str] = {}
    for record in decisions:
        if record.batch_id != batch_id:
            raise StoreError(f"state store: a decision of another batch was given for {batch_id}")
        if record.outcome.decision is Decision.DISCLOSED:
            if record.outcome.disclosure is None:
                raise StoreError(f"state store: batch {batch_id} row {record.row_no}: no content")
            disclosed[record.row_no] = record.outcome.disclosure.tin
    accounted = sorted(
        (d.row_no, d.tin) for d in drafts if (d.kind, d.batch_id) == (DISCLOSURE, batch_id)
    )
    if len(accounted) != len(drafts) or accounted != sorted(disclosed.items()):
        raise StoreError(
            f"state store: batch {batch_id}: the chunk's disclosures and accounting entries "
            "do not match one to one; nothing was recorded"
        )


def decision_row(record: DecisionRecord) -> tuple[object, ...]:
    outcome, shown = record.outcome, record.outcome.disclosure
    if any(not code or ";" in code for code in outcome.reason_codes):
        raise StoreError(f"state store: row {record.row_no}: a reason code is empty or holds ';'")
    disclosure: tuple[object, ...] = (None,) * 8
    if shown is not None:
        disclosure = (shown.tin, int(shown.address_confirmed), *(getattr(shown, f) for f in LKA))
    evidence = to_json(outcome.evidence, f"the evidence of row {record.row_no}")
    return (
        record.batch_id, record.row_no, record.request_id, outcome.decision.value, outcome.rule,
        ";".join(outcome.reason_codes), evidence, int(shown is not None), *disclosure,
        record.policy_version, record.model_version, record.code_version,
    )  # fmt: skip


def decision_record(row: Sequence[Any]) -> DecisionRecord:
    shown = None
    if row[7]:
        shown = Disclosure(row[8], bool(row[9]), *row[10:16])
    outcome = Outcome(
        decision=Decision(row[3]),
        rule=row[4],
        reason_codes=tuple(row[5].split(";")) if row[5] else (),
        evidence=json.loads(row[6]),
        disclosure=shown,
    )
    return DecisionRecord(row[0], row[1], row[2], outcome, row[16], row[17], row[18])


def entry_row(entry: AccountingEntry) -> tuple[object, ...]:
    d = entry.draft
    disclosed = to_json([[name, value] for name, value in d.disclosed], f"entry {entry.seq}")
    evidence = to_json(d.evidence, f"the evidence of entry {entry.seq}")
    return (
        entry.seq, entry.recorded_at, d.kind, d.batch_id, d.request_id, d.row_no, d.tin, d.agency,
        d.official, d.statute, disclosed, d.policy_version, d.model_version, evidence,
        d.retracts_seq, d.retraction_reason, entry.prev_hash, entry.entry_hash,
    )  # fmt: skip


def accounting_entry(row: Sequence[Any]) -> AccountingEntry:
    """An entry rebuilt from its row; TamperDetected when its stored JSON is unreadable."""
    try:
        disclosed = tuple((str(n), str(v)) for n, v in json.loads(row[10]))
        evidence = json.loads(row[13])
    except (TypeError, ValueError) as exc:
        raise TamperDetected(f"entry {row[0]}: its content is not readable") from exc
    draft = AccountingDraft(
        kind=row[2], batch_id=row[3], request_id=row[4], row_no=row[5], tin=row[6],
        agency=row[7], official=row[8], statute=row[9], disclosed=disclosed,
        policy_version=row[11], model_version=row[12], evidence=evidence,
        retracts_seq=row[14], retraction_reason=row[15],
    )  # fmt: skip
    return AccountingEntry(row[0], row[1], draft, row[16], row[17])


def entry_agrees(row: Sequence[Any]) -> bool:
    """A disclosure entry records the TIN and the values its decision holds."""
    held = dict(zip(LKA, row[5:], strict=True))
    held["address_confirmed"] = "true" if row[4] else "false"
    try:
        pairs = json.loads(row[1])
        return bool(row[2] == row[3] and all(held.get(n) == v for n, v in pairs))
    except (TypeError, ValueError):
        return False


DISCLOSED_WITHOUT_ENTRY = """SELECT d.batch_id, d.row_no FROM decisions d
WHERE d.decision = 'DISCLOSED' AND NOT EXISTS (SELECT 1 FROM accounting a
  WHERE a.kind = 'DISCLOSURE' AND a.batch_id = d.batch_id AND a.row_no = d.row_no)
ORDER BY d.batch_id, d.row_no LIMIT 1"""
ENTRY_WITHOUT_DECISION = """SELECT a.seq FROM accounting a
WHERE a.kind = 'DISCLOSURE' AND NOT EXISTS (SELECT 1 FROM decisions d
  WHERE d.decision = 'DISCLOSED' AND d.batch_id = a.batch_id AND d.row_no = a.row_no)
ORDER BY a.seq LIMIT 1"""
ENTRY_WITH_DECISION = """SELECT a.seq, a.disclosed_json, a.tin, d.tin, d.address_confirmed,
  d.lka_street, d.lka_unit, d.lka_city, d.lka_state, d.lka_zip, d.lka_effective_date
FROM accounting a JOIN decisions d ON d.batch_id = a.batch_id AND d.row_no = a.row_no
WHERE a.kind = 'DISCLOSURE' ORDER BY a.seq"""
YEARLY_COUNTS = """WITH
req AS (SELECT agency, SUM(record_count) AS n FROM batches
  WHERE substr(submitted_on, 1, 4) = :year GROUP BY agency),
acc AS (SELECT agency, SUM(kind = 'DISCLOSURE') AS d,
  COUNT(DISTINCT CASE WHEN kind = 'DISCLOSURE' THEN tin END) AS t,
  SUM(kind = 'RETRACTION') AS r
  FROM accounting WHERE substr(recorded_at, 1, 4) = :year GROUP BY agency),
names AS (SELECT agency FROM req UNION SELECT agency FROM acc)
SELECT names.agency, COALESCE(req.n, 0), COALESCE(acc.d, 0), COALESCE(acc.t, 0), COALESCE(acc.r, 0)
FROM names LEFT JOIN req USING (agency) LEFT JOIN acc USING (agency) ORDER BY names.agency"""


# -- the chain, inside a write transaction -----------------------------------------------
def append_entries(
    db: sqlite3.Connection, drafts: Sequence[AccountingDraft], recorded_at: str
) -> None:
    """Chain the drafts after the anchored head and move the anchor."""
    seq, prev = checked_head(db)
    entries = []
    for draft in drafts:
        seq += 1
        entry = chain_entry(seq, recorded_at, draft, prev)
        entries.append(entry_row(entry))
        prev = entry.entry_hash
    db.executemany(insert("accounting", ENTRY_COLUMNS), entries)
    moved = db.execute(
        "UPDATE anchor.chain_head SET head_seq = ?, head_hash = ?, updated_at = ? WHERE id = 1",
        (seq, prev, recorded_at),
    )
    if moved.rowcount != 1:
        raise TamperDetected("the accounting chain's anchor is missing; nothing was recorded")


def checked_head(db: sqlite3.Connection) -> tuple[int, str]:
    """The chain's last (seq, digest); TamperDetected unless the anchor agrees with it."""
    anchor = db.execute("SELECT head_seq, head_hash FROM anchor.chain_head WHERE id = 1").fetchone()
    last = db.execute("SELECT seq, entry_hash FROM accounting ORDER BY seq DESC LIMIT 1").fetchone()
    head = (0, GENESIS) if last is None else (int(last[0]), str(last[1]))
    if anchor is None or (int(anchor[0]), str(anchor[1])) != head:
        raise TamperDetected(
            "the accounting chain's head does not match its anchor; nothing was recorded "
            "(run dgw audit verify)"
        )
    return head


def check_retraction(db: sqlite3.Connection, draft: AccountingDraft) -> None:
    """BadInput unless the draft retracts a disclosure that no entry has retracted yet."""
    if draft.kind != RETRACTION or draft.retracts_seq is None:
        raise BadInput("only retractions are appended directly; disclosures come with decisions")
    target = db.execute("SELECT kind FROM accounting WHERE seq = ?", (draft.retracts_seq,))
    kind = target.fetchone()
    if kind is None or kind[0] != DISCLOSURE:
        raise BadInput(f"entry {draft.retracts_seq} is not a disclosure and cannot be retracted")
    again = db.execute(
        "SELECT seq FROM accounting WHERE kind = 'RETRACTION' AND retracts_seq = ?",
        (draft.retracts_seq,),
    ).fetchone()
    if again is not None:
        raise BadInput(f"entry {draft.retracts_seq} was already retracted by entry {again[0]}")


def cross_check(db: sqlite3.Connection) -> str:
    """The first disagreement between the accounting and the decision log, or ""."""
    row = db.execute(DISCLOSED_WITHOUT_ENTRY).fetchone()
    if row is not None:
        return f"batch {row[0]} row {row[1]}: DISCLOSED but not accounted"
    row = db.execute(ENTRY_WITHOUT_DECISION).fetchone()
    if row is not None:
        return f"entry {row[0]}: no DISCLOSED decision matches it"
    cursor = db.execute(ENTRY_WITH_DECISION)
    while found := cursor.fetchmany(1000):
        for joined in found:
            if not entry_agrees(joined):
                return f"entry {joined[0]}: differs from the decision log"
    return ""
