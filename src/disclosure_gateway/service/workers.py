"""Where a batch run's per-row work happens: in this process, or in worker processes.

A run's expensive work is per row and independent of the other rows. Pass 1: a checker
cleans and checks a chunk of rows as read, tallies them, and returns the checked rows
pickled (the parent keeps them as bytes, never unpacking them) with the chunk's share of
the tally. Pass 2: the parent, holding the whole batch's tally, starts deciders with it;
each retrieves, scores and decides a chunk, with the batch-level codes from the tally. The
parent only reads the file, merges tallies and commits: at millions of rows, a parent that
unpickled and re-pickled every checked row was the bottleneck of pass 1.

Workers are spawned, never forked from a process that holds database connections; each
decider opens the master file read-only and its own scorer. Results come back in row order
and the parent commits them one chunk at a time, so the decisions, the accounting log and
its order are those of a one-process run.
"""

from __future__ import annotations

import copyreg
import dataclasses
import gc
import io
import multiprocessing
import operator
import pickle
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from disclosure_gateway.adapters.records_io import RawRecord, record_of
from disclosure_gateway.adapters.storage.state import BatchInfo
from disclosure_gateway.adapters.storage.state_rows import EncodedChunk, encode_chunk
from disclosure_gateway.domain.addresses import StdAddress
from disclosure_gateway.domain.geography import ZipPrefixes
from disclosure_gateway.domain.model import AccountingDraft, DecisionRecord, Disclosure, Outcome
from disclosure_gateway.domain.names import StdName
from disclosure_gateway.domain.nicknames import NicknameTable
from disclosure_gateway.domain.policy import Policy, parse_policy
from disclosure_gateway.domain.rules import BatchTally, RowCheck, all_codes, check_row

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from disclosure_gateway.service.pipeline import Chunker

__all__ = [
    "Checked",
    "Checkers",
    "DecideTask",
    "Decided",
    "Deciders",
    "RunSetup",
    "collector_paused",
]

Decided = tuple[list[DecisionRecord], list[AccountingDraft]]
"""A chunk's decisions and the accounting drafts of its disclosures."""
T = TypeVar("T")
R = TypeVar("R")


def _by_fields(cls: type[T]) -> Callable[[T], tuple[type[T], tuple[object, ...]]]:
    """Pickle a frozen dataclass as its constructor and field values."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    values = operator.attrgetter(*names)

    def reduce(obj: T) -> tuple[type[T], tuple[object, ...]]:
        return cls, values(obj)

    return reduce


# Checked rows and decisions cross between processes by the million. Frozen slot dataclasses
# otherwise pickle through `dataclasses`' generic state functions, which look up the class's
# fields for every object: a 50,000-row chunk's decisions took 4 s to unpickle in the parent.
_REDUCERS: dict[type, Callable[[Any], tuple[Callable[..., object], tuple[object, ...]]]] = {
    cls: _by_fields(cls)
    for cls in (RowCheck, StdName, StdAddress, DecisionRecord, Outcome, Disclosure, AccountingDraft)
}
for _cls, _reduce in _REDUCERS.items():
    ForkingPickler.register(_cls, _reduce)


def packed(items: object) -> bytes:
    """`items` pickled as they cross to other processes (see `_REDUCERS`)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, **_REDUCERS}
    pickler.dump(items)
    return buffer.getvalue()


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


@dataclass(frozen=True, slots=True)
class Checked:
    """One chunk after pass 1: its checked rows pickled, their row numbers, its tally."""

    rows: bytes
    first_row: int
    last_row: int
    count: int
    tally: BatchTally


