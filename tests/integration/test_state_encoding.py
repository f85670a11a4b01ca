"""A chunk encoded for the store (`state_rows.encode_chunk`) and the response's projection.

The store writes decisions and accounting entries from plain tuples and JSON text built
once; these tests pin that text, byte for byte, to the domain's definitions (SPEC §7:
`audit.entry_body`, `audit.entry_hash`, canonical JSON) and the response rows read from the
projection to `response_row` of the whole decision (SPEC §5).
"""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_state_store import Clock, agency, batch, decision, draft_for

from disclosure_gateway.adapters.storage import state_rows as rows
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.adapters.storage.state_tables import DECISION_COLUMNS, ENTRY_COLUMNS
from disclosure_gateway.domain.audit import GENESIS, chain_entry, draft_fields, entry_body
from disclosure_gateway.domain.errors import StoreError
from disclosure_gateway.domain.manifest import canonical_json
from disclosure_gateway.domain.model import AccountingDraft, Decision, DecisionRecord, Outcome
from disclosure_gateway.service.response import response_row, response_rows, stored_response_row

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
OBJECTS = st.dictionaries(st.text(max_size=8), JSON, max_size=6)


def pipeline_draft(record: DecisionRecord) -> AccountingDraft:
    """As the pipeline builds it: the rule, then the very objects of the decision's evidence."""
    evidence = {"rule": record.outcome.rule, **record.outcome.evidence}
    return dataclasses.replace(draft_for(record), evidence=evidence)


def realistic(batch_id: str, row_no: int, kind: Decision) -> DecisionRecord:
    record = decision(batch_id, row_no, kind)
    evidence: dict[str, object] = {
        "address_level": "exact",
        "candidates": [
            {"tin": "070626908", "weights": [["prior", "", -17.6337], ["name", "é", 1]]}
        ],
        "chosen": "070626908",
        "corroborating_rows": [row_no, row_no + 1],
        "model": "splink",
    }
    return dataclasses.replace(
        record, outcome=dataclasses.replace(record.outcome, evidence=evidence)
    )


# -- the text, pinned to the domain's definitions ------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(plain=OBJECTS, encoded=OBJECTS)
def test_joined_object_is_the_canonical_json_of_the_merge(
    plain: dict[str, object], encoded: dict[str, object]
) -> None:
    texts = {k: rows.to_json(v, "x") for k, v in encoded.items()}
    rest = {k: v for k, v in plain.items() if k not in encoded}
    assert rows.joined_object(rest, texts) == canonical_json({**rest, **encoded}).decode()


@settings(max_examples=150, deadline=None)
@given(base=OBJECTS, extra=OBJECTS)
def test_extended_json_is_exact_or_declines(
    base: dict[str, object], extra: dict[str, object]
) -> None:
    extended = {**extra, **base}  # base's very objects under base's keys
    text = rows.extended_json(base, rows.to_json(base, "x"), extended)
    if text is not None:
        assert text == canonical_json(extended).decode()
    if base and extra.keys() - base.keys() and all(k > max(base) for k in extra):
        assert text is not None  # the disclosure's case is taken, not declined


def test_extended_json_declines_equal_but_not_identical_values() -> None:
    # 1 == 1.0 == True, but JSON writes them differently: only the same object is reused
    base: dict[str, object] = {"a": [1], "b": 1}
    for other in ({"a": [1.0], "b": 1, "rule": "R"}, {"a": base["a"], "b": True, "rule": "R"}):
        assert rows.extended_json(base, rows.to_json(base, "x"), other) is None
    assert rows.extended_json(base, "{}", {"a": base["a"], "rule": "R"}) is None  # a key less
    assert rows.extended_json(base, "{}", {**base, "0": 1}) is None  # sorts before "b"
    assert rows.extended_json({}, "{}", {"rule": "R"}) is None


@settings(max_examples=100, deadline=None)
@given(evidence=OBJECTS, stamp=st.text(max_size=30), prev=st.text(max_size=70), seq=st.integers(1))
def test_a_draft_row_hashes_exactly_as_the_domain_chains_it(
    evidence: dict[str, object], stamp: str, prev: str, seq: int
) -> None:
    record = realistic("B-1", 3, Decision.DISCLOSED)
    record = dataclasses.replace(
        record, outcome=dataclasses.replace(record.outcome, evidence=evidence)
    )
    for draft in (
        pipeline_draft(record),
        dataclasses.replace(draft_for(record), evidence=evidence),
    ):
        decided = (record.outcome.evidence, rows.to_json(record.outcome.evidence, "x"))
        for values in (rows.draft_values(draft), rows.draft_values(draft, decided)):
            assert values[-1] == canonical_json(draft_fields(draft)).decode()
            assert values[11] == canonical_json(draft.evidence).decode()  # evidence_json
            body = rows.entry_body(values[-1], prev, rows.to_json(stamp, "x"), seq)
            assert body.encode() == entry_body(seq, stamp, draft, prev)
            digest = hashlib.sha256(body.encode()).hexdigest()
            assert digest == chain_entry(seq, stamp, draft, prev).entry_hash


