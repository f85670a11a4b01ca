"""The service itself on PostgreSQL: the same API flows as on SQLite, state on the server.

Runs when `DGW_TEST_POSTGRES_URL` names a server (CI starts one; without it this module is
skipped locally and FAILS under CI, like the store's contract tests).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.conftest import ApiWorld, make_api

# Imported tests are collected here again and run against this module's `api` fixture:
# the review flow (two-person rule, accounting, chain) and send-back, on PostgreSQL.
from api.test_batches_api import (  # noqa: F401
    test_a_batch_id_is_accepted_once,
    test_a_batch_is_accepted_run_and_answered,
    test_a_manifest_of_another_agency_is_403_and_nothing_is_kept,
    test_a_requester_sees_only_its_own_agencys_batches,
    test_cli_and_api_give_identical_responses,
)
from api.test_review_audit_api import *  # noqa: F403
from support.pg import drop_database

POSTGRES_URL = os.environ.get("DGW_TEST_POSTGRES_URL", "").strip()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    """The API world with every store call on a fresh PostgreSQL database."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set DGW_TEST_POSTGRES_URL: the service did not run on PostgreSQL")
        pytest.skip("DGW_TEST_POSTGRES_URL is not set (the PostgreSQL half runs in CI)")
    server = make_url(POSTGRES_URL)
    name = f"dgw_api_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text(f"CREATE DATABASE {name}"))
    url = server.set(database=name).render_as_string(hide_password=False)
    saved = os.environ.get("DGW_DATABASE_URL")
    os.environ["DGW_DATABASE_URL"] = url  # the world's own store calls, made at set-up
    try:
        yield from make_api(tmp_path_factory.mktemp("api-pg"), database_url=url)
    finally:
        if saved is None:
            os.environ.pop("DGW_DATABASE_URL", None)
        else:
            os.environ["DGW_DATABASE_URL"] = saved
        drop_database(admin, name)
        admin.dispose()


def test_state_lives_on_the_server(api: ApiWorld) -> None:
    assert api.gateway.settings.database_url is not None
    assert not (api.world.home / "state.sqlite").exists()
