"""Rows of the state store to and from domain values, and the store's longer queries.

Kept apart from `state.py` so that each module stays small; nothing here opens a
connection. The queries run unchanged on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select, text, update

from disclosure_gateway.adapters.storage.state_tables import (
    BATCH_COLUMNS,
    ENTRY_COLUMNS,
    accounting,
    chain_head,
)
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

LKA = ("lka_street", "lka_unit", "lka_city", "lka_state", "lka_zip", "lka_effective_date")
_NO_DISCLOSURE: dict[str, object] = dict.fromkeys(("tin", "address_confirmed", *LKA))


def to_json(value: object, what: str) -> str:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"state store: {what} is not JSON ({type(exc).__name__})") from exc


def batch_row(info: BatchInfo) -> dict[str, object]:
    values = [getattr(info, name) for name in BATCH_COLUMNS]
    row = dict(zip(BATCH_COLUMNS, values, strict=True))
    row["submitted_on"] = info.submitted_on.isoformat()
    return row


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


def decision_row(record: DecisionRecord) -> dict[str, object]:
    outcome, shown = record.outcome, record.outcome.disclosure
    if any(not code or ";" in code for code in outcome.reason_codes):
        raise StoreError(f"state store: row {record.row_no}: a reason code is empty or holds ';'")
    row: dict[str, object] = {
        "batch_id": record.batch_id,
        "row_no": record.row_no,
        "request_id": record.request_id,
        "decision": outcome.decision.value,
        "rule": outcome.rule,
        "reason_codes": ";".join(outcome.reason_codes),
        "evidence_json": to_json(outcome.evidence, f"the evidence of row {record.row_no}"),
        "has_disclosure": int(shown is not None),
        "policy_version": record.policy_version,
        "model_version": record.model_version,
        "code_version": record.code_version,
    }
    if shown is None:
        row.update(_NO_DISCLOSURE)
    else:
        row.update({name: getattr(shown, name) for name in LKA})
        row["tin"], row["address_confirmed"] = shown.tin, int(shown.address_confirmed)
    return row


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


def entry_row(entry: AccountingEntry) -> dict[str, object]:
    d = entry.draft
    disclosed = to_json([[name, value] for name, value in d.disclosed], f"entry {entry.seq}")
    evidence = to_json(d.evidence, f"the evidence of entry {entry.seq}")
    values = (
        entry.seq, entry.recorded_at, d.kind, d.batch_id, d.request_id, d.row_no, d.tin, d.agency,
        d.official, d.statute, disclosed, d.policy_version, d.model_version, evidence,
        d.retracts_seq, d.retraction_reason, entry.prev_hash, entry.entry_hash,
    )  # fmt: skip
    return dict(zip(ENTRY_COLUMNS, values, strict=True))


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


DISCLOSED_WITHOUT_ENTRY = text("""SELECT d.batch_id, d.row_no FROM decisions d
WHERE d.decision = 'DISCLOSED' AND NOT EXISTS (SELECT 1 FROM accounting a
  WHERE a.kind = 'DISCLOSURE' AND a.batch_id = d.batch_id AND a.row_no = d.row_no)
ORDER BY d.batch_id, d.row_no LIMIT 1""")
ENTRY_WITHOUT_DECISION = text("""SELECT a.seq FROM accounting a
WHERE a.kind = 'DISCLOSURE' AND NOT EXISTS (SELECT 1 FROM decisions d
  WHERE d.decision = 'DISCLOSED' AND d.batch_id = a.batch_id AND d.row_no = a.row_no)
ORDER BY a.seq LIMIT 1""")
ENTRY_WITH_DECISION = text("""SELECT a.seq, a.disclosed_json, a.tin, d.tin, d.address_confirmed,
  d.lka_street, d.lka_unit, d.lka_city, d.lka_state, d.lka_zip, d.lka_effective_date
FROM accounting a JOIN decisions d ON d.batch_id = a.batch_id AND d.row_no = a.row_no
WHERE a.kind = 'DISCLOSURE' ORDER BY a.seq""")
YEARLY_COUNTS = text("""WITH
req AS (SELECT agency, SUM(record_count) AS n FROM batches
  WHERE substr(submitted_on, 1, 4) = :year GROUP BY agency),
