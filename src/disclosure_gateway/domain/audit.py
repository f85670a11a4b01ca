"""The accounting of disclosures (SPEC §7, 26 U.S.C. §6103(p)(3)) as a hash chain.

Every entry carries the SHA-256 of the entry before it (`prev_hash`; the first carries
`GENESIS`) and its own digest over the canonical JSON of every field (`entry_hash`). The
head of the chain (its last seq and digest) is also kept outside the chain, in the
anchor, so that `verify_entries` detects:

- an edited field of any entry (its digest no longer matches its content);
- a deleted entry (a gap in the seqs, or a `prev_hash` that is not its predecessor's);
- reordered or swapped entries (the seq is hashed, and so is the link);
- a deleted last entry or a truncated tail, and an edited anchor (the anchor disagrees);
- an entry whose kind is neither DISCLOSURE nor RETRACTION;
- a retraction that points to a missing entry, to a retraction, or to an entry already
  retracted.

The chain alone cannot catch an attacker who writes both the state and the anchor and
rebuilds the whole chain from the first edited entry onwards with fresh digests; the
signed chain heads of `domain/heads.py` (a key the database never holds) catch that.

Pure: no I/O. Problems name entry numbers only, never taxpayer data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from disclosure_gateway.domain.manifest import canonical_json
from disclosure_gateway.domain.model import AccountingDraft

GENESIS = "0" * 64
DISCLOSURE = "DISCLOSURE"
RETRACTION = "RETRACTION"
ENTRY_KINDS = (DISCLOSURE, RETRACTION)


@dataclass(frozen=True, slots=True)
class AccountingEntry:
    seq: int
    recorded_at: str
    draft: AccountingDraft
    prev_hash: str
    entry_hash: str


def draft_fields(draft: AccountingDraft) -> dict[str, object]:
    """Every field of a draft as JSON-ready values (the `disclosed` pairs as lists)."""
    return {
        "kind": draft.kind,
        "batch_id": draft.batch_id,
        "request_id": draft.request_id,
        "row_no": draft.row_no,
        "tin": draft.tin,
        "agency": draft.agency,
        "official": draft.official,
        "statute": draft.statute,
        "disclosed": [[name, value] for name, value in draft.disclosed],
        "policy_version": draft.policy_version,
        "model_version": draft.model_version,
        "evidence": draft.evidence,
        "retracts_seq": draft.retracts_seq,
        "retraction_reason": draft.retraction_reason,
    }


def entry_body(seq: int, recorded_at: str, draft: AccountingDraft, prev_hash: str) -> bytes:
    """Canonical JSON of every field of an entry but its own digest."""
    body: dict[str, object] = {
        "seq": seq,
        "recorded_at": recorded_at,
        "prev_hash": prev_hash,
        "draft": draft_fields(draft),
    }
    return canonical_json(body)


def entry_hash(seq: int, recorded_at: str, draft: AccountingDraft, prev_hash: str) -> str:
    """SHA-256 (hex) of `entry_body`."""
    return hashlib.sha256(entry_body(seq, recorded_at, draft, prev_hash)).hexdigest()


def chain_entry(
    seq: int, recorded_at: str, draft: AccountingDraft, prev_hash: str
) -> AccountingEntry:
    """A new entry linked after `prev_hash`."""
    digest = entry_hash(seq, recorded_at, draft, prev_hash)
    return AccountingEntry(seq, recorded_at, draft, prev_hash, digest)


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    problem: str


@dataclass(slots=True)
class _Walk:
    """What the verifier remembers while it walks the chain (kinds by seq, retractions)."""

    count: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    disclosures: set[int] = field(default_factory=set)
    retracted: set[int] = field(default_factory=set)

    def report(self, problem: str = "") -> ChainReport:
        return ChainReport(not problem, self.count, self.head_seq, self.head_hash, problem)


def _entry_problem(entry: AccountingEntry, walk: _Walk) -> str:
    seq = entry.seq
    if seq != walk.head_seq + 1:
        return f"entry {walk.head_seq + 1} is missing or out of order (next is {seq})"
    if entry.prev_hash != walk.head_hash:
        return f"entry {seq}: broken link (entry moved or removed)"
    if entry_hash(seq, entry.recorded_at, entry.draft, entry.prev_hash) != entry.entry_hash:
        return f"entry {seq}: digest does not match content (edited)"
    kind = entry.draft.kind
    if kind not in ENTRY_KINDS:
        return f"entry {seq}: unknown kind of entry"
    if kind == RETRACTION:
        return _retraction_problem(entry, walk)
    if entry.draft.retracts_seq is not None:
        return f"entry {seq}: a disclosure points to another entry"
    return ""


def _retraction_problem(entry: AccountingEntry, walk: _Walk) -> str:
    target = entry.draft.retracts_seq
    if target is None or target not in walk.disclosures:
        return f"entry {entry.seq}: retracts {target}, not an earlier disclosure"
    if target in walk.retracted:
        return f"entry {entry.seq}: retracts {target}, already retracted"
    return ""


def verify_entries(
    entries: Iterable[AccountingEntry], anchor: tuple[int, str] | None
) -> ChainReport:
    """Walk the chain in seq order and check it against the anchor (head seq, head digest).

    `anchor` None means no anchor is recorded: only an empty chain then verifies. The
    report names the first problem found; `entries` counts the entries walked before it.
    """
    walk = _Walk()
    for entry in entries:
        problem = _entry_problem(entry, walk)
        if problem:
            return walk.report(problem)
        if entry.draft.kind == DISCLOSURE:
            walk.disclosures.add(entry.seq)
        elif entry.draft.retracts_seq is not None:
            walk.retracted.add(entry.draft.retracts_seq)
        walk.count += 1
        walk.head_seq = entry.seq
        walk.head_hash = entry.entry_hash
    return walk.report(_anchor_problem(walk, anchor))


def _anchor_problem(walk: _Walk, anchor: tuple[int, str] | None) -> str:
    if anchor is None:
        return "" if walk.count == 0 else "the chain's anchor is missing"
    anchor_seq, anchor_hash = anchor
    if anchor_seq > walk.head_seq:
        return f"entry {walk.head_seq + 1} is missing (chain ends before anchor)"
    if anchor_seq < walk.head_seq:
        return f"entry {anchor_seq + 1}: the chain runs past its anchor (at {anchor_seq})"
    if anchor_hash != walk.head_hash:
        return f"entry {anchor_seq}: the anchor digest does not match"
    return ""


@dataclass(frozen=True, slots=True)
class YearCount:
    """One agency's counts for one calendar year (the statute's yearly report)."""

    agency: str
    requests: int
    disclosures: int
    taxpayers: int
    retractions: int
