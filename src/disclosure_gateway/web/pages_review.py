"""The review pages: the queue, an item (purpose first, then the record), and the actions.

Opening an item shows a taxpayer's record, so the page asks for a purpose first and only
then calls `review_detail`, which logs the view before it returns anything (§7213A). The
request and the candidate are shown side by side, field by field, with the agreement levels
and the model's waterfall from the decision's own evidence. A reviewer proposes; a
disclosure officer approves or sends back; refusals (the two-person rule) are shown plainly.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from disclosure_gateway.api.deps import Master, Store
from disclosure_gateway.domain.errors import BadInput, NotFound, NotPermitted, ReviewRefused
from disclosure_gateway.service.review import (
    ReviewDetail,
    approve,
    propose,
    review_detail,
    review_queue,
    send_back,
)
from disclosure_gateway.web.access import (
    REVIEW_ROLES,
    Staff,
    csrf_ok,
    csrf_refused,
    error_page,
    mask_tin,
    render,
    staff_page,
)
from disclosure_gateway.web.charts import probability, waterfall

router = APIRouter()

PLAIN_REFUSALS = {
    "TWO_PERSON_RULE": "You proposed this item yourself. Another disclosure officer must "
    "approve it: no one both proposes and approves a disclosure.",
    "NOT_PROPOSED": "No reviewer has proposed a decision for this item yet.",
    "ALREADY_DECIDED": "This item has already been decided.",
}
NAME_FIELDS = (
    ("First name", "first_name"),
    ("Middle name", "middle_name"),
    ("Last name", "last_name"),
    ("Suffix", "suffix"),
    ("Birth date", "birth_date"),
)


AGREEMENT_TEXT = {
    "same": "same",
    "differs": "different",
    "unsupplied": "not supplied",
    "unfiled": "not on file",
    "absent": "on neither",
}


@dataclass(frozen=True, slots=True)
class FieldRow:
    label: str
    request: str
    file: str
    agreement: str  # a key of AGREEMENT_TEXT

    @property
    def agreement_text(self) -> str:
        return AGREEMENT_TEXT[self.agreement]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ch.isalnum())
    return kept.casefold()


def agreement(request: str, file: str) -> str:
    """How two texts agree, ignoring case, accents, spaces and punctuation."""
    supplied, filed = bool(request.strip()), bool(file.strip())
    if not supplied or not filed:
        return "unfiled" if supplied else "unsupplied" if filed else "absent"
    return "same" if _fold(request) == _fold(file) else "differs"


def _text(mapping: dict[str, object] | None, key: str) -> str:
    value = (mapping or {}).get(key)
    return "" if value is None else str(value)


def compare_rows(request: dict[str, str], candidate: dict[str, object] | None) -> list[FieldRow]:
    """The side-by-side lines; TINs show their last four digits, compared on all nine."""
    rows = []
    for label, key in NAME_FIELDS:
        supplied, filed = request.get(key, ""), _text(candidate, key)
        rows.append(FieldRow(label, supplied, filed, agreement(supplied, filed)))
    tin, filed_tin = _digits(request.get("tin", "")), _digits(_text(candidate, "tin"))
    masked = FieldRow(
        "TIN (last four)", mask_tin(tin), mask_tin(filed_tin), agreement(tin, filed_tin)
    )
    return [*rows, masked]


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def supplied_address(request: dict[str, str]) -> str:
    street = " ".join(p for p in (request.get("street", ""), request.get("unit", "")) if p)
    place = " ".join(p for p in (request.get("state", ""), request.get("zip", "")) if p)
    return ", ".join(p for p in (street, request.get("city", ""), place) if p)


def chosen_candidate(evidence: dict[str, object]) -> dict[str, object]:
    """The evidence's entry for the candidate the decision was about (else the first)."""
    found = evidence.get("candidates")
    candidates = [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []
    chosen = evidence.get("chosen")
    for c in candidates:
        if c.get("tin") == chosen:
            return c
    return candidates[0] if candidates else {}


def address_rows(
    candidate: dict[str, object] | None, evidence: dict[str, object]
) -> list[dict[str, object]]:
    found = (candidate or {}).get("addresses")
    rows = [a for a in found if isinstance(a, dict)] if isinstance(found, list) else []
    corroborating = evidence.get("corroborating_rows")
    seqs = set(corroborating) if isinstance(corroborating, list) else set()
    shown: list[dict[str, object]] = []
    for a in rows:
        marks = []
        if a.get("seq") is not None and a.get("seq") in seqs:
            marks.append("corroborates")
        if a.get("seq") is not None and a.get("seq") == evidence.get("lka_row"):
            marks.append("last known address")
        shown.append({**a, "marks": marks, "corroborates": "corroborates" in marks})
    return shown


def weight_rows(chosen: dict[str, object]) -> list[tuple[str, str, float]]:
    found = chosen.get("weights")
    items = found if isinstance(found, list) else []
    return [(str(w[0]), str(w[1]), float(w[2])) for w in items if isinstance(w, list | tuple)]


def level_rows(detail: ReviewDetail, chosen: dict[str, object]) -> list[tuple[str, str]]:
    ev = detail.evidence
    detail_text = _text(chosen, "name_detail")
    name = _text(chosen, "name") + (f" ({detail_text})" if detail_text else "")
    p = chosen.get("probability")
    found = ev.get("candidates")
    return [
        ("Rule", detail.item.rule),
        ("Name agreement", name or "–"),
        ("Address agreement (any row, ever)", _text(chosen, "address") or "–"),
        ("Address in effect, best level", _text(ev, "address_level") or "–"),
        ("Match probability", f"{p:.6f}" if isinstance(p, float) else "– (no model score)"),
        ("Model", _text(ev, "model") or "–"),
        ("Candidates considered", str(len(found)) if isinstance(found, list) else "0"),
    ]


def detail_page(staff: Staff, detail: ReviewDetail, **extra: object) -> Response:
    chosen = chosen_candidate(detail.evidence)
    weights = weight_rows(chosen)
    table, total = [], 0.0
    for comparison, level, w in weights:
        total += w
        table.append({"comparison": comparison, "level": level, "weight": f"{w:+.2f}",
                      "total": f"{total:+.2f}"})  # fmt: skip
    if weights:
        table.append({"comparison": "match weight", "level": f"p = {probability(total):.6f}",
                      "weight": "", "total": f"{total:+.2f}"})  # fmt: skip
    item = detail.item
    return render(
        "review_detail.html",
        staff,
        title=f"Review {item.request_id}",
        item=item,
        proposal=item.proposal,
        fields=compare_rows(detail.request, detail.candidate),
        supplied_address=supplied_address(detail.request),
        addresses=address_rows(detail.candidate, detail.evidence),
        levels=level_rows(detail, chosen),
        waterfall_svg=waterfall("The model's match weights", weights),
        weights=table,
        can_propose=staff.has("reviewer") and item.state != "DECIDED",
        can_decide=staff.has("disclosure_officer") and item.state == "PROPOSED",
        **extra,
    )


@router.get("/review")
def queue_page(request: Request, store: Store, all: str = "") -> Response:
    staff = staff_page(request, store, *REVIEW_ROLES)
    if not isinstance(staff, Staff):
        return staff
    items = review_queue(store, staff.principal, include_decided=bool(all))
    return render(
        "review_queue.html", staff, title="Review queue", items=items, include_decided=bool(all)
    )


@router.get("/review/{batch_id}/{row_no}")
def purpose_page(request: Request, store: Store, batch_id: str, row_no: int) -> Response:
    staff = staff_page(request, store, *REVIEW_ROLES)
    if not isinstance(staff, Staff):
        return staff
    return render(
        "review_purpose.html", staff, title="Open review item", batch_id=batch_id, row_no=row_no
    )


@router.post("/review/{batch_id}/{row_no}")
def open_item(
    request: Request,
    store: Store,
    master: Master,
    batch_id: str,
    row_no: int,
    purpose: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = staff_page(request, store, *REVIEW_ROLES)
    if not isinstance(staff, Staff):
        return staff
    if not csrf_ok(staff, csrf):
        return csrf_refused(staff)
    try:
        detail = review_detail(store, master, staff.principal, batch_id, row_no, purpose)
    except NotFound:
        return _not_found(staff)
    except NotPermitted as exc:
        return error_page(staff, 403, "Not permitted", str(exc), exc.code)
    except BadInput as exc:
        return render(
            "review_purpose.html", staff, 400, title="Open review item",
            batch_id=batch_id, row_no=row_no, error=str(exc),
        )  # fmt: skip
    return detail_page(staff, detail)


def _not_found(staff: Staff) -> Response:
    return error_page(
        staff, 404, "Not found", "There is no such review item.", "NOT_FOUND", "/review"
    )


def _refused(staff: Staff, exc: BadInput, back: str) -> Response:
    """A refused action as a page: its stable code and a plain sentence."""
    if isinstance(exc, NotFound):
        return _not_found(staff)
    code = getattr(exc, "code", "BAD_INPUT")
    status = (
        409 if isinstance(exc, ReviewRefused) else 403 if isinstance(exc, NotPermitted) else 400
    )
    message = PLAIN_REFUSALS.get(code, str(exc))
    return error_page(staff, status, "Action refused", message, code, back)


def _acted(staff: Staff, title: str, notice: str, batch_id: str, row_no: int) -> Response:
    return render(
        "review_done.html", staff, title=title, notice=notice, batch_id=batch_id, row_no=row_no
    )


@router.post("/review/{batch_id}/{row_no}/propose")
def propose_action(
    request: Request,
    store: Store,
    batch_id: str,
    row_no: int,
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = staff_page(request, store, "reviewer")
    if not isinstance(staff, Staff):
        return staff
    if not csrf_ok(staff, csrf):
        return csrf_refused(staff)
    back = f"/review/{batch_id}/{row_no}"
    try:
        item = propose(store, staff.principal, batch_id, row_no, action, reason)
    except BadInput as exc:
        return _refused(staff, exc, back)
    shown = "disclose" if action == "DISCLOSE" else "do not disclose"
    notice = f"Proposal recorded: {shown}. A disclosure officer must now approve it."
    return _acted(staff, f"Proposal for {item.request_id}", notice, batch_id, row_no)


@router.post("/review/{batch_id}/{row_no}/approve")
def approve_action(
    request: Request,
    store: Store,
    master: Master,
    batch_id: str,
    row_no: int,
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = staff_page(request, store, "disclosure_officer")
    if not isinstance(staff, Staff):
        return staff
    if not csrf_ok(staff, csrf):
        return csrf_refused(staff)
    try:
        record = approve(store, master, staff.principal, batch_id, row_no, reason)
    except BadInput as exc:
        return _refused(staff, exc, f"/review/{batch_id}/{row_no}")
    decided = record.outcome.decision.value
    notice = f"Approved. Request {record.request_id} is now {decided}."
    if decided == "DISCLOSED":
        notice += " The disclosure is recorded in the accounting log."
    return _acted(staff, f"Decision for {record.request_id}", notice, batch_id, row_no)


@router.post("/review/{batch_id}/{row_no}/send-back")
def send_back_action(
    request: Request,
    store: Store,
    batch_id: str,
    row_no: int,
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = staff_page(request, store, "disclosure_officer")
    if not isinstance(staff, Staff):
        return staff
    if not csrf_ok(staff, csrf):
        return csrf_refused(staff)
    try:
        item = send_back(store, staff.principal, batch_id, row_no, reason)
    except BadInput as exc:
        return _refused(staff, exc, f"/review/{batch_id}/{row_no}")
    notice = "Sent back to the reviewers: the proposal is set aside and the item is open again."
    return _acted(staff, f"Sent back: {item.request_id}", notice, batch_id, row_no)
