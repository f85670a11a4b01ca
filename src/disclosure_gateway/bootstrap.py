"""The one place adapters are wired to services: store paths, policy, reference data, clock."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.domain.geography import ZipPrefixes, parse_zip_prefixes
from disclosure_gateway.domain.policy import Policy, parse_policy
from disclosure_gateway.service.submission import Clock

POLICY_FILE = "policy.toml"


def policy_text(home: Path) -> str:
    """The policy in force: `HOME/policy.toml` when the agency installed one, else the default."""
    installed = home / POLICY_FILE
    if installed.is_file():
        return installed.read_text(encoding="utf-8")
    return packaged_text("policy-default.toml")


def policy(home: Path) -> Policy:
    return parse_policy(policy_text(home))


@lru_cache(maxsize=1)
def zip_prefixes() -> ZipPrefixes:
    return parse_zip_prefixes(packaged_text("zip3_state.csv"))


def system_clock() -> Clock:
    now = datetime.now(UTC)
    return Clock(today=now.date(), now=now.isoformat(timespec="seconds"))
