"""The review queue and the two-person rule (the service enforces roles and order too).

Reading an item's detail shows a taxpayer's record: it needs a `purpose`, and the view is
logged before anything is returned. State changes by cookie need the CSRF header.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from disclosure_gateway.api.deps import Master, OfficerWrite, ReviewerWrite, ReviewReader, Store
from disclosure_gateway.api.render import decision_out, review_detail_out, review_item_out
from disclosure_gateway.api.schemas import (
    DecisionOut,
    ProposeIn,
    ReasonIn,
    ReviewDetailOut,
    ReviewItemOut,
)
from disclosure_gateway.service import review

router = APIRouter(tags=["review"])
Purpose = Annotated[str, Query(min_length=1, max_length=1000, description="why you look")]


@router.get("/review", response_model=list[ReviewItemOut], summary="The review queue")
def queue(
    principal: ReviewReader, store: Store, include_decided: bool = False
) -> list[ReviewItemOut]:
    items = review.review_queue(store, principal, include_decided=include_decided)
    return [review_item_out(i) for i in items]


@router.get(
    "/review/{batch_id}/{row_no}",
    response_model=ReviewDetailOut,
    summary="One item with its request, candidate and evidence (the view is logged)",
)
def detail(
    batch_id: str, row_no: int, purpose: Purpose, principal: ReviewReader, store: Store,
    master: Master,
) -> ReviewDetailOut:  # fmt: skip
    found = review.review_detail(store, master, principal, batch_id, row_no, purpose)
    return review_detail_out(found)


@router.post(
    "/review/{batch_id}/{row_no}/propose",
    response_model=ReviewItemOut,
    summary="A reviewer proposes to disclose or not",
)
def propose(
    batch_id: str, row_no: int, body: ProposeIn, principal: ReviewerWrite, store: Store
) -> ReviewItemOut:
    item = review.propose(store, principal, batch_id, row_no, body.action, body.reason)
    return review_item_out(item)


@router.post(
    "/review/{batch_id}/{row_no}/approve",
    response_model=DecisionOut,
    summary="A second person, a disclosure officer, approves the proposal",
)
def approve(
    batch_id: str, row_no: int, body: ReasonIn, principal: OfficerWrite, store: Store,
    master: Master,
) -> DecisionOut:  # fmt: skip
    return decision_out(review.approve(store, master, principal, batch_id, row_no, body.reason))


@router.post(
    "/review/{batch_id}/{row_no}/send-back",
    response_model=ReviewItemOut,
    summary="A disclosure officer rejects the proposal; the item is open again",
)
def send_back(
    batch_id: str, row_no: int, body: ReasonIn, principal: OfficerWrite, store: Store
) -> ReviewItemOut:
    return review_item_out(review.send_back(store, principal, batch_id, row_no, body.reason))
