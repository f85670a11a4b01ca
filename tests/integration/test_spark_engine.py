"""The Spark engine (local mode) gives the DuckDB engine's scores, decisions and accounting.

One SparkSession for the module; a 1,500-taxpayer master (test_linkage.py's world) so the
model's term frequencies mean something.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest
from test_linkage import CHECKS, FRANCISCO_TIN, OURS_ADDRESSES, OURS_TAXPAYERS, TODAY

from disclosure_gateway.adapters.batch_files import BatchFiles
from disclosure_gateway.adapters.linkage.spark_scorer import SparkScorer, spark_session
from disclosure_gateway.adapters.linkage.spark_sql import (
    jaro_winkler_similarity,
    spark_settings,
    spark_sql,
)
from disclosure_gateway.adapters.linkage.splink_model import load_model
from disclosure_gateway.adapters.linkage.splink_scorer import SplinkScorer, packaged_model_path
from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.adapters.storage.master_store import DB_NAME, MasterStore, load_master
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.bootstrap import zip_prefixes
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.domain.model import Decision, DecisionRecord
from disclosure_gateway.service.agencies import register_agency, sign_batch, write_keypair
from disclosure_gateway.service.pipeline import run_batch
from disclosure_gateway.service.submission import Clock, submit_batch
from disclosure_gateway.synth.population import generate_population
from disclosure_gateway.synth.requests import generate_batch
from disclosure_gateway.synth.writers import write_batch, write_population

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CLOCK = Clock(today=TODAY, now=f"{TODAY.isoformat()}T12:00:00+00:00")


def _append(path: Path, rows: Sequence[Sequence[str]]) -> None:
    with path.open("a", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spark")
    pop = generate_population(1500, 3, TODAY)
    write_population(pop, root / "files")
    _append(root / "files" / "taxpayers.csv", OURS_TAXPAYERS)
    _append(root / "files" / "addresses.csv", OURS_ADDRESSES)
    files = root / "files"
    load_master(root / "master", files / "taxpayers.csv", files / "addresses.csv", False)
    write_batch(generate_batch(pop, 50, 3, "default", TODAY), root / "batch")
    return root


@pytest.fixture(scope="module")
def scorers(world: Path, spark: SparkSession) -> Iterator[tuple[SplinkScorer, SparkScorer]]:
    with SplinkScorer(world / "master") as duck, SparkScorer(world / "master", session=spark) as sp:
        yield duck, sp


def test_jaro_winkler_is_duckdbs_bit_for_bit(
    world: Path, spark: SparkSession, scorers: tuple[SplinkScorer, SparkScorer]
) -> None:
    con = duckdb.connect(str(world / "master" / DB_NAME), read_only=True)
    try:
        words = [
            str(r[0])
            for r in con.execute(
                "SELECT DISTINCT street FROM linkage_records WHERE street IS NOT NULL UNION "
                "SELECT DISTINCT first_given FROM linkage_records WHERE first_given IS NOT NULL"
            ).fetchall()
        ]
    finally:
        con.close()
    words.sort()
    pairs = [
        ("", ""),
        ("A", ""),
        ("A", "A"),
        ("AMALIA", "AMLIA"),
        ("PEÑA", "PENA"),
        ("AB" * 40, "BA" * 41),
    ]
    for i, w in enumerate(words[:-1]):
        pairs += [(w, words[i + 1]), (w, w[: i % len(w)] + w[i % len(w) + 1 :]), (w[::-1], w)]
    mem = duckdb.connect()
    mem.execute("CREATE TABLE p (i INT, a VARCHAR, b VARCHAR)")
    mem.executemany("INSERT INTO p VALUES (?, ?, ?)", [(i, a, b) for i, (a, b) in enumerate(pairs)])
    expected = mem.execute("SELECT jaro_winkler_similarity(a, b) FROM p ORDER BY i").fetchall()
    got = [jaro_winkler_similarity(a, b) for a, b in pairs]
    assert len(pairs) > 1000
    assert got == [r[0] for r in expected]
    # Commons Text (Splink's Spark jar) says 0.876 here: the other side of a 0.9 threshold.
    assert jaro_winkler_similarity("AMALIA", "AMLIA") == pytest.approx(0.9022, abs=1e-4)
    # The registered UDF, inside Spark, NULLs included.
    row = spark.sql(
        "SELECT dgw_jaro_winkler('MOCKINGBIRD', 'MOCKINGBRID'), dgw_jaro_winkler(NULL, 'A')"
    ).collect()[0]
    assert row[0] == jaro_winkler_similarity("MOCKINGBIRD", "MOCKINGBRID")
    assert row[1] is None


def test_the_model_sql_is_rewritten_for_spark_and_unknown_functions_refused() -> None:
    assert spark_sql("list_contains(given_nick_l, first_given_r)") == (
        "array_contains(given_nick_l, first_given_r)"
    )
    assert "forall(b_r" in spark_sql("list_has_all(a_l, b_r)")
    assert spark_sql("list_has_any(a_l, a_r)") == "arrays_overlap(a_l, a_r)"
    with pytest.raises(BadInput, match="levenshtein"):
        spark_sql("levenshtein(street_l, street_r) <= 1")
    text = json.dumps(spark_settings(load_model(packaged_model_path()).settings))
    assert "list_" not in text
    assert "jaro_winkler_similarity" not in text


def test_spark_scores_equal_duckdb_scores(scorers: tuple[SplinkScorer, SparkScorer]) -> None:
    """Against the whole master (the most pairs); the candidate cut the pipeline uses is
    compared through whole batches below."""
    duck, sp = scorers
    whole = sp.score(CHECKS)
    assert whole == duck.score(CHECKS)  # weights and probabilities equal to the last bit
    assert {1, 2, 3, 5, 6} <= set(whole)
    assert whole[1][0].tin == FRANCISCO_TIN
    assert sp.score(CHECKS, set()) == {}
    assert sp.model.label == duck.model.label


def _run(world: Path, engine: str) -> tuple[list[DecisionRecord], list[object], list[str]]:
    home = world / f"run-{engine}"
    (home / "batch").mkdir(parents=True)
    os.symlink((world / "master" / DB_NAME).resolve(), home / DB_NAME)
    for name in ("requests.csv", "manifest.json"):
        (home / "batch" / name).write_bytes((world / "batch" / name).read_bytes())
    key, pub = write_keypair(home / "ice")
    sign_batch(home / "batch" / "manifest.json", key)
    fixed = lambda: CLOCK.now  # noqa: E731 - one timestamp, so the chains can be compared
    with StateStore.open(home, now=fixed) as store:
        register_agency(
            store,
            name="DHS-ICE",
            public_key_file=pub,
            signatories=["Jane Doe"],
            safeguards_current=True,
        )
        policy = packaged_text("policy-default.toml")
        info = submit_batch(
            store, BatchFiles(home), home / "batch" / "manifest.json", policy, CLOCK
        )
    with StateStore.open(home, now=fixed) as store, MasterStore.open(home) as master:
        run_batch(
            store,
            BatchFiles(home),
            master,
            zip_prefixes(),
            info.batch_id,
            chunk_rows=25,
            engine=engine,
        )
        decisions = list(store.iter_decisions(info.batch_id))
        entries = list(store.iter_accounting())
    return decisions, [e.draft for e in entries], [e.entry_hash for e in entries]


def test_a_batch_decides_and_accounts_the_same_on_both_engines(
    world: Path, spark: SparkSession
) -> None:
    duck = _run(world, "duckdb")
    sp = _run(world, "spark")
    decisions = duck[0]
    assert len(decisions) == 50
    assert sp[0] == decisions  # decision, rule, reason codes, disclosure, evidence, versions
    assert sp[1] == duck[1]  # accounting drafts
    assert sp[2] == duck[2]  # and so the whole hash chain
    assert any(d.outcome.decision is Decision.DISCLOSED for d in decisions)
    assert duck[1]
    scored = [d for d in decisions if "probability" in json.dumps(d.outcome.evidence)]
    assert scored  # the model's scores reached the decisions
    assert not spark.sparkContext._jsc.sc().isStopped()  # the engine left a shared session up
