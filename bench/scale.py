"""Scale benchmark (issue 4): the whole product, stage by stage, at 1M, 3M and 10M taxpayers.

Run on demand (not part of `make test`; the 10M point takes most of an hour here):
    .venv/bin/python bench/scale.py --taxpayers 1000000,3000000,10000000

For every point it generates (once, cached under bench/.cache/scale-<N>-<R>/) N taxpayers
and a batch of R = 0.128·N requests (1.28M at 10M, the 2025 request's size), then runs the
real commands in a fresh HOME, each as its own process (wall seconds, and peak RSS summed
over the stage's processes): `dgw master load`, `dgw batch submit`, `dgw batch run`,
`dgw batch response`; scores the response against the generator's truth (unlawful and
wrong-person disclosures, lawful recall); and, on the same files, times the plain Splink
baseline (bench/splink_baseline.py: tutorial-style train + predict, no legal checks, no
accounting).
It prints one table and writes the figures to bench/.cache/scale-results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).parent
CACHE = HERE / ".cache"
DGW = str(Path(sys.executable).parent / "dgw")
AS_OF = "2026-11-23"
console = Console(width=170)


@dataclass(frozen=True)
class Stage:
    point: int
    stage: str
    seconds: float
    peak_gib: float
    note: str = ""


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (GiB) and stdout of one command run under /usr/bin/time.

    The peak is the larger of the biggest single process's (`/usr/bin/time`) and the
    command's whole process tree's summed RSS, sampled every 0.2 s from /proc (a batch run
    spawns workers: their memory counts together)."""
    stats = CACHE / "time.out"
    started = time.monotonic()
    with subprocess.Popen(
        ["/usr/bin/time", "-f", "%M", "-o", str(stats), *cmd],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    ) as proc:
        sampler = TreeMemory(proc.pid)
        sampler.start()
        out, err = proc.communicate()
        sampler.stop.set()
        sampler.join()
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} … failed: {err.strip()[-2000:]}")
    peak_kib = int(stats.read_text().split()[-1])
    return seconds, max(peak_kib, sampler.peak_kib) / 2**20, out


class TreeMemory(threading.Thread):
    """The peak of the summed RSS of a process and all its descendants."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak_kib, self.stop = root, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.peak_kib = max(self.peak_kib, _tree_rss_kib(self.root))


def _tree_rss_kib(root: int) -> int:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip())
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(rss.get(pid, 0) for pid in tree)


def dgw(home: Path, *args: str) -> list[str]:
    return [DGW, "--home", str(home), *args]


def prepare(n: int, requests: int) -> tuple[Path, list[Stage]]:
    """The generated files (cached) and, when made now, the generation's figures."""
    root = CACHE / f"scale-{n}-{requests}"
    data = root / "data"
    made: list[Stage] = []
    record = root / "generate.json"
    if not (data / "truth.csv").exists():
        shutil.rmtree(data, ignore_errors=True)
        cmd = [DGW, "generate", "--out", str(data), "--taxpayers", str(n)]
        seconds, peak, _ = timed([*cmd, "--requests", str(requests), "--as-of", AS_OF])
        record.write_text(json.dumps({"seconds": seconds, "peak_gib": peak}))
    if record.exists():
        found = json.loads(record.read_text())
        made.append(Stage(n, "generate (cached)", found["seconds"], found["peak_gib"]))
    keys = root / "keys"
    if not (keys / "ice.key").exists():
        keys.mkdir(parents=True, exist_ok=True)
        subprocess.run([DGW, "keygen", "--out", str(keys / "ice")], check=True)
        sign = [DGW, "batch", "sign", str(data / "manifest.json"), "--key", str(keys / "ice.key")]
        subprocess.run(sign, check=True, capture_output=True)
    return root, made


class Stages(list[Stage]):
    """Stages, each printed as it is measured (a long run shows its figures as it goes)."""

    def append(self, stage: Stage) -> None:
        console.print(
            f"  {stage.stage}: {stage.seconds:,.1f} s, peak {stage.peak_gib:.2f} GiB {stage.note}",
            markup=False,
        )
        super().append(stage)


