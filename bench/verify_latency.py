"""Single-request latency: `dgw verify`'s path, one request after another (issue 4, item 5).

Run on demand (not part of `make test`):

    .venv/bin/python bench/verify_latency.py \\
        --cache bench/.cache/pop-1000000-req-100000-seed-7-2026-11-23 --requests 10000

`--cache` makes a fresh HOME (under `--work`, default a temporary folder) that symlinks the
cache's loaded master file (`--master` names another one), registers the agency `DHS-ICE`
and a requester token; `--home` uses a HOME that has a master file loaded (the agency and
a token are added if missing). The requests are the first `--requests` rows of the cache's
`<noise>/requests.csv` (or `--records`). Every request is decided by one long-lived
`Verifier` (service level), or with `--api` posted to the HTTP app in this process, and
kept as its one-row batch with its decision and accounting, as in production.

Prints p50/p95/p99 of wall time and of CPU time per request (the machine may be shared:
CPU time shows what the work costs on its own), throughput, the start-up time, and the
share of the time spent in retrieval, scoring, the state store's writes and the batch
files; the rest is the checks, the decision and the reads of agency and hold.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from disclosure_gateway.adapters.records_io import read_records
from disclosure_gateway.adapters.storage.master_store import DB_NAME, MASTER_LAYOUT
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.domain.addresses import ADDRESS_TABLES_DIGEST
from disclosure_gateway.domain.errors import StoreError
from disclosure_gateway.service import verify as verify_module
from disclosure_gateway.service.agencies import register_agency, write_keypair
from disclosure_gateway.service.identity import Principal, authenticate_token, create_token
from disclosure_gateway.service.submission import Clock
from disclosure_gateway.service.verify import Verifier, verifier_for

AGENCY = "DHS-ICE"
OFFICIAL = "Jane Doe"
console = Console(width=140)


class Stages:
    """Wall time spent inside named calls (wrapped instance methods)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.scorer: object = None  # what scored the requests

    def wrap(self, owner: Any, method: str, stage: str) -> None:
        inner: Callable[..., Any] = getattr(owner, method)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - start

        setattr(owner, method, timed)


def make_home(args: argparse.Namespace) -> Path:
    """A HOME with a master file, the agency and nothing else."""
    if args.home:
        home = Path(args.home)
        if not (home / DB_NAME).exists():
            raise SystemExit(f"no master file in {home}")
        return home
    cache = Path(args.cache)
    master = (
        Path(args.master)
        if args.master
        else cache / f"master-home-{ADDRESS_TABLES_DIGEST[:8]}-layout{MASTER_LAYOUT}" / DB_NAME
    )
    if not master.is_file():
        raise SystemExit(f"no master file at {master} (give --master)")
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="verify-latency-"))
    home = work / f"home-{datetime.now(UTC).strftime('%Y%m%d%H%M%S')}"
    home.mkdir(parents=True)
    os.symlink(master.resolve(), home / DB_NAME)
    return home


def requester(home: Path) -> tuple[Principal, str]:
    """A requester principal of the agency (registered here if missing) and its token."""
    with StateStore.open(home) as store:
        if store.get_agency(AGENCY) is None:
            _, pub = write_keypair(home / f"bench-{time.time_ns()}")
            register_agency(
                store,
                name=AGENCY,
                public_key_file=pub,
                signatories=[OFFICIAL],
                safeguards_current=True,
            )
        token = create_token(store, AGENCY, "latency bench")
        principal = authenticate_token(store, token)
    assert principal is not None
    return principal, token


def requests(args: argparse.Namespace) -> tuple[list[dict[str, str]], date]:
    folder = Path(args.cache) / args.noise if args.cache else None
    path = Path(args.records) if args.records else (folder / "requests.csv" if folder else None)
    if path is None:
        raise SystemExit("give --records (or --cache)")
    day = date.today()
    manifest = path.parent / "manifest.json"
    if manifest.is_file():
        day = date.fromisoformat(str(json.loads(manifest.read_text())["signed_on"]))
    rows: list[dict[str, str]] = []
    for record in read_records(path):
        rows.append(dict(record.fields))
        if len(rows) == args.requests:
            break
    return rows, day


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextmanager
def api_client(home: Path, clock: Clock) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from disclosure_gateway.api.app import create_app
    from disclosure_gateway.api.config import ApiSettings

    app = create_app(ApiSettings(home=home, run_jobs=False, clock=lambda: clock))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def _refuse_the_model(settings: object) -> None:
    raise StoreError("the model cannot be evaluated in Python: --replay-sql")


