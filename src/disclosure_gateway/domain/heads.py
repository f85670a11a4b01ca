"""Signed chain heads: the accounting chain's head, signed with a key the database never holds.

The chain and its anchor catch every edit, deletion, reordering and truncation — except a
forger who can write both and rebuilds the chain from the edited entry on with fresh
digests. Signed heads close that gap: from time to time (after every batch run, and on
demand) the agency signs `(seq, entry_hash)` of the head with its own Ed25519 key, and the
signed heads are kept apart from the database (another folder, or exported to oversight).
A rebuilt chain changes the digest of every entry from the edit on, so it no longer matches
the signed heads at or after the edit; the forger cannot sign new heads without the key.

Pure: no I/O. Problems name entry numbers only.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.domain.manifest import canonical_json

PURPOSE = "dgw-accounting-head-v1"


@dataclass(frozen=True, slots=True)
class SignedHead:
    seq: int
    entry_hash: str
    signed_at: str
    signature: str  # standard base64 Ed25519 over `head_payload`

    def as_json(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "signed_at": self.signed_at,
            "signature": self.signature,
        }


def head_payload(seq: int, entry_hash: str, signed_at: str) -> bytes:
    """What is signed: canonical JSON with a purpose tag, so no other signature can pass."""
    body = {"purpose": PURPOSE, "seq": seq, "entry_hash": entry_hash, "signed_at": signed_at}
    return canonical_json(body)


def sign_head(seq: int, entry_hash: str, signed_at: str, private_key_pem: bytes) -> SignedHead:
    try:
        key = load_pem_private_key(private_key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise BadInput("the head-signing key is not a readable PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise BadInput("the head-signing key is not an Ed25519 key")
    raw = key.sign(head_payload(seq, entry_hash, signed_at))
    return SignedHead(seq, entry_hash, signed_at, base64.b64encode(raw).decode("ascii"))


def head_signature_valid(head: SignedHead, public_key_pem: bytes) -> bool:
    """Never raises: a bad key, bad base64 or a wrong signature is simply False."""
    try:
        key = load_pem_public_key(public_key_pem)
        raw = base64.b64decode(head.signature, validate=True)
    except (ValueError, TypeError, binascii.Error):
        return False
    if not isinstance(key, Ed25519PublicKey):
        return False
    try:
        key.verify(raw, head_payload(head.seq, head.entry_hash, head.signed_at))
    except InvalidSignature:
        return False
    return True


def parse_head(obj: object) -> SignedHead | None:
    """A head from its JSON form; None when the shape is wrong."""
    if not isinstance(obj, dict):
        return None
    seq, digest, at, sig = (obj.get(k) for k in ("seq", "entry_hash", "signed_at", "signature"))
    if not isinstance(seq, int) or isinstance(seq, bool):
        return None
    if not all(isinstance(v, str) for v in (digest, at, sig)):
        return None
    return SignedHead(seq, str(digest), str(at), str(sig))


def heads_problem(
    digests: Mapping[int, str],
    chain_entries: int,
    heads: Sequence[SignedHead | None],
    public_key_pem: bytes,
) -> str:
    """ "" when every signed head is genuine and the chain still holds it; else the first problem.

    `digests` maps seq → entry_hash of the chain as stored; `heads` in file order (None for a
    line that could not be read). A chain with entries but no signed head at all is a problem
    too: the heads were removed.
    """
    if chain_entries and not heads:
        return "no signed chain head is on file (the signed heads were removed)"
    for i, head in enumerate(heads, start=1):
        if head is None:
            return f"signed head {i} cannot be read"
        if not head_signature_valid(head, public_key_pem):
            return f"signed head {i} (entry {head.seq}) has no valid signature"
        if head.seq == 0:
            continue
        stored = digests.get(head.seq)
        if stored is None:
            return f"signed head {i}: entry {head.seq} is no longer in the chain"
        if stored != head.entry_hash:
            return f"signed head {i}: entry {head.seq} differs from what was signed (chain rebuilt)"
    return ""
