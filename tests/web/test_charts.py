"""Server-side SVG charts: counts, escaping, and a waterfall that adds up to the score."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from disclosure_gateway.domain.model import Decision, DecisionRecord, Outcome
from disclosure_gateway.web.charts import (
    bar_chart,
    histogram,
    histogram_counts,
    probability,
    waterfall,
)
from disclosure_gateway.web.pages_batches import batch_figures, best_score
from disclosure_gateway.web.pages_review import agreement, chosen_candidate, compare_rows


def test_histogram_bins_cover_zero_to_one() -> None:
    assert histogram_counts([0.0, 0.05, 0.5, 0.999, 1.0], bins=10) == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]


@given(st.lists(st.floats(min_value=0.0, max_value=1.0), max_size=50))
def test_histogram_counts_every_value_once(values: list[float]) -> None:
    assert sum(histogram_counts(values)) == len(values)


def test_labels_are_escaped() -> None:
    svg = str(bar_chart("t<", [("<script>x</script>", 3)]))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert 'aria-label="t&lt;"' in svg


def test_bars_scale_to_the_largest_count() -> None:
    svg = str(bar_chart("t", [("a", 4), ("b", 2)]))
    widths = [float(w) for w in re.findall(r'<rect[^>]*width="([\d.]+)"', svg)]
    assert widths[0] == 2 * widths[1]


def test_empty_charts_say_so() -> None:
    assert "Nothing to chart" in str(bar_chart("t", []))
    assert "No model scores" in str(histogram("t", []))
    assert "No model weights" in str(waterfall("t", []))


def test_the_waterfall_ends_at_the_match_weight() -> None:
    weights = [("prior", "", -10.0), ("name", "exact", 12.5), ("address", "exact", 8.25)]
    svg = str(waterfall("w", weights))
    assert "+10.75" in svg  # the total bar's label
    assert svg.count('class="wf pos"') == 2
    assert svg.count('class="wf neg"') == 1
    assert abs(probability(10.75) - 1 / (1 + 2**-10.75)) < 1e-12


def _record(
    decision: Decision, codes: tuple[str, ...] = (), p: float | None = None
) -> DecisionRecord:
    evidence: dict[str, object] = {}
    if p is not None:
        evidence["candidates"] = [{"tin": "1", "probability": p}, {"tin": "2", "probability": 0.1}]
    return DecisionRecord("B", 1, "R", Outcome(decision, "r", codes, evidence), "p", "m", "c")


def test_batch_figures_count_outcomes_reasons_and_best_scores() -> None:
    records = [
        _record(Decision.REJECTED, ("MISSING_FIELD:zip", "NAME_INVALID")),
        _record(Decision.REJECTED, ("NAME_INVALID",)),
        _record(Decision.DISCLOSED, p=0.9995),
        _record(Decision.NO_DISCLOSURE),
    ]
    figures = batch_figures(records)
    assert dict(figures.outcomes) == {
        "REJECTED": 2,
        "NO_DISCLOSURE": 1,
        "DISCLOSED": 1,
        "REVIEW": 0,
    }
    assert figures.reasons[0] == ("NAME_INVALID", 2)
    assert figures.scores == (0.9995,)
    assert best_score(records[0]) is None


def test_side_by_side_agreement() -> None:
    assert agreement("Garcia Lopez", "García-López") == "same"
    assert agreement("Josr", "José") == "differs"
    assert agreement("", "1980-02-02") == "unsupplied"
    assert agreement("JR", "") == "unfiled"
    rows = compare_rows({"tin": "123-45-6789"}, {"tin": "123456789", "first_name": "Ana"})
    tin_row = rows[-1]
    assert (tin_row.request, tin_row.file, tin_row.agreement) == ("•••-••-6789",) * 2 + ("same",)
    assert "123456789" not in repr(rows)


def test_the_chosen_candidate_is_the_one_the_decision_was_about() -> None:
    evidence: dict[str, object] = {"chosen": "2", "candidates": [{"tin": "1"}, {"tin": "2"}]}
    assert chosen_candidate(evidence) == {"tin": "2"}
    assert chosen_candidate({}) == {}
