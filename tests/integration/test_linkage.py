"""Splink linkage against a tiny master, scored with the COMMITTED model artifact."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from disclosure_gateway.adapters.linkage.features import (
    LINKAGE_SCHEMA,
    build_master_records,
    request_records,
)
from disclosure_gateway.adapters.linkage.splink_model import MODEL_VERSION, load_model
from disclosure_gateway.adapters.linkage.splink_scorer import SplinkScorer, packaged_model_path
from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.adapters.storage.master_store import DB_NAME, load_master
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.domain.evidence import PairScore
from disclosure_gateway.domain.geography import parse_zip_prefixes
from disclosure_gateway.domain.model import RequestRecord
from disclosure_gateway.domain.policy import parse_policy
from disclosure_gateway.domain.rules import RowCheck, check_row
from disclosure_gateway.synth.population import generate_population
from disclosure_gateway.synth.writers import write_population

TODAY = date(2026, 11, 20)
FRANCISCO_TIN = "555001234"
# Francisco and his wife at one address; her row proves the household is real.
OURS_TAXPAYERS = [
    (FRANCISCO_TIN, "SSN", "Francisco", "Javier", "Hernández Ruiz", "", "1980-05-06"),
    ("555004321", "SSN", "Lucía", "", "Torres", "", "1982-09-30"),
]
_HOUSE = ("4410 Mockingbird Ln", "", "Dallas", "TX", "75205", "RETURN", "2022-04-01", "2021")
OURS_ADDRESSES = [(FRANCISCO_TIN, *_HOUSE), ("555004321", *_HOUSE)]
ADDRESS = {"street": "4410 Mockingbird Lane", "city": "Dallas", "state": "TX", "zip": "75205"}


def _append(path: Path, rows: list[tuple[str, ...]]) -> None:
    with path.open("a", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("linkage")
    files = root / "files"
    write_population(generate_population(1500, 3, TODAY), files)
    _append(files / "taxpayers.csv", OURS_TAXPAYERS)
    _append(files / "addresses.csv", OURS_ADDRESSES)
    store = root / "home"
    load_master(store, files / "taxpayers.csv", files / "addresses.csv", skip_bad_rows=False)
    con = duckdb.connect(str(store / DB_NAME))
    try:
        build_master_records(con)
    finally:
        con.close()
    return store


@pytest.fixture(scope="module")
def scorer(home: Path) -> Iterator[SplinkScorer]:
    with SplinkScorer(home) as s:
        yield s


def _check(row_no: int, first: str, last: str, **extra: str) -> RowCheck:
    values = {"request_id": f"T{row_no}", "first_name": first, "last_name": last}
    values |= ADDRESS | extra
    policy = parse_policy(packaged_text("policy-default.toml"))
    zips = parse_zip_prefixes(packaged_text("zip3_state.csv"))
    return check_row(RequestRecord.of(row_no, values), policy, TODAY, zips)


def _best_for(scores: dict[int, list[PairScore]], row_no: int, tin: str) -> PairScore | None:
    pairs = [p for p in scores.get(row_no, []) if p.tin == tin]
    return max(pairs, key=lambda p: p.match_weight, default=None)


CHECKS = [
    _check(1, "Francisco", "Hernandez Ruiz", birth_date="1980-05-06"),
    _check(2, "Paco", "Hernandez Ruiz"),
    _check(3, "Francisco", "Hernandez"),
    _check(4, "Miguel", "Santos"),  # nobody on file: a stranger at Francisco's address
    _check(5, "Hernandez", "Francisco"),  # swapped order
    _check(6, "Francisco", "Hernandez Ruiz"),
]


def test_master_records_have_the_linkage_columns(home: Path) -> None:
    con = duckdb.connect(str(home / DB_NAME), read_only=True)
    try:
        cols = [r[0] for r in con.execute("DESCRIBE linkage_records").fetchall()]
        rows = con.execute(
            "SELECT given_nick, surname_tokens, house, zip5 FROM linkage_records WHERE tin = ?",
            [FRANCISCO_TIN],
        ).fetchall()
    finally:
        con.close()
    assert cols == LINKAGE_SCHEMA.names
    assert len(rows) == 1
    nick, surnames, house, zip5 = rows[0]
    assert "PACO" in nick
    assert "FRANCISCO" in nick
    assert surnames == ["HERNANDEZ", "RUIZ"]
    assert (house, zip5) == ("4410", "75205")


def test_request_records_match_the_master_schema() -> None:
    table = request_records(CHECKS[:2])
    assert table.schema == LINKAGE_SCHEMA
    assert table.column("unique_id").to_pylist() == ["r1", "r2"]
    assert table.column("first_given").to_pylist() == ["FRANCISCO", "PACO"]


def test_exact_copy_scores_very_high(scorer: SplinkScorer) -> None:
    scores = scorer.score(CHECKS)
    best = _best_for(scores, 1, FRANCISCO_TIN)
    assert best is not None
    assert best.match_probability > 0.999
    assert best.level_of("name") == "exact"
    assert best.level_of("address") == "exact"
    assert best.level_of("birth_date") == "exact"
    assert scores[1][0].tin == FRANCISCO_TIN  # best first


def test_lawful_variants_score_above_a_stranger(scorer: SplinkScorer) -> None:
    scores = scorer.score(CHECKS)
    stranger = _best_for(scores, 4, FRANCISCO_TIN)
    stranger_weight = stranger.match_weight if stranger else -99.0
    nickname = _best_for(scores, 2, FRANCISCO_TIN)
    dropped = _best_for(scores, 3, FRANCISCO_TIN)
    swapped = _best_for(scores, 5, FRANCISCO_TIN)
    assert nickname is not None
    assert nickname.level_of("name") == "nickname"
    assert dropped is not None
    assert dropped.level_of("name") == "surname_subset"
    assert swapped is not None
    assert swapped.level_of("name") == "swapped"
    for variant in (nickname, dropped, swapped):
        assert variant.match_weight > stranger_weight + 10


def test_a_different_person_at_the_same_address_scores_low(scorer: SplinkScorer) -> None:
    scores = scorer.score(CHECKS)
    for pair in scores.get(4, []):
        assert pair.match_probability < 0.5
    # Francisco's request against his wife: below the reporting floor, or low if reported.
    wife = _best_for(scores, 6, "555004321")
    assert wife is None or wife.match_probability < 0.5
    assert _best_for(scores, 6, FRANCISCO_TIN) is not None


def test_the_explanation_adds_up_to_the_score(scorer: SplinkScorer) -> None:
    scores = scorer.score(CHECKS)
    pairs = [p for ps in scores.values() for p in ps]
    assert {1, 2, 3, 5, 6} <= set(scores)
    for p in pairs:
        assert p.explained_weight == pytest.approx(p.match_weight, abs=1e-6)
        assert [c.comparison for c in p.comparisons] == ["name", "birth_date", "address", "unit"]


def test_scores_are_deterministic_and_chunk_independent(scorer: SplinkScorer) -> None:
    first = scorer.score(CHECKS)
    again = scorer.score(CHECKS)
    alone = scorer.score([CHECKS[1]])
    assert first == again
    assert alone[2] == first[2]


def test_committed_artifact_loads_with_metadata() -> None:
    model = load_model(packaged_model_path())
    assert model.meta["version"] == MODEL_VERSION
    assert model.meta["seed"] == 7
    assert len(model.meta["master_digest"]) == 64
    assert model.label.startswith(f"{MODEL_VERSION}+")
    levels = [lv for c in model.settings["comparisons"] for lv in c["comparison_levels"]]
    trained = [lv for lv in levels if not lv.get("is_null_level")]
    assert all(lv["m_probability"] > 0 and lv["u_probability"] > 0 for lv in trained)


def test_an_altered_model_is_refused(tmp_path: Path) -> None:
    raw = json.loads(packaged_model_path().read_text())
    raw["probability_two_random_records_match"] = 0.5
    altered = tmp_path / "model.json"
    altered.write_text(json.dumps(raw))
    with pytest.raises(BadInput, match="digest"):
        load_model(altered)


def test_scores_restricted_to_candidates_equal_the_whole_masters(scorer: SplinkScorer) -> None:
    whole = scorer.score(CHECKS)
    wanted = {FRANCISCO_TIN, "555004321"}
    cut = scorer.score(CHECKS, wanted)
    expected = {
        row: [p for p in pairs if p.tin in wanted]
        for row, pairs in whole.items()
        if any(p.tin in wanted for p in pairs)
    }
    assert cut == expected
    assert any(p.tin == FRANCISCO_TIN for pairs in cut.values() for p in pairs)
    assert scorer.score(CHECKS, set()) == {}
