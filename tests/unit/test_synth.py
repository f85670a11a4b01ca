"""The synthetic population and batches: determinism, SPEC §2 invariants, and truth that agrees
with the gateway's own rules engine (an independent implementation of SPEC §4)."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.cli import commands as _commands  # noqa: F401
from disclosure_gateway.cli.apps import app
from disclosure_gateway.domain.geography import parse_zip_prefixes
from disclosure_gateway.domain.lka import last_known_address
from disclosure_gateway.domain.model import (
    REQUEST_COLUMNS,
    AddressRow,
    AddressSource,
    RequestRecord,
)
from disclosure_gateway.domain.policy import parse_policy
from disclosure_gateway.domain.rules import BatchTally, all_codes, check_row
from disclosure_gateway.domain.tin import tin_type
from disclosure_gateway.synth.history import AddrRow as SynthRow
from disclosure_gateway.synth.history import lka_index
from disclosure_gateway.synth.identity import given_key, surname_tokens
from disclosure_gateway.synth.pools import CITY_TRIPLES
from disclosure_gateway.synth.population import Population, generate_population
from disclosure_gateway.synth.requests import Batch, generate_batch
from disclosure_gateway.synth.writers import write_batch, write_population

AS_OF = date(2026, 11, 20)
SPEC_CODES = {
    "NAME_INVALID", "ADDRESS_NOT_STREET_LEVEL", "ADDRESS_INCONSISTENT", "TIN_INVALID",
    "STATUTE_NOT_ELIGIBLE", "REMOVAL_ORDER_INVALID", "REMOVAL_ORDER_TOO_RECENT",
    "TAX_PERIOD_INVALID", "REASON_INSUFFICIENT", "REASON_NOT_SPECIFIC", "CASELOAD_IMPLAUSIBLE",
    "DUPLICATE_REQUEST",
}  # fmt: skip


@cache
def population() -> Population:
    return generate_population(8000, 7, AS_OF)


@cache
def batch(noise: str = "default", n: int = 2000) -> Batch:
    return generate_batch(population(), n, 7, noise, AS_OF)


def truth_of(b: Batch) -> list[dict[str, str]]:
    from disclosure_gateway.synth.requests import TRUTH_COLUMNS

    return [dict(zip(TRUTH_COLUMNS, t, strict=True)) for t in b.truth]


def _files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())}


def test_same_seed_same_bytes_and_cli_matches_functions(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["--taxpayers", "1500", "--requests", "300", "--seed", "11", "--as-of", "2026-11-20"]
    for name in ("a", "b"):
        result = runner.invoke(app, ["generate", "--out", str(tmp_path / name), *args])
        assert result.exit_code == 0, result.output
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    pop = generate_population(1500, 11, AS_OF)
    write_population(pop, tmp_path / "c")
    write_batch(generate_batch(pop, 300, 11, "default", AS_OF), tmp_path / "c")
    assert _files(tmp_path / "c") == _files(tmp_path / "a")
    other = CliRunner().invoke(
        app,
        [
            "generate",
            "--out",
            str(tmp_path / "d"),
            *args[:-4],
            "--seed",
            "12",
            "--as-of",
            "2026-11-20",
        ],
    )
    assert other.exit_code == 0
    assert _files(tmp_path / "d")["taxpayers.csv"] != _files(tmp_path / "a")["taxpayers.csv"]


def test_files_have_the_spec_columns(tmp_path: Path) -> None:
    pop = generate_population(400, 3, AS_OF)
    people, rows = write_population(pop, tmp_path)
    write_batch(generate_batch(pop, 50, 3, "default", AS_OF), tmp_path)
    with (tmp_path / "taxpayers.csv").open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == [
            "tin", "tin_type", "first_name", "middle_name", "last_name", "suffix", "birth_date"
        ]  # fmt: skip
    with (tmp_path / "addresses.csv").open(encoding="utf-8") as f:
        reader = csv.reader(f)
        assert next(reader) == [
            "tin", "street", "unit", "city", "state", "zip", "source", "effective_date", "tax_year"
        ]  # fmt: skip
        assert sum(1 for _ in reader) == rows
    with (tmp_path / "requests.csv").open(encoding="utf-8") as f:
        assert tuple(next(csv.reader(f))) == REQUEST_COLUMNS
    assert people == 400
    assert 1.5 * people < rows < 4 * people


def test_parquet_keeps_every_column_a_string(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    pop = generate_population(300, 5, AS_OF)
    people, rows = write_population(pop, tmp_path, "parquet")
    for name, count in (("taxpayers.parquet", people), ("addresses.parquet", rows)):
        table = pq.read_table(str(tmp_path / name))
        assert table.num_rows == count
        assert {str(t) for t in table.schema.types} == {"string"}


def test_tins_are_unique_and_valid() -> None:
    people = [p for b in population().blocks() for p in b.persons]
    assert len(people) == 8000
    assert len({p.tin for p in people}) == len(people)
    assert all(tin_type(p.tin) is not None and tin_type(p.tin).value == p.tin_type for p in people)  # type: ignore[union-attr]
    itin_share = sum(p.tin_type == "ITIN" for p in people) / len(people)
    assert 0.10 < itin_share < 0.20
    assert all(1 <= len(p.rows) <= 5 for p in people)


def _domain_rows(person_rows: tuple[SynthRow, ...]) -> list[AddressRow]:
    return [
        AddressRow(
            "x",
            str(r.residence),
            "",
            "",
            "",
            "",
            AddressSource(r.source),
            r.effective,
            r.tax_year,
            i,
        )
        for i, r in enumerate(person_rows)
    ]


def test_last_known_address_follows_spec_including_ties() -> None:
    ties = 0
    for block in population().blocks():
        for p in block.persons:
            lka = last_known_address(_domain_rows(p.rows), AS_OF)
            assert lka is not None
            assert lka.seq == lka_index(p.rows)
            dates = [r.effective for r in p.rows]
            ties += len(dates) != len(set(dates))
            assert all(r.effective < AS_OF for r in p.rows)
    assert ties > 20


def test_zip_prefixes_belong_to_their_states() -> None:
    zips = parse_zip_prefixes(packaged_text("zip3_state.csv"))
    wrong = [t for t in CITY_TRIPLES if not zips.state_matches(t[2], t[1])]
    assert wrong == []
    assert len({t[2] for t in CITY_TRIPLES}) == len(CITY_TRIPLES)


def test_only_deliberate_namesakes_share_an_address() -> None:
    pairs = 0
    for block in population().blocks():
        seen: dict[tuple[int, str, tuple[str, ...]], list[int]] = defaultdict(list)
        for i, p in enumerate(block.persons):
            key_name = (given_key(p.first), surname_tokens(p.last))
            for building in {block.residences[r.residence].building for r in p.rows}:
                seen[(building, *key_name)].append(i)
        for members in seen.values():
            people = sorted(set(members))
            if len(people) > 1:
                assert len(people) == 2
                a, b = people
                assert block.persons[a].partner == b
                assert block.persons[b].partner == a
                pairs += 1
    assert pairs > 50


def test_default_batch_mix_and_every_code() -> None:
    truth = truth_of(batch())
    assert len(truth) == 2000
    assert len({t["request_id"] for t in truth}) == 2000
    decisions = Counter(t["expected_decision"] for t in truth)
    assert 0.5 < decisions["DISCLOSED"] / 2000 < 0.7
    assert 0.15 < decisions["NO_DISCLOSURE"] / 2000 < 0.25
    codes = {c.split(":")[0] for t in truth for c in t["expected_codes"].split(";") if c}
    assert codes == SPEC_CODES | {"MISSING_FIELD"}
    missing = {c for t in truth for c in t["expected_codes"].split(";") if c.startswith("MISSING")}
    assert len(missing) >= 10
    hints = Counter(t["matcher_hint"] for t in truth if t["expected_decision"] == "DISCLOSED")
    assert hints["fuzzy"] > 200
    assert hints["exact"] > 800
    confirmed = Counter(
        t["expected_address_confirmed"] for t in truth if t["expected_decision"] == "DISCLOSED"
    )
    assert confirmed["true"] > 0
    assert confirmed["false"] > 0


@pytest.mark.parametrize(("noise", "n"), [("default", 2000), ("hard", 700), ("clean", 300)])
def test_truth_codes_agree_with_the_rules_engine(noise: str, n: int) -> None:
    b = batch(noise, n)
    policy = parse_policy(packaged_text("policy-default.toml"))
    zips = parse_zip_prefixes(packaged_text("zip3_state.csv"))
    records = [
        RequestRecord.of(i + 1, dict(zip(REQUEST_COLUMNS, r, strict=True)))
        for i, r in enumerate(b.records)
    ]
    checks = [check_row(rec, policy, AS_OF, zips) for rec in records]
    tally = BatchTally(policy)
    for check in checks:
        tally.add(check)
    for check, truth in zip(checks, truth_of(b), strict=True):
        expected = set(truth["expected_codes"].split(";")) - {""}
        assert set(all_codes(check, tally)) == expected, truth["request_id"]
        assert (truth["expected_decision"] == "REJECTED") == bool(expected)


def test_profiles_shift_the_fuzzy_share() -> None:
    def fuzzy_share(noise: str, n: int) -> float:
        truth = truth_of(batch(noise, n))
        return sum(t["matcher_hint"] == "fuzzy" for t in truth) / n

    assert fuzzy_share("clean", 300) == 0.0
    assert fuzzy_share("hard", 700) > 0.3
    assert 0.1 < fuzzy_share("default", 2000) < 0.2


def test_disclosed_truth_is_the_persons_last_known_address() -> None:
    people = {p.tin: (b, p) for b in population().blocks() for p in b.persons}
    for t in truth_of(batch()):
        if t["expected_decision"] != "DISCLOSED":
            continue
        block, person = people[t["person_tin"]]
        row = person.rows[lka_index(person.rows)]
        res = block.residences[row.residence]
        assert (t["expected_lka_street"], t["expected_lka_unit"], t["expected_lka_zip"]) == (
            res.street, res.unit, res.zip_written,
        )  # fmt: skip
        assert t["expected_lka_effective_date"] == row.effective.isoformat()


def test_lawful_rows_name_each_person_once_and_officers_are_spread() -> None:
    b = batch()
    truth = truth_of(b)
    named = Counter(
        t["person_tin"] for t in truth if t["person_tin"] and t["category"] != "rejected_duplicate"
    )
    assert max(named.values()) == 1
    officers = Counter(r[REQUEST_COLUMNS.index("case_officer")] for r in b.records)
    busiest, second = officers.most_common(2)
    assert busiest[1] > 250
    assert second[1] <= 200
