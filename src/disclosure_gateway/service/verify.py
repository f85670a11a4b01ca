"""One request, interactively: the API's `POST /verify` and `dgw verify`.

A single request is decided exactly like a batch row — the same rules, the policy in
force, the same model, the same accounting — because it IS a batch: a one-row batch
`V-<agency>-<utc yyyymmddHHMMSS>-<8 hex>` kept under `HOME/batches/` like any other (its
manifest says `"kind": "single"`, its records, policy and tally beside it), its decision
and accounting entry recorded in one transaction. The requester's token stands in for the
manifest's signature; the agency, its safeguards, the legal hold and the official are
checked as `batch submit` checks them (the same refusal codes).

A `Verifier` is opened once per process and home (`verifier_for`): the nickname table,
ZIP prefixes, the master file (point queries, `MasterLookup`) and the model's scorer (its
levels evaluated in Python, `LevelScorer`; Splink's SQL recorded once and replayed,
`SingleScorer`, for a model the evaluator does not understand). Each call re-reads the
policy text (a changed policy is parsed again) and the master file's identity (a reloaded
master file is opened again). The row is checked, tallied and decided by the batch
pipeline's own code (`check_row`, `BatchTally`, `Chunker.decide`); only retrieval and
scoring take the single-request path, whose answers equal the batch path's (tests/integration/
test_verify_fast.py). DuckDB connections serve one thread at a time: a lock guards them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.batch_files import BatchFiles
from disclosure_gateway.adapters.linkage.engines import Scorer
from disclosure_gateway.adapters.linkage.level_scorer import LevelScorer, compile_model
from disclosure_gateway.adapters.linkage.single_scorer import SingleScorer
from disclosure_gateway.adapters.linkage.splink_model import load_model
from disclosure_gateway.adapters.linkage.splink_scorer import packaged_model_path
from disclosure_gateway.adapters.reference.nicknames import packaged_nickname_table
from disclosure_gateway.adapters.storage.master_lookup import MasterLookup
from disclosure_gateway.adapters.storage.master_store import DB_NAME, MasterStore
from disclosure_gateway.adapters.storage.state import BatchInfo, StateStore
from disclosure_gateway.domain.addresses import ADDRESS_TABLES_DIGEST
from disclosure_gateway.domain.errors import BadInput, BatchRefused, NotPermitted, StoreError
from disclosure_gateway.domain.model import REQUEST_COLUMNS, DecisionRecord
from disclosure_gateway.domain.policy import Policy, parse_policy
from disclosure_gateway.domain.rules import BatchTally, RowCheck, all_codes, check_row
from disclosure_gateway.service.identity import Principal, require
from disclosure_gateway.service.pipeline import Chunker
from disclosure_gateway.service.submission import Clock
from disclosure_gateway.service.workers import Decided

__all__ = [
    "RECORDS_NAME",
    "Verifier",
    "close_verifiers",
    "open_single_scorer",
    "single_batch_id",
    "verifier_for",
    "verify_request",
]

RECORDS_NAME = "records.jsonl"
log = logging.getLogger(__name__)
MAX_FIELD = 4096
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def single_batch_id(agency: str, now: str) -> str:
    """`V-<agency>-<utc yyyymmddHHMMSS>-<8 hex>`; characters unsafe in a file name become `_`."""
    try:
        stamp = datetime.fromisoformat(now).strftime("%Y%m%d%H%M%S")
    except ValueError as exc:
        raise StoreError("the clock's time is not an ISO timestamp") from exc
    return f"V-{_UNSAFE.sub('_', agency)}-{stamp}-{secrets.token_hex(4)}"


def _authorised(store: StateStore, principal: Principal, official: str) -> str:
    """The principal's agency, after the checks `batch submit` makes (same codes)."""
    require(principal, "requester")
    if principal.kind != "token" or not principal.agency:
        raise NotPermitted("REQUESTER_TOKEN_REQUIRED", "a request is made with a requester token")
    agency, hold = store.agency_and_hold(principal.agency)
    if agency is None:
        raise BatchRefused("UNKNOWN_AGENCY", f"agency {principal.agency!r} is not registered")
    if _fold(official) not in {_fold(s) for s in agency.signatories}:
        raise BatchRefused(
            "OFFICIAL_NOT_SIGNATORY", f"the official is not a registered signatory of {agency.name}"
        )
    if not agency.safeguards_current:
        raise BatchRefused(
            "SAFEGUARDS_NOT_CURRENT", f"{agency.name}'s safeguard review is not current"
        )
    if hold is not None:
        raise BatchRefused("LEGAL_HOLD", "a legal hold is in force")
    return agency.name


