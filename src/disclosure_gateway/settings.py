"""The gateway's settings from the environment, in one frozen value.

| variable           | meaning                                                         |
|--------------------|-----------------------------------------------------------------|
| `DGW_DATABASE_URL` | the state store's server database, e.g.                          |
|                    | `postgresql+psycopg://dgw@127.0.0.1:5432/dgw`; unset or empty:   |
|                    | SQLite files in the home folder (`state.sqlite`, `anchor.sqlite`) |

The store folder itself (`DGW_HOME`) is read by the CLI's global `--home` option.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DATABASE_URL = "DGW_DATABASE_URL"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from `environ` (default: the process environment); blanks mean unset."""
        env = os.environ if environ is None else environ
        url = env.get(DATABASE_URL, "").strip()
        return cls(database_url=url or None)

    def __repr__(self) -> str:
        # A database URL may carry a password: never shown.
        shown = "None" if self.database_url is None else "'***'"
        return f"Settings(database_url={shown})"
