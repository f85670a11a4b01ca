"""The versioned disclosure policy (SPEC §4) as a frozen value, parsed from TOML text."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from typing import Any

from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.domain.statutes import CIVIL_IMMIGRATION_SECTIONS, parse_statute

DISCLOSURE_MODES = ("last_known_address", "confirm_only")
MODELS = ("splink", "none")


@dataclass(frozen=True, slots=True)
class Policy:
    version: str
    digest: str
    eligible_statutes: tuple[str, ...]
    min_days_since_order: int
    lookback_years: int
    reason_min_length: int
    reason_max_repeats: int
    max_rows_per_officer: int
    max_requests_per_agency_per_day: int
    request_records_days: int
    disclosure_mode: str
    auto_name_levels: tuple[str, ...]
    street_typo_auto_name_levels: tuple[str, ...]
    review_name_levels: tuple[str, ...]
    lower_probability: float
    upper_probability: float
    review_enabled: bool
    model: str

    @property
    def label(self) -> str:
        """What a decision records: the version and the first 12 hex digits of the file's digest."""
        return f"{self.version}@{self.digest[:12]}"


def _get(table: dict[str, Any], path: str, kind: type) -> Any:
    node: Any = table
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise BadInput(f"policy: missing setting {path}")
        node = node[part]
    if kind is float and isinstance(node, int) and not isinstance(node, bool):
        node = float(node)
    if kind is int and (isinstance(node, bool) or not isinstance(node, int)):
        raise BadInput(f"policy: {path} must be an integer")
    if not isinstance(node, kind):
        raise BadInput(f"policy: {path} must be a {kind.__name__}")
    return node


NAME_LEVELS = (
    "exact",
    "nickname",
    "surname_subset",
    "second_surname_only",
    "middle_as_first",
    "swapped",
    "typo",
)


def _levels(table: dict[str, Any], path: str) -> tuple[str, ...]:
    levels = _get(table, path, list)
    unknown = [x for x in levels if x not in NAME_LEVELS]
    if unknown:
        raise BadInput(
            f"policy: {path} has unknown level(s) {unknown}; known: {', '.join(NAME_LEVELS)}"
        )
    return tuple(levels)


def _probability(table: dict[str, Any], path: str) -> float:
    value = _get(table, path, float)
    if not 0.0 <= value <= 1.0:
        raise BadInput(f"policy: {path} must be between 0 and 1")
    return float(value)


def parse_policy(text: str) -> Policy:
    """Parse and validate a policy file's text; every problem is a BadInput with one line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"policy: not valid TOML ({exc})") from exc
    statutes = _get(data, "statutes.eligible", list)
    if not all(isinstance(s, str) and s.strip() for s in statutes):
        raise BadInput("policy: statutes.eligible must be a list of non-empty strings")
    for listed in statutes:
        statute = parse_statute(listed)
        if statute is None:
            raise BadInput(f"policy: eligible statute {listed!r} cannot be parsed")
        if statute.title == 26 or (statute.title, statute.section) in CIVIL_IMMIGRATION_SECTIONS:
            raise BadInput(
                f"policy: {listed!r} is a Title 26 or civil provision and can never be eligible"
            )
    mode = _get(data, "disclosure.mode", str)
    if mode not in DISCLOSURE_MODES:
        raise BadInput(f"policy: disclosure.mode must be one of {', '.join(DISCLOSURE_MODES)}")
    policy = Policy(
        version=_get(data, "version", str),
        digest=hashlib.sha256(text.encode()).hexdigest(),
        eligible_statutes=tuple(statutes),
        min_days_since_order=_get(data, "removal_order.min_days_since_order", int),
        lookback_years=_get(data, "tax_periods.lookback_years", int),
        reason_min_length=_get(data, "reason.min_length", int),
        reason_max_repeats=_get(data, "reason.max_rows_with_same_text", int),
        max_rows_per_officer=_get(data, "caseload.max_rows_per_officer", int),
        request_records_days=_get(data, "retention.request_records_days", int),
        max_requests_per_agency_per_day=_get(data, "limits.max_requests_per_agency_per_day", int),
        disclosure_mode=mode,
        auto_name_levels=_levels(data, "matching.auto_name_levels"),
        street_typo_auto_name_levels=_levels(data, "matching.street_typo_auto_name_levels"),
        review_name_levels=_levels(data, "matching.review_name_levels"),
        lower_probability=_probability(data, "matching.lower_probability"),
        upper_probability=_probability(data, "matching.upper_probability"),
        review_enabled=_get(data, "matching.review", bool),
        model=_get(data, "matching.model", str),
    )
    if policy.model not in MODELS:
        raise BadInput(f"policy: matching.model must be one of {', '.join(MODELS)}")
    if policy.lower_probability > policy.upper_probability:
        raise BadInput("policy: matching.lower_probability must not exceed upper_probability")
    for name in (
        "min_days_since_order",
        "lookback_years",
        "reason_min_length",
        "request_records_days",
    ):
        if getattr(policy, name) < 0:
            raise BadInput(f"policy: {name} must not be negative")
    for name in ("reason_max_repeats", "max_rows_per_officer", "max_requests_per_agency_per_day"):
        if getattr(policy, name) < 1:
            raise BadInput(f"policy: {name} must be at least 1")
    return policy
