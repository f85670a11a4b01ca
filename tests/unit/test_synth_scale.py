"""The generator at scale: chunked, multi-process population files and sharded batches are
the same bytes however many processes make them, and a sharded batch keeps every property
a one-shard batch has (one row per person, globally counted groups, truth = rules engine)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.domain.geography import parse_zip_prefixes
from disclosure_gateway.domain.model import REQUEST_COLUMNS, RequestRecord
from disclosure_gateway.domain.policy import parse_policy
from disclosure_gateway.domain.rules import BatchTally, all_codes, check_row
from disclosure_gateway.synth import requests as batch_module
from disclosure_gateway.synth import writers
from disclosure_gateway.synth.draws import between, pick, shuffled, weighted
from disclosure_gateway.synth.groups import PLACEHOLDER_ROWS
from disclosure_gateway.synth.population import Population, generate_population
from disclosure_gateway.synth.requests import TRUTH_COLUMNS, Batch, generate_batch

AS_OF = date(2026, 11, 20)
N = 1400


@cache
def population() -> Population:
    return generate_population(5000, 13, AS_OF)


def _sharded(monkeypatch: pytest.MonkeyPatch, workers: int) -> Batch:
    monkeypatch.setattr(batch_module, "SHARD_ROWS", 400)
    monkeypatch.setattr(batch_module, "MIN_SHARD_BLOCKS", 400)
    return generate_batch(population(), N, 13, "default", AS_OF, workers=workers)


@pytest.fixture(scope="module")
def sharded() -> Batch:
    with pytest.MonkeyPatch.context() as mp:
        return _sharded(mp, 1)


def test_a_batch_is_cut_into_shards_that_run_anywhere(
    monkeypatch: pytest.MonkeyPatch, sharded: Batch
) -> None:
    assert batch_module.shard_count(population(), N) == 1
    assert generate_batch(population(), N, 13, "default", AS_OF) != sharded
    monkeypatch.setattr(batch_module, "SHARD_ROWS", 400)
    monkeypatch.setattr(batch_module, "MIN_SHARD_BLOCKS", 400)
    assert batch_module.shard_count(population(), N) == 4
    assert _sharded(monkeypatch, 2) == sharded


def test_a_sharded_batch_names_each_person_once_with_unique_cases(sharded: Batch) -> None:
    truth = [dict(zip(TRUTH_COLUMNS, t, strict=True)) for t in sharded.truth]
    assert len(truth) == N
    named = Counter(
        t["person_tin"] for t in truth if t["person_tin"] and t["category"] != "rejected_duplicate"
    )
    assert max(named.values()) == 1
    records = [dict(zip(REQUEST_COLUMNS, r, strict=True)) for r in sharded.records]
    cases = [r["removal_case_number"] for r in records if r["removal_case_number"]]
    dup_cases = sum(t["category"] == "rejected_duplicate" for t in truth)
    assert len(cases) - len(set(cases)) <= dup_cases  # a duplicate may repeat its original's
    reasons = Counter(" ".join(r["reason"].casefold().split()) for r in records if r["reason"])
    boiler = reasons.most_common(1)[0]
    assert boiler[1] == 12  # the one boilerplate group, from one shard only
    assert sorted(reasons.values())[-2] <= PLACEHOLDER_ROWS
    categories = Counter(t["category"] for t in truth)
    assert categories["namesake_distinguished"] > 0
    assert categories["rejected_caseload"] > 0


def test_sharded_truth_agrees_with_the_rules_engine(sharded: Batch) -> None:
    policy = parse_policy(packaged_text("policy-default.toml"))
    zips = parse_zip_prefixes(packaged_text("zip3_state.csv"))
    records = [
        RequestRecord.of(i + 1, dict(zip(REQUEST_COLUMNS, r, strict=True)))
        for i, r in enumerate(sharded.records)
    ]
    checks = [check_row(rec, policy, AS_OF, zips) for rec in records]
    tally = BatchTally(policy)
    for check in checks:
        tally.add(check)
    for check, t in zip(checks, sharded.truth, strict=True):
        expected = set(t[TRUTH_COLUMNS.index("expected_codes")].split(";")) - {""}
        assert set(all_codes(check, tally)) == expected, t[0]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_population_files_do_not_depend_on_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr(writers, "CHUNK_BLOCKS", 400)
    pop = generate_population(2500, 13, AS_OF)
    seen: list[int] = []
    one = writers.write_population(pop, tmp_path / "one", fmt)
    two = writers.write_population(pop, tmp_path / "two", fmt, workers=2, progress=seen.append)
    given = writers.write_population(pop, tmp_path / "given", fmt, pop.blocks())
    assert one == two == given
    assert one[0] == 2500
    assert seen == sorted(seen)
    assert len(seen) == -(-pop.n_blocks // 400) > 2
    assert seen[-1] == 2500
    for name in (f"taxpayers.{fmt}", f"addresses.{fmt}"):
        data = (tmp_path / "one" / name).read_bytes()
        assert (tmp_path / "two" / name).read_bytes() == data
        assert (tmp_path / "given" / name).read_bytes() == data


def test_fast_draws_stay_in_range_and_cover_it() -> None:
    import random

    rnd = random.Random(5).random
    assert {between(rnd, 3, 5) for _ in range(300)} == {3, 4, 5}
    assert {pick(rnd, "abc") for _ in range(300)} == {"a", "b", "c"}
    drawn = Counter(weighted(rnd, "xy", (90, 100)) for _ in range(2000))
    assert 1700 < drawn["x"] < 1900
    order = shuffled(rnd, list(range(10)))
    assert sorted(order) == list(range(10))
    assert order != list(range(10))
