"""The scorer on hand-made truth/response pairs."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from disclosure_gateway.cli import commands as _commands  # noqa: F401
from disclosure_gateway.cli.apps import app
from disclosure_gateway.synth.requests import TRUTH_COLUMNS
from disclosure_gateway.synth.scorer import render, score

RESPONSE_COLUMNS = (
    "request_id", "decision", "reason_codes", "address_confirmed", "lka_street", "lka_unit",
    "lka_city", "lka_state", "lka_zip", "lka_effective_date",
)  # fmt: skip
LKA = ("12 N Main St", "Apt 4", "Houston", "TX", "77002-1234", "2025-04-01")


def truth(
    rid: str,
    category: str,
    decision: str,
    *,
    codes: str = "",
    confirmed: str = "",
    lka: tuple[str, ...] = ("",) * 6,
    noise: str = "",
    hint: str = "",
) -> dict[str, str]:
    values = (rid, category, decision, codes, "123456789" if decision else "", confirmed, *lka,
              noise, hint)  # fmt: skip
    return dict(zip(TRUTH_COLUMNS, values, strict=True))


def response(rid: str, decision: str, codes: str = "", confirmed: str = "",
             lka: tuple[str, ...] = ("",) * 6) -> dict[str, str]:  # fmt: skip
    return dict(zip(RESPONSE_COLUMNS, (rid, decision, codes, confirmed, *lka), strict=True))


TRUTH = [
    truth(
        "R1",
        "lawful_exact",
        "DISCLOSED",
        confirmed="true",
        lka=LKA,
        noise="case;zip4",
        hint="exact",
    ),
    truth(
        "R2",
        "lawful_fuzzy",
        "DISCLOSED",
        confirmed="false",
        lka=LKA,
        noise="nickname",
        hint="fuzzy",
    ),
    truth("R3", "namesake_ambiguous", "NO_DISCLOSURE"),
    truth("R4", "rejected_tin_invalid", "REJECTED", codes="TIN_INVALID;CASELOAD_IMPLAUSIBLE"),
    truth("R5", "wrong_unit", "NO_DISCLOSURE"),
    truth("R6", "lawful_exact", "DISCLOSED", confirmed="true", lka=LKA, noise="case", hint="exact"),
]


def test_a_perfect_response_scores_perfectly() -> None:
    perfect = [
        response(
            "R1",
            "DISCLOSED",
            confirmed="true",
            lka=("12 n main st", "Apt 4", "HOUSTON", "TX", "770021234", "2025-04-01"),
        ),
        response("R2", "DISCLOSED", confirmed="false", lka=LKA),
        response("R3", "NO_DISCLOSURE"),
        response("R4", "REJECTED", codes="CASELOAD_IMPLAUSIBLE;TIN_INVALID"),
        response("R5", "NO_DISCLOSURE"),
        response("R6", "DISCLOSED", confirmed="true", lka=LKA),
    ]
    card = score(TRUTH, perfect)
    assert card.safe
    assert (card.unlawful_disclosures, card.wrong_address_disclosures, card.missed_lawful) == (
        0,
        0,
        0,
    )
    assert card.rejected_code_mismatches == 0
    assert card.lawful.recall == 1.0
    assert dict(card.by_expected)["REJECTED"].correct == 1


def test_failures_are_counted_where_they_belong() -> None:
    got = [
        response(
            "R1",
            "DISCLOSED",
            confirmed="true",
            lka=("99 Elm St", "", "Houston", "TX", "77002", "2025-04-01"),
        ),
        response("R2", "NO_DISCLOSURE"),
        response("R3", "DISCLOSED", confirmed="true", lka=LKA),
        response("R4", "REJECTED", codes="TIN_INVALID"),
        response("R5", "PENDING"),
        response("R6", "DISCLOSED", confirmed="false", lka=LKA),
    ]
    card = score(TRUTH, got)
    assert card.unlawful_disclosures == 1  # R3: ambiguous namesakes disclosed
    assert card.wrong_address_disclosures == 2  # R1 wrong street, R6 wrong confirmation
    assert card.missed_lawful == 1  # R2
    assert card.rejected_code_mismatches == 1  # R4 lacks a code
    assert card.pending == 1
    assert not card.safe
    assert card.lawful.count == 3
    assert card.lawful.correct == 0
    hints = dict(card.by_hint)
    assert hints["exact"].count == 2
    assert hints["fuzzy"].count == 1
    noise = dict(card.by_noise)
    assert noise["case"].count == 2
    assert noise["zip4"].count == 1
    assert noise["nickname"].correct == 0


def test_recall_is_correct_over_count_and_missing_answers_count_as_missed() -> None:
    got = [response("R1", "DISCLOSED", confirmed="true", lka=LKA), response("R3", "NO_DISCLOSURE")]
    card = score(TRUTH, got)
    assert card.unanswered == 4
    assert card.lawful.count == 3
    assert card.lawful.correct == 1
    assert abs(card.lawful.recall - 1 / 3) < 1e-9
    assert dict(card.by_category)["lawful_exact"].recall == 0.5
    assert card.missed_lawful == 2
    assert card.rejected_code_mismatches == 1  # R4 expected REJECTED, got nothing


def test_confirm_only_responses_are_judged_on_the_confirmation() -> None:
    card = score(TRUTH[:1], [response("R1", "DISCLOSED", confirmed="true")])
    assert card.safe
    assert card.lawful.recall == 1.0
    card = score(TRUTH[:1], [response("R1", "DISCLOSED", confirmed="false")])
    assert card.wrong_address_disclosures == 1


def test_render_and_json_carry_the_headline() -> None:
    card = score(TRUTH, [response("R3", "DISCLOSED", confirmed="true", lka=LKA)])
    console = Console(record=True, width=120)
    console.print(render(card))
    text = console.export_text()
    assert "unlawful disclosures" in text
    assert "Lawful recall by noise type" in text
    data = card.to_json()
    assert data["unlawful_disclosures"] == 1
    assert data["total"] == 6
    assert json.loads(json.dumps(data)) == data


def test_unlawful_disclosures_are_counted_by_what_the_truth_expected() -> None:
    got = [
        response("R3", "DISCLOSED", confirmed="true", lka=LKA),
        response("R4", "DISCLOSED", confirmed="true", lka=LKA),
        response("R5", "DISCLOSED", confirmed="true", lka=LKA),
        response("R6", "DISCLOSED", confirmed="true", lka=LKA),  # lawful: not counted
    ]
    card = score(TRUTH, got)
    assert card.unlawful_disclosures == 3
    assert card.unlawful_by_truth == (
        ("NO_DISCLOSURE", 2),
        ("REJECTED CASELOAD_IMPLAUSIBLE;TIN_INVALID", 1),
    )
    assert card.to_json()["unlawful_by_truth"] == {
        "NO_DISCLOSURE": 2,
        "REJECTED CASELOAD_IMPLAUSIBLE;TIN_INVALID": 1,
    }
    console = Console(record=True, width=120)
    console.print(render(card))
    text = console.export_text()
    assert "Unlawful disclosures by what the truth expected" in text
    assert "REJECTED CASELOAD_IMPLAUSIBLE;TIN_INVALID" in text
    clean = score(TRUTH, [response("R6", "DISCLOSED", confirmed="true", lka=LKA)])
    assert clean.unlawful_by_truth == ()
    console = Console(record=True, width=120)
    console.print(render(clean))
    assert "what the truth expected" not in console.export_text()


def _write(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def test_score_command_json_and_strict(tmp_path: Path) -> None:
    _write(tmp_path / "truth.csv", TRUTH_COLUMNS, TRUTH)
    _write(
        tmp_path / "bad.csv",
        RESPONSE_COLUMNS,
        [response("R3", "DISCLOSED", confirmed="true", lka=LKA)],
    )
    _write(tmp_path / "ok.csv", RESPONSE_COLUMNS, [response("R3", "NO_DISCLOSURE")])
    runner = CliRunner()
    args = ["score", "--truth", str(tmp_path / "truth.csv"), "--response"]
    result = runner.invoke(app, [*args, str(tmp_path / "bad.csv"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["unlawful_disclosures"] == 1
    assert runner.invoke(app, [*args, str(tmp_path / "bad.csv"), "--strict"]).exit_code == 1
    assert runner.invoke(app, [*args, str(tmp_path / "ok.csv"), "--strict"]).exit_code == 0
