"""The requester and governance commands through the real `dgw` entry point.

keygen -> agency add -> batch sign -> batch submit, safeguards, legal holds, and the
audit commands (report, retract, show) on a store with disclosures.
"""

from __future__ import annotations

import csv
import hashlib
import json
import stat
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from disclosure_gateway.adapters.storage.state import BatchInfo, StateStore
from disclosure_gateway.cli import main as cli_main
from disclosure_gateway.domain.manifest import parse_manifest, signature_valid
from disclosure_gateway.domain.model import (
    REQUEST_COLUMNS,
    AccountingDraft,
    Decision,
    DecisionRecord,
    Disclosure,
    Outcome,
)

OFFICIAL = "María José Núñez"
REASON = "did not depart after a final order of removal; the address is needed."


class Dgw:
    def __init__(
        self, home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.home, self.monkeypatch, self.capsys = home, monkeypatch, capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.monkeypatch.setattr(sys, "argv", ["dgw", "--home", str(self.home), *args])
        code = 0
        try:
            cli_main.run()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        captured = self.capsys.readouterr()
        return code, captured.out, " ".join(captured.err.split())


@pytest.fixture
def dgw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Dgw:
    monkeypatch.chdir(tmp_path)
    return Dgw(tmp_path / "store", monkeypatch, capsys)


def write_batch(folder: Path, rows: int = 3, batch_id: str = "ICE-2026-000123") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "requests.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(REQUEST_COLUMNS))
        writer.writeheader()
        for n in range(1, rows + 1):
            writer.writerow(
                {
                    "request_id": f"R-{n}",
                    "first_name": "Ana",
                    "last_name": "García López",
                    "street": f"{n} Main St",
                    "city": "Houston",
                    "state": "TX",
                    "zip": "77002",
                    "tax_periods": "2023",
                    "statute": "8 U.S.C. 1253(a)(1)",
                    "removal_order_date": "2025-01-10",
                    "removal_case_number": f"A{n:08d}",
                    "case_officer": f"Officer {n}",
                    "reason": f"Subject {n} {REASON}",
                }
            )
    manifest = {
        "batch_id": batch_id,
        "agency": "DHS-ICE",
        "official": OFFICIAL,
        "official_title": "Director, U.S. Immigration and Customs Enforcement",
        "signed_on": "2026-11-20",
        "records_file": "requests.csv",
    }
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return path


def keygen_and_register(dgw: Dgw, tmp_path: Path) -> Path:
    code, out, err = dgw("keygen", "--out", str(tmp_path / "keys" / "ice"))
    assert code == 2
    assert "cannot write the key pair" in err
    (tmp_path / "keys").mkdir()
    code, out, err = dgw("keygen", "--out", str(tmp_path / "keys" / "ice"))
    assert (code, err) == (0, ""), err
    code, out, err = dgw(
        "agency", "add", "DHS-ICE", "--public-key", str(tmp_path / "keys" / "ice.pub"),
        "--signatory", OFFICIAL, "--signatory", "John Roe", "--safeguards-current",
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    assert "2 signatories, safeguards current" in out
    return tmp_path / "keys" / "ice"


def test_keygen_writes_a_private_key_only_its_owner_can_read(dgw: Dgw, tmp_path: Path) -> None:
    prefix = keygen_and_register(dgw, tmp_path)
    key, pub = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert pub.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    before = key.read_bytes()
    code, _, err = dgw("keygen", "--out", str(prefix))
    assert code == 2
    assert "already exists" in err
    assert key.read_bytes() == before


def test_sign_fills_digest_count_and_a_signature_that_submit_accepts(
    dgw: Dgw, tmp_path: Path
) -> None:
    prefix = keygen_and_register(dgw, tmp_path)
    manifest_path = write_batch(tmp_path / "batch")
    code, out, err = dgw("batch", "sign", str(manifest_path), "--key", f"{prefix}.key")
    assert (code, err) == (0, ""), err
    assert "signed batch ICE-2026-000123: 3 records" in out
    text = manifest_path.read_text(encoding="utf-8")
    assert OFFICIAL in text  # UTF-8, not \u escapes
    data = json.loads(text)
    records = (tmp_path / "batch" / "requests.csv").read_bytes()
    assert data["records_sha256"] == hashlib.sha256(records).hexdigest()
    assert data["record_count"] == 3
    assert signature_valid(data, Path(f"{prefix}.pub").read_bytes())
    assert parse_manifest(data).official == OFFICIAL
    code, out, err = dgw("batch", "submit", str(manifest_path))
    assert (code, err) == (0, ""), err
    assert out.strip() == "ICE-2026-000123"


def test_a_manifest_edited_after_signing_is_refused(dgw: Dgw, tmp_path: Path) -> None:
    prefix = keygen_and_register(dgw, tmp_path)
    manifest_path = write_batch(tmp_path / "batch")
    assert dgw("batch", "sign", str(manifest_path), "--key", f"{prefix}.key")[0] == 0
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    data["official"] = "John Roe"  # a registered signatory, but not who signed
    manifest_path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = dgw("batch", "submit", str(manifest_path))
    assert code == 2
    assert "signature does not verify" in err


def test_sign_refuses_bad_input_with_exit_2(dgw: Dgw, tmp_path: Path) -> None:
    prefix = keygen_and_register(dgw, tmp_path)
    manifest_path = write_batch(tmp_path / "batch")
    code, _, err = dgw("batch", "sign", str(manifest_path), "--key", f"{prefix}.pub")
    assert code == 2
    assert "PEM private key" in err
    code, _, err = dgw("batch", "sign", str(manifest_path), "--key", str(tmp_path / "nokey"))
    assert code == 2
    assert "signing key" in err
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    del data["batch_id"]
    manifest_path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = dgw("batch", "sign", str(manifest_path), "--key", f"{prefix}.key")
    assert code == 2
    assert "missing key 'batch_id'" in err
    other = write_batch(tmp_path / "other")
    (tmp_path / "other" / "requests.csv").unlink()
    code, _, err = dgw("batch", "sign", str(other), "--key", f"{prefix}.key")
    assert code == 2
    assert "requests.csv" in err
    assert "signature" not in json.loads(other.read_text(encoding="utf-8"))


def test_agency_add_replace_safeguards_and_list(dgw: Dgw, tmp_path: Path) -> None:
    prefix = keygen_and_register(dgw, tmp_path)
    pub = f"{prefix}.pub"
    code, _, err = dgw("agency", "add", "DHS-ICE", "--public-key", pub, "--signatory", "A B")
    assert code == 2
    assert "already registered" in err
    code, out, _ = dgw(
        "agency", "add", "DHS-ICE", "--public-key", pub, "--signatory", "A B", "--replace"
    )
    assert code == 0
    assert "safeguards NOT current" in out
    code, _, err = dgw(
        "agency", "add", "DOJ", "--public-key", f"{prefix}.key", "--signatory", "A B"
    )
    assert code == 2
    assert "not an Ed25519 public key" in err
    code, _, err = dgw(
        "agency", "add", "DOJ", "--public-key", str(tmp_path / "none.pub"), "--signatory", "A"
    )
    assert code == 2
    assert "cannot be read" in err
    code, _, err = dgw(
        "agency", "add", "DOJ", "--public-key", pub, "--signatory", "A", "--signatory", " a "
    )
    assert code == 2
    assert "named twice" in err
    assert dgw("agency", "safeguards", "DHS-ICE", "--current")[0] == 0
    code, out, _ = dgw("agency", "list")
    assert code == 0
    assert "DHS-ICE" in out
    assert "current" in out
    assert "LAPSED" not in out
    assert dgw("agency", "safeguards", "DHS-ICE", "--lapsed")[0] == 0
    assert "LAPSED" in dgw("agency", "list")[1]
    code, _, err = dgw("agency", "safeguards", "NOPE", "--lapsed")
    assert code == 2
    assert "not registered" in err


def test_holds_on_status_off_and_a_hold_refuses_submission(dgw: Dgw, tmp_path: Path) -> None:
    prefix = keygen_and_register(dgw, tmp_path)
    assert dgw("hold", "status")[1].strip() == "no legal hold is in force"
    code, out, _ = dgw("hold", "on", "--reason", "court order 26-114", "--by", "A. Clerk")
    assert code == 0
    assert "legal hold in force since" in out
    assert "placed by A. Clerk: court order 26-114" in dgw("hold", "status")[1]
    assert dgw("hold", "on", "--reason", "again")[0] == 2
    manifest_path = write_batch(tmp_path / "batch")
    assert dgw("batch", "sign", str(manifest_path), "--key", f"{prefix}.key")[0] == 0
    code, _, err = dgw("batch", "submit", str(manifest_path))
    assert code == 2
    assert "legal hold" in err
    code, _, err = dgw("hold", "off", "--reason", " ")
    assert code == 2
    assert "reason must not be empty" in err
    assert dgw("hold", "off", "--reason", "order vacated")[0] == 0  # --by defaults to the OS user
    assert dgw("hold", "status")[1].strip() == "no legal hold is in force"
    assert dgw("hold", "off", "--reason", "twice")[0] == 2
    assert dgw("batch", "submit", str(manifest_path))[0] == 0


def _store_with_disclosures(home: Path) -> None:
    with StateStore.open(home) as store:
        info = BatchInfo(
            "B-1", "DHS-ICE", OFFICIAL, "Director", "2026-02-01", "r.csv", "0" * 64, 3,
            date(2020, 2, 2), "2020-02-02T00:00:00+00:00", "{}", "DONE", 0,
        )  # fmt: skip
        store.add_batch(info)
        records, drafts = [], []
        for row in (1, 2, 3):
            shown = Disclosure(f"90070812{row}", True, f"{row} Main St") if row < 3 else None
            kind = Decision.DISCLOSED if shown else Decision.NO_DISCLOSURE
            records.append(
                DecisionRecord(
                    "B-1", row, f"R-{row}", Outcome(kind, "R", (), {}, shown), "p", "m", "c"
                )
            )
            if shown:
                drafts.append(
                    AccountingDraft(
                        "DISCLOSURE",
                        "B-1",
                        f"R-{row}",
                        row,
                        shown.tin,
                        "DHS-ICE",
                        OFFICIAL,
                        "8 U.S.C. 1253(a)(1)",
                        (("address_confirmed", "true"), ("lka_street", shown.lka_street)),
                        "p",
                        "m",
                        {},
                    )
                )
        store.record_chunk("B-1", records, drafts)


def test_audit_report_retract_show_and_verify(dgw: Dgw, tmp_path: Path) -> None:
    keygen_and_register(dgw, tmp_path)
    _store_with_disclosures(dgw.home)
    year = str(datetime.now(UTC).year)
    code, out, _ = dgw("audit", "report", "--year", year, "--json")
    report = json.loads(out)
    assert code == 0
    assert report["by_agency"] == [
        {"agency": "DHS-ICE", "requests": 0, "disclosures": 2, "taxpayers": 2, "retractions": 0}
    ]
    assert report["total"]["disclosures"] == 2
    assert (
        json.loads(dgw("audit", "report", "--year", "2020", "--json")[1])["total"]["requests"] == 3
    )
    code, out, _ = dgw("audit", "report", "--year", year)
    assert code == 0
    assert "DHS-ICE" in out
    assert "all agencies" in out
    code, out, err = dgw(
        "audit", "retract", "1", "--reason", "wrong person (father, not son)", "--by", "Officer K"
    )
    assert (code, err) == (0, ""), err
    assert "entry 3 retracts entry 1" in out
    code, _, err = dgw("audit", "retract", "1", "--reason", "again", "--by", "K")
    assert code == 2
    assert "already retracted by entry 3" in err
    code, _, err = dgw("audit", "retract", "3", "--reason", "undo", "--by", "K")
    assert code == 2
    assert "is a retraction, not a disclosure" in err
    code, _, err = dgw("audit", "retract", "42", "--reason", "x", "--by", "K")
    assert code == 2
    assert "no accounting entry 42" in err
    code, out, _ = dgw("audit", "show", "3")
    assert code == 0
    assert "RETRACTION" in out
    assert "wrong person" in out
    assert "900708121" in out
    code, out, _ = dgw("audit", "verify")
    assert code == 0
    assert "3 entries" in out
    assert (
        json.loads(dgw("audit", "report", "--year", year, "--json")[1])["total"]["retractions"] == 1
    )
    assert dgw("audit", "show", "9")[0] == 2