@dataclass(frozen=True, slots=True)
class DecideTask:
    """A chunk for pass 2: checked rows (pickled) or rows as read (checked by the decider,
    as on a resumed run whose tally was kept), deciding only the rows after `after_row`."""

    rows: bytes | list[RawRecord]
    after_row: int


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a stretch of per-row work.

    A chunk makes hundreds of thousands of short-lived objects that reference counting
    frees; meanwhile each automatic collection walks every object alive in the process,
    which cost a chunk 40% of its time at the 10M master. Whatever cycles the work makes
    are collected once the collector is on again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Checking:
    """Pass 1's means: the policy, the submission date and the ZIP prefixes."""

    def __init__(self, setup: RunSetup) -> None:
        self.policy: Policy = parse_policy(setup.policy_text)
        self.setup = setup

    def rows(self, raws: list[RawRecord]) -> list[RowCheck]:
        day, zips = self.setup.batch.submitted_on, self.setup.zips
        return [check_row(record_of(raw), self.policy, day, zips) for raw in raws]

    def check(self, raws: list[RawRecord]) -> Checked:
        with collector_paused():
            checks = self.rows(raws)
            tally = BatchTally(self.policy)
            for check in checks:
                tally.add(check)
            rows = packed(checks)
        first, last = (checks[0].row_no, checks[-1].row_no) if checks else (0, 0)
        return Checked(rows, first, last, len(checks), tally)


class _Deciding(_Checking):
    """Pass 2's means: the master file, a scorer (with a model) and the batch's tally."""

    def __init__(self, setup: RunSetup, tally: BatchTally) -> None:
        from disclosure_gateway.service.pipeline import Chunker

        super().__init__(setup)
        self.tally = tally
        self.chunker: Chunker = Chunker.open(setup, self.policy)

    def decide(self, task: DecideTask) -> EncodedChunk:
        with collector_paused():
            checks: list[RowCheck] = (
                pickle.loads(task.rows) if isinstance(task.rows, bytes) else self.rows(task.rows)
            )
            chunk = [c for c in checks if c.row_no > task.after_row]
            codes = {c.row_no: all_codes(c, self.tally) for c in chunk}
            decisions, accounting = self.chunker.decide(chunk, codes)
            return encode_chunk(self.setup.batch.batch_id, decisions, accounting)

    def close(self) -> None:
        self.chunker.close()


# A worker process's means, set once by the pool's initializer.
_IN_WORKER: dict[str, _Checking] = {}


def _start_checker(setup: RunSetup) -> None:
    _IN_WORKER["work"] = _Checking(setup)


def _start_decider(setup: RunSetup, tally: BatchTally) -> None:
    _IN_WORKER["work"] = _Deciding(setup, tally)


def _check(raws: list[RawRecord]) -> Checked:
    return _IN_WORKER["work"].check(raws)


def _decide(task: DecideTask) -> EncodedChunk:
    work = _IN_WORKER["work"]
    assert isinstance(work, _Deciding)
    return work.decide(task)


class _Processes:
    """`count` spawned processes, each started by `start(*args)`; none for a count of 1."""

    def __init__(self, count: int, start: Callable[..., None], args: tuple[object, ...]) -> None:
        self._pool: Pool | None = None
        if count > 1:
            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(count, initializer=start, initargs=args)

    def imap(self, work: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        assert self._pool is not None
        return self._pool.imap(work, items)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()


class Checkers:
    """Pass 1 over chunks of rows as read, in order, on `count` processes (1: here)."""

    def __init__(self, setup: RunSetup, count: int) -> None:
        self._local = _Checking(setup) if count <= 1 else None
        self._processes = _Processes(count, _start_checker, (setup,))

    def check(self, chunks: Iterable[list[RawRecord]]) -> Iterator[Checked]:
        if self._local is not None:
            return map(self._local.check, chunks)
        return self._processes.imap(_check, chunks)

    def __enter__(self) -> Checkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self._processes.close()


class Deciders:
    """Pass 2 over chunks, in order, on `count` processes (1: here), given the tally."""

    def __init__(self, setup: RunSetup, count: int, tally: BatchTally) -> None:
        self._local = _Deciding(setup, tally) if count <= 1 else None
        self._processes = _Processes(count, _start_decider, (setup, tally))

    def decide(self, tasks: Iterable[DecideTask]) -> Iterator[EncodedChunk]:
        if self._local is not None:
            return map(self._local.decide, tasks)
        return self._processes.imap(_decide, tasks)

    def __enter__(self) -> Deciders:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._local is not None:
                self._local.close()
        finally:
            self._processes.close()