def _fields(record: Mapping[str, str]) -> dict[str, str]:
    """The record's SPEC §3.2 fields; BadInput naming (never showing) what is wrong."""
    unknown = sorted(str(k) for k in record if k not in REQUEST_COLUMNS)
    if unknown:
        raise BadInput(f"the record has unknown field(s): {', '.join(unknown[:10])}")
    fields: dict[str, str] = {}
    for column in REQUEST_COLUMNS:
        value = record.get(column, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise BadInput(f"the record's field {column} must be text")
        if len(value) > MAX_FIELD:
            raise BadInput(f"the record's field {column} is longer than {MAX_FIELD} characters")
        fields[column] = value
    return fields


def _records_line(fields: dict[str, str]) -> bytes:
    """One JSON line, every character outside ASCII escaped (no line separator can split it)."""
    return (json.dumps(fields, ensure_ascii=True) + "\n").encode("utf-8")


def _keep_batch(
    files: BatchFiles,
    batch_id: str,
    agency: str,
    official: str,
    principal: Principal,
    fields: dict[str, str],
    policy_text: str,
    clock: Clock,
) -> BatchInfo:
    """The one-row batch's folder (manifest, records, policy), and its batch row (RUNNING:
    kept and about to be decided; an interrupted call leaves a batch `dgw batch run` ends)."""
    records = _records_line(fields)
    digest = hashlib.sha256(records).hexdigest()
    manifest = {
        "kind": "single",
        "batch_id": batch_id,
        "agency": agency,
        "official": official,
        "official_title": "",
        "signed_on": clock.today.isoformat(),
        "records_file": RECORDS_NAME,
        "records_sha256": digest,
        "record_count": 1,
        "requested_by": principal.name,
    }
    text = json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    files.keep_written(batch_id, text, RECORDS_NAME, records, policy_text)
    return BatchInfo(
        batch_id=batch_id,
        agency=agency,
        official=official,
        official_title="",
        signed_on=clock.today.isoformat(),
        records_file=RECORDS_NAME,
        records_sha256=digest,
        record_count=1,
        submitted_on=clock.today,
        submitted_at=clock.now,
        manifest_json=text,
        state="RUNNING",
        rows_done=0,
    )


def _master_identity(home: Path) -> tuple[int, int, int, int]:
    """What tells a reloaded master file from the one opened (it is replaced, not edited)."""
    try:
        st = os.stat(home / DB_NAME)
    except OSError as exc:
        raise StoreError(f"no master file loaded in {home} (run `dgw master load` first)") from exc
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


class Verifier:
    """Decides single requests against one home's master file; open once, use many times.

    Safe to share between threads: the state store is, the DuckDB work runs under a lock.
    """

    def __init__(self, home: Path) -> None:
        self.home = home
        self.files = BatchFiles(home)
        self.zips = bootstrap.zip_prefixes()
        self.nicknames = packaged_nickname_table()
        self.lookup: MasterLookup | None = None
        self.scorer: Scorer | None = None
        self._lock = threading.Lock()
        self._policy: tuple[str, Policy] | None = None
        self._master: tuple[int, int, int, int] | None = None
        self._chunkers: dict[tuple[str, bool], Chunker] = {}

    def close(self) -> None:
        """Close the master file and the scorer (a later call opens them again)."""
        with self._lock:
            self._close_means()

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(
        self,
        store: StateStore,
        principal: Principal,
        official: str,
        record: Mapping[str, str],
        clock: Clock,
    ) -> DecisionRecord:
        """Decide one SPEC §3.2 record as a one-row batch of the principal's agency."""
        agency = _authorised(store, principal, official)
        fields = _fields(record)
        official = " ".join(official.split())
        policy_text, policy = self.policy_in_force()
        batch_id = single_batch_id(agency, clock.now)
        info = _keep_batch(
            self.files, batch_id, agency, official, principal, fields, policy_text, clock
        )
        [stored] = list(self.files.records(batch_id))  # decided as stored, as a batch row is
        check = check_row(stored, policy, info.submitted_on, self.zips)
        tally = BatchTally(policy)
        tally.add(check)
        snapshot = {"policy": policy.label, "records": info.records_sha256}
        self.files.keep_tally(batch_id, {**snapshot, "tally": tally.snapshot()})
        decisions, accounting = self.decide(info, policy, check, all_codes(check, tally))
        if len(decisions) != 1:  # the pipeline decides every row or raises
            raise StoreError(f"batch {batch_id}: the request was not decided")
        store.record_single(info, decisions, accounting)  # after this commit, nothing fails
        return decisions[0]

    def policy_in_force(self) -> tuple[str, Policy]:
        """The home's policy text and its reading; read each call, parsed when it changed."""
        text = bootstrap.policy_text(self.home)
        known = self._policy
        if known is not None and known[0] == text:
            return known
        parsed = (text, parse_policy(text))
        self._policy = parsed
        return parsed

    def decide(
        self, batch: BatchInfo, policy: Policy, check: RowCheck, codes: tuple[str, ...]
    ) -> Decided:
        """Retrieval, scoring and decision of one checked row: `Chunker.decide`'s own."""
        with self._lock:
            chunker = self._chunker(policy)
            chunker.batch = batch
            return chunker.decide([check], {check.row_no: codes})

    def _chunker(self, policy: Policy) -> Chunker:
        """A Chunker over the open means for this policy (its model version computed once)."""
        self._open_means(policy.model == "splink")
        key = (policy.label, policy.model == "splink")
        found = self._chunkers.get(key)
        if found is None or found.policy != policy:
            if self.lookup is None:  # opened by _open_means; fail loudly if not
                raise StoreError("the master file is not open")
            scorer = self.scorer if key[1] else None
            found = Chunker(_NO_BATCH, policy, self.lookup, self.nicknames, scorer)
            self._chunkers.clear()  # the policy changed: only the one in force is kept
            self._chunkers[key] = found
        return found

    def _open_means(self, with_model: bool) -> None:
        identity = _master_identity(self.home)
        if identity != self._master:
            self._close_means()
            lookup = MasterLookup.open(self.home)
            if lookup.meta("address_tables") != ADDRESS_TABLES_DIGEST:
                lookup.close()
                raise StoreError(
                    "the master file was standardised under other address tables than this "
                    "run's; reload it with `dgw master load` before running batches"
                )
            self.lookup, self._master = lookup, identity
        if with_model and self.scorer is None:
            self.scorer = open_single_scorer(self.home)

    def _close_means(self) -> None:
        if self.scorer is not None:
            self.scorer.close()
        if self.lookup is not None:
            self.lookup.close()
        self.lookup, self.scorer, self._master = None, None, None
        self._chunkers.clear()


def open_single_scorer(home: Path) -> Scorer:
    """The model's levels evaluated in Python (`LevelScorer`); Splink's SQL replayed
    (`SingleScorer`) when the model holds anything the evaluator does not understand.
    Both score exactly as the batch path's `SplinkScorer`."""
    try:
        compile_model(load_model(packaged_model_path()).settings)
    except StoreError as exc:
        log.warning("single requests are scored by replaying Splink's SQL: %s", exc)
        return SingleScorer(home)
    return LevelScorer(home)


# What a Chunker is built with before it is bound to a request's batch.
_NO_BATCH = BatchInfo(
    batch_id="",
    agency="",
    official="",
    official_title="",
    signed_on="",
    records_file="",
    records_sha256="",
    record_count=0,
    submitted_on=datetime(1970, 1, 1).date(),
    submitted_at="",
    manifest_json="",
    state="SUBMITTED",
    rows_done=0,
)

# One Verifier per home, kept open for the process (the API server, a benchmark).
KEEP_OPEN = 4
_OPEN: dict[Path, Verifier] = {}
_OPEN_LOCK = threading.Lock()


def verifier_for(home: Path) -> Verifier:
    """This process's Verifier of `home`; the least recently used beyond KEEP_OPEN close."""
    key = home.absolute()
    with _OPEN_LOCK:
        found = _OPEN.pop(key, None) or Verifier(home)
        _OPEN[key] = found
        while len(_OPEN) > KEEP_OPEN:
            _OPEN.pop(next(iter(_OPEN))).close()
    return found


def close_verifiers() -> None:
    """Close every open Verifier (at shutdown; a later call opens them again)."""
    with _OPEN_LOCK:
        for verifier in _OPEN.values():
            verifier.close()
        _OPEN.clear()


def verify_request(
    store: StateStore,
    master: MasterStore,
    principal: Principal,
    official: str,
    record: Mapping[str, str],
    clock: Clock,
) -> DecisionRecord:
    """Decide one SPEC §3.2 record as a one-row batch of the principal's agency, with this
    process's Verifier of the master file's home."""
    return verifier_for(master.home).verify(store, principal, official, record, clock)
