"""Each accepted batch keeps its own verified copy under `HOME/batches/<batch_id>/`.

The folder holds the manifest as received, the records file exactly as signed, and the
policy text in force at submission, so a re-run (after a crash, or years later before a
court) decides under the same inputs and the same policy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from disclosure_gateway.adapters.records_io import RawRecord, read_raw, read_records, records_format
from disclosure_gateway.domain.errors import StoreError
from disclosure_gateway.domain.model import RequestRecord


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class BatchFiles:
    def __init__(self, home: Path) -> None:
        self._root = home / "batches"

    def folder(self, batch_id: str) -> Path:
        return self._root / batch_id

    def keep(self, batch_id: str, manifest_text: str, records: Path, policy_text: str) -> None:
        """Copy the batch in, atomically: a folder appears whole or not at all."""
        name = f"records.{records_format(records)}"
        self._keep(
            batch_id, manifest_text, lambda to: shutil.copyfile(records, to / name), policy_text
        )

    def keep_written(
        self, batch_id: str, manifest_text: str, records_name: str, records: bytes, policy_text: str
    ) -> None:
        """`keep` of records given as their bytes (a single request's one line), written
        straight into the staging folder: no copy of a file written elsewhere first."""
        if records_name not in {f"records.{f}" for f in ("csv", "jsonl", "parquet")}:
            raise StoreError(f"batch {batch_id}: records are kept as records.csv/jsonl/parquet")
        self._keep(
            batch_id,
            manifest_text,
            lambda to: (to / records_name).write_bytes(records),
            policy_text,
        )

    def _keep(
        self,
        batch_id: str,
        manifest_text: str,
        write_records: Callable[[Path], object],
        policy_text: str,
    ) -> None:
        final = self.folder(batch_id)
        staging = self._root / f".{batch_id}.incoming"
        try:
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            (staging / "manifest.json").write_text(manifest_text, encoding="utf-8")
            write_records(staging)
            (staging / "policy.toml").write_text(policy_text, encoding="utf-8")
            if final.exists():
                shutil.rmtree(final)
            os.replace(staging, final)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise StoreError(f"cannot keep batch {batch_id} in the store: {exc.strerror}") from exc

    def records_path(self, batch_id: str) -> Path:
        folder = self.folder(batch_id)
        found = sorted(folder.glob("records.*")) if folder.is_dir() else []
        if not found:
            raise StoreError(f"the stored records of batch {batch_id} are missing")
        return found[0]

    def records(self, batch_id: str) -> Iterator[RequestRecord]:
        return read_records(self.records_path(batch_id))

    def raw_records(self, batch_id: str) -> Iterator[RawRecord]:
        """The stored records as read, before cleaning (`records_io.record_of` cleans)."""
        return read_raw(self.records_path(batch_id))

    def records_digest(self, batch_id: str) -> str:
        return sha256_file(self.records_path(batch_id))

    def purge_records(self, batch_id: str) -> None:
        """Delete the stored request records and the tally (idempotent)."""
        folder = self.folder(batch_id)
        try:
            for path in [*folder.glob("records.*"), folder / "tally.json"]:
                path.unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot purge the records of batch {batch_id}: {exc.strerror}"
            ) from exc

    def keep_tally(self, batch_id: str, snapshot: Mapping[str, object]) -> None:
        """The batch-level tally after pass 1, written atomically beside the batch."""
        final = self.folder(batch_id) / "tally.json"
        tmp = final.with_name(".tally.json.partial")
        try:
            tmp.write_text(json.dumps(snapshot, sort_keys=True), encoding="utf-8")
            os.replace(tmp, final)
        except OSError as exc:
            raise StoreError(f"cannot keep the tally of batch {batch_id}: {exc.strerror}") from exc

    def tally(self, batch_id: str) -> dict[str, object] | None:
        """The kept tally, or None when there is none (or it cannot be read: recount)."""
        try:
            data = json.loads((self.folder(batch_id) / "tally.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def policy_text(self, batch_id: str) -> str:
        try:
            return (self.folder(batch_id) / "policy.toml").read_text(encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"the stored policy of batch {batch_id} is missing") from exc
