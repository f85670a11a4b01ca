"""The model's levels evaluated in Python score exactly as Splink's SQL.

`LevelScorer.score` against `SplinkScorer.score` on a generated population with clean and
noisy requests (every pair equal: levels, weights, probabilities, order); each compiled
condition against DuckDB evaluating the same SQL on awkward values (NULLs, empty lists,
NULL elements, accents, Jaro-Winkler near its threshold); and a model with anything the
evaluator does not understand is refused at start.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from disclosure_gateway.adapters.linkage import level_scorer
from disclosure_gateway.adapters.linkage.features import LINKAGE_SCHEMA
from disclosure_gateway.adapters.linkage.level_conditions import COLUMNS, compile_condition
from disclosure_gateway.adapters.linkage.level_scorer import LevelScorer, compile_model
from disclosure_gateway.adapters.linkage.splink_model import load_model, save_model
from disclosure_gateway.adapters.linkage.splink_scorer import SplinkScorer, packaged_model_path
from disclosure_gateway.adapters.storage.master_store import MasterStore, RequestKeys
from disclosure_gateway.domain.errors import StoreError
from disclosure_gateway.domain.evidence import PairScore
from disclosure_gateway.domain.model import REQUEST_COLUMNS
from disclosure_gateway.domain.rules import RowCheck
from disclosure_gateway.synth.requests import generate_batch
from support.world import TODAY, checked_rows, generated_master


@dataclass
class Scored:
    home: Path
    checks: list[RowCheck]  # named, clean and noisy
    whole: dict[int, list[PairScore]]  # SplinkScorer against the whole master file
    found: dict[int, set[str]]  # retrieval's candidates per row
    tins: list[str]  # every taxpayer


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Scored:
    home, population = generated_master(tmp_path_factory.mktemp("level-scorer"), 1500, 11)
    rows = [
        dict(zip(REQUEST_COLUMNS, record, strict=True))
        for noise in ("hard", "clean", "default")
        for record in generate_batch(population, 400, 11, noise, TODAY).records
    ]
    checks = checked_rows(home, rows)
    named = [c for c in checks if c.name is not None]
    keys = [
        RequestKeys(c.row_no, c.address.house_number, c.address.zip5, c.tin)
        for c in named
        if c.address is not None
    ]
    with MasterStore.open(home) as master, SplinkScorer(home) as splink:
        cands = master.candidates(keys)
        tins = [str(r[0]) for r in master._con.execute("SELECT tin FROM taxpayers").fetchall()]
        whole = splink.score(named, None)
    found = {row: {c.taxpayer.tin for c in cs} for row, cs in cands.items()}
    return Scored(home, named, whole, found, sorted(tins))


def test_every_pair_scores_exactly_as_splink(scored: Scored) -> None:
    """One request at a time (as the Verifier asks) with its candidates, the taxpayers
    Splink paired it with across the whole master file, and a few others: the pairs of the
    whole-file answer with those taxpayers, equal in every field."""
    pick = random.Random(7)
    pairs = 0
    with LevelScorer(scored.home) as scorer:
        for check in scored.checks:
            expected = scored.whole.get(check.row_no, [])
            tins = {p.tin for p in expected} | scored.found.get(check.row_no, set())
            tins |= set(pick.sample(scored.tins, 3))
            got = scorer.score([check], tins)
            wanted = [p for p in expected if p.tin in tins]
            assert got == ({check.row_no: wanted} if wanted else {}), check.row_no
            pairs += len(wanted)
    assert pairs == sum(len(v) for v in scored.whole.values()) >= 1800
    levels = Counter(
        (c.comparison, c.level) for v in scored.whole.values() for p in v for c in p.comparisons
    )
    for seen in (
        ("name", "nickname"), ("name", "swapped"), ("name", "middle_as_first"),
        ("name", "surname_subset"), ("name", "surname_only"), ("birth_date", "null"),
        ("birth_date", "else"), ("address", "street_typo"), ("unit", "equal"),
        ("unit", "one_missing"), ("unit", "different"),
    ):  # fmt: skip
        assert levels[seen] >= 2, seen
    exact = {
        c.match_weight
        for v in scored.whole.values()
        for p in v
        for c in p.comparisons
        if (c.comparison, c.level) == ("name", "exact")
    }
    assert len(exact) >= 20  # the name's term frequency moves its weight: common names


def test_chunks_and_the_whole_file_score_as_splink(
    scored: Scored, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunk = scored.checks[:150]
    tins = set().union(*(scored.found.get(c.row_no, set()) for c in chunk))
    with LevelScorer(scored.home) as scorer, SplinkScorer(scored.home) as splink:
        assert scorer.score(chunk, tins) == splink.score(chunk, tins)
        few = scored.checks[150:170]
        assert scorer.score(few) == {
            c.row_no: scored.whole[c.row_no] for c in few if c.row_no in scored.whole
        }
        assert scorer.score([], {"1"}) == {}
        assert scorer.score(chunk[:1], set()) == {}
        assert scorer.model.label == splink.model.label
    monkeypatch.setattr(level_scorer, "TF_REMEMBERED", 4)  # term frequencies forgotten often
    with LevelScorer(scored.home) as scorer:
        for check in scored.checks[170:230]:
            tins = {p.tin for p in scored.whole.get(check.row_no, [])}
            got = scorer.score([check], tins)
            assert got == ({check.row_no: scored.whole[check.row_no]} if tins else {})


# -- each condition means what DuckDB makes of it -----------------------------------------
_TEXT = [None, "", "ANN", "ANNA", "AN", "ÉMILE", "EMILE", "MARTHA", "MARHTA", "AMALIA", "AMLIA"]
_LISTS = [None, [], [None], ["ANN"], ["ANN", None], ["SMITH", "JONES"], ["JONES", "SMITH"]]
_LISTS += [["ANNA", "SMITH"], ["ÉMILE"], ["JONES"]]
_DATES = [None, date(1980, 1, 1), date(1980, 1, 2)]


def _value(field: pa.Field, pick: random.Random) -> Any:
    if pa.types.is_list(field.type):
        return copy.deepcopy(pick.choice(_LISTS))
    return pick.choice(_DATES if pa.types.is_date(field.type) else _TEXT)


def _records(n: int, pick: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pairs of records: each right-hand value a copy of the left's half the time."""
    left = [{f.name: _value(f, pick) for f in LINKAGE_SCHEMA} for _ in range(n)]
    right = [
        {
            f.name: copy.deepcopy(a[f.name]) if pick.random() < 0.5 else _value(f, pick)
            for f in LINKAGE_SCHEMA
        }
        for a in left
    ]
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        a["pid"] = b["pid"] = i
    return left, right


