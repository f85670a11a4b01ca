"""Quality and speed of the Splink scorer on a generated batch with ground truth.

    .venv/bin/python bench/linkage_quality.py --home H --requests F --truth F [--model F]

H is a store whose master was loaded with `dgw master load` (linkage records built); the
requests and truth files come from `dgw generate`. Prints: recall of the true taxpayer
among the candidates, and at p >= 0.5/0.9/0.99/0.999 the precision and recall of the best
pair per request (positives: requests whose truth is DISCLOSED), and how many requests whose
truth is NO_DISCLOSURE have a best pair that high naming somebody else. Not run in tests.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from datetime import date
from pathlib import Path

from disclosure_gateway.adapters.linkage.splink_scorer import SplinkScorer
from disclosure_gateway.adapters.records_io import read_records
from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.domain.evidence import PairScore
from disclosure_gateway.domain.geography import parse_zip_prefixes
from disclosure_gateway.domain.policy import parse_policy
from disclosure_gateway.domain.rules import RowCheck, check_row

THRESHOLDS = (0.5, 0.9, 0.99, 0.999)
CHUNK = 5000


def _checks(requests: Path, as_of: date) -> list[RowCheck]:
    policy = parse_policy(packaged_text("policy-default.toml"))
    zips = parse_zip_prefixes(packaged_text("zip3_state.csv"))
    return [check_row(rec, policy, as_of, zips) for rec in read_records(requests)]


def _score(
    scorer: SplinkScorer, checks: list[RowCheck]
) -> tuple[dict[int, list[PairScore]], float]:
    scores: dict[int, list[PairScore]] = {}
    start = time.perf_counter()
    for i in range(0, len(checks), CHUNK):
        scores.update(scorer.score(checks[i : i + CHUNK]))
    return scores, time.perf_counter() - start


def _table(
    checks: list[RowCheck], scores: dict[int, list[PairScore]], truth: dict[str, dict[str, str]]
) -> list[str]:
    rows = [
        (c, truth[c.request_id], scores.get(c.row_no, [])) for c in checks if c.request_id in truth
    ]
    with_person = [(c, t, s) for c, t, s in rows if t["person_tin"] and c.name is not None]
    found = sum(any(p.tin == t["person_tin"] for p in s) for _, t, s in with_person)
    lawful = [(c, t, s) for c, t, s in rows if t["expected_decision"] == "DISCLOSED"]
    lawful_found = sum(any(p.tin == t["person_tin"] for p in s) for _, t, s in lawful)
    lines = [
        f"requests {len(rows)}; with a true taxpayer {len(with_person)}; candidate recall "
        f"{found / max(len(with_person), 1):.4f}",
        f"DISCLOSED-truth {len(lawful)}; candidate recall {lawful_found / max(len(lawful), 1):.4f}",
        "p>=     predicted  correct  precision  recall   no-disclosure-truth wrong-person",
    ]
    for th in THRESHOLDS:
        predicted = correct = wrong_nd = 0
        for _, t, s in rows:
            if not s or s[0].match_probability < th:
                continue
            right = s[0].tin == t["person_tin"]
            if t["expected_decision"] == "DISCLOSED":
                predicted += 1
                correct += right
            elif t["expected_decision"] == "NO_DISCLOSURE" and not right:
                wrong_nd += 1
        lines.append(
            f"{th:<7} {predicted:>9} {correct:>8} {correct / max(predicted, 1):>10.4f} "
            f"{correct / max(len(lawful), 1):>7.4f} {wrong_nd:>12}"
        )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--requests", type=Path, required=True)
    ap.add_argument("--truth", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--as-of", default="2026-12-01")
    args = ap.parse_args()
    checks = _checks(args.requests, date.fromisoformat(args.as_of))
    with args.truth.open(encoding="utf-8") as f:
        truth = {r["request_id"]: r for r in csv.DictReader(f)}
    start = time.perf_counter()
    with SplinkScorer(args.home, args.model) as scorer:
        opened = time.perf_counter() - start
        scores, took = _score(scorer, checks)
    pairs = sum(len(v) for v in scores.values())
    out = sys.stdout
    out.write(
        f"open {opened:.2f}s; score {took:.2f}s for {len(checks)} requests "
        f"({took / len(checks) * 10000:.2f}s per 10k); {pairs} pairs\n"
    )
    out.write("\n".join(_table(checks, scores, truth)) + "\n")


if __name__ == "__main__":
    main()
