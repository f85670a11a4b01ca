"""`dgw batch submit`: every whole-batch refusal of SPEC §3.1, then a verified copy kept.

Checks run cheapest and most telling first; the first failure refuses the batch with one
line and a stable code, and nothing of a refused batch is kept. Order: manifest shape,
agency known, signature, signatory, safeguards, legal hold, batch id unused, records file
present, digest, records readable (UTF-8, required columns, unique request ids), count.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from disclosure_gateway.adapters.batch_files import BatchFiles, sha256_file
from disclosure_gateway.adapters.records_io import read_raw, records_format, request_id_of
from disclosure_gateway.adapters.storage.state import BatchInfo, StateStore
from disclosure_gateway.domain.errors import BadInput, BatchRefused
from disclosure_gateway.domain.manifest import Manifest, parse_manifest, signature_valid
from disclosure_gateway.domain.policy import Policy, parse_policy


@dataclass(frozen=True, slots=True)
class Clock:
    """The submission date and time, passed in so that tests can fix them."""

    today: date
    now: str


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _load_manifest(path: Path) -> tuple[dict[str, object], str, Manifest]:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BatchRefused(
            "MANIFEST_INVALID", f"manifest {path.name} is not readable JSON"
        ) from exc
    if not isinstance(data, dict):
        raise BatchRefused("MANIFEST_INVALID", f"manifest {path.name} is not a JSON object")
    return data, text, parse_manifest(data)


def _check_authority(store: StateStore, raw: dict[str, object], m: Manifest) -> None:
    agency = store.get_agency(m.agency)
    if agency is None:
        raise BatchRefused(
            "UNKNOWN_AGENCY", f"batch {m.batch_id}: agency {m.agency!r} is not registered"
        )
    if not signature_valid(raw, agency.public_key_pem):
        raise BatchRefused(
            "SIGNATURE_INVALID", f"batch {m.batch_id}: the manifest signature does not verify"
        )
    if _fold(m.official) not in {_fold(s) for s in agency.signatories}:
        raise BatchRefused(
            "OFFICIAL_NOT_SIGNATORY",
            f"batch {m.batch_id}: the official is not a registered signatory of {m.agency}",
        )
    if not agency.safeguards_current:
        raise BatchRefused(
            "SAFEGUARDS_NOT_CURRENT",
            f"batch {m.batch_id}: {m.agency}'s safeguard review is not current",
        )
    if store.active_hold() is not None:
        raise BatchRefused("LEGAL_HOLD", f"batch {m.batch_id}: a legal hold is in force")
    if store.get_batch(m.batch_id) is not None:
        raise BatchRefused("DUPLICATE_BATCH", f"batch {m.batch_id} was already submitted")


def _records_file(manifest_path: Path, m: Manifest) -> Path:
    name = m.records_file
    if not name or Path(name).name != name or name in {".", ".."}:
        raise BatchRefused(
            "RECORDS_UNREADABLE",
            f"batch {m.batch_id}: records_file must name a file beside the manifest",
        )
    path = manifest_path.parent / name
    if not path.is_file():
        raise BatchRefused(
            "RECORDS_UNREADABLE", f"batch {m.batch_id}: records file {name} not found"
        )
    return path


def _count_and_check_ids(path: Path, batch_id: str) -> int:
    seen: dict[str, int] = {}
    count = 0
    try:
        records_format(path)
        for raw in read_raw(path):
            count += 1
            rid = request_id_of(raw)
            if rid and rid in seen:
                raise BatchRefused(
                    "DUPLICATE_REQUEST_ID",
                    f"batch {batch_id}: request_id {rid!r} repeats (rows {seen[rid]} and {raw[0]})",
                )
            if rid:
                seen[rid] = raw[0]
    except BatchRefused:
        raise
    except BadInput as exc:
        raise BatchRefused("RECORDS_UNREADABLE", f"batch {batch_id}: {exc}") from exc
    return count


def _check_volume(store: StateStore, m: Manifest, count: int, policy: Policy, clock: Clock) -> None:
    """The policy's daily volume per agency, counted over every batch submitted that UTC day."""
    today = sum(
        b.record_count
        for b in store.list_batches()
        if b.agency == m.agency and b.submitted_on == clock.today
    )
    limit = policy.max_requests_per_agency_per_day
    if today + count > limit:
        raise BatchRefused(
            "VOLUME_LIMIT",
            f"batch {m.batch_id}: {m.agency} would reach {today + count} requests today,"
            f" over the policy's {limit} a day",
        )


def submit_batch(
    store: StateStore, files: BatchFiles, manifest_path: Path, policy_text: str, clock: Clock
) -> BatchInfo:
    """Verify a signed batch and accept it; BatchRefused (exit 2) on any SPEC §3.1 failure."""
    raw, text, m = _load_manifest(manifest_path)
    _check_authority(store, raw, m)
    records = _records_file(manifest_path, m)
    if sha256_file(records) != m.records_sha256.lower():
        raise BatchRefused(
            "DIGEST_MISMATCH", f"batch {m.batch_id}: records_sha256 does not match the records file"
        )
    count = _count_and_check_ids(records, m.batch_id)
    if count != m.record_count:
        raise BatchRefused(
            "COUNT_MISMATCH",
            f"batch {m.batch_id}: record_count is {m.record_count}"
            f" but the file holds {count} records",
        )
    _check_volume(store, m, count, parse_policy(policy_text), clock)
    files.keep(m.batch_id, text, records, policy_text)
    info = BatchInfo(
        batch_id=m.batch_id,
        agency=m.agency,
        official=m.official,
        official_title=m.official_title,
        signed_on=m.signed_on,
        records_file=m.records_file,
        records_sha256=m.records_sha256.lower(),
        record_count=count,
        submitted_on=clock.today,
        submitted_at=clock.now,
        manifest_json=text,
        state="SUBMITTED",
        rows_done=0,
    )
    store.add_batch(info)
    return info
