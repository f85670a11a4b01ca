"""Coverage-guided fuzzing (issue 6) of the records parser and every rule, with atheris.

    .venv/bin/python bench/fuzz_records.py                # 1,000,000 inputs
    .venv/bin/python bench/fuzz_records.py --runs 2000    # the smoke run a test makes

Each input is a records file: its first byte picks the format (even: CSV, odd: JSON Lines),
the rest is the file's bytes. The file goes through the product's own functions, in the
batch pipeline's order: `read_records` (adapters/records_io.py) → `check_row` for every
row → the batch tally (`BatchTally`, `all_codes`) → candidates from a real DuckDB master
store (`MasterStore.candidates`, the pipeline's retrieval) → `decide`. libFuzzer (through
atheris) mutates a seed corpus of rows from the synthetic generator and keeps the inputs
that reach new code in `disclosure_gateway`.

A crash is any exception other than the product's `GatewayError` (a `BadInput` for a
records file that cannot be read at all, which refuses the batch), or a broken promise:
a row of the file without exactly one decision, a REJECTED row without codes, a row with
codes that is not REJECTED, a disclosure of a taxpayer who was not a candidate. Crashing
inputs are saved under `--crash-dir`. Prints runs, crashes (must be 0), seconds; exit 1 on
any crash.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from datetime import date
from pathlib import Path

import atheris
from rich.console import Console
from rich.table import Table

with atheris.instrument_imports(include=["disclosure_gateway"]):
    from disclosure_gateway.adapters.records_io import read_records
    from disclosure_gateway.adapters.reference.nicknames import packaged_nickname_table
    from disclosure_gateway.adapters.reference.packaged import packaged_text
    from disclosure_gateway.adapters.storage.master_store import (
        MasterStore,
        RequestKeys,
        load_master,
    )
    from disclosure_gateway.bootstrap import zip_prefixes
    from disclosure_gateway.domain.decision import Candidate, decide
    from disclosure_gateway.domain.errors import GatewayError
    from disclosure_gateway.domain.model import Decision, Outcome
    from disclosure_gateway.domain.policy import parse_policy
    from disclosure_gateway.domain.rules import BatchTally, RowCheck, all_codes, check_row

SUBMITTED_ON = date(2026, 11, 20)
DGW = str(Path(sys.executable).parent / "dgw")
FORMATS = (".csv", ".jsonl")
MAX_LEN = 8192
CACHE_LIMIT = 50_000
HOSTILE_SEEDS = (
    b"",
    b"request_id\n",
    b"\xef\xbb\xbfrequest_id,first_name\r\n1,\x00\r\n",
    b'{"request_id": 1, "first_name": null, "tin": true}\n[1,2]\nnot json\n',
    b"\xff\xfe\x00r\x00e\x00q",
)


# -- the world: a small generated master file, its requests as seeds ----------------------
def generate_world(world: Path, taxpayers: int, requests: int, seed: int) -> Path:
    """Generate the master files and requests into `world` once (built aside, then renamed).

    Only the generated files are cached: the master file is loaded afresh by every run, so
    a change of the master store's layout never meets a stale copy.
    """
    data = world / "data"
    if (data / "requests.csv").exists():
        return data
    world.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=world.parent))
    done = subprocess.run(
        [DGW, "generate", "--out", str(building / "data"), "--taxpayers", str(taxpayers),
         "--requests", str(requests), "--seed", str(seed), "--as-of",
         SUBMITTED_ON.isoformat(), "--workers", "1"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        raise SystemExit(f"dgw generate failed: {done.stderr.strip()}")
    try:
        building.rename(world)
    except OSError:  # another run built it meanwhile
        shutil.rmtree(building, ignore_errors=True)
    return data


def write_seeds(corpus: Path, requests: Path) -> int:
    """Seed inputs: runs of 1–4 generated rows as CSV and as JSON Lines, and hostile files."""
    lines = requests.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    seeds: list[bytes] = list(HOSTILE_SEEDS)
    for start in range(0, len(rows), 4):
        text = "\n".join([header, *rows[start : start + 4]]) + "\n"
        seeds.append(b"\x00" + text.encode())
        seeds.append(b"\x01" + as_jsonl(text, corpus).encode())
    for i, seed in enumerate(seeds):
        (corpus / f"seed-{i:04d}").write_bytes(seed)
    return len(seeds)


def as_jsonl(text: str, folder: Path) -> str:
    """The same rows as JSON Lines, read with the product's own CSV reader."""
    path = folder / ".seed.csv"
    path.write_text(text, encoding="utf-8")
    out = [json.dumps(dict(rec.fields), ensure_ascii=False) for rec in read_records(path)]
    path.unlink()
    return "\n".join(out) + "\n"