def run(args: argparse.Namespace) -> None:
    if args.replay_sql:  # as before the evaluator: the Verifier falls back to Splink's SQL
        setattr(verify_module, "compile_model", _refuse_the_model)  # noqa: B010
    home = make_home(args)
    principal, token = requester(home)
    rows, day = requests(args)
    clock = Clock(today=day, now=f"{day.isoformat()}T12:00:00+00:00")
    how = "the HTTP app" if args.api else "the service"
    console.print(f"HOME {home}; {len(rows)} requests dated {day}, through {how}")
    with (
        StateStore.open(home) as store,
        api_client(home, clock) if args.api else _nothing() as client,
    ):
        if args.api:
            assert client is not None
            auth = {"Authorization": f"Bearer {token}"}

            def once(row: dict[str, str]) -> str:
                answer = client.post(
                    "/api/v1/verify", json={"official": OFFICIAL, "record": row}, headers=auth
                )
                return str(answer.json().get("decision", f"HTTP {answer.status_code}"))
        else:
            mine = Verifier(home)

            def once(row: dict[str, str]) -> str:
                return mine.verify(store, principal, OFFICIAL, row, clock).outcome.decision.value

        start = time.perf_counter()
        once(rows[0])  # opens the master file and the scorer, records Splink's SQL
        startup = time.perf_counter() - start
        stages = _instrument(verifier_for(home) if args.api else mine)
        walls: list[float] = []
        cpus: list[float] = []
        decisions: dict[str, int] = defaultdict(int)
        began = time.perf_counter()
        for row in rows:
            t, c = time.perf_counter(), time.process_time()
            decisions[once(row)] += 1
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        total = time.perf_counter() - began
    report(walls, cpus, total, startup, stages, decisions)
    console.print(f"scorer: {type(stages.scorer).__name__}")


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def _instrument(verifier: Verifier) -> Stages:
    """Time retrieval, scoring, the state store's writes and the batch files."""
    stages = Stages()
    assert verifier.lookup is not None
    stages.wrap(verifier.lookup, "candidates", "retrieval")
    if verifier.scorer is not None:
        stages.scorer = verifier.scorer
        stages.wrap(verifier.scorer, "score", "scoring")
    stages.wrap(StateStore, "record_single", "state writes")
    for method in ("keep", "keep_tally"):
        stages.wrap(verifier.files, method, "batch files")
    return stages


def report(
    walls: list[float],
    cpus: list[float],
    total: float,
    startup: float,
    stages: Stages,
    decisions: dict[str, int],
) -> None:
    table = Table(title=f"{len(walls)} sequential verifications")
    for col in ("", "p50 ms", "p95 ms", "p99 ms", "mean ms", "max ms"):
        table.add_column(col, justify="right")
    for name, values in (("wall", walls), ("CPU", cpus)):
        table.add_row(
            name,
            *(f"{percentile(values, q) * 1e3:.1f}" for q in (0.5, 0.95, 0.99)),
            f"{statistics.fmean(values) * 1e3:.1f}",
            f"{max(values) * 1e3:.1f}",
        )
    console.print(table)
    console.print(
        f"throughput {len(walls) / total:.1f} requests/s; start-up (first request) {startup:.2f} s"
    )
    shares = dict(stages.seconds)
    shares["other"] = max(0.0, total - sum(shares.values()))
    console.print(
        "time share: "
        + ", ".join(
            f"{k} {v / total:.0%} ({v / len(walls) * 1e3:.1f} ms)" for k, v in shares.items()
        )
    )
    console.print("decisions: " + ", ".join(f"{k} {n}" for k, n in sorted(decisions.items())))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--cache", help="a bench cache folder (pop-…): its master file and requests")
    where.add_argument("--home", help="a HOME with a master file loaded")
    parser.add_argument("--master", help="with --cache: this master.duckdb instead of the cache's")
    parser.add_argument("--work", help="with --cache: where the fresh HOME goes")
    parser.add_argument("--records", help="the requests (CSV/JSONL/Parquet); default the cache's")
    parser.add_argument("--noise", default="default", help="with --cache: which batch's requests")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--api", action="store_true", help="through the HTTP app (in process)")
    parser.add_argument(
        "--replay-sql",
        action="store_true",
        help="score by replaying Splink's SQL (SingleScorer) instead of the level evaluator",
    )
    run(parser.parse_args())


if __name__ == "__main__":
    main()
