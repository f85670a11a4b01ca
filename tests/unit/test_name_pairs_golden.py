"""Golden name pairs: tests/golden/name_pairs.jsonl, one pair a line with a level and a `why`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from disclosure_gateway.adapters.reference.nicknames import packaged_nickname_table
from disclosure_gateway.domain.name_match import NameLevel, compare_names, same_name
from disclosure_gateway.domain.names import StdName, standardise_name

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "name_pairs.jsonl"


def _cases() -> list[dict[str, Any]]:
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _std(side: dict[str, str]) -> StdName:
    return standardise_name(side["first"], side["middle"], side["last"])


def test_golden_file_is_large_explained_and_covers_every_level() -> None:
    cases = _cases()
    assert len(cases) >= 60
    assert all(case["why"].strip() for case in cases)
    assert {case["level"] for case in cases} == {level.value for level in NameLevel}


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['level']}:{case['request']['first']}|{case['candidate']['first']}"


@pytest.mark.parametrize("case", _cases(), ids=_case_id)
def test_golden_name_pair(case: dict[str, Any]) -> None:
    table = packaged_nickname_table()
    req, cand = _std(case["request"]), _std(case["candidate"])
    assert compare_names(req, cand, table).level == case["level"], case["why"]
    assert compare_names(cand, req, table).level == case["level"], "symmetry: " + case["why"]
    assert same_name(req, cand, table) is case["same_name"], case["why"]
