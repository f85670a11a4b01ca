"""Crash campaign (issue 6): SIGKILL `dgw batch run` at random points, a full disk, a read-only
store — the final response, decision log and accounting must equal an uninterrupted run's.

    .venv/bin/python bench/chaos.py --taxpayers 100000 --requests 100000 --kills 30

Prints a table: kills (and how many landed in pass 1, i.e. matching before any commit, and
how many while chunks were being committed), whether the final response and accounting
equal the reference run's, `audit verify`, and the disk-full and read-only outcomes.
Exit status 1 on any difference.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).parent
DGW = str(Path(sys.executable).parent / "dgw")
console = Console(width=140)


def dgw(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [DGW, "--home", str(home), *args], capture_output=True, text=True, check=False
    )
    if check and done.returncode != 0:
        raise SystemExit(f"dgw {' '.join(args)} failed: {done.stderr.strip()}")
    return done


def decided(home: Path) -> int:
    """Rows decided so far; -1 when the store cannot be read just now (a commit in flight)."""
    try:
        with sqlite3.connect(home / "state.sqlite", timeout=30) as db:
            return int(db.execute("SELECT count(*) FROM decisions").fetchall()[0][0])
    except sqlite3.Error:
        return -1


def accounting(home: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(home / "state.sqlite") as db:
        cols = [r[1] for r in db.execute("PRAGMA table_info(accounting)").fetchall()]
        keep = [c for c in cols if c not in {"recorded_at", "entry_hash", "prev_hash"}]
        return db.execute(f"SELECT {', '.join(keep)} FROM accounting ORDER BY seq").fetchall()


def decisions(home: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(home / "state.sqlite") as db:
        cols = [r[1] for r in db.execute("PRAGMA table_info(decisions)").fetchall()]
        keep = [c for c in cols if c not in {"decided_at", "recorded_at"}]
        return db.execute(f"SELECT {', '.join(keep)} FROM decisions ORDER BY row_no").fetchall()


def prepare(root: Path, args: argparse.Namespace) -> tuple[Path, Path, Path]:
    data, keys, master = root / "data", root / "keys", root / "master"
    if not (data / "manifest.json").exists():
        dgw(
            root,
            "generate",
            "--out",
            str(data),
            "--taxpayers",
            str(args.taxpayers),
            "--requests",
            str(args.requests),
            "--seed",
            "3",
        )
        keys.mkdir(exist_ok=True)
        dgw(root, "keygen", "--out", str(keys / "ice"))
        dgw(root, "batch", "sign", str(data / "manifest.json"), "--key", str(keys / "ice.key"))
    if not (master / "master.duckdb").exists():
        dgw(
            master,
            "master",
            "load",
            "--taxpayers",
            str(data / "taxpayers.csv"),
            "--addresses",
            str(data / "addresses.csv"),
        )
    return data, keys, master


def new_home(home: Path, data: Path, keys: Path, master: Path) -> str:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    os.symlink((master / "master.duckdb").resolve(), home / "master.duckdb")
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


def _wait_for_progress(
    proc: subprocess.Popen[bytes], home: Path, before: int, rng: random.Random
) -> None:
    """Until this run has committed something, then a random moment more (mid-commits)."""
    deadline = time.monotonic() + 600
    while proc.poll() is None and decided(home) <= before and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 1.5))


def kill_campaign(
    home: Path, batch_id: str, kills: int, total: int, rng: random.Random
) -> tuple[int, int, int]:
    """Even-numbered kills land at a random moment of start-up and pass 1 (matching), the
    odd ones once the run is committing chunks (decisions and accounting writes)."""
    done_kills = in_pass1 = in_commits = 0
    while done_kills < kills:
        before = decided(home)
        if before >= total:
            break
        proc = subprocess.Popen(
            [DGW, "--home", str(home), "batch", "run", batch_id, "--chunk-rows", "500"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if done_kills % 2 == 0:
            time.sleep(rng.uniform(0.5, 6.0))
        else:
            _wait_for_progress(proc, home, before, rng)
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done_kills += 1
        after = decided(home)
        while after < 0:  # the killed run left a hot journal: the next reader rolls it back
            time.sleep(0.1)
            after = decided(home)
        if after == before:
            in_pass1 += 1
        else:
            in_commits += 1
    return done_kills, in_pass1, in_commits


def args_requests(data: Path) -> int:
    """Rows in the batch (the state grows ~2 KB a row with its evidence)."""
    with (data / "requests.csv").open("rb") as f:
        return sum(1 for _ in f) - 1


def disk_full(root: Path, data: Path, keys: Path, master: Path, reference: bytes) -> str:
    mount = root / "small"
    mount.mkdir(exist_ok=True)
    size = (
        (data / "requests.csv").stat().st_size * 3 + 2000 * (args_requests(data)) + 64 * 1024 * 1024
    )
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=False
    ).returncode:
        return "not run (cannot mount a small filesystem here)"
    try:
        home = mount / "home"
        batch_id = new_home(home, data, keys, master)
        filler = mount / "filler"
        free = shutil.disk_usage(mount).free
        with filler.open("wb") as f:
            f.write(b"\0" * max(free - 48 * 1024 * 1024, 0))
        failed = dgw(home, "batch", "run", batch_id, "--chunk-rows", "500", check=False)
        lines = failed.stderr.strip().splitlines()
        verify = dgw(home, "audit", "verify", check=False).returncode
        partial = decided(home)
        filler.unlink()
        finished = dgw(home, "batch", "run", batch_id, check=False)
        if finished.returncode:
            return f"first failure: {lines[:1]}; after freeing space: {finished.stderr.strip()}"
        dgw(home, "batch", "response", batch_id, "--out", str(root / "full.csv"))
        same = (root / "full.csv").read_bytes() == reference
        return (
            f"exit {failed.returncode}, {len(lines)} line(s) on stderr, verify exit {verify} "
            f"after {partial} rows; after freeing space: response identical = {same}"
        )
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def read_only(root: Path, data: Path, keys: Path, master: Path) -> str:
    home = root / "readonly"
    batch_id = new_home(home, data, keys, master)
    for name in ("state.sqlite", "anchor.sqlite"):
        (home / name).chmod(0o444)
    failed = dgw(home, "batch", "run", batch_id, check=False)
    lines = failed.stderr.strip().splitlines()
    return f"exit {failed.returncode}, {len(lines)} line(s): {lines[0] if lines else ''}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--taxpayers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    root = HERE / ".cache" / f"chaos-{args.taxpayers}-{args.requests}"
    root.mkdir(parents=True, exist_ok=True)
    data, keys, master = prepare(root, args)
    ref_home = root / "reference"
    batch_id = new_home(ref_home, data, keys, master)
    started = time.monotonic()
    dgw(ref_home, "batch", "run", batch_id)
    ref_seconds = time.monotonic() - started
    dgw(ref_home, "batch", "response", batch_id, "--out", str(root / "reference.csv"))
    reference = (root / "reference.csv").read_bytes()

    crash_home = root / "crashed"
    new_home(crash_home, data, keys, master)
    kills, in_pass1, in_commits = kill_campaign(
        crash_home, batch_id, args.kills, args.requests, random.Random(args.seed)
    )
    dgw(crash_home, "batch", "run", batch_id)
    dgw(crash_home, "batch", "response", batch_id, "--out", str(root / "crashed.csv"))
    same_response = (root / "crashed.csv").read_bytes() == reference
    same_accounting = accounting(crash_home) == accounting(ref_home)
    same_decisions = decisions(crash_home) == decisions(ref_home)
    verified = dgw(crash_home, "audit", "verify", check=False).returncode == 0

    table = Table(
        title=f"Crash campaign — {args.requests:,} requests, {args.taxpayers:,} taxpayers"
    )
    table.add_column("measure")
    table.add_column("result")
    table.add_row("uninterrupted run", f"{ref_seconds:.0f}s")
    table.add_row(
        "SIGKILLs",
        f"{kills} ({in_pass1} before any commit of that run, {in_commits} while committing chunks)",
    )
    table.add_row("response identical", str(same_response))
    table.add_row("decision log identical", str(same_decisions))
    table.add_row("accounting identical (content; times and digests differ)", str(same_accounting))
    table.add_row("audit verify after the campaign", "passes" if verified else "FAILS")
    table.add_row("disk full", disk_full(root, data, keys, master, reference))
    table.add_row("read-only store", read_only(root, data, keys, master))
    console.print(table)
    return 0 if (same_response and same_accounting and same_decisions and verified) else 1


if __name__ == "__main__":
    sys.exit(main())