# -- one input ----------------------------------------------------------------------------
class Target:
    """The fuzz target and its counters."""

    def __init__(self, home: Path, scratch: Path, crash_dir: Path, runs: int) -> None:
        self.scratch = scratch
        text = packaged_text("policy-default.toml").replace('model = "splink"', 'model = "none"')
        self.policy = parse_policy(text)
        self.zips, self.nicknames = zip_prefixes(), packaged_nickname_table()
        self.master = MasterStore.open(home)
        self.paths = [scratch / f"records{suffix}" for suffix in FORMATS]
        self.crash_dir, self.runs = crash_dir, runs
        self.cache: dict[tuple[str, str, str | None], list[Candidate]] = {}
        self.counts: Counter[str] = Counter()
        self.crashes: Counter[str] = Counter()
        self.started = time.monotonic()
        self.done = 0

    def candidates(self, check: RowCheck) -> list[Candidate]:
        """The pipeline's retrieval (`MasterStore.candidates`), memoised by its keys."""
        assert check.address is not None
        key = (check.address.house_number, check.address.zip5, check.tin)
        if key not in self.cache:
            if len(self.cache) > CACHE_LIMIT:
                self.cache.clear()
            keys = [RequestKeys(check.row_no, *key)]
            self.cache[key] = self.master.candidates(keys).get(check.row_no, [])
        return self.cache[key]

    def decide_file(self, path: Path) -> None:
        try:
            records = list(read_records(path))
        except GatewayError:
            self.counts["files refused (BadInput)"] += 1
            return
        tally = BatchTally(self.policy)
        checks = [check_row(rec, self.policy, SUBMITTED_ON, self.zips) for rec in records]
        for check in checks:
            tally.add(check)
        assert [c.row_no for c in checks] == list(range(1, len(records) + 1)), "rows lost"
        for check in checks:
            codes = all_codes(check, tally)
            found = self.candidates(check) if not codes and check.address else []
            outcome = decide(check, codes, found, self.policy, SUBMITTED_ON, self.nicknames)
            self.judge(outcome, codes, found)
        self.counts["rows"] += len(checks)

    def judge(self, outcome: Outcome, codes: tuple[str, ...], found: list[Candidate]) -> None:
        rejected = outcome.decision is Decision.REJECTED
        assert rejected == bool(codes), "a row with codes not REJECTED, or REJECTED without"
        assert rejected == bool(outcome.reason_codes), "REJECTED rows carry their codes"
        if outcome.decision is Decision.DISCLOSED:
            assert outcome.disclosure is not None, "a disclosure without its content"
            tins = {c.taxpayer.tin for c in found}
            assert outcome.disclosure.tin in tins, "a disclosure of a non-candidate"
        self.counts[f"decision {outcome.decision.value}"] += 1

    def __call__(self, data: bytes) -> None:
        path = self.paths[data[0] & 1] if data else self.paths[0]
        path.write_bytes(data[1:])
        try:
            self.decide_file(path)
        except Exception as exc:  # a crash: counted, kept, and the fuzzing goes on
            self.record_crash(data, exc)
        self.done += 1
        if self.done >= self.runs:
            self.finish()

    def record_crash(self, data: bytes, exc: Exception) -> None:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        name = f"{type(exc).__name__} at {Path(where.filename).name}:{where.lineno}"
        if not self.crashes[name]:
            self.crash_dir.mkdir(parents=True, exist_ok=True)
            (self.crash_dir / f"crash-{len(self.crashes):03d}").write_bytes(data)
        self.crashes[name] += 1

    def finish(self) -> None:
        report(self, time.monotonic() - self.started)
        sys.stdout.flush()
        self.master.close()
        shutil.rmtree(self.scratch, ignore_errors=True)
        os._exit(1 if self.crashes else 0)  # libFuzzer would otherwise keep going


def report(target: Target, seconds: float) -> None:
    crashes = sum(target.crashes.values())
    table = Table(title="Records fuzzing (atheris, coverage-guided)")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("runs", f"{target.done:,}")
    table.add_row("crashes", str(crashes), style="bold red" if crashes else "bold")
    for name, n in target.crashes.most_common():
        table.add_row(f"  {name}", str(n))
    for name, n in sorted(target.counts.items()):
        table.add_row(name, f"{n:,}")
    table.add_row("seconds", f"{seconds:.1f}")
    table.add_row("runs per second", f"{target.done / max(seconds, 1e-9):,.0f}")
    Console(width=100).print(table)
    print(f"runs={target.done} crashes={crashes} seconds={seconds:.1f}")
    print("counts " + json.dumps(dict(sorted(target.counts.items()))))


def fuzz(args: argparse.Namespace, target: Target, requests: Path) -> None:
    corpus = target.scratch / "corpus"
    corpus.mkdir()
    seeds = write_seeds(corpus, requests)
    print(f"{seeds} seed inputs; fuzzing {args.runs:,} runs", flush=True)
    args.crash_dir.mkdir(parents=True, exist_ok=True)
    atheris.Setup(
        [sys.argv[0], f"-seed={args.seed}", f"-max_len={MAX_LEN}", "-timeout=60",
         "-rss_limit_mb=4096", f"-artifact_prefix={args.crash_dir}/", str(corpus)],
        target,
    )  # fmt: skip
    target.started = time.monotonic()
    atheris.Fuzz()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1, help="libFuzzer's seed")
    parser.add_argument("--taxpayers", type=int, default=400)
    parser.add_argument("--requests", type=int, default=120)
    parser.add_argument(
        "--world", type=Path, default=Path(tempfile.gettempdir()) / "dgw-fuzz-world",
        help="where the generated master file is kept between runs",
    )  # fmt: skip
    parser.add_argument(
        "--crash-dir", type=Path, default=Path(tempfile.gettempdir()) / "dgw-fuzz-crashes"
    )
    args = parser.parse_args()
    world = args.world / f"t{args.taxpayers}-r{args.requests}-s5"
    data = generate_world(world, args.taxpayers, args.requests, seed=5)
    scratch = Path(tempfile.mkdtemp(prefix="dgw-fuzz-", dir=_fast_tmp()))
    try:
        home = scratch / "home"
        load_master(home, data / "taxpayers.csv", data / "addresses.csv", skip_bad_rows=True)
        target = Target(home, scratch, args.crash_dir, args.runs)
        fuzz(args, target, data / "requests.csv")
    finally:  # reached only if libFuzzer stops first (Target.finish ends the process)
        shutil.rmtree(scratch, ignore_errors=True)


def _fast_tmp() -> str | None:
    """A memory-backed folder for the per-input file, when the machine has one."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


if __name__ == "__main__":
    main()
