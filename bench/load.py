"""Load test (issue 6): 50 concurrent clients POST single verifications to a real `dgw serve`.

    .venv/bin/python bench/load.py --seconds 600            # the full run
    .venv/bin/python bench/load.py --seconds 60 --clients 50

Builds a world in a temporary HOME: the synthetic generator's master file and request
batch (`dgw generate`, cached between runs under the temp folder, with the requester's key
from `dgw keygen`), loaded with `dgw master load`, the agency registered with the
generator's signatory (`dgw agency add`) and a requester token (`dgw token create`). Then
starts `dgw serve` (one uvicorn process) on a free port in that HOME and runs `--clients`
threads, each with its own HTTP connection, that POST the generated requests one by one
to `/api/v1/verify` (each with a request id of its own) until `--seconds` have passed; a
call in flight then is finished and counted.

Reports requests, errors (any non-2xx answer or exception: must be 0), throughput,
p50/p95/p99 latency and the decisions seen; then stops the server and checks the
accounting: every DISCLOSED answer a client saw has exactly one accounting entry (matched
by request id, in a `V-…` single-verification batch), and there is no entry for a request
no client saw DISCLOSED; and `dgw audit verify` passes. Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

DGW = str(Path(sys.executable).parent / "dgw")
console = Console(width=110)
OFFICIAL = "Jane Doe"
TIMEOUT = 900.0


def dgw(home: Path, *args: str) -> str:
    done = subprocess.run(
        [DGW, "--home", str(home), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"dgw {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return done.stdout.strip()


# -- the world ----------------------------------------------------------------------------
def build_world(world: Path, taxpayers: int, requests: int) -> None:
    """Generated data and the requester's key pair, once (built aside, then renamed)."""
    if (world / "keys" / "ice.pub").exists():
        return
    world.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=world.parent))
    console.print(f"generating {taxpayers:,} taxpayers and {requests:,} requests …")
    dgw(building, "generate", "--out", str(building / "data"), "--taxpayers", str(taxpayers),
        "--requests", str(requests), "--seed", "17")  # fmt: skip
    (building / "keys").mkdir()
    dgw(building, "keygen", "--out", str(building / "keys" / "ice"))
    building.rename(world)


def fresh_home(world: Path, root: Path) -> tuple[Path, str]:
    """A new HOME: the master file loaded, the agency registered, a requester token.

    Only the generated files are cached, so the master file always has the layout of the
    code under test."""
    home, data = root / "home", world / "data"
    dgw(home, "master", "load", "--taxpayers", str(data / "taxpayers.csv"),
        "--addresses", str(data / "addresses.csv"))  # fmt: skip
    dgw(home, "agency", "add", "DHS-ICE", "--public-key", str(world / "keys" / "ice.pub"),
        "--signatory", OFFICIAL, "--safeguards-current")  # fmt: skip
    token = dgw(home, "token", "create", "DHS-ICE", "--label", "load test").splitlines()[-1]
    return home, token.strip()


def records(world: Path) -> list[dict[str, str]]:
    with (world / "data" / "requests.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# -- the server ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    proc = subprocess.Popen(
        [DGW, "--home", str(home), "serve", "--port", str(port)], stdout=out, stderr=out
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"dgw serve exited early: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json").status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("dgw serve did not answer within 120 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- the clients --------------------------------------------------------------------------
@dataclass
class Seen:
    """What the clients saw (one lock for all)."""

    latencies: list[float] = field(default_factory=list)
    decisions: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    disclosed: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request_id: str, seconds: float, answer: httpx.Response) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if not answer.is_success:
                self.errors[f"HTTP {answer.status_code} {_code(answer)}"] += 1
                self.failed.add(request_id)
                return
            decision = str(answer.json().get("decision"))
            self.decisions[decision] += 1
            if decision == "DISCLOSED":
                self.disclosed.add(request_id)

    def failure(self, request_id: str, exc: Exception) -> None:
        with self.lock:
            self.errors[type(exc).__name__] += 1
            self.failed.add(request_id)


