"""The review of borderline decisions: a reviewer proposes, another person approves.

A `REVIEW` decision (shown to the requester as PENDING) is an item of the review queue:
OPEN (no proposal), PROPOSED (a reviewer proposed DISCLOSE or NO_DISCLOSURE, with a
reason), DECIDED (a disclosure officer approved the proposal). The two-person rule: the
officer who approves is never the person who proposed. A disclosure officer may instead
send the proposal back (the item is OPEN again); a reviewer may re-propose before
approval (the new proposal supersedes; every step is kept, append-only).

Approving DISCLOSE rebuilds the disclosure from the master file for the decision's chosen
taxpayer, exactly as the batch run would have (last known address as of the batch's
submission date, the batch's stored policy's disclosure mode, the supplied address still
corroborated), then in one transaction settles the decision (rule R10) and appends its
accounting entry. A legal hold or lapsed safeguards refuse it and change nothing.
Approving NO_DISCLOSURE settles the decision (rule R11); nothing is disclosed.

Staff who look at an item's taxpayer data go through `review_detail`, which logs the view
first (`service/views.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import islice

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.batch_files import BatchFiles
from disclosure_gateway.adapters.storage.master_store import MasterStore, RequestKeys
from disclosure_gateway.adapters.storage.state import BatchInfo, StateStore
from disclosure_gateway.adapters.storage.state_staff import ReviewFacts
from disclosure_gateway.domain.address_match import AddressLevel, compare_addresses
from disclosure_gateway.domain.decision import Candidate, disclosure_of, in_effect_levels
from disclosure_gateway.domain.errors import BadInput, BatchRefused, NotFound, ReviewRefused
from disclosure_gateway.domain.lka import last_known_address
from disclosure_gateway.domain.model import (
    AccountingDraft,
    Decision,
    DecisionRecord,
    Disclosure,
    Outcome,
    RequestRecord,
)
from disclosure_gateway.domain.policy import Policy, parse_policy
from disclosure_gateway.domain.rules import RowCheck, check_row
from disclosure_gateway.service.identity import Principal, require
from disclosure_gateway.service.pipeline import accounting_draft
from disclosure_gateway.service.views import log_view

__all__ = [
    "ACTIONS",
    "RULE_APPROVED",
    "RULE_REFUSED",
    "Proposal",
    "ReviewDetail",
    "ReviewItem",
    "approve",
    "propose",
    "review_detail",
    "review_queue",
    "send_back",
    "taxpayer_on_file",
]

RULE_APPROVED = "R10-APPROVED-ON-REVIEW"
RULE_REFUSED = "R11-REFUSED-ON-REVIEW"
ACTIONS = ("DISCLOSE", "NO_DISCLOSURE")
OPEN, PROPOSED, DECIDED = "OPEN", "PROPOSED", "DECIDED"
VIEWERS = ("reviewer", "disclosure_officer", "auditor")
MIN_REASON = 20
MAX_REASON = 2000


@dataclass(frozen=True, slots=True)
class Proposal:
    action: str  # "DISCLOSE" | "NO_DISCLOSURE"
    by: str
    reason: str
    at: str


@dataclass(frozen=True, slots=True)
class ReviewItem:
    batch_id: str
    row_no: int
    request_id: str
    agency: str
    state: str  # "OPEN" (no proposal), "PROPOSED", "DECIDED"
    proposal: Proposal | None
    rule: str
    candidate_tin: str | None


@dataclass(frozen=True, slots=True)
class ReviewDetail:
    item: ReviewItem
    request: dict[str, str]  # the request row's fields as received (SPEC §3.2 columns)
    candidate: dict[str, object] | None  # the taxpayer on file: names, birth date, addresses
    evidence: dict[str, object]  # the decision's evidence (levels, weights)


# -- reading ---------------------------------------------------------------------------------
def _item(facts: ReviewFacts) -> ReviewItem:
    record = facts.record
    proposal: Proposal | None = None
    for step in facts.actions:
        if step.action == "PROPOSE":
            proposal = Proposal(step.proposal, step.by, step.reason, step.at)
        elif step.action == "SEND_BACK":
            proposal = None
    if record.outcome.decision is not Decision.REVIEW:
        state = DECIDED
    else:
        state = OPEN if proposal is None else PROPOSED
    chosen = record.outcome.evidence.get("chosen")
    return ReviewItem(
        batch_id=record.batch_id,
        row_no=record.row_no,
        request_id=record.request_id,
        agency=facts.agency,
        state=state,
        proposal=proposal,
        rule=record.outcome.rule,
        candidate_tin=chosen if isinstance(chosen, str) else None,
    )


def _facts(store: StateStore, batch_id: str, row_no: int) -> ReviewFacts:
    """The item's facts; NotFound unless the row is (or was) under review."""
    facts = store.review_facts(batch_id, row_no)
    if facts is None:
        raise NotFound(f"batch {batch_id} has no decided row {row_no}")
    outcome = facts.record.outcome
    if outcome.decision is not Decision.REVIEW and outcome.rule not in (
        RULE_APPROVED,
        RULE_REFUSED,
    ):
        raise NotFound(f"batch {batch_id} row {row_no} is not a review item")
    return facts


