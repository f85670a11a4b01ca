"""Where a batch run's per-row work happens: in this process, or in worker processes.

A run's expensive work is per row and independent of the other rows: checking a row
(pass 1), and retrieving, scoring and deciding a chunk (pass 2) once the batch-level codes
are known — the parent computes those from the whole batch's tally and sends them with the
chunk, so a worker never needs the tally. Workers are spawned, never forked from a process
that holds database connections, and each opens the master file read-only and its own
scorer. Results come back in row order and the parent commits them one chunk at a time, so
the decisions, the accounting log and its order are those of a one-process run.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from disclosure_gateway.adapters.storage.state import BatchInfo
from disclosure_gateway.domain.geography import ZipPrefixes
from disclosure_gateway.domain.model import AccountingDraft, DecisionRecord, RequestRecord
from disclosure_gateway.domain.nicknames import NicknameTable
from disclosure_gateway.domain.policy import Policy, parse_policy
from disclosure_gateway.domain.rules import RowCheck, check_row

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from disclosure_gateway.service.pipeline import Chunker

__all__ = ["DecideTask", "Decided", "RunSetup", "Workers", "collector_paused"]

Decided = tuple[list[DecisionRecord], list[AccountingDraft]]
DecideTask = tuple[list[RowCheck], Mapping[int, tuple[str, ...]]]


@dataclass(frozen=True, slots=True)
class RunSetup:
    """What every worker needs to check rows and decide chunks of one batch."""

    home: Path
    batch: BatchInfo
    policy_text: str
    zips: ZipPrefixes
    nickname_links: frozenset[tuple[str, str]]
    engine: str

    @property
    def nicknames(self) -> NicknameTable:
        return NicknameTable(self.nickname_links)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a stretch of per-row work.

    A chunk makes hundreds of thousands of short-lived objects that reference counting
    frees; meanwhile each automatic collection walks every object alive in the process (a
    run holds millions), which cost a chunk 40% of its time at the 10M master. Whatever
    cycles the work makes are collected once the collector is on again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Work:
    """One process's means: the policy, the master file and (with a model) a scorer."""

    def __init__(self, setup: RunSetup) -> None:
        from disclosure_gateway.service.pipeline import Chunker

        self.policy: Policy = parse_policy(setup.policy_text)
        self.submitted_on: date = setup.batch.submitted_on
        self.zips = setup.zips
        self.chunker: Chunker = Chunker.open(setup, self.policy)

    def check(self, records: list[RequestRecord]) -> list[RowCheck]:
        with collector_paused():
            return [check_row(r, self.policy, self.submitted_on, self.zips) for r in records]

    def decide(self, task: DecideTask) -> Decided:
        chunk, codes = task
        with collector_paused():
            return self.chunker.decide(chunk, codes)

    def close(self) -> None:
        self.chunker.close()


# A worker process's means, set once by the pool's initializer.
_IN_WORKER: dict[str, _Work] = {}


def _start(setup: RunSetup) -> None:
    _IN_WORKER["work"] = _Work(setup)


def _check(records: list[RequestRecord]) -> list[RowCheck]:
    return _IN_WORKER["work"].check(records)


def _decide(task: DecideTask) -> Decided:
    return _IN_WORKER["work"].decide(task)


class Workers:
    """`check` and `decide` over a run's chunks, in order, on `count` processes (1: here)."""

    def __init__(self, setup: RunSetup, count: int) -> None:
        self._local: _Work | None = None
        self._pool: Pool | None = None
        if count <= 1:
            self._local = _Work(setup)
        else:
            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(count, initializer=_start, initargs=(setup,))

    def check(self, chunks: Iterable[list[RequestRecord]]) -> Iterator[list[RowCheck]]:
        if self._local is not None:
            return map(self._local.check, chunks)
        assert self._pool is not None
        return self._pool.imap(_check, chunks)

    def decide(self, tasks: Iterable[DecideTask]) -> Iterator[Decided]:
        if self._local is not None:
            return map(self._local.decide, tasks)
        assert self._pool is not None
        return self._pool.imap(_decide, tasks)

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
