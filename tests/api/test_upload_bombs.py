"""Hostile uploads through `POST /api/v1/batches`: archives, bombs, huge lines, NUL, encodings.

Every batch here is signed properly (right digest, right count), so what the server judges
is the records file itself, or the body's encoding. Each upload gets the JSON error
envelope with a 4xx status, or, for a records file that can be read, a batch whose bad rows
are REJECTED with their codes: never a 5xx. A gzip bomb sent as `Content-Encoding: gzip`
is never inflated (the server does not decode request bodies; the process's peak memory
does not move by the bomb's inflated size), and nothing of a refused upload is kept.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import io
import json
import lzma
import random
import resource
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.conftest import ApiWorld, make_api
from disclosure_gateway.domain.manifest import sign_manifest
from disclosure_gateway.domain.model import REQUEST_COLUMNS
from support.world import request

V = "/api/v1"
LIMIT = 16 * 1024 * 1024
BOMB_INFLATED = 1024 * 1024 * 1024
BOUNDARY = "dgwbombboundary"
LONG_LINE = 10_000_000


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    """An API with a 16 MiB upload limit (room for a ten-million-character line)."""
    yield from make_api(tmp_path_factory.mktemp("bombs"), max_upload_bytes=LIMIT)


# -- building uploads ---------------------------------------------------------------------
def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=REQUEST_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in REQUEST_COLUMNS})
    return out.getvalue().encode(encoding)


def signed_manifest(api: ApiWorld, batch_id: str, records: bytes, name: str, count: int) -> bytes:
    manifest: dict[str, object] = {
        "batch_id": batch_id,
        "agency": "DHS-ICE",
        "official": "Jane Doe",
        "official_title": "Director",
        "signed_on": "2026-11-19",
        "records_file": name,
        "records_sha256": hashlib.sha256(records).hexdigest(),
        "record_count": count,
    }
    manifest["signature"] = sign_manifest(manifest, api.world.private_key)
    return json.dumps(manifest).encode()


def send(
    api: ApiWorld, batch_id: str, records: bytes, name: str = "requests.csv", count: int = 1
) -> httpx.Response:
    manifest = signed_manifest(api, batch_id, records, name, count)
    answer: httpx.Response = api.as_token().post(
        f"{V}/batches",
        files={
            "manifest": ("manifest.json", manifest, "application/json"),
            "records": (name, records, "application/octet-stream"),
        },
    )
    return answer


def multipart(manifest: bytes, records: bytes, name: str) -> bytes:
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="manifest"; filename="m.json"'
    middle = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="records"; filename="{name}"'
    return (
        f"{head}\r\n\r\n".encode()
        + manifest
        + f"\r\n{middle}\r\n\r\n".encode()
        + records
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def gzip_bomb(inflated: int) -> bytes:
    """A gzip stream of `inflated` zero bytes: one member of 1 MiB of zeros, repeated (a
    gzip stream may hold many members; a decoder inflates them all, one after another)."""
    member = gzip.compress(bytes(1 << 20), compresslevel=9)
    return member * (inflated >> 20)


def _zipped(data: bytes) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("body", data)
    return packed.getvalue()


def uploads_left(api: ApiWorld) -> list[Path]:
    root = api.world.home / "uploads"
    return list(root.iterdir()) if root.exists() else []


def refused(answer: httpx.Response, status: int, code: str) -> str:
    """Assert the envelope with this status and code; returns the message."""
    assert (answer.status_code, answer.headers["content-type"]) == (status, "application/json")
    body = answer.json()
    assert list(body) == ["error"], body
    assert sorted(body["error"]) == ["code", "message"], body
    assert body["error"]["code"] == code, body
    return str(body["error"]["message"])


def decided(api: ApiWorld, batch_id: str) -> list[dict[str, str]]:
    api.run_all()
    answer = api.as_token().get(f"{V}/batches/{batch_id}/response")
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.text)))


# -- archives and compressed files --------------------------------------------------------
def test_a_zip_file_as_records_is_refused_with_a_clear_code(bombs: ApiWorld) -> None:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("requests.csv", csv_bytes([request("Z1")]) + bytes(50_000_000))
    data = packed.getvalue()
    assert len(data) < 100_000  # a zip bomb: 50 MB inside, a few KiB outside
    named_zip = send(bombs, "UB-ZIP", data, name="requests.zip")
    assert "unknown format" in refused(named_zip, 422, "RECORDS_UNREADABLE")
    named_csv = send(bombs, "UB-ZIP-CSV", data, name="requests.csv")
    assert "not UTF-8" in refused(named_csv, 422, "RECORDS_UNREADABLE")
    assert bombs.gateway.store.get_batch("UB-ZIP") is None
    assert not uploads_left(bombs)


def test_a_gzip_file_as_records_is_refused_with_a_clear_code(bombs: ApiWorld) -> None:
    data = gzip.compress(csv_bytes([request("G1")]) + bytes(50_000_000))
    assert len(data) < 200_000
    for batch_id, name in (("UB-GZ", "requests.csv.gz"), ("UB-GZ-CSV", "requests.csv")):
        answer = send(bombs, batch_id, data, name=name)
        refused(answer, 422, "RECORDS_UNREADABLE")
        assert bombs.gateway.store.get_batch(batch_id) is None
    assert not uploads_left(bombs)


def test_a_gzip_bomb_sent_as_content_encoding_is_never_inflated(bombs: ApiWorld) -> None:
    records = csv_bytes([request("C1")])
    body = multipart(signed_manifest(bombs, "UB-BOMB", records, "requests.csv", 1), records, "r")
    bomb = gzip_bomb(BOMB_INFLATED) + gzip.compress(body)
    assert len(bomb) < LIMIT  # under the byte limit as sent; a gibibyte once inflated
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    answer = bombs.as_token().post(
        f"{V}/batches",
        content=bomb,
        headers={
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Content-Encoding": "gzip",
        },
    )
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak_before
    assert "compressed" in refused(answer, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert grown < BOMB_INFLATED // 8, grown
    assert bombs.gateway.store.get_batch("UB-BOMB") is None
    assert not uploads_left(bombs)


@pytest.mark.parametrize("pack", ["zip", "bz2", "xz"])
def test_an_archive_sent_as_the_body_is_415(bombs: ApiWorld, pack: str) -> None:
    records = csv_bytes([request("A1")])
    body = multipart(signed_manifest(bombs, "UB-ARCH", records, "requests.csv", 1), records, "r")
    packed = {"zip": _zipped, "bz2": bz2.compress, "xz": lzma.compress}[pack](body)
    answer = bombs.as_token().post(
        f"{V}/batches",
        content=packed,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert "compressed" in refused(answer, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert bombs.gateway.store.get_batch("UB-ARCH") is None
    assert not uploads_left(bombs)


def test_garbage_that_is_not_compressed_stays_400(bombs: ApiWorld) -> None:
    answer = bombs.as_token().post(
        f"{V}/batches",
        content=b"\x00\x01not a multipart body at all" * 100,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert "multipart" in refused(answer, 400, "BAD_INPUT")


def test_a_compressed_body_over_the_limit_is_413(bombs: ApiWorld) -> None:
    noise = random.Random(6).randbytes(LIMIT + (1 << 20))
    bomb = gzip.compress(noise, compresslevel=1)  # noise does not shrink
    assert len(bomb) > LIMIT

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for start in range(0, len(bomb), 1 << 20):
            yield bomb[start : start + (1 << 20)]

    answer = bombs.as_token().post(
        f"{V}/batches",
        content=chunks(),
        headers={
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Content-Encoding": "gzip",
        },
    )
    refused(answer, 413, "PAYLOAD_TOO_LARGE")
    assert not uploads_left(bombs)


# -- long lines, NUL bytes, wrong encodings -----------------------------------------------
def test_a_ten_million_character_line_is_a_rejected_row(bombs: ApiWorld) -> None:
    huge = request("H1", reason="x" * LONG_LINE)
    other = request("H2", first_name="Ana", middle_name="Maria", last_name="De La Cruz",
                    street="4501 Calle Pena", unit="", city="El Paso", zip="79901")  # fmt: skip
    data = csv_bytes([request("H0"), huge, other])
    assert len(data) > LONG_LINE
    assert send(bombs, "UB-LONG", data, count=3).status_code == 202
    rows = decided(bombs, "UB-LONG")
    assert [r["request_id"] for r in rows] == ["H0", "H1", "H2"]
    assert rows[1]["decision"] == "REJECTED"
    assert "ROW_MALFORMED" in rows[1]["reason_codes"].split(";")
    assert [rows[0]["decision"], rows[2]["decision"]] == ["DISCLOSED", "DISCLOSED"]


def test_a_ten_million_character_line_without_columns_is_a_rejected_row(bombs: ApiWorld) -> None:
    data = csv_bytes([]) + b"y" * LONG_LINE + b"\r\n"
    assert send(bombs, "UB-LINE", data).status_code == 202
    (row,) = decided(bombs, "UB-LINE")
    assert row["decision"] == "REJECTED"
    assert "ROW_MALFORMED" in row["reason_codes"].split(";")


def test_a_ten_million_character_json_line_is_a_rejected_row(bombs: ApiWorld) -> None:
    line = json.dumps({**request("J1"), "street": "9" * LONG_LINE}).encode() + b"\n"
    assert send(bombs, "UB-JSONL", line, name="requests.jsonl").status_code == 202
    (row,) = decided(bombs, "UB-JSONL")
    assert (row["request_id"], row["decision"]) == ("J1", "REJECTED")
    assert "ROW_MALFORMED" in row["reason_codes"].split(";")


def test_nul_bytes_make_rejected_rows_not_errors(bombs: ApiWorld) -> None:
    rows = [
        request("N1", first_name="Jo\x00se"),
        request("N2", street="123 N Main\x00St"),
        request("N3"),
    ]
    data = csv_bytes(rows) + b"\x00\x00\x00,\x00\r\n"
    assert send(bombs, "UB-NUL", data, count=4).status_code == 202
    found = decided(bombs, "UB-NUL")
    assert [r["decision"] for r in found] == ["REJECTED", "REJECTED", "DISCLOSED", "REJECTED"]
    for row in (found[0], found[1], found[3]):
        assert "ROW_MALFORMED" in row["reason_codes"].split(";"), row


@pytest.mark.parametrize(
    ("encoding", "why"),
    [("latin-1", "not UTF-8"), ("utf-16", "not UTF-8"), ("utf-16-le", "not UTF-8")],
)
def test_a_records_file_in_another_encoding_is_refused(
    bombs: ApiWorld, encoding: str, why: str
) -> None:
    batch_id = f"UB-ENC-{encoding}"
    data = csv_bytes([request("E1", first_name="José", last_name="Peña")], encoding=encoding)
    message = refused(send(bombs, batch_id, data), 422, "RECORDS_UNREADABLE")
    assert why in message
    assert "Jos" not in message
    assert "Peña" not in message
    assert bombs.gateway.store.get_batch(batch_id) is None
    assert not uploads_left(bombs)
