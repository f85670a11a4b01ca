"""`dgw batch run`: decide every request of a batch, in chunks, resumably and exactly once.

Pass 1 checks every row and tallies the batch-level rules (boilerplate reasons, caseloads,
duplicates), which need the whole batch. Pass 2 walks the rows not yet decided in chunks:
retrieval, decision, and one atomic commit per chunk of the decisions together with the
accounting entries of its disclosures. A crash loses at most the chunk in flight; a re-run
starts after the last committed row, so nothing is disclosed or accounted twice.
A legal hold or a lapsed safeguard review stops the run before the next chunk.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from itertools import islice
from typing import TypeVar

from disclosure_gateway import __version__
from disclosure_gateway.adapters.batch_files import BatchFiles
from disclosure_gateway.adapters.linkage.engines import Scorer, open_scorer
from disclosure_gateway.adapters.reference.nicknames import packaged_nickname_table
from disclosure_gateway.adapters.storage.master_store import MasterStore, RequestKeys
from disclosure_gateway.adapters.storage.state import BatchInfo, StateStore
from disclosure_gateway.domain.addresses import ADDRESS_TABLES_DIGEST
from disclosure_gateway.domain.decision import Candidate, decide
from disclosure_gateway.domain.errors import BadInput, BatchRefused, StoreError
from disclosure_gateway.domain.evidence import PairScore
from disclosure_gateway.domain.geography import ZipPrefixes
from disclosure_gateway.domain.model import (
    AccountingDraft,
    Decision,
    DecisionRecord,
    Outcome,
)
from disclosure_gateway.domain.nicknames import NicknameTable
from disclosure_gateway.domain.policy import Policy, parse_policy
from disclosure_gateway.domain.rules import BatchTally, RowCheck
from disclosure_gateway.service.workers import Checkers, Decided, Deciders, DecideTask, RunSetup

MATCHER = "levels-2"
# Rows decided and committed together. A chunk's retrieval and scoring run a fixed number of
# queries whatever its size, so larger chunks cost less a row; a crash loses at most the
# chunks in flight (resumed from their first row), and the workers share the chunks out, so
# a batch is cut into about CHUNKS_PER_BATCH of them, each between CHUNK_ROWS and
# LARGE_CHUNK_ROWS rows (`chunk_size`): 5,000 rows a chunk up to 40,000 rows, 16,000 for
# 128,000, 50,000 from about 400,000 (and then more than eight chunks).
CHUNK_ROWS = 5000
LARGE_CHUNK_ROWS = 50_000
CHUNKS_PER_BATCH = 8

Progress = Callable[[int, int], None]
T = TypeVar("T")
AUTO_WORKERS_FROM_ROWS = 20_000


@dataclass(frozen=True, slots=True)
class RunSummary:
    batch_id: str
    rows: int
    decided_now: int
    already_done: bool
    counts: tuple[tuple[str, int], ...]


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _guard(store: StateStore, batch: BatchInfo, done: int) -> None:
    hold = store.active_hold()
    if hold is not None:
        raise BatchRefused(
            "LEGAL_HOLD",
            f"batch {batch.batch_id}: a legal hold is in force; stopped after {done} of "
            f"{batch.record_count} rows, nothing further disclosed",
        )
    agency = store.get_agency(batch.agency)
    if agency is None or not agency.safeguards_current:
        raise BatchRefused(
            "SAFEGUARDS_NOT_CURRENT",
            f"batch {batch.batch_id}: {batch.agency}'s safeguard review is not current; "
            f"stopped after {done} of {batch.record_count} rows",
        )


class Chunker:
    """Retrieval, scoring and decision for chunks of one batch's checked rows."""

    def __init__(
        self,
        batch: BatchInfo,
        policy: Policy,
        master: MasterStore,
        nicknames: NicknameTable,
        scorer: Scorer | None,
        own_master: bool = False,
    ) -> None:
        self.batch = batch
        self.policy = policy
        self.master = master
        self.nicknames = nicknames
        self.scorer = scorer
        self.model_version = model_version(nicknames, scorer)
        self._own_master = own_master

    @classmethod
    def open(cls, setup: RunSetup, policy: Policy) -> Chunker:
        """Open the master file and (with a model in force) the engine's scorer."""
        master = MasterStore.open(setup.home)
        try:
            scorer = open_scorer(setup.engine, setup.home) if policy.model == "splink" else None
        except BaseException:
            master.close()
            raise
        return cls(setup.batch, policy, master, setup.nicknames, scorer, own_master=True)

    def close(self) -> None:
        if self.scorer is not None:
            self.scorer.close()
        if self._own_master:
            self.master.close()

    def decide(self, chunk: list[RowCheck], codes: Mapping[int, tuple[str, ...]]) -> Decided:
        """The decisions of a chunk, and the accounting entries of its disclosures."""
        return _decide_chunk(chunk, codes, self)


