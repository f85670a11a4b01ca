"""Service values to response models (the `…Out` schemas); no I/O, no decisions."""

from __future__ import annotations

from disclosure_gateway.api.schemas import (
    AccountingEntryOut,
    DecisionOut,
    DisclosureOut,
    ProposalOut,
    RecordViewOut,
    ReviewDetailOut,
    ReviewItemOut,
)
from disclosure_gateway.domain.audit import AccountingEntry
from disclosure_gateway.domain.model import DecisionRecord
from disclosure_gateway.service.audit import entry_view
from disclosure_gateway.service.review import ReviewDetail, ReviewItem
from disclosure_gateway.service.views import RecordView


def review_item_out(item: ReviewItem) -> ReviewItemOut:
    p = item.proposal
    return ReviewItemOut(
        batch_id=item.batch_id,
        row_no=item.row_no,
        request_id=item.request_id,
        agency=item.agency,
        state=item.state,
        proposal=None
        if p is None
        else ProposalOut(action=p.action, by=p.by, reason=p.reason, at=p.at),
        rule=item.rule,
        candidate_tin=item.candidate_tin,
    )


def review_detail_out(detail: ReviewDetail) -> ReviewDetailOut:
    return ReviewDetailOut(
        item=review_item_out(detail.item),
        request=dict(detail.request),
        candidate=None if detail.candidate is None else dict(detail.candidate),
        evidence=dict(detail.evidence),
    )


def decision_out(record: DecisionRecord) -> DecisionOut:
    o = record.outcome
    d = o.disclosure
    disclosure = None
    if d is not None:
        disclosure = DisclosureOut(
            tin=d.tin,
            address_confirmed=d.address_confirmed,
            lka_street=d.lka_street,
            lka_unit=d.lka_unit,
            lka_city=d.lka_city,
            lka_state=d.lka_state,
            lka_zip=d.lka_zip,
            lka_effective_date=d.lka_effective_date,
        )
    return DecisionOut(
        batch_id=record.batch_id,
        row_no=record.row_no,
        request_id=record.request_id,
        decision=o.decision.value,
        rule=o.rule,
        reason_codes=list(o.reason_codes),
        evidence=dict(o.evidence),
        disclosure=disclosure,
        policy_version=record.policy_version,
        model_version=record.model_version,
        code_version=record.code_version,
    )


def decision_tin(record: DecisionRecord) -> str | None:
    """The taxpayer a decision is about, if it names one (disclosed, or chosen for review)."""
    if record.outcome.disclosure is not None:
        return record.outcome.disclosure.tin
    chosen = record.outcome.evidence.get("chosen")
    return chosen if isinstance(chosen, str) and chosen else None


def entry_out(entry: AccountingEntry) -> AccountingEntryOut:
    return AccountingEntryOut.model_validate(entry_view(entry))


def record_view_out(view: RecordView) -> RecordViewOut:
    return RecordViewOut(
        seq=view.seq,
        viewer=view.viewer,
        at=view.at,
        batch_id=view.batch_id,
        request_id=view.request_id,
        tin=view.tin,
        purpose=view.purpose,
    )
