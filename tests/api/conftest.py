"""An API over a small world: a loaded master file, two agencies with tokens, staff users.

One app per module (its lifespan runs the batch worker); `as_token`/`as_user` give
clients that share the app, each with its own credentials.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from disclosure_gateway.adapters.storage.master_store import load_master
from disclosure_gateway.adapters.storage.state import Agency, StateStore
from disclosure_gateway.api.config import ApiSettings
from disclosure_gateway.api.deps import Gateway
from disclosure_gateway.app import create_app
from disclosure_gateway.domain.manifest import generate_keypair
from disclosure_gateway.service.identity import add_user, create_token
from support.world import ADDRESSES, CLOCK, TAXPAYERS, World

BASE = "http://127.0.0.1"
PASSWORD = "correct horse battery staple"
USERS = {
    "rev.one": ("reviewer",),
    "off.one": ("disclosure_officer",),
    "aud.one": ("auditor",),
    "adm.one": ("admin",),
    "dual.one": ("reviewer", "disclosure_officer"),
}
TAXPAYER_HEADER = ["tin", "tin_type", "first_name", "middle_name", "last_name", "suffix"]
ADDRESS_HEADER = ["tin", "street", "unit", "city", "state", "zip", "source", "effective_date"]


def build_world(root: Path) -> tuple[World, bytes]:
    """tests/support/world.py's world, in any folder; returns it and the agency's public key."""
    home = root / "home"
    tp, ad = root / "taxpayers.csv", root / "addresses.csv"
    with tp.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([[*TAXPAYER_HEADER, "birth_date"], *TAXPAYERS])
    with ad.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([[*ADDRESS_HEADER, "tax_year"], *ADDRESSES])
    load_master(home, tp, ad, skip_bad_rows=False)
    private, public = generate_keypair()
    with StateStore.open(home) as store:
        store.add_agency(Agency("DHS-ICE", public, ("Jane Doe",), True))
    world = World(home, root / "batches", private)
    (home / "policy.toml").write_text(world.policy_text(), encoding="utf-8")
    return world, public


@dataclass
class ApiWorld:
    world: World
    public_key: bytes
    app: FastAPI
    client: TestClient
    tokens: dict[str, str]
    _users: dict[str, TestClient] = field(default_factory=dict)

    @property
    def gateway(self) -> Gateway:
        gw = self.app.state.gateway
        assert isinstance(gw, Gateway)
        return gw

    def anonymous(self) -> TestClient:
        return TestClient(self.app, base_url=BASE)

    def as_token(self, agency: str = "DHS-ICE") -> TestClient:
        client = TestClient(self.app, base_url=BASE)
        client.headers["Authorization"] = f"Bearer {self.tokens[agency]}"
        return client

    def as_user(self, username: str) -> TestClient:
        if username not in self._users:
            client = TestClient(self.app, base_url=BASE)
            signed = client.post(
                "/api/v1/session", json={"username": username, "password": PASSWORD}
            )
            assert signed.status_code == 200, signed.text
            client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
            self._users[username] = client
        return self._users[username]

    def submit(self, batch_id: str, rows: list[dict[str, str]], token_of: str = "DHS-ICE",
               **manifest_changes: object) -> httpx.Response:  # fmt: skip
        """Sign a batch of DHS-ICE and upload it with `token_of`'s token."""
        manifest = self.world.batch(batch_id, rows, **manifest_changes)
        answer: httpx.Response = upload(self.as_token(token_of), manifest)
        return answer

    def run_all(self) -> None:
        assert self.gateway.jobs.wait_idle(60), "the batch worker did not finish in time"


def upload(client: TestClient, manifest: Path, records: Path | None = None) -> httpx.Response:
    records = records or manifest.parent / "requests.csv"
    answer: httpx.Response = client.post(
        "/api/v1/batches",
        files={
            "manifest": ("manifest.json", manifest.read_bytes(), "application/json"),
            "records": (records.name, records.read_bytes(), "text/csv"),
        },
    )
    return answer


def make_api(root: Path, **settings: object) -> Iterator[ApiWorld]:
    world, public = build_world(root)
    _, other_public = generate_keypair()
    with StateStore.open(world.home) as store:
        store.add_agency(Agency("DHS-CBP", other_public, ("John Roe",), True))
        for username, roles in USERS.items():
            add_user(store, username, PASSWORD, roles)
        tokens = {a: create_token(store, a, "tests") for a in ("DHS-ICE", "DHS-CBP")}
    app = create_app(ApiSettings(home=world.home, clock=lambda: CLOCK, **settings))  # type: ignore[arg-type]
    with TestClient(app, base_url=BASE) as client:
        yield ApiWorld(world, public, app, client, tokens)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    yield from make_api(tmp_path_factory.mktemp("api"))