def model_version(nicknames: NicknameTable, scorer: Scorer | None) -> str:
    """The matcher, the model, the address tables and the nickname table decisions depend on."""
    links = "\n".join(f"{a},{b}" for a, b in sorted(nicknames.links))
    nick = hashlib.sha256(links.encode()).hexdigest()[:12]
    model = scorer.model.label if scorer is not None else "no-model"
    return f"{MATCHER}+{model}+addr.{ADDRESS_TABLES_DIGEST[:12]}+nick.{nick}"


def with_scores(candidates: list[Candidate], pairs: list[PairScore]) -> list[Candidate]:
    """Each candidate with its best-scoring pair's probability and weights.

    A candidate the model did not score (blocked out, or below its weight floor) gets
    probability 0: with a model in force, no score means no confidence.
    """
    best: dict[str, PairScore] = {}
    for pair in pairs:
        if pair.tin not in best or pair.match_weight > best[pair.tin].match_weight:
            best[pair.tin] = pair
    scored = []
    for cand in candidates:
        found = best.get(cand.taxpayer.tin)
        if found is None:
            scored.append(replace(cand, probability=0.0, weights=()))
            continue
        weights = (
            ("prior", "", found.prior_weight),
            *((c.comparison, c.level, c.match_weight) for c in found.comparisons),
        )
        scored.append(replace(cand, probability=found.match_probability, weights=weights))
    return scored


def _decide_chunk(
    chunk: list[RowCheck], codes: Mapping[int, tuple[str, ...]], ctx: Chunker
) -> Decided:
    keys = [
        RequestKeys.of(c.row_no, c.address, c.tin)
        for c in chunk
        if not codes[c.row_no] and c.name is not None and c.address is not None
    ]
    found = ctx.master.candidates(keys)
    if ctx.scorer is not None:
        tins = {cand.taxpayer.tin for cands in found.values() for cand in cands}
        pairs = ctx.scorer.score([c for c in chunk if c.row_no in found], tins)
        found = {row: with_scores(cands, pairs.get(row, [])) for row, cands in found.items()}
    decisions: list[DecisionRecord] = []
    accounting: list[AccountingDraft] = []
    for check in chunk:
        outcome = decide(
            check,
            codes[check.row_no],
            found.get(check.row_no, []),
            ctx.policy,
            ctx.batch.submitted_on,
            ctx.nicknames,
        )
        decisions.append(
            DecisionRecord(
                batch_id=ctx.batch.batch_id,
                row_no=check.row_no,
                request_id=check.request_id,
                outcome=outcome,
                policy_version=ctx.policy.label,
                model_version=ctx.model_version,
                code_version=__version__,
            )
        )
        if outcome.decision is Decision.DISCLOSED:
            accounting.append(
                accounting_draft(ctx.batch, ctx.policy.label, ctx.model_version, check, outcome)
            )
    return decisions, accounting


def accounting_draft(
    batch: BatchInfo, policy_label: str, model_version: str, check: RowCheck, outcome: Outcome
) -> AccountingDraft:
    """The SPEC §7 accounting entry for one DISCLOSED outcome (the pipeline and approvals)."""
    disclosure = outcome.disclosure
    if disclosure is None:  # a DISCLOSED outcome always carries one; fail loudly if not
        raise StoreError(f"batch {batch.batch_id} row {check.row_no}: disclosure without content")
    values = {
        "address_confirmed": "true" if disclosure.address_confirmed else "false",
        "lka_street": disclosure.lka_street,
        "lka_unit": disclosure.lka_unit,
        "lka_city": disclosure.lka_city,
        "lka_state": disclosure.lka_state,
        "lka_zip": disclosure.lka_zip,
        "lka_effective_date": disclosure.lka_effective_date,
    }
    return AccountingDraft(
        kind="DISCLOSURE",
        batch_id=batch.batch_id,
        request_id=check.request_id,
        row_no=check.row_no,
        tin=disclosure.tin,
        agency=batch.agency,
        official=batch.official,
        statute=check.statute,
        disclosed=tuple((f, values[f]) for f in disclosure.disclosed_fields()),
        policy_version=policy_label,
        model_version=model_version,
        evidence={"rule": outcome.rule, **outcome.evidence},
    )


