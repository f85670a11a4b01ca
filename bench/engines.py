"""Engines benchmark: the same batch through `dgw batch run` on DuckDB and on Spark (local).

Run on demand (not part of `make test`):

    .venv/bin/python bench/engines.py --taxpayers 1000000 --requests 20000

Uses the accuracy benchmark's cached population and `default` batch (bench/.cache/, made
once by bench/accuracy.py's `prepare`), loads its own master file from them once (cached;
`--reload-master` after a change to the master's tables), and `--requests` takes the
first N rows of that batch. Each engine runs in its own process, in a fresh store, with the same
signed batch: submit, run, response, timed stage by stage, with the peak RSS of the whole
process tree (the Spark JVM and its Python workers included). Then the two stores are
compared: decisions (row for row, evidence included) and accounting drafts must be equal.
`--taxpayers 10000000` works the same way once that population is cached; or, to reuse
the scale benchmark's files and a master already loaded from them (no 40-minute generation):

    .venv/bin/python bench/engines.py --scale-cache bench/.cache/scale-10000000-1280000 \
        --master HOME/master.duckdb --requests 20000 --spark-chunk-rows 20000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from accuracy import prepare  # noqa: E402  (a sibling script, not a package)
from disclosure_gateway import bootstrap  # noqa: E402
from disclosure_gateway.adapters.batch_files import BatchFiles  # noqa: E402
from disclosure_gateway.adapters.reference.packaged import packaged_text  # noqa: E402
from disclosure_gateway.adapters.response_io import write_response  # noqa: E402
from disclosure_gateway.adapters.storage.master_store import MasterStore, load_master  # noqa: E402
from disclosure_gateway.adapters.storage.state import StateStore  # noqa: E402
from disclosure_gateway.domain.addresses import ADDRESS_TABLES_DIGEST  # noqa: E402
from disclosure_gateway.service.agencies import (  # noqa: E402
    register_agency,
    sign_batch,
    write_keypair,
)
from disclosure_gateway.service.pipeline import run_batch  # noqa: E402
from disclosure_gateway.service.response import response_rows  # noqa: E402
from disclosure_gateway.service.submission import Clock, submit_batch  # noqa: E402

console = Console(width=140)
MASTER_HOME = f"engines-master-{ADDRESS_TABLES_DIGEST[:8]}"
NOW = "12:00:00+00:00"


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def _first_rows(src: Path, dst: Path, n: int) -> None:
    with (
        src.open(encoding="utf-8", newline="") as f,
        dst.open("w", encoding="utf-8", newline="") as g,
    ):
        reader, writer = csv.reader(f), csv.writer(g)
        writer.writerow(next(reader))
        for i, row in enumerate(reader):
            if i >= n:
                break
            writer.writerow(row)


def run_one(root: Path, engine: str, requests: int, chunk_rows: int, day: str) -> dict[str, float]:
    """One engine, one fresh store: the stage timings (seconds)."""
    home = root / f"engines-{engine}-{requests}"
    shutil.rmtree(home, ignore_errors=True)
    (home / "batch").mkdir(parents=True)
    master = root / MASTER_HOME / "master.duckdb"
    os.symlink(master.resolve(), home / "master.duckdb")
    _first_rows(root / "default" / "requests.csv", home / "batch" / "requests.csv", requests)
    manifest = json.loads((root / "default" / "manifest.json").read_text(encoding="utf-8"))
    manifest["batch_id"] = f"{manifest['batch_id']}-{requests}"
    (home / "batch" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    key, pub = write_keypair(home / "ice")
    sign_batch(home / "batch" / "manifest.json", key)
    clock = Clock(today=datetime.fromisoformat(day).date(), now=f"{day}T{NOW}")
    times: dict[str, float] = {}
    t = time.monotonic()
    with StateStore.open(home, now=lambda: clock.now) as store:
        register_agency(
            store,
            name="DHS-ICE",
            public_key_file=pub,
            signatories=["Jane Doe"],
            safeguards_current=True,
        )
        info = submit_batch(
            store,
            BatchFiles(home),
            home / "batch" / "manifest.json",
            packaged_text("policy-default.toml"),
            clock,
        )
    times["submit"] = time.monotonic() - t
    first: list[float] = []
    t = time.monotonic()

    def progress(done: int, total: int) -> None:
        if not first:
            first.append(time.monotonic() - t)

    with StateStore.open(home, now=lambda: clock.now) as store, MasterStore.open(home) as m:
        run_batch(
            store,
            BatchFiles(home),
            m,
            bootstrap.zip_prefixes(),
            info.batch_id,
            progress,
            chunk_rows,
            engine=engine,
        )
        times["run"] = time.monotonic() - t
        times["first_chunk"] = first[0] if first else 0.0
        t = time.monotonic()
        write_response(home / "response.csv", response_rows(store, info.batch_id))
        times["response"] = time.monotonic() - t
    return times


def _measure(args: argparse.Namespace, engine: str, chunk_rows: int) -> dict[str, float]:
    cmd = [
        sys.executable,
        __file__,
        "--one",
        engine,
        "--taxpayers",
        str(args.taxpayers),
        "--requests",
        str(args.requests),
        "--chunk-rows",
        str(chunk_rows),
        "--as-of",
        args.as_of,
        "--root",
        str(args.root),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{engine} run failed (exit {proc.returncode})")
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_gib"] = peak[0] / 2**30
    return result


def _same(root: Path, requests: int) -> tuple[bool, bool, int, int]:
    """Decisions and accounting drafts equal across the two stores; their counts."""
    found = []
    for engine in ("duckdb", "spark"):
        home = root / f"engines-{engine}-{requests}"
        with StateStore.open(home) as store:
            batch_id = store.list_batches()[0].batch_id
            found.append(
                (list(store.iter_decisions(batch_id)), [e.draft for e in store.iter_accounting()])
            )
    (d1, a1), (d2, a2) = found
    return d1 == d2, a1 == a2, len(d1), len(a1)


def _scale_root(cache: Path, master: Path) -> Path:
    """A root laid out as `prepare` makes one, over the scale benchmark's cached files."""
    if not (cache / "data" / "requests.csv").is_file() or not master.is_file():
        raise SystemExit("--scale-cache needs DIR/data/requests.csv and --master a master.duckdb")
    root = cache / "engines"
    (root / MASTER_HOME).mkdir(parents=True, exist_ok=True)
    for link, target in (
        (root / "default", cache / "data"),
        (root / MASTER_HOME / "master.duckdb", master),
    ):
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(target.resolve(), link)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--taxpayers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--batch-requests", type=int, default=100_000, help="cached batch size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk-rows", type=int, default=5000)
    parser.add_argument("--spark-chunk-rows", type=int, default=0, help="default: --chunk-rows")
    parser.add_argument("--as-of", default=datetime.now(UTC).date().isoformat())
    parser.add_argument("--reload-master", action="store_true", help="load the master again")
    parser.add_argument("--one", default="", help=argparse.SUPPRESS)
    parser.add_argument("--root", default="", help=argparse.SUPPRESS)
    parser.add_argument("--scale-cache", default="", help="bench/scale.py's cache folder")
    parser.add_argument("--master", default="", help="with --scale-cache: its loaded master")
    args = parser.parse_args()
    if args.one:
        times = run_one(Path(args.root), args.one, args.requests, args.chunk_rows, args.as_of)
        print(json.dumps(times))
        return
    if args.scale_cache:
        args.root = _scale_root(Path(args.scale_cache), Path(args.master))
        with MasterStore.open(args.root / MASTER_HOME) as master:
            args.taxpayers = master.counts()[0]
    else:
        args.root = prepare(args.taxpayers, args.batch_requests, args.seed, ["default"], args.as_of)
    home = args.root / MASTER_HOME
    if args.reload_master or not (home / "master.duckdb").exists():
        shutil.rmtree(home, ignore_errors=True)
        t = time.monotonic()
        files = args.root / "master"
        load_master(home, files / "taxpayers.csv", files / "addresses.csv", False)
        console.print(f"master loaded in {time.monotonic() - t:.1f}s (this code's tables)")
    results = {
        "duckdb": _measure(args, "duckdb", args.chunk_rows),
        "spark": _measure(args, "spark", args.spark_chunk_rows or args.chunk_rows),
    }
    decisions_same, accounting_same, rows, entries = _same(args.root, args.requests)
    table = Table(title=f"{args.taxpayers:,} taxpayers, {args.requests:,} requests")
    for col in ("engine", "submit s", "first chunk s", "run s", "response s", "peak RSS GiB"):
        table.add_column(col, justify="left" if col == "engine" else "right")
    for engine, r in results.items():
        table.add_row(
            engine,
            f"{r['submit']:.1f}",
            f"{r['first_chunk']:.1f}",
            f"{r['run']:.1f}",
            f"{r['response']:.1f}",
            f"{r['peak_rss_gib']:.2f}",
        )
    console.print(table)
    console.print(
        f"decisions identical: {'yes' if decisions_same else 'NO'} ({rows:,} rows); "
        f"accounting identical: {'yes' if accounting_same else 'NO'} ({entries:,} entries)"
    )


if __name__ == "__main__":
    main()
