"""One request, interactively: the API's `POST /verify` and `dgw verify`.

A single request is decided exactly like a batch row — the same rules, the policy in
force, the same model, the same accounting — because it IS a batch: a one-row batch
`V-<agency>-<utc yyyymmddHHMMSS>-<8 hex>` kept under `HOME/batches/` like any other (its
manifest says `"kind": "single"`), run by the batch pipeline. The requester's token
stands in for the manifest's signature; the agency, its safeguards, the legal hold and the
official are checked as `batch submit` checks them (the same refusal codes).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.batch_files import BatchFiles
from disclosure_gateway.adapters.storage.master_store import MasterStore
from disclosure_gateway.adapters.storage.state import BatchInfo, StateStore
from disclosure_gateway.domain.errors import BadInput, BatchRefused, NotPermitted, StoreError
from disclosure_gateway.domain.model import REQUEST_COLUMNS, DecisionRecord
from disclosure_gateway.service.identity import Principal, require
from disclosure_gateway.service.pipeline import run_batch
from disclosure_gateway.service.submission import Clock

__all__ = ["RECORDS_NAME", "single_batch_id", "verify_request"]

RECORDS_NAME = "records.jsonl"
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
    agency = store.get_agency(principal.agency)
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
    if store.active_hold() is not None:
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


def _write_records(folder: Path, fields: dict[str, str]) -> Path:
    """One JSON line, every character outside ASCII escaped (no line separator can split it)."""
    path = folder / RECORDS_NAME
    path.write_text(json.dumps(fields, ensure_ascii=True) + "\n", encoding="utf-8")
    return path


def verify_request(
    store: StateStore,
    master: MasterStore,
    principal: Principal,
    official: str,
    record: Mapping[str, str],
    clock: Clock,
) -> DecisionRecord:
    """Decide one SPEC §3.2 record as a one-row batch of the principal's agency."""
    agency = _authorised(store, principal, official)
    fields = _fields(record)
    official = " ".join(official.split())
    batch_id = single_batch_id(agency, clock.now)
    home = master.home
    files, policy_text = BatchFiles(home), bootstrap.policy_text(home)
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home, prefix=".verify-") as staging:
        records = _write_records(Path(staging), fields)
        digest = hashlib.sha256(records.read_bytes()).hexdigest()
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
        files.keep(batch_id, text, records, policy_text)
    store.add_batch(
        BatchInfo(
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
            state="SUBMITTED",
            rows_done=0,
        )
    )
    run_batch(store, files, master, bootstrap.zip_prefixes(), batch_id)
    decided = list(store.iter_decisions(batch_id))
    if len(decided) != 1:  # run_batch decides every row or raises; anything else is a fault
        raise StoreError(f"batch {batch_id}: the request was not decided")
    return decided[0]