def _pass_one(
    files: BatchFiles, setup: RunSetup, policy: Policy, count: int, done: int, size: int
) -> tuple[Iterator[DecideTask], BatchTally]:
    """Pass 2's chunks still to decide, and the whole batch's tally.

    Pass 1 checks every row once and keeps the tally beside the batch; the checked rows
    stay pickled, one bytes object a chunk, until their chunk is decided. A run resumed
    after a crash restores the tally and sends the rows not yet decided as read, checked by
    the deciders chunk by chunk, so no work is repeated beyond the chunk that was in flight.
    """
    batch = setup.batch
    kept = files.tally(batch.batch_id) if done else None
    restored = _usable_tally(kept, batch, policy)
    if restored is not None:
        rest = (r for r in files.raw_records(batch.batch_id) if r[0] > done)
        return (DecideTask(chunk, done) for chunk in _chunks(rest, size)), restored
    tally = BatchTally(policy)
    tasks: deque[DecideTask] = deque()
    rows = 0
    with Checkers(setup, count) as checkers:
        for checked in checkers.check(_chunks(files.raw_records(batch.batch_id), size)):
            rows += checked.count
            tally.merge(checked.tally)
            if checked.last_row > done:
                tasks.append(DecideTask(checked.rows, done))
    if rows != batch.record_count:
        raise StoreError(
            f"batch {batch.batch_id}: stored records hold {rows} rows,"
            f" expected {batch.record_count}"
        )
    decisive = tally.decisive()  # all pass 2 asks of the tally, a fraction of its size
    files.keep_tally(
        batch.batch_id,
        {"policy": policy.label, "records": batch.records_sha256, "tally": decisive.snapshot()},
    )
    return _drained(tasks), decisive


def _drained(tasks: deque[T]) -> Iterator[T]:
    """The tasks in order, each let go of once taken (a chunk's checked rows are freed
    as soon as it is sent)."""
    while tasks:
        yield tasks.popleft()


def _usable_tally(
    kept: dict[str, object] | None, batch: BatchInfo, policy: Policy
) -> BatchTally | None:
    """A kept tally made under this policy from these records, else None (count again)."""
    if kept is None or kept.get("policy") != policy.label:
        return None
    if kept.get("records") != batch.records_sha256:
        return None
    found = kept.get("tally")
    if not isinstance(found, dict):
        return None
    try:
        return BatchTally.restore(policy, found)
    except ValueError:
        return None


def run_batch(
    store: StateStore,
    files: BatchFiles,
    master: MasterStore,
    zips: ZipPrefixes,
    batch_id: str,
    progress: Progress | None = None,
    chunk_rows: int | None = None,
    nicknames: NicknameTable | None = None,
    engine: str = "duckdb",
    workers: int | None = 1,
) -> RunSummary:
    batch = store.get_batch(batch_id)
    if batch is None:
        raise BadInput(f"no batch {batch_id!r} has been submitted")
    done = store.decided_count(batch_id)
    if batch.state == "DONE" or done >= batch.record_count:
        store.set_batch_state(batch_id, "DONE")
        return RunSummary(batch_id, batch.record_count, 0, True, _counts(store, batch_id))
    if files.records_digest(batch_id) != batch.records_sha256:
        raise StoreError(
            f"the stored records of batch {batch_id} changed since submission; not run"
        )
    if master.meta("address_tables") != ADDRESS_TABLES_DIGEST:
        raise StoreError(
            "the master file was standardised under other address tables than this run's; "
            "reload it with `dgw master load` before running batches"
        )
    policy_text = files.policy_text(batch_id)
    policy = parse_policy(policy_text)
    if done and next(store.iter_decisions(batch_id)).policy_version != policy.label:
        raise StoreError(f"the stored policy of batch {batch_id} changed since its run began")
    table = nicknames if nicknames is not None else packaged_nickname_table()
    setup = RunSetup(master.home, batch, policy_text, zips, table.links, engine)
    count = _worker_count(workers, batch.record_count - done, engine)
    chunk_rows = chunk_rows or chunk_size(batch.record_count)
    start = done
    tasks, tally = _pass_one(files, setup, policy, count, done, chunk_rows)
    store.set_batch_state(batch_id, "RUNNING")
    with Deciders(setup, count, tally) as deciders:
        for chunk in deciders.decide(tasks):
            _guard(store, batch, done)
            store.record_encoded(chunk)
            done += len(chunk.decisions)
            if progress is not None:
                progress(done, batch.record_count)
    if done != batch.record_count:
        raise StoreError(f"batch {batch_id}: {done} rows decided of {batch.record_count}")
    store.set_batch_state(batch_id, "DONE")
    return RunSummary(batch_id, batch.record_count, done - start, False, _counts(store, batch_id))


def chunk_size(rows: int) -> int:
    """The rows of a chunk of a `rows`-row batch when not asked: a whole thousand, at least
    CHUNK_ROWS, at most LARGE_CHUNK_ROWS, else about a CHUNKS_PER_BATCH-th of the batch."""
    share = -(-rows // (CHUNKS_PER_BATCH * 1000)) * 1000
    return max(CHUNK_ROWS, min(LARGE_CHUNK_ROWS, share))


def _worker_count(asked: int | None, rows: int, engine: str) -> int:
    """Processes for the run: as asked; when not asked, one per core for a large batch.
    The Spark engine runs in this process (Spark does its own parallel work)."""
    if engine != "duckdb":
        return 1
    if asked is None:
        return (os.cpu_count() or 1) if rows >= AUTO_WORKERS_FROM_ROWS else 1
    return max(1, asked)


def _counts(store: StateStore, batch_id: str) -> tuple[tuple[str, int], ...]:
    found = store.decision_counts(batch_id)
    return tuple((d.value, found.get(d.value, 0)) for d in Decision)