def test_decision_values_are_the_columns_in_table_order() -> None:
    shown = realistic("B-1", 7, Decision.DISCLOSED)
    values = dict(zip(DECISION_COLUMNS, rows.decision_values(shown), strict=True))
    assert values["evidence_json"] == canonical_json(shown.outcome.evidence).decode()
    assert (values["has_disclosure"], values["address_confirmed"], values["tin"]) == (
        1,
        1,
        shown.outcome.disclosure.tin if shown.outcome.disclosure else None,
    )
    none = dict(zip(DECISION_COLUMNS, rows.decision_values(decision("B-1", 8)), strict=True))
    assert none["has_disclosure"] == 0
    assert none["tin"] is None
    assert none["lka_street"] is None
    rejected = rows.decision_values(decision("B-1", 9, Decision.REJECTED))
    assert rejected[5] == "MISSING_FIELD:tax_periods;STATUTE_NOT_ELIGIBLE"


# -- the store: what it writes is what the domain would have chained ------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(tmp_path / "home", now=Clock("2026-03-01T10:00:00+00:00")) as s:
        s.add_agency(agency())
        s.add_batch(batch(count=40))
        yield s


def a_chunk(first: int, last: int) -> tuple[list[DecisionRecord], list[AccountingDraft]]:
    kinds = (Decision.DISCLOSED, Decision.NO_DISCLOSURE, Decision.REJECTED, Decision.REVIEW)
    records = [realistic("B-1", n, kinds[n % 4]) for n in range(first, last + 1)]
    drafts = [pipeline_draft(r) for r in records if r.outcome.decision is Decision.DISCLOSED]
    return records, drafts


def test_recorded_entries_are_byte_for_byte_the_domains_chain(
    store: StateStore, tmp_path: Path
) -> None:
    records, drafts = a_chunk(1, 20)
    store.record_chunk("B-1", records, drafts)
    more, later = a_chunk(21, 40)
    store.record_encoded(rows.encode_chunk("B-1", more, later))
    prev, expected = GENESIS, []
    for seq, draft in enumerate([*drafts, *later], start=1):
        entry = chain_entry(seq, "2026-03-01T10:00:00+00:00", draft, prev)
        expected.append(entry)
        prev = entry.entry_hash
    assert list(store.iter_accounting()) == expected
    assert store.chain_anchor() == (len(expected), prev)
    assert store.verify_chain().ok
    assert list(store.iter_decisions("B-1")) == [*records, *more]
    with sqlite3.connect(tmp_path / "home" / "state.sqlite") as db:
        stored = db.execute("SELECT evidence_json, disclosed_json FROM accounting ORDER BY seq")
        for (evidence, disclosed), entry in zip(stored, expected, strict=True):
            assert evidence == canonical_json(entry.draft.evidence).decode()
            assert disclosed == rows.to_json([list(p) for p in entry.draft.disclosed], "x")
    assert len(ENTRY_COLUMNS) == 2 + 14 + 2  # seq, recorded_at | draft columns | the links


def test_an_encoded_chunk_that_hides_a_disclosure_records_nothing(store: StateStore) -> None:
    records, drafts = a_chunk(1, 8)
    encoded = rows.encode_chunk("B-1", records, drafts)
    for broken in (
        dataclasses.replace(encoded, drafts=encoded.drafts[1:]),
        dataclasses.replace(encoded, batch_id="B-2"),
        dataclasses.replace(
            encoded, drafts=((*encoded.drafts[0][:4], "999", *encoded.drafts[0][5:]),)
        ),
    ):
        with pytest.raises(StoreError, match=r"nothing|another batch"):
            store.record_encoded(broken)
    assert store.decided_count("B-1") == 0
    assert store.chain_anchor() == (0, GENESIS)


# -- the response's projection -------------------------------------------------------------------
def test_the_response_from_the_projection_equals_response_row_of_each_decision(
    store: StateStore,
) -> None:
    records, drafts = a_chunk(1, 40)
    hidden = dataclasses.replace(
        records[5].outcome, disclosure=None, decision=Decision.NO_DISCLOSURE
    )
    records[5] = dataclasses.replace(records[5], outcome=hidden)
    drafts = [d for d in drafts if d.row_no != records[5].row_no]
    store.record_chunk("B-1", records, drafts)
    projected = list(response_rows(store, "B-1"))
    assert projected == [response_row(r) for r in store.iter_decisions("B-1")]
    shown = {r["decision"] for r in projected}
    assert shown == {"DISCLOSED", "NO_DISCLOSURE", "REJECTED", "PENDING"}
    assert all(("lka_street" in r) == (r["decision"] == "DISCLOSED") for r in projected)


def test_a_projected_row_with_an_unknown_decision_is_a_store_error() -> None:
    fields = ("R-1", "MAYBE", "", 0, None, None, None, None, None, None, None)
    with pytest.raises(StoreError, match="R-1"):
        stored_response_row(fields)
    assert len(rows.RESPONSE_FIELDS) == len(fields)


def test_a_disclosed_row_without_content_shows_no_address() -> None:
    fields = ("R-1", "DISCLOSED", "", 0, None, None, None, None, None, None, None)
    record = DecisionRecord("B-1", 1, "R-1", Outcome(Decision.DISCLOSED, "X"), "p", "m", "c")
    assert (
        stored_response_row(fields)
        == response_row(record)
        == {
            "request_id": "R-1",
            "decision": "DISCLOSED",
        }
    )
