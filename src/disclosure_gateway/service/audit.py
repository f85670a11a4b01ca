"""Use cases over the accounting of disclosures: verify, yearly report, retract, show.

`verify_accounting` raises `TamperDetected` (exit 3) with one line naming the first bad
entry; nothing is ever deleted: a wrong disclosure is retracted by a new entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from disclosure_gateway.adapters.storage.heads import HeadPlaces
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.domain.audit import (
    DISCLOSURE,
    RETRACTION,
    AccountingEntry,
    ChainReport,
    YearCount,
    draft_fields,
)
from disclosure_gateway.domain.errors import BadInput, TamperDetected
from disclosure_gateway.domain.heads import (
    SignedHead,
    head_signature_valid,
    heads_problem,
    sign_head,
)
from disclosure_gateway.domain.manifest import generate_keypair
from disclosure_gateway.domain.model import AccountingDraft
from disclosure_gateway.service.agencies import checked_text

ALL_AGENCIES = "all agencies"


def verify_accounting(store: StateStore, places: HeadPlaces | None = None) -> ChainReport:
    """The chain, its anchor, the decision log and the signed heads agree; else TamperDetected.

    With head signing configured (a public key in place), every signed head must carry a
    valid signature and still match the chain: this catches a chain rebuilt with fresh
    digests and a matching anchor, which the chain alone cannot.
    """
    report = store.verify_chain()
    if not report.ok:
        raise TamperDetected(f"accounting does not verify: {report.problem}")
    if places is not None and places.configured:
        digests = {e.seq: e.entry_hash for e in store.iter_accounting()}
        problem = heads_problem(digests, report.entries, places.read(), places.public_pem())
        if problem:
            raise TamperDetected(f"accounting does not verify: {problem}")
    return report


def sign_chain_head(store: StateStore, places: HeadPlaces, now: str) -> SignedHead | None:
    """Sign the current head, if this host holds the key; never signs a chain that fails."""
    private = places.private_pem()
    if private is None or not places.configured:
        return None
    report = verify_accounting(store, places)
    head = sign_head(report.head_seq, report.head_hash, now, private)
    if not head_signature_valid(head, places.public_pem()):
        raise BadInput("the head-signing key does not match its public key")
    places.append(head)
    return head


def create_head_key(store: StateStore, places: HeadPlaces, now: str) -> SignedHead:
    """Make the agency's head-signing key pair and sign the current head at once."""
    private, public = generate_keypair()
    report = verify_accounting(store)
    places.write_keys(private, public)
    head = sign_head(report.head_seq, report.head_hash, now, private)
    places.append(head)
    return head


@dataclass(frozen=True, slots=True)
class YearReport:
    year: int
    by_agency: tuple[YearCount, ...]
    total: YearCount

    def as_json(self) -> dict[str, object]:
        def row(c: YearCount) -> dict[str, object]:
            return {
                "agency": c.agency,
                "requests": c.requests,
                "disclosures": c.disclosures,
                "taxpayers": c.taxpayers,
                "retractions": c.retractions,
            }

        return {
            "year": self.year,
            "by_agency": [row(c) for c in self.by_agency],
            "total": row(self.total),
        }


def yearly_report(store: StateStore, year: int) -> YearReport:
    """The statute's yearly counts: requests, disclosures, distinct taxpayers, by agency."""
    if not 1900 <= year <= 9999:
        raise BadInput("--year must be a four-digit year")
    rows = tuple(store.yearly_counts(year))
    total = YearCount(
        agency=ALL_AGENCIES,
        requests=sum(r.requests for r in rows),
        disclosures=sum(r.disclosures for r in rows),
        taxpayers=store.yearly_taxpayers(year),
        retractions=sum(r.retractions for r in rows),
    )
    return YearReport(year, rows, total)


def show_entry(store: StateStore, seq: int) -> AccountingEntry:
    entry = store.accounting_entry(seq)
    if entry is None:
        raise BadInput(f"there is no accounting entry {seq}")
    return entry


def retract_disclosure(store: StateStore, seq: int, reason: str, by: str) -> AccountingEntry:
    """Append a RETRACTION entry pointing to disclosure `seq`; the original stays as it was."""
    reason, by = checked_text(reason, "reason"), checked_text(by, "the operator's name")
    target = show_entry(store, seq)
    if target.draft.kind != DISCLOSURE:
        raise BadInput(f"entry {seq} is a {target.draft.kind.lower()}, not a disclosure")
    earlier = store.retraction_of(seq)
    if earlier is not None:
        raise BadInput(f"entry {seq} was already retracted by entry {earlier.seq}")
    d = target.draft
    draft = AccountingDraft(
        kind=RETRACTION,
        batch_id=d.batch_id,
        request_id=d.request_id,
        row_no=d.row_no,
        tin=d.tin,
        agency=d.agency,
        official=d.official,
        statute=d.statute,
        disclosed=d.disclosed,
        policy_version=d.policy_version,
        model_version=d.model_version,
        evidence={"retracted_by": by},
        retracts_seq=seq,
        retraction_reason=reason,
    )
    store.append_accounting([draft])
    made = store.retraction_of(seq)
    if made is None:  # appended in the line above; anything else is a store fault
        raise TamperDetected(f"the retraction of entry {seq} was not found after it was recorded")
    return made


def entry_view(entry: AccountingEntry) -> dict[str, object]:
    """Every field of an entry, for the agency's own staff (it includes the TIN)."""
    return {
        "seq": entry.seq,
        "recorded_at": entry.recorded_at,
        **draft_fields(entry.draft),
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }
