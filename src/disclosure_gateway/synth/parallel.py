"""Running independent, deterministic jobs on several cores and getting results back in order.

Every job the generator hands out here is a pure function of its arguments (a range of
blocks, a shard of a batch), so the results do not depend on how many processes ran them:
one worker or eight, the bytes written are the same.

Workers are forked from a `forkserver` process (never from the caller, which may hold locks
or run a progress thread) that has already imported the generator, and at most two jobs per
worker are in flight, so memory stays bounded however long the job list is.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import TypeVar

J = TypeVar("J")
R = TypeVar("R")

_PRELOAD = ["disclosure_gateway.synth.writers", "disclosure_gateway.synth.requests"]


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def ordered_map(fn: Callable[[J], R], jobs: Sequence[J], workers: int) -> Iterator[R]:
    """`fn(job)` for every job, yielded in job order; in `workers` processes when > 1.

    `fn` must be a module-level function and jobs and results picklable.
    """
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield fn(job)
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    count = min(workers, len(jobs))
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        queue = iter(jobs)
        pending: deque[Future[R]] = deque(pool.submit(fn, j) for j in islice(queue, 2 * count))
        while pending:
            result = pending.popleft().result()
            for job in islice(queue, 1):
                pending.append(pool.submit(fn, job))
            yield result
