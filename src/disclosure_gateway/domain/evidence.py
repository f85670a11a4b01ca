"""Probabilistic match evidence: how one request row scored against one taxpayer address.

A `PairScore` is one candidate pair the linkage model scored: the request row, the
taxpayer (TIN) and which of the taxpayer's linkage records (one per distinct address on
file) it was compared with, the total match weight (log2 Bayes factor, prior included) and
probability, and one `ComparisonScore` per comparison. The explanation never disagrees with
the score: `prior_weight + sum(c.match_weight for c in comparisons) == match_weight`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ComparisonScore", "PairScore"]


@dataclass(frozen=True, slots=True)
class ComparisonScore:
    """One comparison's verdict: its level (label and gamma, -1 = null) and its weight.

    `match_weight` is log2 of the level's Bayes factor times its term-frequency adjustment.
    """

    comparison: str
    level: str
    gamma: int
    match_weight: float


@dataclass(frozen=True, slots=True)
class PairScore:
    """One scored (request row, taxpayer address record) pair."""

    row_no: int
    tin: str
    address_unique_id: str
    match_weight: float
    match_probability: float
    prior_weight: float
    comparisons: tuple[ComparisonScore, ...]

    def level_of(self, comparison: str) -> str:
        """The level label of one comparison; "" when the model has no such comparison."""
        for c in self.comparisons:
            if c.comparison == comparison:
                return c.level
        return ""

    @property
    def explained_weight(self) -> float:
        """The prior weight plus every comparison's weight: equals `match_weight`."""
        return self.prior_weight + sum(c.match_weight for c in self.comparisons)
