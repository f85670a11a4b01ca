"""Rows of the state store to and from domain values, and the store's longer queries.

Kept apart from `state.py` so that each module stays small; nothing here opens a
connection. The queries run unchanged on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Dialect, Table, insert, select, text, update

from disclosure_gateway.adapters.storage.state_tables import (
    BATCH_COLUMNS,
    DECISION_COLUMNS,
    ENTRY_COLUMNS,
    accounting,
    chain_head,
)
from disclosure_gateway.domain.audit import (
    DISCLOSURE,
    GENESIS,
    RETRACTION,
    AccountingEntry,
    draft_fields,
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
# What a response row is made of (SPEC §5), in this order: `StateStore.iter_response_fields`.
RESPONSE_FIELDS = (
    "request_id",
    "decision",
    "reason_codes",
    "has_disclosure",
    "address_confirmed",
    *LKA,
)


# json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False), built once
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def to_json(value: object, what: str) -> str:
    try:
        return _CANONICAL.encode(value)
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


# -- a chunk encoded for the store: plain tuples and JSON text (no database needed) -----------
# A worker process may encode its chunk (`encode_chunk`) and hand the parent only strings
# and integers; the parent then checks, chains and inserts them (`StateStore.record_encoded`).
@dataclass(frozen=True, slots=True)
class EncodedChunk:
    """Decision rows (DECISION_COLUMNS order) and the drafts of their accounting entries.

    A draft row is the 14 entry columns from `kind` to `retraction_reason` followed by the
    canonical JSON of the draft (`draft_fields`), which its entry's digest covers.
    """

    batch_id: str
    decisions: tuple[tuple[Any, ...], ...]
    drafts: tuple[tuple[Any, ...], ...]


_DRAFT_COLUMNS = ENTRY_COLUMNS[2:-2]  # kind … retraction_reason
_D = {name: i for i, name in enumerate(DECISION_COLUMNS)}
_E = {name: i for i, name in enumerate(_DRAFT_COLUMNS)}


def joined_object(plain: Mapping[str, object], encoded: Mapping[str, str]) -> str:
    """`to_json({**plain, **encoded})` where `encoded` values are already JSON text: the same
    text, keys sorted, without encoding those values again."""
    parts: list[str] = []
    run: dict[str, object] = {}
    for key in sorted([*plain, *encoded]):
        if key not in encoded:
            run[key] = plain[key]
            continue
        if run:
            parts.append(to_json(run, "a key run")[1:-1])
            run = {}
        parts.append(f"{to_json(key, 'a key')}:{encoded[key]}")
    if run:
        parts.append(to_json(run, "a key run")[1:-1])
    return "{" + ",".join(parts) + "}"


def extended_json(
    base: Mapping[str, object], base_json: str, extended: Mapping[str, object]
) -> str | None:
    """`to_json(extended)` from `base_json` (= `to_json(base)`), when `extended` holds the very
    same objects as `base` under its keys plus string-keyed values sorting after all of
    them (a disclosure's evidence: its decision's evidence and the rule); else None."""
    if not base or len(extended) <= len(base) or not all(type(k) is str for k in base):
        return None
    last = max(base)
    extra: dict[str, object] = {}
    for key, value in extended.items():
        if key in base:
            if base[key] is not value:
                return None
        elif type(key) is str and key > last:
            extra[key] = value
        else:
            return None
    return f"{base_json[:-1]},{to_json(extra, 'evidence')[1:]}"


def encode_chunk(
    batch_id: str, decided: Sequence[DecisionRecord], drafts: Sequence[AccountingDraft]
) -> EncodedChunk:
    """The chunk as the store writes it; StoreError for a value that cannot be stored."""
    rows = tuple(decision_values(record) for record in decided)
    evidence = {
        r.row_no: (r.outcome.evidence, row[6]) for r, row in zip(decided, rows, strict=True)
    }
    return EncodedChunk(
        batch_id, rows, tuple(draft_values(d, evidence.get(d.row_no)) for d in drafts)
    )


def decision_values(record: DecisionRecord) -> tuple[Any, ...]:
    """A decisions row, in DECISION_COLUMNS order."""
    outcome, shown = record.outcome, record.outcome.disclosure
    if any(not code or ";" in code for code in outcome.reason_codes):
        raise StoreError(f"state store: row {record.row_no}: a reason code is empty or holds ';'")
    head = (
        record.batch_id, record.row_no, record.request_id, outcome.decision.value,
        outcome.rule, ";".join(outcome.reason_codes),
        to_json(outcome.evidence, f"the evidence of row {record.row_no}"),
    )  # fmt: skip
    tail = (record.policy_version, record.model_version, record.code_version)
    if shown is None:
        return (*head, 0, None, None, None, None, None, None, None, None, *tail)
    return (
        *head, 1, shown.tin, int(shown.address_confirmed), shown.lka_street, shown.lka_unit,
        shown.lka_city, shown.lka_state, shown.lka_zip, shown.lka_effective_date, *tail,
    )  # fmt: skip


def draft_values(
    draft: AccountingDraft, decided: tuple[Mapping[str, object], str] | None = None
) -> tuple[Any, ...]:
    """A draft row: its 14 entry columns, then the canonical JSON of `draft_fields`.

    `decided`: the evidence of the draft's decision and its JSON, which the draft's evidence
    usually extends (see `extended_json`).
    """
    what = f"the accounting draft of row {draft.row_no}"
    fields = draft_fields(draft)
    disclosed = to_json(fields.pop("disclosed"), what)
    evidence = None if decided is None else extended_json(*decided, draft.evidence)
    if evidence is None:
        evidence = to_json(fields["evidence"], what)
    del fields["evidence"]
    body = joined_object(fields, {"disclosed": disclosed, "evidence": evidence})
    return (
        draft.kind, draft.batch_id, draft.request_id, draft.row_no, draft.tin, draft.agency,
        draft.official, draft.statute, disclosed, draft.policy_version, draft.model_version,
        evidence, draft.retracts_seq, draft.retraction_reason, body,
    )  # fmt: skip


def check_chunk(
    batch_id: str, decided: Sequence[DecisionRecord], drafts: Sequence[AccountingDraft]
) -> None:
    """Refuse (before writing) a chunk whose disclosures and accounting entries disagree."""
    check_encoded(encode_chunk(batch_id, decided, drafts))


def decision_row(record: DecisionRecord) -> dict[str, object]:
    """A decisions row by column name."""
    return dict(zip(DECISION_COLUMNS, decision_values(record), strict=True))


def check_encoded(chunk: EncodedChunk) -> None:
    """`check_chunk` of an encoded chunk: every DISCLOSED row and only those, with its TIN,
    has one accounting draft of this batch."""
    batch_id, disclosed = chunk.batch_id, []
    batch, row_no, decision, has = (
        _D["batch_id"],
        _D["row_no"],
        _D["decision"],
        _D["has_disclosure"],
    )
    tin, shown = _D["tin"], Decision.DISCLOSED.value
    for row in chunk.decisions:
        if row[batch] != batch_id:
            raise StoreError(f"state store: a decision of another batch was given for {batch_id}")
        if row[decision] == shown:
            if not row[has]:
                raise StoreError(f"state store: batch {batch_id} row {row[row_no]}: no content")
            disclosed.append((row[row_no], row[tin]))
    kind, e_batch, e_row, e_tin = _E["kind"], _E["batch_id"], _E["row_no"], _E["tin"]
    accounted = sorted(
        (d[e_row], d[e_tin])
        for d in chunk.drafts
        if (d[kind], d[e_batch]) == (DISCLOSURE, batch_id)
    )
    if len(accounted) != len(chunk.drafts) or accounted != sorted(disclosed):
        raise StoreError(
            f"state store: batch {batch_id}: the chunk's disclosures and accounting entries "
            "do not match one to one; nothing was recorded"
        )


def insert_rows(db: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert whole rows (every column, the table's order) in one executemany."""
    if not rows:
        return
    names = tuple(c.name for c in table.columns)
    positional = _positional_insert(table, db.dialect)
    if positional is not None:
        db.exec_driver_sql(positional, list(rows))  # plain tuples: no per-row processing
    else:
        db.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])