def _reason(reason: str) -> str:
    stated = " ".join(reason.split())
    if len(stated) < MIN_REASON:
        raise BadInput(f"give a reason of at least {MIN_REASON} characters")
    if len(stated) > MAX_REASON:
        raise BadInput(f"the reason is longer than {MAX_REASON} characters")
    return stated


def review_queue(
    store: StateStore, viewer: Principal, *, include_decided: bool = False
) -> list[ReviewItem]:
    """Items under review (oldest batch first), and with `include_decided` the settled ones."""
    require(viewer, *VIEWERS)
    settled = (RULE_APPROVED, RULE_REFUSED) if include_decided else ()
    return [_item(facts) for facts in store.review_items(settled)]


def _request_record(files: BatchFiles, batch_id: str, row_no: int) -> RequestRecord:
    found = next(islice(files.records(batch_id), row_no - 1, None), None) if row_no > 0 else None
    if found is None or found.row_no != row_no:
        raise NotFound(f"the stored records of batch {batch_id} have no row {row_no}")
    return found


def taxpayer_on_file(master: MasterStore, tin: str) -> Candidate | None:
    """The taxpayer with this TIN and the whole address history, as retrieval gives it."""
    found = master.candidates([RequestKeys(0, "", "", tin)]).get(0, [])
    return next((c for c in found if c.taxpayer.tin == tin), None)


def _candidate_view(cand: Candidate) -> dict[str, object]:
    tp = cand.taxpayer
    rows = sorted((a.row for a in cand.addresses), key=lambda r: r.order_key)
    return {
        "tin": tp.tin,
        "tin_type": tp.tin_type.value,
        "first_name": tp.first_name,
        "middle_name": tp.middle_name,
        "last_name": tp.last_name,
        "suffix": tp.suffix,
        "birth_date": tp.birth_date.isoformat() if tp.birth_date is not None else "",
        "addresses": [
            {
                "seq": r.seq,
                "street": r.street,
                "unit": r.unit,
                "city": r.city,
                "state": r.state,
                "zip": r.zip,
                "source": r.source.value,
                "effective_date": r.effective_date.isoformat(),
                "tax_year": "" if r.tax_year is None else str(r.tax_year),
            }
            for r in rows
        ],
    }


def review_detail(
    store: StateStore,
    master: MasterStore,
    viewer: Principal,
    batch_id: str,
    row_no: int,
    purpose: str,
) -> ReviewDetail:
    """The request, the taxpayer on file and the evidence, AFTER the view is logged."""
    require(viewer, *VIEWERS)
    facts = _facts(store, batch_id, row_no)
    item = _item(facts)
    log_view(
        store,
        viewer,
        batch_id=batch_id,
        request_id=item.request_id,
        tin=item.candidate_tin,
        purpose=purpose,
    )
    request = dict(_request_record(BatchFiles(master.home), batch_id, row_no).fields)
    cand = taxpayer_on_file(master, item.candidate_tin) if item.candidate_tin else None
    return ReviewDetail(
        item=item,
        request=request,
        candidate=None if cand is None else _candidate_view(cand),
        evidence=dict(facts.record.outcome.evidence),
    )


# -- acting ----------------------------------------------------------------------------------
def propose(
    store: StateStore, viewer: Principal, batch_id: str, row_no: int, action: str, reason: str
) -> ReviewItem:
    """A reviewer proposes DISCLOSE or NO_DISCLOSURE (a new proposal supersedes an older one)."""
    require(viewer, "reviewer")
    if action not in ACTIONS:
        raise BadInput(f"a proposal is one of {', '.join(ACTIONS)}")
    stated = _reason(reason)
    facts = _facts(store, batch_id, row_no)
    if _item(facts).state == DECIDED:
        raise ReviewRefused("ALREADY_DECIDED", f"batch {batch_id} row {row_no} is already decided")
    store.add_review_step(
        batch_id, row_no, facts.last_seq, "PROPOSE", action, viewer.name, stated, store.clock()
    )
    return _item(_facts(store, batch_id, row_no))


def _proposed(facts: ReviewFacts) -> Proposal:
    """The item's standing proposal; ReviewRefused when decided or not proposed."""
    item = _item(facts)
    where = f"batch {item.batch_id} row {item.row_no}"
    if item.state == DECIDED:
        raise ReviewRefused("ALREADY_DECIDED", f"{where} is already decided")
    if item.proposal is None:
        raise ReviewRefused("NOT_PROPOSED", f"{where} has no proposal to act on")
    return item.proposal


