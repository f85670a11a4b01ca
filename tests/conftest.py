"""Suite-wide isolation: no test may reach a database server chosen by the developer's shell."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_database_url_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DGW_DATABASE_URL", raising=False)
