"""`dgw` with a usage error: one line on stderr and exit code 2, never a traceback.

Typer carries its own copy of click, so its usage errors are not the installed click's
`ClickException`; the entry point must still turn them into one line (it once let them
out as a traceback)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from disclosure_gateway.cli import main as cli_main


def _dgw(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["dgw", *args])
    with pytest.raises(SystemExit) as stopped:
        cli_main.run()
    code = stopped.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("master", "load", "--taxpayers", "t.csv"), "Missing option '--addresses'"),
        (("no-such-command",), "No such command 'no-such-command'"),
        (("batch", "run", "B1", "--no-such-option"), "No such option: --no-such-option"),
        (("batch", "run", "B1", "--workers", "many"), "Invalid value for '--workers'"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    message: str,
) -> None:
    code, err = _dgw(monkeypatch, capsys, "--home", str(tmp_path / "home"), *args)
    assert code == 2
    assert err.startswith("dgw: ")
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
