"""Reading Splink's predictions the same way on every engine.

Each scorer (DuckDB batch, single request, Spark) fetches a predictions table with the same
columns in the same order — row number, TIN, record id, weight, probability, then per
comparison its gamma, its weight and its term-frequency adjustment — and turns the rows
into `PairScore`s here, so the evidence a decision carries never depends on the engine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from disclosure_gateway.domain.evidence import ComparisonScore, PairScore

__all__ = ["level_labels", "pair_scores", "score_columns"]


def level_labels(settings: dict[str, Any]) -> dict[str, dict[int, str]]:
    """comparison -> gamma -> label (Splink numbers non-null levels n-1 … 0, null is -1)."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in settings["comparisons"]:
        real = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        by_gamma = {len(real) - 1 - i: str(lv["label_for_charts"]) for i, lv in enumerate(real)}
        by_gamma[-1] = "null"
        labels[str(comparison["output_column_name"])] = by_gamma
    return labels


def _has_tf(settings: dict[str, Any], comparison: str) -> bool:
    for c in settings["comparisons"]:
        if c["output_column_name"] == comparison:
            return any(lv.get("tf_adjustment_column") for lv in c["comparison_levels"])
    return False


def score_columns(settings: dict[str, Any], zero: str = "0") -> str:
    """The select list of a predictions table, after row_no, tin, id, weight, probability."""
    return ", ".join(
        f"gamma_{c}, mw_{c}, coalesce(mw_tf_adj_{c}, {zero})"
        if _has_tf(settings, c)
        else f"gamma_{c}, mw_{c}, {zero}"
        for c in level_labels(settings)
    )


def pair_scores(
    rows: Sequence[Sequence[Any]], labels: dict[str, dict[int, str]], prior_weight: float
) -> dict[int, list[PairScore]]:
    """Fetched prediction rows as PairScores per request row, in the rows' order."""
    result: dict[int, list[PairScore]] = defaultdict(list)
    for row in rows:
        row_no, tin, uid, weight, probability = row[:5]
        comparisons = tuple(
            ComparisonScore(
                comparison=name,
                level=labels[name].get(int(row[5 + 3 * i]), "?"),
                gamma=int(row[5 + 3 * i]),
                match_weight=float(row[6 + 3 * i]) + float(row[7 + 3 * i]),
            )
            for i, name in enumerate(labels)
        )
        result[int(row_no)].append(
            PairScore(
                row_no=int(row_no),
                tin=str(tin),
                address_unique_id=str(uid),
                match_weight=float(weight),
                match_probability=float(probability),
                prior_weight=prior_weight,
                comparisons=comparisons,
            )
        )
    return dict(result)
