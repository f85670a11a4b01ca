"""A short tamper campaign in every test run (bench/tamper.py runs the 1,000-trial one)."""

from __future__ import annotations

from pathlib import Path

from disclosure_gateway.hardening.tamper import KINDS, build_pristine, run_campaign


def test_every_random_edit_is_caught(tmp_path: Path) -> None:
    pristine = tmp_path / "pristine"
    build_pristine(pristine, 40, "2026-11-23T12:00:00+00:00")
    result = run_campaign(pristine, tmp_path, trials=6 * 8, seed=7)
    assert result.missed == 0, (result.trials, result.caught)
    assert set(result.trials) == set(KINDS)
    assert sum(result.trials.values()) >= 40
