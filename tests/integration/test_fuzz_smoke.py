"""A short run of the coverage-guided fuzzer (bench/fuzz_records.py): no crash, rows reached.

The long campaign (`--runs 1000000`) is run on demand; this run keeps the bench working and
catches a crash that 1,000 mutated records files find. The generated master files are
cached in the temp folder (only the first run on a machine generates them); the master
file is loaded afresh by every run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fuzz_records.py"
RUNS = 1000


def test_a_short_fuzzing_run_finds_no_crash(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--runs", str(RUNS), "--crash-dir", str(tmp_path / "c")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    summary = re.search(r"runs=(\d+) crashes=(\d+) seconds=([\d.]+)", done.stdout)
    assert summary is not None, done.stdout[-2000:] + done.stderr[-2000:]
    runs, crashes = int(summary[1]), int(summary[2])
    assert (runs, crashes, done.returncode) == (RUNS, 0, 0), done.stdout[-3000:]
    assert not (tmp_path / "c").exists() or not list((tmp_path / "c").iterdir())
    counts = json.loads(done.stdout.split("counts ", 1)[1].splitlines()[0])
    assert counts["rows"] > RUNS // 2  # the rules were reached, not only the parser
    assert counts["decision REJECTED"] > 0
    assert counts["decision DISCLOSED"] > 0  # through retrieval and matching to a disclosure
    assert counts["files refused (BadInput)"] > 0
