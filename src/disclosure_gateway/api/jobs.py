"""The background worker: runs submitted batches one at a time, in submission order.

One thread takes batch ids from a queue and runs each with `service.pipeline.run_batch`
(its own MasterStore: DuckDB connections stay in the thread that opened them). On start
it queues every batch not yet DONE, so a server restarted after a crash resumes them
(the pipeline is resumable and never decides a row twice). Stopping waits for the chunk
in flight to commit, then leaves the batch RUNNING for the next start.

Progress (rows done, rate) is kept in memory for the batch API; failures keep only a code.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.batch_files import BatchFiles
from disclosure_gateway.adapters.storage.master_store import MasterStore
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.domain.errors import GatewayError
from disclosure_gateway.service.pipeline import run_batch

log = logging.getLogger(__name__)

QUEUED, RUNNING, FINISHED, FAILED = "QUEUED", "RUNNING", "FINISHED", "FAILED"


class RunInterrupted(GatewayError):
    """Raised from the progress hook between chunks when the server stops."""


@dataclass(frozen=True, slots=True)
class JobProgress:
    batch_id: str
    state: str  # QUEUED, RUNNING, FINISHED, FAILED
    rows_done: int = 0
    total: int = 0
    rate: float | None = None
    problem: str | None = None


def _code(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    if isinstance(code, str):
        return code
    return "STORE_UNAVAILABLE" if isinstance(exc, GatewayError) else "INTERNAL_ERROR"


class BatchJobs:
    def __init__(self, home: Path, store: StateStore) -> None:
        self._home = home
        self._store = store
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._progress: dict[str, JobProgress] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._thread: threading.Thread | None = None

    # -- life ----------------------------------------------------------------------------
    def start(self, resume: bool = True) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._work, name="dgw-batch-worker", daemon=True)
        self._thread.start()
        if resume:
            for batch in self._store.list_batches():
                if batch.state != "DONE":
                    self.enqueue(batch.batch_id)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the chunk in flight; the batch stays RUNNING and resumes next start."""
        if self._thread is None:
            return
        self._stopping.set()
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    # -- use -----------------------------------------------------------------------------
    def enqueue(self, batch_id: str) -> None:
        with self._lock:
            self._pending += 1
            self._progress[batch_id] = JobProgress(batch_id, QUEUED)
        self._queue.put(batch_id)

    def progress(self, batch_id: str) -> JobProgress | None:
        with self._lock:
            return self._progress.get(batch_id)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every queued batch has been run (or `timeout`); True when idle."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    # -- the worker ----------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            batch_id = self._queue.get()
            if batch_id is None or self._stopping.is_set():
                return
            try:
                self._run(batch_id)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _set(self, progress: JobProgress) -> None:
        with self._lock:
            self._progress[progress.batch_id] = progress

    def _run(self, batch_id: str) -> None:
        self._set(JobProgress(batch_id, RUNNING))
        try:
            before = self._store.decided_count(batch_id)
        except GatewayError:
            before = 0
        started = time.monotonic()

        def report(done: int, total: int) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            self._set(JobProgress(batch_id, RUNNING, done, total, (done - before) / elapsed))
            if self._stopping.is_set():
                raise RunInterrupted(f"batch {batch_id}: the server is stopping")

        try:
            with MasterStore.open(self._home) as master:
                summary = run_batch(
                    self._store, BatchFiles(self._home), master, bootstrap.zip_prefixes(),
                    batch_id, report,
                )  # fmt: skip
        except RunInterrupted:
            log.info("batch %s: interrupted by shutdown; resumes at next start", batch_id)
            return
        except Exception as exc:  # a worker must survive any one batch's failure
            log.error("batch %s: run stopped: %s", batch_id, _code(exc))
            last = self.progress(batch_id) or JobProgress(batch_id, FAILED)
            self._set(replace(last, state=FAILED, problem=_code(exc)))
            return
        last = self.progress(batch_id) or JobProgress(batch_id, RUNNING)
        self._set(replace(last, state=FINISHED, rows_done=summary.rows, total=summary.rows))
