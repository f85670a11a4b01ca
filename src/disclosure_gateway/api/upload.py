"""Receiving a batch upload: multipart parts streamed to files, with a byte limit.

The body is parsed as it arrives (python-multipart's streaming parser): each part goes
straight to a file in a temporary folder, never whole into memory. Past the limit the
upload stops with 413 and the caller removes the folder. Only two parts are accepted,
`manifest` (JSON, at most 1 MiB) and `records`; the records file is then named as the
manifest's `records_file` says, beside the manifest, which is where `submit_batch` looks.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from disclosure_gateway.api.errors import ApiRefusal
from disclosure_gateway.domain.errors import BadInput, BatchRefused, GatewayError

PARTS = ("manifest", "records")
MANIFEST_MAX_BYTES = 1024 * 1024
MANIFEST_NAME = ".manifest.json"
UNNAMED_RECORDS = ".records.upload"
COMPRESSED_MAGIC = (b"\x1f\x8b", b"PK\x03\x04", b"BZh", b"\xfd7zXZ\x00", b"(\xb5/\xfd")
"""How gzip, zip, bzip2, xz and zstd streams begin. A body is never decoded (Content-Encoding
is not honoured, so a compression bomb is never inflated); one that begins so is refused."""
HEAD_BYTES = 8


def too_large(limit: int) -> ApiRefusal:
    return ApiRefusal(413, "PAYLOAD_TOO_LARGE", f"the upload is larger than {limit} bytes")


@dataclass
class _Parts:
    """The parser's callbacks: headers of the current part, then its bytes to a file."""

    folder: Path
    limit: int
    received: int = 0
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: dict[str, bytes] = field(default_factory=dict)
    current: str | None = None
    sink: BinaryIO | None = None
    sizes: dict[str, int] = field(default_factory=dict)

    def on_part_begin(self) -> None:
        self.headers.clear()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[bytes(self.header_field).decode("latin-1").lower()] = bytes(self.header_value)
        self.header_field.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get("content-disposition", b""))
        name = options.get(b"name", b"").decode("latin-1")
        if name not in PARTS:
            raise BadInput("the upload may hold only the parts 'manifest' and 'records'")
        if name in self.sizes:
            raise BadInput(f"the upload holds the part '{name}' twice")
        self.current = name
        self.sizes[name] = 0
        self.sink = (self.folder / f".part-{name}").open("wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.sink is None or self.current is None:
            return
        size = end - start
        self.sizes[self.current] += size
        if self.current == "manifest" and self.sizes[self.current] > MANIFEST_MAX_BYTES:
            raise BatchRefused("MANIFEST_INVALID", "the manifest is larger than 1 MiB")
        self.sink.write(data[start:end])

    def on_part_end(self) -> None:
        self.close()

    def close(self) -> None:
        if self.sink is not None:
            self.sink.close()
        self.sink = None
        self.current = None


def _not_multipart(head: bytes) -> GatewayError:
    """The refusal for a body the multipart parser cannot read: 415 if it is compressed."""
    if head.startswith(COMPRESSED_MAGIC):
        return ApiRefusal(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "the upload is compressed; send it uncompressed as multipart/form-data "
            "(Content-Encoding is not accepted)",
        )
    return BadInput("the upload is not well-formed multipart/form-data")


def _boundary(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise ApiRefusal(415, "UNSUPPORTED_MEDIA_TYPE", "send the batch as multipart/form-data")
    return boundary


async def receive_parts(
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
    folder: Path,
    limit: int,
) -> None:
    """Stream the body's `manifest` and `records` parts into `folder`; 413 past `limit`."""
    if content_length is not None and content_length.isdigit() and int(content_length) > limit:
        raise too_large(limit)
    parts = _Parts(folder, limit)
    callbacks = {name: getattr(parts, name) for name in dir(parts) if name.startswith("on_")}
    parser = MultipartParser(_boundary(content_type), callbacks)  # type: ignore[arg-type]
    head = bytearray()
    try:
        async for chunk in body:
            parts.received += len(chunk)
            if parts.received > limit:
                raise too_large(limit)
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise _not_multipart(bytes(head)) from exc
    finally:
        parts.close()
    missing = [name for name in PARTS if name not in parts.sizes]
    if missing:
        raise ApiRefusal(
            422, "VALIDATION_FAILED", f"Invalid or missing fields: {', '.join(missing)}."
        )


def place_files(folder: Path) -> Path:
    """Name the parts as `submit_batch` expects; returns the manifest's path.

    The records go under the manifest's `records_file` when that is a plain file name; any
    other manifest is left for `submit_batch` to refuse with its usual code.
    """
    manifest = folder / MANIFEST_NAME
    (folder / ".part-manifest").replace(manifest)
    name = _records_name(manifest)
    (folder / ".part-records").replace(folder / (name or UNNAMED_RECORDS))
    return manifest


def _records_name(manifest: Path) -> str | None:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    name = data.get("records_file") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name or Path(name).name != name:
        return None
    if name in {".", "..", MANIFEST_NAME, UNNAMED_RECORDS} or name.startswith(".part-"):
        return None
    return name


def manifest_agency(manifest: Path) -> str | None:
    """The agency a manifest names, if it is readable and names one (else None)."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    agency = data.get("agency") if isinstance(data, dict) else None
    return agency if isinstance(agency, str) else None
