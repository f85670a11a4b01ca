"""The batch pages: every batch's progress, and one batch's figures once it is done.

Progress updates live (`static/app.js` polls `/api/v1/batches/{id}`). The charts are drawn
from the decision log alone: decisions by outcome, reject reasons, and a histogram of the
model's match probability for the best-scored candidate of each request. They are counts:
no taxpayer data is on these pages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from disclosure_gateway.api.deps import Runtime, Store
from disclosure_gateway.domain.model import Decision, DecisionRecord
from disclosure_gateway.web.access import BATCH_ROLES, Staff, error_page, render, staff_page
from disclosure_gateway.web.charts import bar_chart, histogram

router = APIRouter()

MAX_REASONS = 15


@dataclass(frozen=True, slots=True)
class BatchFigures:
    outcomes: tuple[tuple[str, int], ...]
    reasons: tuple[tuple[str, int], ...]
    scores: tuple[float, ...]


def best_score(record: DecisionRecord) -> float | None:
    """The highest match probability among the request's scored candidates, if any."""
    found = record.outcome.evidence.get("candidates")
    candidates = found if isinstance(found, list) else []
    scores = [
        float(c["probability"])
        for c in candidates
        if isinstance(c, dict) and isinstance(c.get("probability"), int | float)
    ]
    return max(scores) if scores else None


def batch_figures(records: Iterable[DecisionRecord]) -> BatchFigures:
    """Counts by outcome (every outcome, zeros kept), reject reasons, and model scores."""
    outcomes: Counter[str] = Counter({d.value: 0 for d in Decision})
    reasons: Counter[str] = Counter()
    scores: list[float] = []
    for record in records:
        outcomes[record.outcome.decision.value] += 1
        for code in record.outcome.reason_codes:
            reasons[code] += 1
        score = best_score(record)
        if score is not None:
            scores.append(score)
    order = [d.value for d in Decision]
    return BatchFigures(
        outcomes=tuple((name, outcomes[name]) for name in order),
        reasons=tuple(reasons.most_common(MAX_REASONS)),
        scores=tuple(scores),
    )


@router.get("/batches")
def batches_page(request: Request, store: Store) -> Response:
    staff = staff_page(request, store, *BATCH_ROLES)
    if not isinstance(staff, Staff):
        return staff
    found = sorted(store.list_batches(), key=lambda b: (b.submitted_at, b.batch_id), reverse=True)
    page = render("batches.html", staff, title="Batches", batches=found)
    return page


@router.get("/batches/{batch_id}")
def batch_page(request: Request, store: Store, runtime: Runtime, batch_id: str) -> Response:
    staff = staff_page(request, store, *BATCH_ROLES)
    if not isinstance(staff, Staff):
        return staff
    batch = store.get_batch(batch_id)
    if batch is None:
        return error_page(
            staff, 404, "Not found", "There is no such batch.", "NOT_FOUND", "/batches"
        )
    job = runtime.jobs.progress(batch_id)
    rate = f"{job.rate:.1f}" if job is not None and job.rate is not None else "–"
    charts: dict[str, object] = {}
    if batch.state == "DONE":
        figures = batch_figures(store.iter_decisions(batch_id))
        charts = {
            "outcome_chart": bar_chart("Decisions by outcome", figures.outcomes),
            "reasons_chart": bar_chart("Reject reasons", figures.reasons, css="bar reason"),
            "score_chart": histogram("Match probability of the best candidate", figures.scores),
        }
    return render("batch.html", staff, title=f"Batch {batch_id}", b=batch, rate=rate, **charts)
