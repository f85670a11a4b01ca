"""The accounting hash chain, pure: every kind of tampering the verifier must see."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure_gateway.domain.audit import (
    GENESIS,
    AccountingEntry,
    chain_entry,
    draft_fields,
    entry_body,
    entry_hash,
    verify_entries,
)
from disclosure_gateway.domain.model import AccountingDraft

TIN = "123456789"


def draft(row_no: int, **changes: object) -> AccountingDraft:
    base = AccountingDraft(
        kind="DISCLOSURE",
        batch_id="B-1",
        request_id=f"R{row_no}",
        row_no=row_no,
        tin=TIN,
        agency="DHS-ICE",
        official="Jane Doe",
        statute="8 U.S.C. 1253(a)(1)",
        disclosed=(("address_confirmed", "true"), ("lka_street", "12 Main St")),
        policy_version="2026.1@abc",
        model_version="m1",
        evidence={"rule": "UNIQUE_MATCH", "score": 0.97, "names": ["a", "b"]},
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def chain(drafts: list[AccountingDraft]) -> list[AccountingEntry]:
    entries: list[AccountingEntry] = []
    prev = GENESIS
    for seq, d in enumerate(drafts, start=1):
        entry = chain_entry(seq, f"2026-01-0{min(seq, 9)}T00:00:00+00:00", d, prev)
        entries.append(entry)
        prev = entry.entry_hash
    return entries


def anchor_of(entries: list[AccountingEntry]) -> tuple[int, str]:
    return (entries[-1].seq, entries[-1].entry_hash) if entries else (0, GENESIS)


FIVE = chain([draft(n) for n in range(1, 6)])


def test_a_clean_chain_verifies() -> None:
    report = verify_entries(FIVE, anchor_of(FIVE))
    assert report.ok, report.problem
    assert (report.entries, report.head_seq, report.head_hash) == (5, 5, FIVE[-1].entry_hash)
    assert report.problem == ""


def test_an_empty_chain_verifies_with_or_without_anchor() -> None:
    assert verify_entries([], (0, GENESIS)).ok
    assert verify_entries([], None).ok


def test_entries_link_to_their_predecessor() -> None:
    assert FIVE[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(FIVE):
        assert after.prev_hash == before.entry_hash


def test_entry_hash_is_sha256_of_the_canonical_body() -> None:
    e = FIVE[2]
    body = entry_body(e.seq, e.recorded_at, e.draft, e.prev_hash)
    assert (
        hashlib.sha256(body).hexdigest()
        == e.entry_hash
        == entry_hash(e.seq, e.recorded_at, e.draft, e.prev_hash)
    )
    parsed = json.loads(body)
    assert parsed["seq"] == 3
    assert parsed["draft"]["tin"] == TIN
    assert (
        body
        == json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )


@pytest.mark.parametrize("field", list(draft_fields(draft(1))))
def test_every_draft_field_is_hashed(field: str) -> None:
    d = draft(1)
    changes: dict[str, object] = {
        "kind": "RETRACTION",
        "row_no": 2,
        "disclosed": (("address_confirmed", "false"),),
        "evidence": {"rule": "OTHER"},
        "retracts_seq": 9,
    }
    value = changes.get(field, f"{getattr(d, field)}x")
    edited = dataclasses.replace(d, **{field: value})  # type: ignore[arg-type]
    assert entry_hash(1, "t", edited, GENESIS) != entry_hash(1, "t", d, GENESIS)


def test_seq_time_and_link_are_hashed() -> None:
    d = draft(1)
    base = entry_hash(1, "t", d, GENESIS)
    assert entry_hash(2, "t", d, GENESIS) != base
    assert entry_hash(1, "u", d, GENESIS) != base
    assert entry_hash(1, "t", d, "1" * 64) != base


def test_an_edited_field_names_its_entry() -> None:
    entries = list(FIVE)
    entries[2] = dataclasses.replace(entries[2], draft=draft(3, tin="987654321"))
    report = verify_entries(entries, anchor_of(FIVE))
    assert not report.ok
    assert report.problem.startswith("entry 3:")
    assert "987654321" not in report.problem
    assert TIN not in report.problem
    assert report.entries == 2


def test_an_edited_digest_breaks_the_next_link() -> None:
    entries = list(FIVE)
    entries[1] = dataclasses.replace(entries[1], entry_hash="f" * 64)
    report = verify_entries(entries, anchor_of(FIVE))
    assert report.problem.startswith("entry 2:")


def test_a_deleted_entry_is_a_gap() -> None:
    entries = FIVE[:1] + FIVE[2:]
    report = verify_entries(entries, anchor_of(FIVE))
    assert not report.ok
    assert report.problem.startswith("entry 2 is missing")


def test_a_deleted_entry_renumbered_breaks_the_link() -> None:
    renumbered = [FIVE[0]] + [dataclasses.replace(e, seq=e.seq - 1) for e in FIVE[2:]]
    report = verify_entries(renumbered, anchor_of(FIVE))
    assert not report.ok
    assert report.problem.startswith("entry 2:")


def test_reordered_entries_are_caught() -> None:
    entries = [FIVE[0], FIVE[2], FIVE[1], FIVE[3], FIVE[4]]
    report = verify_entries(entries, anchor_of(FIVE))
    assert not report.ok
    assert "entry 2" in report.problem


def test_swapped_contents_keeping_seqs_are_caught() -> None:
    a, b = FIVE[1], FIVE[2]
    swapped = [FIVE[0], dataclasses.replace(b, seq=2), dataclasses.replace(a, seq=3), *FIVE[3:]]
    report = verify_entries(swapped, anchor_of(FIVE))
    assert report.problem.startswith("entry 2:")


def test_a_deleted_last_entry_is_caught_by_the_anchor() -> None:
    report = verify_entries(FIVE[:-1], anchor_of(FIVE))
    assert not report.ok
    assert report.problem.startswith("entry 5 is missing")


def test_a_truncated_tail_is_caught_by_the_anchor() -> None:
    report = verify_entries(FIVE[:2], anchor_of(FIVE))
    assert report.problem.startswith("entry 3 is missing")


def test_every_entry_deleted_is_caught_by_the_anchor() -> None:
    report = verify_entries([], anchor_of(FIVE))
    assert report.problem.startswith("entry 1 is missing")


@pytest.mark.parametrize(
    ("anchor", "start"),
    [
        ((5, "e" * 64), "entry 5:"),
        ((4, FIVE[3].entry_hash), "entry 5:"),
        ((6, "e" * 64), "entry 6"),
    ],
)
def test_an_edited_anchor_is_caught(anchor: tuple[int, str], start: str) -> None:
    report = verify_entries(FIVE, anchor)
    assert not report.ok
    assert report.problem.startswith(start)


def test_a_missing_anchor_with_entries_is_caught() -> None:
    report = verify_entries(FIVE, None)
    assert not report.ok
    assert "anchor is missing" in report.problem


def test_an_unknown_kind_is_caught_even_with_a_good_digest() -> None:
    entries = chain([draft(1), draft(2, kind="EXPORT"), draft(3)])
    report = verify_entries(entries, anchor_of(entries))
    assert report.problem == "entry 2: unknown kind of entry"


def test_a_retraction_of_an_earlier_disclosure_verifies() -> None:
    entries = chain([draft(1), draft(2), draft(1, kind="RETRACTION", retracts_seq=1)])
    assert verify_entries(entries, anchor_of(entries)).ok


@pytest.mark.parametrize(
    ("drafts", "message"),
    [
        ([draft(1), draft(1, kind="RETRACTION", retracts_seq=7)], "entry 2: retracts 7"),
        (
            [draft(1), draft(1, kind="RETRACTION", retracts_seq=None)],
            "entry 2: retracts None",
        ),
        (
            [
                draft(1),
                draft(1, kind="RETRACTION", retracts_seq=1),
                draft(1, kind="RETRACTION", retracts_seq=2),
            ],
            "entry 3: retracts 2, not an earlier disclosure",
        ),
        (
            [
                draft(1),
                draft(1, kind="RETRACTION", retracts_seq=1),
                draft(1, kind="RETRACTION", retracts_seq=1),
            ],
            "entry 3: retracts 1, already retracted",
        ),
        ([draft(1, kind="RETRACTION", retracts_seq=2), draft(2)], "entry 1: retracts 2"),
        ([draft(1, retracts_seq=1)], "entry 1: a disclosure points"),
    ],
)
def test_bad_retractions_are_caught(drafts: list[AccountingDraft], message: str) -> None:
    entries = chain(drafts)
    report = verify_entries(entries, anchor_of(entries))
    assert not report.ok
    assert report.problem.startswith(message)


def test_a_full_rechain_with_a_consistent_anchor_is_the_known_gap() -> None:
    """Documented in domain/audit.py: a forger who rewrites every later digest and the anchor
    is not caught until the head is signed. This pins the gap so that closing it shows up."""
    forged = chain([draft(1), draft(2, tin="987654321"), *[draft(n) for n in range(3, 6)]])
    assert verify_entries(forged, anchor_of(forged)).ok


@settings(max_examples=60, deadline=None)
@given(
    index=st.integers(0, 4),
    field=st.sampled_from(["tin", "agency", "official", "statute", "request_id", "batch_id"]),
    text=st.text(min_size=1, max_size=12),
)
def test_any_single_edit_is_caught(index: int, field: str, text: str) -> None:
    entries = list(FIVE)
    original = entries[index].draft
    edited = dataclasses.replace(original, **{field: getattr(original, field) + text})
    entries[index] = dataclasses.replace(entries[index], draft=edited)
    report = verify_entries(entries, anchor_of(FIVE))
    assert not report.ok
    assert report.problem.startswith(f"entry {index + 1}:")
