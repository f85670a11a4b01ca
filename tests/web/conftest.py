"""The whole app on a TestClient over a copy of one seeded world (see staff_world.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from disclosure_gateway.api.config import ApiSettings
from disclosure_gateway.app import create_app
from support.world import CLOCK, World, world
from web.staff_world import Site, TestClient, seed


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> World:
    """One seeded world for the session; each test gets its own copy (`site`)."""
    w: World = world.__wrapped__(tmp_path_factory.mktemp("web-world"))  # the fixture's body
    seed(w)
    return w


@pytest.fixture
def site(seeded: World, tmp_path: Path) -> Iterator[Site]:
    home = tmp_path / "home"
    shutil.copytree(seeded.home, home)
    copy = World(home, tmp_path / "batches", seeded.private_key)
    app = create_app(ApiSettings(home=home, run_jobs=False, clock=lambda: CLOCK))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield Site(client, copy)