def _code(answer: httpx.Response) -> str:
    try:
        return str(answer.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""


def client(
    n: int, base: str, token: str, rows: list[dict[str, str]], until: float, seen: Seen
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT) as http:
        i = n * 7919 % len(rows)
        sent = 0
        while time.monotonic() < until:
            request_id = f"LOAD-{n:02d}-{sent:06d}"
            record = {**rows[i], "request_id": request_id}
            started = time.perf_counter()
            try:
                answer = http.post("/api/v1/verify", json={"official": OFFICIAL, "record": record})
            except httpx.HTTPError as exc:
                seen.failure(request_id, exc)
            else:
                seen.answer(request_id, time.perf_counter() - started, answer)
            sent += 1
            i = (i + 1) % len(rows)


def run_clients(
    clients: int, base: str, token: str, rows: list[dict[str, str]], seconds: float
) -> tuple[Seen, float]:
    seen = Seen()
    started = time.monotonic()
    until = started + seconds
    threads = [
        threading.Thread(target=client, args=(n, base, token, rows, until, seen), daemon=True)
        for n in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seen, time.monotonic() - started


# -- the accounting -----------------------------------------------------------------------
def accounting_check(home: Path, seen: Seen) -> dict[str, int]:
    """Entries of the load's requests, against the DISCLOSED answers the clients saw."""
    disclosed = seen.disclosed
    with sqlite3.connect(f"file:{home / 'state.sqlite'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT request_id, batch_id, kind FROM accounting WHERE request_id LIKE 'LOAD-%'"
        ).fetchall()
        batches = db.execute("SELECT count(*) FROM batches WHERE batch_id LIKE 'V-%'").fetchall()[
            0
        ][0]
    per_request = Counter(r[0] for r in rows if r[2] == "DISCLOSURE" and r[1].startswith("V-"))
    return {
        "verification batches": int(batches),
        "accounting entries (load requests)": len(rows),
        "DISCLOSED answers seen": len(disclosed),
        "DISCLOSED with exactly one entry": sum(1 for r in disclosed if per_request[r] == 1),
        "DISCLOSED without an entry": sum(1 for r in disclosed if per_request[r] == 0),
        "DISCLOSED with more than one entry": sum(1 for r in disclosed if per_request[r] > 1),
        "entries with no DISCLOSED answer seen": sum(
            n for r, n in per_request.items() if r not in disclosed
        ),
        "  of which the client got an error": sum(
            n for r, n in per_request.items() if r not in disclosed and r in seen.failed
        ),
        "entries not DISCLOSURE or not in a V- batch": len(rows) - sum(per_request.values()),
    }


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


# -- the report ---------------------------------------------------------------------------
def report(
    args: argparse.Namespace, seen: Seen, seconds: float, books: dict[str, int], audit: int
) -> bool:
    lat = sorted(seen.latencies)
    errors = sum(seen.errors.values())
    requests = len(lat) + sum(n for k, n in seen.errors.items() if not k.startswith("HTTP"))
    ok = (
        errors == 0
        and audit == 0
        and books["DISCLOSED with exactly one entry"] == books["DISCLOSED answers seen"]
        and books["entries with no DISCLOSED answer seen"] == 0
        and books["entries not DISCLOSURE or not in a V- batch"] == 0
    )
    table = Table(title=f"Load: {args.clients} clients, POST /api/v1/verify, {seconds:.0f} s")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("requests", f"{requests:,}")
    table.add_row("errors", str(errors), style="bold red" if errors else "bold")
    for name, n in seen.errors.most_common():
        table.add_row(f"  {name}", f"{n:,}")
    table.add_row("throughput", f"{requests / seconds:,.2f} req/s")
    for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99)):
        table.add_row(f"latency {name}", f"{percentile(lat, q) * 1000:,.0f} ms")
    table.add_row("latency max", f"{(lat[-1] if lat else float('nan')) * 1000:,.0f} ms")
    for name, n in seen.decisions.most_common():
        table.add_row(f"decision {name}", f"{n:,}")
    for name, n in books.items():
        table.add_row(name, f"{n:,}")
    table.add_row("dgw audit verify", "passes" if audit == 0 else f"exit {audit}")
    table.add_row(
        "load average at start / end", f"{args.load_start:.1f} / {os.getloadavg()[0]:.1f}"
    )
    table.add_row("cores", str(os.cpu_count()))
    table.add_row("result", "OK" if ok else "FAILED", style="bold green" if ok else "bold red")
    console.print(table)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--taxpayers", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument(
        "--world", type=Path, default=Path(tempfile.gettempdir()) / "dgw-load-world"
    )
    args = parser.parse_args()
    world = args.world / f"t{args.taxpayers}-r{args.requests}"
    build_world(world, args.taxpayers, args.requests)
    rows = records(world)
    with tempfile.TemporaryDirectory(prefix="dgw-load-") as tmp:
        home, token = fresh_home(world, Path(tmp))
        port = free_port()
        server = start_server(home, port, Path(tmp) / "serve.log")
        console.print(f"dgw serve on port {port} (pid {server.pid}); {args.clients} clients …")
        args.load_start = os.getloadavg()[0]
        try:
            seen, seconds = run_clients(
                args.clients, f"http://127.0.0.1:{port}", token, rows, args.seconds
            )
        finally:
            stop_server(server)
        books = accounting_check(home, seen)
        audit = subprocess.run(
            [DGW, "--home", str(home), "audit", "verify"], capture_output=True, check=False
        ).returncode
        ok = report(args, seen, seconds, books, audit)
        if not ok:
            console.print((Path(tmp) / "serve.log").read_text()[-3000:], markup=False)
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.pop("DGW_DATABASE_URL", None)  # the load runs on the temp HOME's SQLite store
    sys.exit(main())
