"""Where signed chain heads and the head-signing key live, apart from the state database.

Heads are appended, one JSON object a line, to `heads.jsonl` in the heads folder
(`$DGW_HEADS_DIR`, default `HOME/heads`) and fsynced; point the folder at storage the
database's administrators cannot write (another host, a WORM share) and export it to
oversight with `dgw audit export-heads`. The key pair is `HOME/keys/head-signing.{key,pub}`
(`$DGW_HEAD_KEY` / `$DGW_HEAD_PUB` to keep the private key elsewhere, e.g. a mounted token).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from disclosure_gateway.domain.errors import BadInput, StoreError
from disclosure_gateway.domain.heads import SignedHead, parse_head


@dataclass(frozen=True, slots=True)
class HeadPlaces:
    heads_file: Path
    private_key: Path
    public_key: Path

    @classmethod
    def of(cls, home: Path) -> HeadPlaces:
        folder = Path(os.environ.get("DGW_HEADS_DIR") or home / "heads")
        keys = home / "keys"
        return cls(
            heads_file=folder / "heads.jsonl",
            private_key=Path(os.environ.get("DGW_HEAD_KEY") or keys / "head-signing.key"),
            public_key=Path(os.environ.get("DGW_HEAD_PUB") or keys / "head-signing.pub"),
        )

    @property
    def configured(self) -> bool:
        """Head signing is on once a public key is in place."""
        return self.public_key.is_file()

    def public_pem(self) -> bytes:
        try:
            return self.public_key.read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read the head-signing public key ({exc.strerror})") from exc

    def private_pem(self) -> bytes | None:
        try:
            return self.private_key.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read the head-signing key ({exc.strerror})") from exc

    def write_keys(self, private_pem: bytes, public_pem: bytes) -> None:
        if self.private_key.exists() or self.public_key.exists():
            raise BadInput("a head-signing key already exists; keys are never replaced silently")
        self.private_key.parent.mkdir(parents=True, exist_ok=True)
        self.public_key.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.private_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(private_pem)
        self.public_key.write_bytes(public_pem)

    def append(self, head: SignedHead) -> None:
        try:
            self.heads_file.parent.mkdir(parents=True, exist_ok=True)
            with self.heads_file.open("a", encoding="utf-8") as f:
                f.write(json.dumps(head.as_json(), sort_keys=True) + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise StoreError(f"cannot append to the signed heads ({exc.strerror})") from exc

    def read(self) -> list[SignedHead | None]:
        try:
            lines = self.heads_file.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreError("cannot read the signed heads") from exc
        heads: list[SignedHead | None] = []
        for line in lines:
            if not line.strip():
                continue
            try:
                heads.append(parse_head(json.loads(line)))
            except json.JSONDecodeError:
                heads.append(None)
        return heads
