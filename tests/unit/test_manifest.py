"""Manifests: canonical JSON, Ed25519 signatures, and the shape check (SPEC §3.1)."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure_gateway.domain.errors import BadInput, BatchRefused
from disclosure_gateway.domain.manifest import (
    Manifest,
    canonical_json,
    generate_keypair,
    parse_manifest,
    public_key,
    sign_manifest,
    signature_valid,
    signing_payload,
)

PRIVATE, PUBLIC = generate_keypair()
OTHER_PRIVATE, OTHER_PUBLIC = generate_keypair()


def manifest(**changes: object) -> dict[str, object]:
    m: dict[str, object] = {
        "batch_id": "ICE-2026-000123",
        "agency": "DHS-ICE",
        "official": "Jane Doe",
        "official_title": "Director, U.S. Immigration and Customs Enforcement",
        "signed_on": "2026-11-20",
        "records_file": "requests.csv",
        "records_sha256": "a" * 64,
        "record_count": 1280000,
    }
    m.update(changes)
    return m


def signed(**changes: object) -> dict[str, object]:
    m = manifest(**changes)
    m["signature"] = sign_manifest(m, PRIVATE)
    return m


def test_canonical_json_sorts_keys_without_spaces_and_keeps_non_ascii() -> None:
    text = canonical_json({"b": 1, "a": "José Núñez", "c": [1, {"y": 2, "x": 1}]})
    assert text == '{"a":"José Núñez","b":1,"c":[1,{"x":1,"y":2}]}'.encode()
    assert not text.endswith(b"\n")
    assert "Núñez".encode() in text  # UTF-8, not \\u escapes


def test_signing_payload_leaves_out_the_signature_only() -> None:
    m = signed()
    payload = json.loads(signing_payload(m))
    assert "signature" not in payload
    assert payload == manifest()


def test_keypair_is_pkcs8_and_spki_pem() -> None:
    assert PRIVATE.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert PUBLIC.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert public_key(PUBLIC) is not None
    assert public_key(PRIVATE) is None
    assert public_key(b"not a key") is None


def test_a_signed_manifest_verifies_and_its_signature_is_standard_base64() -> None:
    m = signed()
    assert signature_valid(m, PUBLIC)
    sig = m["signature"]
    assert isinstance(sig, str)
    assert len(base64.b64decode(sig, validate=True)) == 64


def test_the_signature_does_not_depend_on_key_order_or_layout() -> None:
    m = signed()
    reordered = dict(reversed(list(m.items())))
    assert signature_valid(json.loads(json.dumps(reordered, indent=4)), PUBLIC)


def test_wrong_key_does_not_verify() -> None:
    assert not signature_valid(signed(), OTHER_PUBLIC)


@pytest.mark.parametrize(
    ("key", "value"),
    [("record_count", 1280001), ("official", "John Doe"), ("batch_id", "ICE-2026-000124")],
)
def test_an_edited_field_does_not_verify(key: str, value: object) -> None:
    m = signed()
    m[key] = value
    assert not signature_valid(m, PUBLIC)


def test_an_added_field_does_not_verify() -> None:
    m = signed()
    m["extra"] = "x"
    assert not signature_valid(m, PUBLIC)


def test_an_edited_signature_does_not_verify() -> None:
    m = signed()
    raw = bytearray(base64.b64decode(str(m["signature"])))
    raw[0] ^= 1
    m["signature"] = base64.b64encode(bytes(raw)).decode()
    assert not signature_valid(m, PUBLIC)


@pytest.mark.parametrize("bad", ["not base64 !!", "", "QUJD", 12, None, ["x"], "é"])
def test_bad_signature_values_are_false_never_an_exception(bad: object) -> None:
    m = signed()
    m["signature"] = bad
    assert signature_valid(m, PUBLIC) is False


def test_a_missing_signature_does_not_verify() -> None:
    assert not signature_valid(manifest(), PUBLIC)


@pytest.mark.parametrize(
    "key", [b"", b"garbage", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]
)
def test_bad_public_keys_are_false_never_an_exception(key: bytes) -> None:
    assert signature_valid(signed(), key) is False


def test_a_key_of_another_type_is_false() -> None:
    ec_public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert signature_valid(signed(), ec_public) is False
    assert public_key(ec_public) is None


def test_signing_with_a_bad_or_foreign_key_is_bad_input() -> None:
    ec_private = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(BadInput, match="not an Ed25519 private key"):
        sign_manifest(manifest(), ec_private)
    with pytest.raises(BadInput, match="PEM private key"):
        sign_manifest(manifest(), PUBLIC)


def test_non_ascii_fields_sign_and_verify() -> None:
    m = signed(official="María de los Ángeles Peña", official_title="Directora — Oficina")
    assert signature_valid(m, PUBLIC)
    m["official"] = "Maria de los Angeles Pena"
    assert not signature_valid(m, PUBLIC)


@settings(max_examples=30, deadline=None)
@given(official=st.text(min_size=1, max_size=40), count=st.integers(0, 10**9))
def test_any_text_signs_and_verifies(official: str, count: int) -> None:
    m = signed(official=official, record_count=count)
    assert signature_valid(m, PUBLIC)
    assert not signature_valid({**m, "record_count": count + 1}, PUBLIC)


def test_parse_manifest_gives_the_fields() -> None:
    m = signed()
    parsed = parse_manifest(m)
    assert parsed == Manifest(
        batch_id="ICE-2026-000123",
        agency="DHS-ICE",
        official="Jane Doe",
        official_title="Director, U.S. Immigration and Customs Enforcement",
        signed_on="2026-11-20",
        records_file="requests.csv",
        records_sha256="a" * 64,
        record_count=1280000,
        signature=str(m["signature"]),
    )


@pytest.mark.parametrize(
    "key",
    [
        "batch_id",
        "agency",
        "official",
        "official_title",
        "signed_on",
        "records_file",
        "records_sha256",
        "record_count",
        "signature",
    ],
)
def test_a_missing_key_is_named(key: str) -> None:
    m = signed()
    del m[key]
    with pytest.raises(BatchRefused, match=f"missing key '{key}'") as err:
        parse_manifest(m)
    assert err.value.code == "MANIFEST_INVALID"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("record_count", True, "'record_count' must be a non-negative integer"),
        ("record_count", -1, "'record_count' must be a non-negative integer"),
        ("record_count", "12", "'record_count' must be a non-negative integer"),
        ("record_count", 1.0, "'record_count' must be a non-negative integer"),
        ("batch_id", "ICE/2026", "'batch_id' must be 1-64 characters"),
        ("batch_id", "x" * 65, "'batch_id' must be 1-64 characters"),
        ("batch_id", "..", "'batch_id' must not be"),
        ("batch_id", "", "'batch_id' must not be empty"),
        ("batch_id", 12, "'batch_id' must be a string"),
        ("agency", "   ", "'agency' must not be empty"),
        ("official", "Jane\nDoe", "'official' is too long or holds control characters"),
        ("signed_on", "20/11/2026", "'signed_on' must be a date"),
        ("signed_on", "2026-02-30", "'signed_on' must be a date"),
        ("records_file", "../etc/passwd", "'records_file' must name a file beside the manifest"),
        ("records_file", "sub/requests.csv", "'records_file' must name a file beside"),
        ("records_sha256", "abc", "'records_sha256' must be 64 hexadecimal digits"),
        ("records_sha256", "g" * 64, "'records_sha256' must be 64 hexadecimal digits"),
    ],
)
def test_bad_values_are_refused_with_one_line(key: str, value: object, message: str) -> None:
    m = signed()
    m[key] = value
    with pytest.raises(BatchRefused) as err:
        parse_manifest(m)
    assert err.value.code == "MANIFEST_INVALID"
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_batch_id_of_64_allowed_characters_is_fine() -> None:
    assert parse_manifest(signed(batch_id="A" * 60 + "._-9")).batch_id == "A" * 60 + "._-9"


@pytest.mark.parametrize("data", [[], "x", None, 3])
def test_a_non_object_is_refused(data: object) -> None:
    with pytest.raises(BatchRefused, match="not a JSON object"):
        parse_manifest(data)
