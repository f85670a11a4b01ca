"""Batch manifests (SPEC §3.1): their shape, their canonical form and their Ed25519 signature.

The signature covers the manifest without its `signature` key, serialised as canonical
JSON (keys sorted, `,` and `:` separators, UTF-8, no trailing newline). Keys are PEM:
private keys PKCS#8, public keys SubjectPublicKeyInfo; signatures are standard base64.

Pure: no files, no clock. Key generation draws from the operating system's CSPRNG,
which is what a key needs (it is not a decision input).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from disclosure_gateway.domain.errors import BadInput, BatchRefused

SIGNATURE_KEY = "signature"
BATCH_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
SHA256_PATTERN = re.compile(r"[0-9a-fA-F]{64}")
TEXT_KEYS = ("batch_id", "agency", "official", "official_title", "signed_on", "records_file")
MAX_TEXT = 500


def canonical_json(obj: Mapping[str, object]) -> bytes:
    """The one serialisation that is signed and hashed (SPEC §3.1)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signing_payload(manifest: Mapping[str, object]) -> bytes:
    """Canonical JSON of the manifest without its `signature` key."""
    return canonical_json({k: v for k, v in manifest.items() if k != SIGNATURE_KEY})


def _private_key(private_key_pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise BadInput("the signing key is not an unencrypted PKCS#8 PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise BadInput("the signing key is not an Ed25519 private key")
    return key


def public_key(public_key_pem: bytes) -> Ed25519PublicKey | None:
    """The Ed25519 public key in this PEM text, or None when it is anything else."""
    try:
        key = serialization.load_pem_public_key(public_key_pem)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def sign_manifest(manifest: Mapping[str, object], private_key_pem: bytes) -> str:
    """Standard base64 Ed25519 signature of `signing_payload(manifest)`; BadInput on a bad key."""
    key = _private_key(private_key_pem)
    return base64.b64encode(key.sign(signing_payload(manifest))).decode("ascii")


def signature_valid(manifest: Mapping[str, object], public_key_pem: bytes) -> bool:
    """True only when the manifest's signature verifies under this key. Never raises."""
    try:
        key = public_key(public_key_pem)
        signature = manifest.get(SIGNATURE_KEY)
        if key is None or not isinstance(signature, str):
            return False
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
        key.verify(raw, signing_payload(manifest))
    except (InvalidSignature, binascii.Error, ValueError, TypeError, RecursionError):
        return False
    return True


def generate_keypair() -> tuple[bytes, bytes]:
    """A fresh Ed25519 pair: (PKCS#8 PEM private key, SubjectPublicKeyInfo PEM public key)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


@dataclass(frozen=True, slots=True)
class Manifest:
    batch_id: str
    agency: str
    official: str
    official_title: str
    signed_on: str
    records_file: str
    records_sha256: str
    record_count: int
    signature: str


def _invalid(message: str) -> BatchRefused:
    return BatchRefused("MANIFEST_INVALID", f"manifest: {message}")


def _text(data: Mapping[str, object], key: str) -> str:
    if key not in data:
        raise _invalid(f"missing key {key!r}")
    value = data[key]
    if not isinstance(value, str):
        raise _invalid(f"{key!r} must be a string")
    if not value.strip():
        raise _invalid(f"{key!r} must not be empty")
    if len(value) > MAX_TEXT or any(ord(c) < 32 for c in value):
        raise _invalid(f"{key!r} is too long or holds control characters")
    return value


def _check_texts(texts: Mapping[str, str]) -> None:
    if not BATCH_ID_PATTERN.fullmatch(texts["batch_id"]):
        raise _invalid("'batch_id' must be 1-64 characters of A-Z a-z 0-9 . _ -")
    if texts["batch_id"] in {".", ".."}:
        raise _invalid("'batch_id' must not be '.' or '..'")
    name = texts["records_file"]
    if name in {".", ".."} or "/" in name or "\\" in name:
        raise _invalid("'records_file' must name a file beside the manifest")
    try:
        date.fromisoformat(texts["signed_on"])
    except ValueError:
        raise _invalid("'signed_on' must be a date YYYY-MM-DD") from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", texts["signed_on"]):
        raise _invalid("'signed_on' must be a date YYYY-MM-DD")


def parse_manifest(data: object) -> Manifest:
    """The manifest's fields, checked; BatchRefused("MANIFEST_INVALID") naming the bad key."""
    if not isinstance(data, Mapping):
        raise _invalid("not a JSON object")
    texts = {key: _text(data, key) for key in TEXT_KEYS}
    _check_texts(texts)
    digest = _text(data, "records_sha256")
    if not SHA256_PATTERN.fullmatch(digest):
        raise _invalid("'records_sha256' must be 64 hexadecimal digits")
    if "record_count" not in data:
        raise _invalid("missing key 'record_count'")
    count = data["record_count"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise _invalid("'record_count' must be a non-negative integer")
    signature = _text(data, SIGNATURE_KEY)
    return Manifest(**texts, records_sha256=digest, record_count=count, signature=signature)
