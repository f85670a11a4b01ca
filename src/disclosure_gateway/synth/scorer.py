"""Scoring a response file (SPEC §5) against a batch's truth: the two headline failures first
(unlawful disclosures, wrong-address disclosures), then misses, code mismatches and recall.

Each unlawful disclosure is also counted by what the truth expected (its decision and
codes), so a reader can tell a real one from a date shift: the truth's date rules (a
removal order's age, the tax periods) hold on the date it was generated, and a batch
submitted on a later day is decided by that day."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rich.console import Group
from rich.table import Table

Row = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Tally:
    count: int = 0
    correct: int = 0

    @property
    def recall(self) -> float:
        return self.correct / self.count if self.count else 0.0

    def plus(self, correct: bool) -> Tally:
        return Tally(self.count + 1, self.correct + (1 if correct else 0))


@dataclass(frozen=True, slots=True)
class Scorecard:
    total: int
    unanswered: int
    unlawful_disclosures: int
    wrong_address_disclosures: int
    missed_lawful: int
    rejected_code_mismatches: int
    pending: int
    lawful: Tally
    by_category: tuple[tuple[str, Tally], ...]
    by_expected: tuple[tuple[str, Tally], ...]
    by_hint: tuple[tuple[str, Tally], ...]
    by_noise: tuple[tuple[str, Tally], ...]
    # Unlawful disclosures by the truth's expected decision and codes ("REJECTED
    # REMOVAL_ORDER_TOO_RECENT", "NO_DISCLOSURE"), most first.
    unlawful_by_truth: tuple[tuple[str, int], ...] = ()

    @property
    def pending_share(self) -> float:
        return self.pending / self.total if self.total else 0.0

    @property
    def safe(self) -> bool:
        return self.unlawful_disclosures == 0 and self.wrong_address_disclosures == 0

    def to_json(self) -> dict[str, object]:
        def table(items: tuple[tuple[str, Tally], ...]) -> dict[str, object]:
            return {k: {"count": t.count, "correct": t.correct, "recall": round(t.recall, 4)}
                    for k, t in items}  # fmt: skip

        return {
            "total": self.total,
            "unanswered": self.unanswered,
            "unlawful_disclosures": self.unlawful_disclosures,
            "wrong_address_disclosures": self.wrong_address_disclosures,
            "missed_lawful": self.missed_lawful,
            "rejected_code_mismatches": self.rejected_code_mismatches,
            "pending": self.pending,
            "pending_share": round(self.pending_share, 4),
            "lawful_recall": round(self.lawful.recall, 4),
            "by_category": table(self.by_category),
            "by_expected_decision": table(self.by_expected),
            "lawful_recall_by_matcher_hint": table(self.by_hint),
            "lawful_recall_by_noise": table(self.by_noise),
            "unlawful_by_truth": dict(self.unlawful_by_truth),
        }


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


_LKA = ("street", "unit", "city", "state", "zip", "effective_date")


def address_right(truth: Row, got: Row) -> bool:
    """The disclosed LKA (when any is given) and address_confirmed are what truth expects."""
    if _norm(got.get("address_confirmed", "")) != _norm(truth["expected_address_confirmed"]):
        return False
    values = [got.get(f"lka_{k}", "") for k in _LKA]
    if not any(values):
        return True  # confirm-only mode: nothing but the confirmation left
    for key, value in zip(_LKA, values, strict=True):
        expected = truth[f"expected_lka_{key}"]
        same = (
            _digits(value) == _digits(expected) if key == "zip" else _norm(value) == _norm(expected)
        )
        if not same:
            return False
    return True


def _codes(text: str) -> frozenset[str]:
    return frozenset(c.strip() for c in text.split(";") if c.strip())


@dataclass(slots=True)
class _Counts:
    wrong_address: int = 0
    missed: int = 0
    code_mismatch: int = 0
    pending: int = 0
    unanswered: int = 0
    unlawful_by_truth: dict[str, int] = field(default_factory=dict)


def _bump(table: dict[str, Tally], key: str, correct: bool) -> None:
    table[key] = table.get(key, Tally()).plus(correct)


def _judge(truth: Row, got: Row | None, c: _Counts) -> bool:
    """Whether the response to one request is right; counts the failures on the way."""
    expected, expected_codes = truth["expected_decision"], _codes(truth["expected_codes"])
    decision = (got or {}).get("decision", "").strip().upper()
    if got is None:
        c.unanswered += 1
    if decision in ("PENDING", "REVIEW"):
        c.pending += 1
    if decision == "DISCLOSED" and expected != "DISCLOSED":
        key = " ".join([expected, ";".join(sorted(expected_codes))]).strip()
        c.unlawful_by_truth[key] = c.unlawful_by_truth.get(key, 0) + 1
    if expected == "DISCLOSED" and decision != "DISCLOSED":
        c.missed += 1
    codes_right = expected_codes == _codes((got or {}).get("reason_codes", ""))
    if (decision == "REJECTED") != (expected == "REJECTED") or (
        expected == "REJECTED" and decision == "REJECTED" and not codes_right
    ):
        c.code_mismatch += 1
    if decision != expected:
        return False
    if expected == "DISCLOSED" and got is not None and not address_right(truth, got):
        c.wrong_address += 1
        return False
    return codes_right if expected == "REJECTED" else True


def score(truth_rows: Iterable[Row], response_rows: Iterable[Row]) -> Scorecard:
    """Compare every truth row with the response row of the same request_id."""
    responses = {r["request_id"].strip(): r for r in response_rows}
    c = _Counts()
    by_category: dict[str, Tally] = {}
    by_expected: dict[str, Tally] = {}
    by_hint: dict[str, Tally] = {}
    by_noise: dict[str, Tally] = {}
    lawful, total = Tally(), 0
    for truth in truth_rows:
        total += 1
        correct = _judge(truth, responses.get(truth["request_id"].strip()), c)
        _bump(by_category, truth["category"], correct)
        _bump(by_expected, truth["expected_decision"], correct)
        if truth["expected_decision"] == "DISCLOSED":
            lawful = lawful.plus(correct)
            _bump(by_hint, truth.get("matcher_hint", "") or "exact", correct)
            for noise in _codes(truth.get("noise", "")) or {"none"}:
                _bump(by_noise, noise, correct)
    return Scorecard(
        total=total,
        unanswered=c.unanswered,
        unlawful_disclosures=sum(c.unlawful_by_truth.values()),
        wrong_address_disclosures=c.wrong_address,
        missed_lawful=c.missed,
        rejected_code_mismatches=c.code_mismatch,
        pending=c.pending,
        lawful=lawful,
        by_category=tuple(sorted(by_category.items())),
        by_expected=tuple(sorted(by_expected.items())),
        by_hint=tuple(sorted(by_hint.items())),
        by_noise=tuple(sorted(by_noise.items())),
        unlawful_by_truth=tuple(
            sorted(c.unlawful_by_truth.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
    )


def render(card: Scorecard) -> Group:
    """Rich tables: the headline counts, then recall per category, hint and noise type."""
    head = Table(title="Scorecard", show_header=False)
    head.add_column("measure")
    head.add_column("value", justify="right")
    for label, value in (
        ("requests", card.total),
        ("unlawful disclosures", card.unlawful_disclosures),
        ("wrong-address disclosures", card.wrong_address_disclosures),
        ("missed lawful", card.missed_lawful),
        ("rejected-code mismatches", card.rejected_code_mismatches),
        ("pending (review)", f"{card.pending} ({card.pending_share:.1%})"),
        ("unanswered", card.unanswered),
        ("lawful recall", f"{card.lawful.recall:.1%} of {card.lawful.count}"),
    ):
        head.add_row(label, str(value))
    parts: list[Table] = [head]
    for title, items in (
        ("By category", card.by_category),
        ("By expected decision", card.by_expected),
        ("Lawful recall by matcher hint", card.by_hint),
        ("Lawful recall by noise type", card.by_noise),
    ):
        parts.append(_tally_table(title, items))
    if card.unlawful_by_truth:
        unlawful = Table(
            title="Unlawful disclosures by what the truth expected",
            caption="The truth's date rules hold on the day it was generated; "
            "a batch submitted later is decided by its own day.",
        )
        unlawful.add_column("expected decision and codes")
        unlawful.add_column("count", justify="right")
        for key, count in card.unlawful_by_truth:
            unlawful.add_row(key, str(count))
        parts.append(unlawful)
    return Group(*parts)


def _tally_table(title: str, items: Sequence[tuple[str, Tally]]) -> Table:
    table = Table(title=title)
    for name, justify in (
        ("", "left"),
        ("count", "right"),
        ("correct", "right"),
        ("recall", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for key, t in items:
        table.add_row(key, str(t.count), str(t.correct), f"{t.recall:.1%}")
    return table
