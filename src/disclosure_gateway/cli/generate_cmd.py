"""Commands: `dgw generate` (synthetic master files and a labelled batch) and `dgw score`."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from disclosure_gateway.cli import apps
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.synth.parallel import default_workers
from disclosure_gateway.synth.population import generate_population
from disclosure_gateway.synth.requests import NOISE_PROFILES, generate_batch
from disclosure_gateway.synth.scorer import render, score
from disclosure_gateway.synth.writers import FORMATS, write_batch, write_population


def _as_of(text: str | None) -> date:
    if not text:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadInput(f"--as-of must be YYYY-MM-DD, not {text!r}") from exc


@apps.app.command("generate")
def generate(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the files into.")],
    *,
    taxpayers: Annotated[int, typer.Option("--taxpayers", min=1, help="Taxpayers.")] = 20000,
    requests: Annotated[int, typer.Option("--requests", min=1, help="Requests.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed and arguments, same bytes.")] = 7,
    noise: Annotated[str, typer.Option("--noise", help="default, clean or hard.")] = "default",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: today, UTC).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="Master files: csv or parquet.")] = "csv",
    workers: Annotated[
        int, typer.Option("--workers", min=0, help="Processes (0: one per core). Same bytes.")
    ] = 0,
) -> None:
    """Synthetic master files, a request batch, its unsigned manifest and its ground truth."""
    if noise not in NOISE_PROFILES:
        raise BadInput(f"--noise must be one of {', '.join(NOISE_PROFILES)}")
    if fmt not in FORMATS:
        raise BadInput(f"--format must be one of {', '.join(FORMATS)}")
    day = _as_of(as_of)
    try:
        pop = generate_population(taxpayers, seed, day)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=apps.err, transient=True, disable=not apps.err.is_terminal,
    )  # fmt: skip
    procs = workers or default_workers()
    with progress:
        task = progress.add_task("taxpayers", total=pop.n)
        people, rows = write_population(
            pop,
            out,
            fmt,
            workers=procs,
            progress=lambda done: progress.update(task, completed=done),
        )
        progress.update(task, visible=False)
        progress.add_task("requests", total=None)
        batch = generate_batch(pop, requests, seed, noise, day, workers=procs)
    write_batch(batch, out)
    apps.out.print(
        f"wrote {people} taxpayers, {rows} address rows and {len(batch.records)} requests "
        f"(batch {batch.batch_id}, as of {day.isoformat()}) to {out}",
        markup=False,
    )


def _read_rows(path: Path) -> list[dict[str, str]]:
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(str(path))
            return [
                {k: "" if v is None else str(v) for k, v in r.items()} for r in table.to_pylist()
            ]
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"{path.name} cannot be read ({exc})") from exc
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        return [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows]
    return list(csv.DictReader(text.splitlines()))


@apps.app.command("score")
def score_cmd(
    truth: Annotated[Path, typer.Option("--truth", help="truth.csv from `dgw generate`.")],
    response: Annotated[Path, typer.Option("--response", help="The response file (SPEC §5).")],
    *,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scorecard as JSON.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on any unlawful or wrong-address disclosure.")
    ] = False,
) -> None:
    """Score a response against the ground truth of a generated batch."""
    truth_rows = _read_rows(truth)
    needed = {"request_id", "category", "expected_decision", "expected_codes"}
    if truth_rows and not needed <= set(truth_rows[0]):
        raise BadInput(f"{truth.name} is not a truth file (missing {sorted(needed)})")
    card = score(truth_rows, _read_rows(response))
    if as_json:
        apps.out.print_json(json.dumps(card.to_json()))
    else:
        apps.out.print(render(card))
    if strict and not card.safe:
        raise typer.Exit(1)
