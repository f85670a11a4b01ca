"""A small world for batch tests: a loaded master file, a registered agency, signed batches."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from disclosure_gateway.adapters.batch_files import BatchFiles
from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.adapters.storage.master_load import ADDRESS_COLUMNS, TAXPAYER_COLUMNS
from disclosure_gateway.adapters.storage.master_store import load_master
from disclosure_gateway.adapters.storage.state import Agency, StateStore
from disclosure_gateway.bootstrap import policy as policy_of
from disclosure_gateway.bootstrap import zip_prefixes
from disclosure_gateway.domain.manifest import generate_keypair, sign_manifest
from disclosure_gateway.domain.model import REQUEST_COLUMNS, DecisionRecord, RequestRecord
from disclosure_gateway.domain.rules import RowCheck, check_row
from disclosure_gateway.service.submission import Clock
from disclosure_gateway.synth.population import Population, generate_population
from disclosure_gateway.synth.writers import write_population

TODAY = date(2026, 11, 20)
CLOCK = Clock(today=TODAY, now="2026-11-20T12:00:00+00:00")

TAXPAYERS = [
    # tin, tin_type, first, middle, last, suffix, birth
    ("123456789", "SSN", "José", "", "García-López", "", "1980-02-02"),
    ("111223333", "SSN", "Robert", "", "Smith", "SR", "1955-01-01"),
    ("111224444", "SSN", "Robert", "", "Smith", "", "1985-01-01"),
    ("912701234", "ITIN", "Ana", "María", "de la Cruz", "", ""),
]
ADDRESSES = [
    (
        "123456789",
        "123 N Main St",
        "Apt 4",
        "Houston",
        "TX",
        "77002",
        "RETURN",
        "2019-03-01",
        "2018",
    ),
    ("123456789", "9 Elm St", "", "Houston", "TX", "77002-1234", "FORM_8822", "2025-01-10", ""),
    ("111223333", "55 Oak Ave", "", "Dallas", "TX", "75201", "RETURN", "2010-04-01", "2009"),
    ("111224444", "55 Oak Ave", "", "Dallas", "TX", "75201", "RETURN", "2012-04-01", "2011"),
    ("912701234", "4501 Calle Peña", "", "El Paso", "TX", "79901", "NCOA", "2024-06-01", ""),
]

GOOD_REQUEST = {
    "first_name": "Jose",
    "middle_name": "",
    "last_name": "Garcia Lopez",
    "suffix": "",
    "street": "123 North Main Street",
    "unit": "#4",
    "city": "Houston",
    "state": "TX",
    "zip": "77002",
    "tin": "",
    "birth_date": "",
    "tax_periods": "2022,2023",
    "statute": "8 USC §1253(a)(1)",
    "removal_order_date": "2025-01-15",
    "removal_case_number": "A-123-456-789",
    "case_officer": "Officer One",
}


def request(request_id: str, **changes: str) -> dict[str, str]:
    row = {"request_id": request_id, **GOOD_REQUEST, **changes}
    row.setdefault(
        "reason",
        f"Case {request_id}: subject failed to depart after the final order;"
        " locating for arrest warrant",
    )
    return row


def write_records(folder: Path, rows: list[dict[str, str]], name: str = "requests.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=REQUEST_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in REQUEST_COLUMNS})
    return path


@dataclass
class World:
    home: Path
    root: Path
    private_key: bytes

    def store(self) -> StateStore:
        return StateStore.open(self.home)

    def files(self) -> BatchFiles:
        return BatchFiles(self.home)

    def policy_text(self) -> str:
        """The default policy without the probabilistic model: term frequencies over a
        four-person master file mean nothing. The model's path is tested end to end on
        generated populations (tests/e2e, tests/integration/test_linkage.py)."""
        return packaged_text("policy-default.toml").replace('model = "splink"', 'model = "none"')

    def batch(self, batch_id: str, rows: list[dict[str, str]], **manifest_changes: object) -> Path:
        """Write and sign a batch; `manifest_changes` are applied after signing (to tamper)."""
        folder = self.root / batch_id
        records = write_records(folder, rows)
        manifest: dict[str, object] = {
            "batch_id": batch_id,
            "agency": "DHS-ICE",
            "official": "Jane Doe",
            "official_title": "Director",
            "signed_on": "2026-11-19",
            "records_file": records.name,
            "records_sha256": hashlib.sha256(records.read_bytes()).hexdigest(),
            "record_count": len(rows),
        }
        manifest["signature"] = sign_manifest(manifest, self.private_key)
        manifest.update(manifest_changes)
        path = folder / "manifest.json"
        path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        return path


def write_master_files(
    folder: Path, taxpayers: Iterable[Sequence[str]], addresses: Iterable[Sequence[str]]
) -> tuple[Path, Path]:
    """The SPEC §2 taxpayers and addresses CSV files of these rows, in `folder`."""
    tp, ad = folder / "taxpayers.csv", folder / "addresses.csv"
    for path, header, rows in ((tp, TAXPAYER_COLUMNS, taxpayers), (ad, ADDRESS_COLUMNS, addresses)):
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
    return tp, ad


@pytest.fixture
def world(tmp_path: Path) -> World:
    home = tmp_path / "home"
    tp, ad = write_master_files(tmp_path, TAXPAYERS, ADDRESSES)
    load_master(home, tp, ad, skip_bad_rows=False)
    private, public = generate_keypair()
    with StateStore.open(home) as store:
        store.add_agency(Agency("DHS-ICE", public, ("Jane Doe",), True))
    return World(home, tmp_path / "batches", private)


def generated_master(root: Path, taxpayers: int, seed: int) -> tuple[Path, Population]:
    """A generated population written to `root/files` and loaded as `root/home`'s master."""
    population = generate_population(taxpayers, seed, TODAY)
    write_population(population, root / "files")
    home = root / "home"
    load_master(home, root / "files" / "taxpayers.csv", root / "files" / "addresses.csv", False)
    return home, population


def checked_rows(home: Path, rows: Iterable[dict[str, str]], start: int = 1) -> list[RowCheck]:
    """Request rows checked as a batch's rows numbered from `start`, under `home`'s policy."""
    policy, zips = policy_of(home), zip_prefixes()
    return [
        check_row(RequestRecord.of(i, row), policy, TODAY, zips)
        for i, row in enumerate(rows, start=start)
    ]


def decision_fields(one: DecisionRecord) -> tuple[object, ...]:
    """What two paths deciding the same request must agree on (not the batch or row)."""
    o = one.outcome
    return (
        o.decision,
        o.rule,
        o.reason_codes,
        o.evidence,
        o.disclosure,
        one.request_id,
        one.policy_version,
        one.model_version,
    )
