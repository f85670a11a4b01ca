"""Use cases around the requesters: their agencies, keys and signed manifests, and legal holds.

Entry points (CLI, API) call these; each checks its input, then calls the state store
once. Problems are `BadInput` with one line (exit 2); nothing here names a taxpayer.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

from disclosure_gateway.adapters.batch_files import sha256_file
from disclosure_gateway.adapters.records_io import count_records
from disclosure_gateway.adapters.storage.state import Agency, Hold, StateStore
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.domain.manifest import (
    Manifest,
    generate_keypair,
    parse_manifest,
    public_key,
    sign_manifest,
)

MAX_NAME = 200


def checked_text(value: str, what: str) -> str:
    """The text trimmed; BadInput when it is empty, too long or holds control characters."""
    text = value.strip()
    if not text:
        raise BadInput(f"{what} must not be empty")
    if len(text) > MAX_NAME and what != "reason":
        raise BadInput(f"{what} is longer than {MAX_NAME} characters")
    if any(ord(c) < 32 for c in text):
        raise BadInput(f"{what} holds control characters")
    return text


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{what} {path} cannot be read ({exc.strerror})") from exc


def read_public_key(path: Path) -> bytes:
    """The PEM text of an Ed25519 public key file; BadInput when it is anything else."""
    pem = _read_bytes(path, "public key file")
    if public_key(pem) is None:
        raise BadInput(
            f"public key file {path} is not an Ed25519 public key (PEM, SubjectPublicKeyInfo)"
        )
    return pem


def _signatories(names: Sequence[str]) -> tuple[str, ...]:
    checked = tuple(re.sub(r"\s+", " ", checked_text(n, "a signatory's name")) for n in names)
    if not checked:
        raise BadInput("an agency needs at least one --signatory")
    folded = [n.casefold() for n in checked]
    if len(set(folded)) != len(folded):
        raise BadInput("a signatory is named twice")
    return checked


def register_agency(
    store: StateStore,
    *,
    name: str,
    public_key_file: Path,
    signatories: Sequence[str],
    safeguards_current: bool,
    replace: bool = False,
) -> Agency:
    """Register (or with `replace`, re-register) a requesting agency."""
    agency = Agency(
        name=checked_text(name, "the agency's name"),
        public_key_pem=read_public_key(public_key_file),
        signatories=_signatories(signatories),
        safeguards_current=safeguards_current,
    )
    store.add_agency(agency, replace=replace)
    return agency


def set_safeguards(store: StateStore, name: str, current: bool) -> None:
    store.set_safeguards(name, current)


def list_agencies(store: StateStore) -> list[Agency]:
    return store.list_agencies()


def place_hold(store: StateStore, reason: str, by: str) -> Hold:
    """Put a legal hold in force: no batch is accepted and no disclosure made until it is lifted."""
    store.hold_on(checked_text(reason, "reason"), checked_text(by, "the operator's name"))
    hold = store.active_hold()
    if hold is None:  # the store just recorded it; anything else is a bug
        raise BadInput("the legal hold was not recorded")
    return hold


def lift_hold(store: StateStore, reason: str, by: str) -> None:
    store.hold_off(checked_text(reason, "reason"), checked_text(by, "the operator's name"))


def hold_status(store: StateStore) -> Hold | None:
    return store.active_hold()


def write_keypair(prefix: Path) -> tuple[Path, Path]:
    """Write PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub; never overwrites a key."""
    key_path, pub_path = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    for path in (key_path, pub_path):
        if path.exists():
            raise BadInput(f"{path} already exists; not overwritten")
    private, public = generate_keypair()
    try:
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(private)
        os.chmod(key_path, 0o600)
        pub_path.write_bytes(public)
    except OSError as exc:
        raise BadInput(f"cannot write the key pair at {prefix} ({exc.strerror})") from exc
    return key_path, pub_path


def _read_manifest(path: Path) -> dict[str, object]:
    try:
        data = json.loads(_read_bytes(path, "manifest").decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BadInput(f"manifest {path.name} is not JSON text") from exc
    if not isinstance(data, dict):
        raise BadInput(f"manifest {path.name} is not a JSON object")
    return data


def sign_batch(manifest_path: Path, key_path: Path) -> Manifest:
    """Fill in the records' digest and count and the signature, and rewrite the manifest."""
    data = _read_manifest(manifest_path)
    placeholder = {"records_sha256": "0" * 64, "record_count": 0, "signature": "-"}
    parse_manifest({**data, **placeholder})  # every other field checked before any work
    key = _read_bytes(key_path, "signing key")
    records = manifest_path.parent / str(data["records_file"])
    try:
        digest = sha256_file(records)
    except OSError as exc:
        raise BadInput(f"records file {records.name} cannot be read ({exc.strerror})") from exc
    data["records_sha256"] = digest
    data["record_count"] = count_records(records)
    data.pop("signature", None)
    data["signature"] = sign_manifest(data, key)
    manifest = parse_manifest(data)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    staging = manifest_path.with_name(f".{manifest_path.name}.signing")
    try:
        staging.write_text(text, encoding="utf-8")
        os.replace(staging, manifest_path)
    except OSError as exc:
        raise BadInput(
            f"cannot rewrite the manifest {manifest_path.name} ({exc.strerror})"
        ) from exc
    return manifest
