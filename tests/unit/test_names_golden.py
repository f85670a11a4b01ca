"""Golden cases for name standardisation: tests/golden/names.jsonl, one case a line with a `why`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from disclosure_gateway.domain.names import standardise_name

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "names.jsonl"


def _cases() -> list[dict[str, Any]]:
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_golden_file_is_large_enough_and_explained() -> None:
    cases = _cases()
    assert len(cases) >= 40
    assert all(case["why"].strip() for case in cases)


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c['first']}|{c['last']}")
def test_golden_name(case: dict[str, Any]) -> None:
    std = standardise_name(case["first"], case["middle"], case["last"], case["suffix"])
    assert std.given == tuple(case["given"]), case["why"]
    assert std.middle == tuple(case["middle_out"]), case["why"]
    assert std.surnames == tuple(case["surnames"]), case["why"]
    assert std.suffix == case["suffix_out"], case["why"]