# The positional INSERT text of each table for each kind of dialect: compiling it costs
# about a millisecond, once per chunk of a batch but once per request on the single-request
# path. Keyed by the table's identity (the tables are module constants, held here too).
_INSERTS: dict[tuple[int, type, str], tuple[Table, str | None]] = {}


def _positional_insert(table: Table, dialect: Dialect) -> str | None:
    """`INSERT INTO table VALUES (?, ...)` with every column in the table's order, or None
    when the dialect's parameters are not positional in that order."""
    key = (id(table), type(dialect), dialect.paramstyle)
    found = _INSERTS.get(key)
    if found is not None and found[0] is table:
        return found[1]
    names = tuple(c.name for c in table.columns)
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    text = None
    if compiled.positional and tuple(compiled.positiontup or ()) == names:
        text = str(compiled)
    _INSERTS[key] = (table, text)
    return text


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
    append_encoded(db, [draft_values(d) for d in drafts], recorded_at)


def append_encoded(db: Connection, drafts: Sequence[tuple[Any, ...]], recorded_at: str) -> None:
    """Chain the draft rows (`draft_values`) after the anchored head and move the anchor."""
    seq, prev = checked_head(db, lock=True)
    entries, stamp = [], to_json(recorded_at, "the time of an entry")
    for draft in drafts:
        seq += 1
        digest = hashlib.sha256(entry_body(draft[-1], prev, stamp, seq).encode()).hexdigest()
        entries.append((seq, recorded_at, *draft[:-1], prev, digest))
        prev = digest
    insert_rows(db, accounting, entries)
    moved = db.execute(
        update(chain_head)
        .where(chain_head.c.id == 1)
        .values(head_seq=seq, head_hash=prev, updated_at=recorded_at)
    )
    if moved.rowcount != 1:
        raise TamperDetected("the accounting chain's anchor is missing; nothing was recorded")


def entry_body(draft_json: str, prev_hash: str, recorded_at_json: str, seq: int) -> str:
    """`audit.entry_body` (canonical JSON of seq, recorded_at, prev_hash and the draft) from
    the draft's canonical JSON, as text: keys in sorted order, nothing encoded twice."""
    prev = to_json(prev_hash, "a digest")
    return (
        f'{{"draft":{draft_json},"prev_hash":{prev},"recorded_at":{recorded_at_json},"seq":{seq}}}'
    )


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