def _conditions() -> list[tuple[str, bool]]:
    settings = load_model(packaged_model_path()).settings
    found = [(r["blocking_rule"], True) for r in settings["blocking_rules_to_generate_predictions"]]
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["sql_condition"].strip().upper() != "ELSE":
                found.append((level["sql_condition"], False))
    return found


def test_each_condition_has_duckdbs_meaning() -> None:
    pick = random.Random(11)
    left, right = _records(3000, pick)
    schema = LINKAGE_SCHEMA.append(pa.field("pid", pa.int64()))
    con = duckdb.connect()
    con.register("l", pa.Table.from_pylist(left, schema=schema))
    con.register("r", pa.Table.from_pylist(right, schema=schema))
    cols = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in COLUMNS)
    con.execute(f"CREATE TABLE pairs AS SELECT l.pid, {cols} FROM l JOIN r USING (pid)")
    rows = [
        (tuple(a[c] for c in COLUMNS), tuple(b[c] for c in COLUMNS))
        for a, b in zip(left, right, strict=True)
    ]
    conditions = _conditions()
    assert len(conditions) >= 20
    for sql, qualified in conditions:
        source = "l JOIN r USING (pid)" if qualified else "pairs"
        expected = [
            v for (v,) in con.execute(f"SELECT ({sql}) FROM {source} ORDER BY pid").fetchall()
        ]
        run = compile_condition(sql, qualified)
        got = [run(a, b) for a, b in rows]
        assert got == expected, sql
        assert {True, False} <= set(got), sql  # the values exercise the condition


@pytest.mark.parametrize(
    ("sql", "qualified"),
    [
        ("levenshtein(first_given_l, first_given_r) <= 1", False),
        ("first_given_l = first_given_r AND city_x = city_r", False),
        ("nickname_l = nickname_r", False),
        ("first_given_l LIKE first_given_r", False),
        ("first_given_l = birth_date_r", False),
        ("surname_tokens_l >= surname_tokens_r", False),
        ("first_given_l", False),
        ("l.first_given = r.first_given OR", True),
        ("l.first_given = r.first_given", False),
        ("jaro_winkler_similarity(first_given_l, first_given_r) >= 0.9 - 0.1", False),
        ('"first_given_l" = first_given_r', False),
    ],
)
def test_a_condition_it_does_not_understand_is_refused(sql: str, qualified: bool) -> None:
    with pytest.raises(StoreError, match="cannot be evaluated"):
        compile_condition(sql, qualified)


def _altered(change: str) -> dict[str, Any]:
    settings = copy.deepcopy(load_model(packaged_model_path()).settings)
    name = settings["comparisons"][0]["comparison_levels"]
    if change == "function":
        name[3]["sql_condition"] = "damerau_levenshtein(first_given_l, first_given_r) <= 1"
    elif change == "setting":
        settings["blocking_rules_to_generate_predictions"][0]["arrays_to_explode"] = ["x"]
    elif change == "level option":
        name[2]["tf_adjustment_column"] = "first_given"
    elif change == "no m":
        del name[2]["m_probability"]
    elif change == "else in the middle":
        name[4]["sql_condition"] = "ELSE"
    elif change == "link type":
        settings["link_type"] = "dedupe_only"
    else:
        settings[change] = True
    return settings


@pytest.mark.parametrize(
    "change",
    ["function", "setting", "level option", "no m", "else in the middle", "link type", "new_key"],
)
def test_a_model_it_does_not_understand_is_refused_at_start(change: str, tmp_path: Path) -> None:
    settings = _altered(change)
    with pytest.raises(StoreError, match="cannot be evaluated"):
        compile_model(settings)
    model = tmp_path / "model.json"
    save_model(settings, {"trained_on": "test"}, model)
    with pytest.raises(StoreError, match="cannot be evaluated"):
        LevelScorer(tmp_path, model)  # refused before the master file is looked for


def test_the_packaged_model_is_understood() -> None:
    compiled = compile_model(load_model(packaged_model_path()).settings)
    assert [c.name for c in compiled.comparisons] == ["name", "birth_date", "address", "unit"]
    assert len(compiled.blocking) == 6
    assert [c.has_tf for c in compiled.comparisons] == [True, False, False, False]
    assert {"given_tokens", "surname_phonetics", "city"}.isdisjoint(compiled.columns)  # unread