def run_point(n: int, requests: int, baseline: bool) -> list[Stage]:
    root, made = prepare(n, requests)
    stages = Stages(made)
    data, home = root / "data", root / "home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    load = dgw(home, "master", "load", "--taxpayers", str(data / "taxpayers.csv"))
    seconds, peak, _ = timed([*load, "--addresses", str(data / "addresses.csv")])
    stages.append(Stage(n, "master load", seconds, peak))
    add = dgw(home, "agency", "add", "DHS-ICE", "--public-key", str(root / "keys" / "ice.pub"))
    subprocess.run([*add, "--signatory", "Jane Doe", "--safeguards-current"], check=True)
    seconds, peak, out = timed(dgw(home, "batch", "submit", str(data / "manifest.json")))
    batch_id = out.strip()
    stages.append(Stage(n, "batch submit", seconds, peak))
    seconds, peak, _ = timed(dgw(home, "batch", "run", batch_id))
    stages.append(Stage(n, "batch run", seconds, peak, f"{requests / seconds:,.0f} rows/s"))
    response = root / "response.csv"
    seconds, peak, _ = timed(dgw(home, "batch", "response", batch_id, "--out", str(response)))
    stages.append(Stage(n, "batch response", seconds, peak))
    stages.append(_score(n, data / "truth.csv", response))
    if baseline:
        script = [sys.executable, str(HERE / "splink_baseline.py"), "--data", str(data)]
        seconds, peak, out = timed(script)
        found = json.loads(out.strip().splitlines()[-1])
        note = f"load {found['load_s']}s, train {found['train_s']}s, predict {found['predict_s']}s"
        stages.append(Stage(n, "splink baseline", seconds, peak, note))
    return stages


def _score(n: int, truth: Path, response: Path) -> Stage:
    done = subprocess.run(
        [DGW, "score", "--truth", str(truth), "--response", str(response), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    card = json.loads(done.stdout)
    note = (
        f"unlawful {card['unlawful_disclosures']}, wrong {card['wrong_address_disclosures']}"
        f", lawful recall {card['lawful_recall']:.2%}, review {card['pending_share']:.2%}"
    )
    if card["unlawful_by_truth"]:
        by_truth = ", ".join(f"{k} {v}" for k, v in card["unlawful_by_truth"].items())
        note += f" (unlawful by the truth's expectation: {by_truth})"
    signed_on = json.loads((truth.parent / "manifest.json").read_text())["signed_on"]
    if signed_on != date.today().isoformat():
        # The truth's date-relative answers (a removal order's 90 days, tax periods) hold on
        # the generator's as-of date; the batch was submitted today.
        note += f" (truth as of {signed_on}, submitted {date.today()}: date rules shift)"
    return Stage(n, "accuracy", 0.0, 0.0, note)


def table(stages: list[Stage]) -> Table:
    out = Table(title="Scale: stage by stage (wall seconds, peak RSS of the stage's processes)")
    for col in ("taxpayers", "stage", "seconds", "peak RSS GiB", "note"):
        out.add_column(col, justify="right" if col in ("seconds", "peak RSS GiB") else "left")
    for s in stages:
        seconds = f"{s.seconds:,.1f}" if s.seconds else "–"
        peak = f"{s.peak_gib:.2f}" if s.peak_gib else "–"
        out.add_row(f"{s.point:,}", s.stage, seconds, peak, s.note)
    return out


def ratios(stages: list[Stage]) -> Table:
    out = Table(title="Pipeline (submit + run + response) against the plain Splink baseline")
    for col in ("taxpayers", "pipeline s", "baseline s", "ratio", "load + pipeline s"):
        out.add_column(col, justify="right")
    for point in sorted({s.point for s in stages}):
        mine = {s.stage: s.seconds for s in stages if s.point == point}
        pipeline = sum(mine.get(k, 0.0) for k in ("batch submit", "batch run", "batch response"))
        base = mine.get("splink baseline")
        out.add_row(
            f"{point:,}",
            f"{pipeline:,.1f}",
            f"{base:,.1f}" if base else "–",
            f"{pipeline / base:.2f}" if base else "–",
            f"{pipeline + mine.get('master load', 0.0):,.1f}",
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxpayers", default="1000000,3000000,10000000")
    parser.add_argument("--share", type=float, default=0.128, help="requests per taxpayer")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    stages: list[Stage] = []
    for n in (int(x) for x in args.taxpayers.split(",")):
        console.print(f"[bold]{n:,} taxpayers …")
        stages.extend(run_point(n, int(n * args.share), not args.no_baseline))
        console.print(table([s for s in stages if s.point == n]))
    console.print(table(stages))
    console.print(ratios(stages))
    results = CACHE / "scale-results.json"
    results.write_text(json.dumps([asdict(s) for s in stages], indent=1))
    console.print(f"figures written to {results}")


if __name__ == "__main__":
    main()