def send_back(
    store: StateStore, viewer: Principal, batch_id: str, row_no: int, reason: str
) -> ReviewItem:
    """A disclosure officer rejects the standing proposal: the item is OPEN again."""
    require(viewer, "disclosure_officer")
    stated = _reason(reason)
    facts = _facts(store, batch_id, row_no)
    _proposed(facts)
    store.add_review_step(
        batch_id, row_no, facts.last_seq, "SEND_BACK", "", viewer.name, stated, store.clock()
    )
    return _item(_facts(store, batch_id, row_no))


def approve(
    store: StateStore,
    master: MasterStore,
    viewer: Principal,
    batch_id: str,
    row_no: int,
    reason: str,
) -> DecisionRecord:
    """A disclosure officer (not the proposer) approves the proposal; the decision is settled."""
    require(viewer, "disclosure_officer")
    stated = _reason(reason)
    facts = _facts(store, batch_id, row_no)
    proposal = _proposed(facts)
    if proposal.by == viewer.name:
        raise ReviewRefused(
            "TWO_PERSON_RULE",
            f"batch {batch_id} row {row_no}: {viewer.name} proposed it and may not approve it",
        )
    at = store.clock()
    record = facts.record
    review: dict[str, object] = {
        "from_rule": record.outcome.rule,
        "proposal": {
            "action": proposal.action,
            "by": proposal.by,
            "reason": proposal.reason,
            "at": proposal.at,
        },
        "approval": {"by": viewer.name, "reason": stated, "at": at},
        "reviewer": proposal.by,
        "officer": viewer.name,
    }
    evidence = {**record.outcome.evidence, "review": review}
    draft: AccountingDraft | None = None
    if proposal.action == "DISCLOSE":
        _clear_to_disclose(store, facts.agency, batch_id)
        settled, draft = _disclosed(store, master, record, evidence)
    else:
        outcome = Outcome(Decision.NO_DISCLOSURE, RULE_REFUSED, (), evidence)
        settled = replace(record, outcome=outcome)
    store.settle_review(settled, facts.last_seq, viewer.name, stated, at, draft)
    return settled


def _clear_to_disclose(store: StateStore, agency_name: str, batch_id: str) -> None:
    """The pipeline's guards: no legal hold, the agency's safeguards current."""
    if store.active_hold() is not None:
        raise BatchRefused(
            "LEGAL_HOLD", f"batch {batch_id}: a legal hold is in force; nothing disclosed"
        )
    agency = store.get_agency(agency_name)
    if agency is None or not agency.safeguards_current:
        raise BatchRefused(
            "SAFEGUARDS_NOT_CURRENT",
            f"batch {batch_id}: {agency_name}'s safeguard review is not current; nothing disclosed",
        )


def _disclosed(
    store: StateStore, master: MasterStore, record: DecisionRecord, evidence: dict[str, object]
) -> tuple[DecisionRecord, AccountingDraft]:
    """The settled DISCLOSED record and its accounting draft, rebuilt from the stored batch."""
    batch = store.get_batch(record.batch_id)
    if batch is None:
        raise NotFound(f"no batch {record.batch_id}")
    files = BatchFiles(master.home)
    if files.records_digest(batch.batch_id) != batch.records_sha256:
        raise ReviewRefused(
            "BATCH_CHANGED", f"the stored records of batch {batch.batch_id} changed; not disclosed"
        )
    policy = parse_policy(files.policy_text(batch.batch_id))
    if policy.label != record.policy_version:
        raise ReviewRefused(
            "BATCH_CHANGED", f"the stored policy of batch {batch.batch_id} changed; not disclosed"
        )
    rec = _request_record(files, batch.batch_id, record.row_no)
    check = check_row(rec, policy, batch.submitted_on, bootstrap.zip_prefixes())
    chosen = record.outcome.evidence.get("chosen")
    cand = taxpayer_on_file(master, chosen) if isinstance(chosen, str) else None
    disclosure = _rebuilt(check, cand, policy, batch)
    if disclosure is None:
        raise ReviewRefused(
            "NOT_CORROBORATED",
            f"batch {batch.batch_id} row {record.row_no}: the supplied address is no longer "
            "corroborated by the master file; not disclosed",
        )
    outcome = Outcome(Decision.DISCLOSED, RULE_APPROVED, (), evidence, disclosure)
    draft = accounting_draft(batch, policy.label, record.model_version, check, outcome)
    return replace(record, outcome=outcome), draft


def _rebuilt(
    check: RowCheck, cand: Candidate | None, policy: Policy, batch: BatchInfo
) -> Disclosure | None:
    """The decision's own disclosure of `cand`, or None when the address no longer corroborates."""
    address = check.address
    if address is None or cand is None or check.codes:
        return None
    corroborating, _ = in_effect_levels(check, address, cand, batch.submitted_on)
    lka = last_known_address([a.row for a in cand.addresses], batch.submitted_on)
    if not corroborating or lka is None:
        return None
    lka_std = next((a.std for a in cand.addresses if a.row.seq == lka.seq), None)
    confirmed = (
        lka_std is not None and compare_addresses(address, lka_std).level is not AddressLevel.NONE
    )
    return disclosure_of(cand.taxpayer.tin, lka, confirmed, policy)
