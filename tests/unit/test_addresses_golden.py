"""Golden address cases (tests/golden/addresses.jsonl): each line an input, its expected
standard form or Unparsed reason, and `why`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from disclosure_gateway.domain.addresses import (
    UNPARSED_REASONS,
    StdAddress,
    Unparsed,
    standardise_address,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "addresses.jsonl"


def _cases() -> list[dict[str, Any]]:
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


CASES = _cases()


def test_golden_file_is_large_and_explained() -> None:
    assert len(CASES) >= 60
    assert all(case["why"].strip() for case in CASES)
    reasons = {case["expect"].get("unparsed") for case in CASES} - {None}
    assert reasons == set(UNPARSED_REASONS) - {"unparseable"}


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{i + 1}:{c['street'][:30]}" for i, c in enumerate(CASES)]
)
def test_golden(case: dict[str, Any]) -> None:
    got = standardise_address(
        case["street"], case["unit"], case["city"], case["state"], case["zip"]
    )
    expect = case["expect"]
    if "unparsed" in expect:
        assert got == Unparsed(expect["unparsed"]), case["why"]
    else:
        assert got == StdAddress(**expect), case["why"]