acc AS (SELECT agency, SUM(CASE WHEN kind = 'DISCLOSURE' THEN 1 ELSE 0 END) AS d,
  COUNT(DISTINCT CASE WHEN kind = 'DISCLOSURE' THEN tin END) AS t,
  SUM(CASE WHEN kind = 'RETRACTION' THEN 1 ELSE 0 END) AS r
  FROM accounting WHERE substr(recorded_at, 1, 4) = :year GROUP BY agency),
names AS (SELECT agency FROM req UNION SELECT agency FROM acc)
SELECT names.agency, COALESCE(req.n, 0), COALESCE(acc.d, 0), COALESCE(acc.t, 0), COALESCE(acc.r, 0)
FROM names LEFT JOIN req USING (agency) LEFT JOIN acc USING (agency) ORDER BY names.agency""")
YEARLY_TAXPAYERS = text("""SELECT COUNT(DISTINCT tin) FROM accounting
WHERE kind = 'DISCLOSURE' AND substr(recorded_at, 1, 4) = :year""")


# -- the chain, inside a write transaction -----------------------------------------------
def append_entries(db: Connection, drafts: Sequence[AccountingDraft], recorded_at: str) -> None:
    """Chain the drafts after the anchored head and move the anchor."""
    seq, prev = checked_head(db, lock=True)
    entries = []
    for draft in drafts:
        seq += 1
        entry = chain_entry(seq, recorded_at, draft, prev)
        entries.append(entry_row(entry))
        prev = entry.entry_hash
    if entries:
        db.execute(accounting.insert(), entries)
    moved = db.execute(
        update(chain_head)
        .where(chain_head.c.id == 1)
        .values(head_seq=seq, head_hash=prev, updated_at=recorded_at)
    )
    if moved.rowcount != 1:
        raise TamperDetected("the accounting chain's anchor is missing; nothing was recorded")


def anchor_of(db: Connection, lock: bool = False) -> tuple[int, str] | None:
    """The anchored head (seq, digest); `lock` holds its row to the end of the transaction."""
    query = select(chain_head.c.head_seq, chain_head.c.head_hash).where(chain_head.c.id == 1)
    row = db.execute(query.with_for_update() if lock else query).first()
    return None if row is None else (int(row[0]), str(row[1]))


def checked_head(db: Connection, lock: bool = False) -> tuple[int, str]:
    """The chain's last (seq, digest); TamperDetected unless the anchor agrees with it."""
    anchor = anchor_of(db, lock)
    last = db.execute(
        select(accounting.c.seq, accounting.c.entry_hash).order_by(accounting.c.seq.desc()).limit(1)
    ).first()
    head = (0, GENESIS) if last is None else (int(last[0]), str(last[1]))
    if anchor != head:
        raise TamperDetected(
            "the accounting chain's head does not match its anchor; nothing was recorded "
            "(run dgw audit verify)"
        )
    return head


def check_retraction(db: Connection, draft: AccountingDraft) -> None:
    """BadInput unless the draft retracts a disclosure that no entry has retracted yet."""
    if draft.kind != RETRACTION or draft.retracts_seq is None:
        raise BadInput("only retractions are appended directly; disclosures come with decisions")
    kind = db.execute(
        select(accounting.c.kind).where(accounting.c.seq == draft.retracts_seq)
    ).first()
    if kind is None or kind[0] != DISCLOSURE:
        raise BadInput(f"entry {draft.retracts_seq} is not a disclosure and cannot be retracted")
    again = db.execute(
        select(accounting.c.seq).where(
            accounting.c.kind == RETRACTION, accounting.c.retracts_seq == draft.retracts_seq
        )
    ).first()
    if again is not None:
        raise BadInput(f"entry {draft.retracts_seq} was already retracted by entry {again[0]}")


def cross_check(db: Connection) -> str:
    """The first disagreement between the accounting and the decision log, or ""."""
    row = db.execute(DISCLOSED_WITHOUT_ENTRY).first()
    if row is not None:
        return f"batch {row[0]} row {row[1]}: DISCLOSED but not accounted"
    row = db.execute(ENTRY_WITHOUT_DECISION).first()
    if row is not None:
        return f"entry {row[0]}: no DISCLOSED decision matches it"
    for joined in db.execute(ENTRY_WITH_DECISION, execution_options={"yield_per": 1000}):
        if not entry_agrees(joined):
            return f"entry {joined[0]}: differs from the decision log"
    return ""
