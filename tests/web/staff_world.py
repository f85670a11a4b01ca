"""A small world with one REVIEW item and staff users, for the page and browser tests."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

from disclosure_gateway.adapters.storage.master_store import MasterStore
from disclosure_gateway.bootstrap import zip_prefixes
from disclosure_gateway.service.identity import add_user
from disclosure_gateway.service.pipeline import run_batch
from disclosure_gateway.service.submission import submit_batch
from support.world import CLOCK, World, request

with warnings.catch_warnings():  # starlette asks for httpx2; the lead pins the test client
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
USERS = {
    "rita": ("reviewer",),
    "pat": ("reviewer", "disclosure_officer"),  # may propose and approve, never both on one item
    "olga": ("disclosure_officer",),
    "ada": ("auditor",),
    "root": ("admin",),
}
BATCH = "ICE-2026-000777"
# Row 1 discloses; row 2 holds a typo in the first name: one plausible taxpayer -> REVIEW;
# row 3 is refused (the 2025 placeholder address).
ROWS = [
    request("R1"),
    request("R2", first_name="Josr"),
    request("R3", street="Don't Care 12345", unit=""),
]


def seed(w: World) -> str:
    """Submit and run the batch, add the staff users; the REVIEW row's batch id."""
    with w.store() as store:
        submit_batch(store, w.files(), w.batch(BATCH, ROWS), w.policy_text(), CLOCK)
        with MasterStore.open(w.home) as master:
            run_batch(store, w.files(), master, zip_prefixes(), BATCH)
        for name, roles in USERS.items():
            add_user(store, name, PASSWORD, roles)
    return BATCH


@dataclass
class Site:
    client: TestClient
    world: World

    def login(self, username: str) -> str:
        """Sign in through the form; the session's CSRF token from the next page."""
        self.client.cookies.clear()
        form = self.client.get("/login")
        token = csrf_of(form.text)
        done = self.client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf": token}
        )
        assert done.status_code == 200, done.text[:300]
        return csrf_of(done.text)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "no CSRF token in the page"
    return found.group(1)
