"""SIGKILL in the middle of `dgw batch run`, then run again: the same response and accounting."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from test_cli_flow import DGW, dgw


def _prepare(home: Path, data: Path, keys: Path) -> str:
    dgw(
        home,
        "master",
        "load",
        "--taxpayers",
        str(data / "taxpayers.csv"),
        "--addresses",
        str(data / "addresses.csv"),
    )
    dgw(
        home,
        "agency",
        "add",
        "DHS-ICE",
        "--public-key",
        str(keys / "ice.pub"),
        "--signatory",
        "Jane Doe",
        "--safeguards-current",
    )
    return dgw(home, "batch", "submit", str(data / "manifest.json")).stdout.strip()


def _decided(home: Path) -> int:
    try:
        with sqlite3.connect(f"file:{home / 'state.sqlite'}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM decisions").fetchall()[0][0])
    except sqlite3.Error:
        return 0


def _accounting(home: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(home / "state.sqlite") as db:
        cols = [r[1] for r in db.execute("PRAGMA table_info(accounting)").fetchall()]
        keep = [c for c in cols if c not in {"recorded_at", "entry_hash", "prev_hash", "seq"}]
        return db.execute(f"SELECT {', '.join(keep)} FROM accounting ORDER BY seq").fetchall()


def test_killed_mid_run_resumes_to_the_identical_result(tmp_path: Path) -> None:
    data, keys = tmp_path / "data", tmp_path / "keys"
    dgw(
        tmp_path / "gen",
        "generate",
        "--out",
        str(data),
        "--taxpayers",
        "4000",
        "--requests",
        "3000",
        "--seed",
        "5",
    )
    keys.mkdir()
    dgw(tmp_path / "gen", "keygen", "--out", str(keys / "ice"))
    dgw(
        tmp_path / "gen",
        "batch",
        "sign",
        str(data / "manifest.json"),
        "--key",
        str(keys / "ice.key"),
    )
    whole, crashed = tmp_path / "whole", tmp_path / "crashed"
    batch_id = _prepare(whole, data, keys)
    assert _prepare(crashed, data, keys) == batch_id
    dgw(whole, "batch", "run", batch_id)

    kills = 0
    for _ in range(3):  # kill it three times at growing progress, then let it finish
        proc = subprocess.Popen(
            [DGW, "--home", str(crashed), "batch", "run", batch_id, "--chunk-rows", "50"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        target = _decided(crashed) + 200
        deadline = time.monotonic() + 120
        while proc.poll() is None and _decided(crashed) < target and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 1, "the run finished before it could be killed"
    assert 0 < _decided(crashed) < 3000 or kills < 3
    dgw(crashed, "batch", "run", batch_id)
    dgw(whole, "batch", "response", batch_id, "--out", str(tmp_path / "whole.csv"))
    dgw(crashed, "batch", "response", batch_id, "--out", str(tmp_path / "crashed.csv"))
    assert (tmp_path / "whole.csv").read_bytes() == (tmp_path / "crashed.csv").read_bytes()
    assert _accounting(whole) == _accounting(crashed)
    dgw(crashed, "audit", "verify")
