"""The policy file: defaults parse; every malformed setting is one clear BadInput."""

from __future__ import annotations

import pytest

from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.domain.policy import parse_policy

DEFAULT = packaged_text("policy-default.toml")


def test_default_policy_matches_spec_section_4() -> None:
    p = parse_policy(DEFAULT)
    assert p.eligible_statutes == ("8 U.S.C. 1253(a)(1)",)
    assert (p.min_days_since_order, p.lookback_years, p.reason_min_length) == (90, 6, 40)
    assert (p.reason_max_repeats, p.max_rows_per_officer) == (10, 250)
    assert p.disclosure_mode == "last_known_address"
    assert p.label.startswith(p.version + "@")


def test_label_changes_with_any_edit() -> None:
    edited = DEFAULT.replace("min_length = 40", "min_length = 41")
    assert parse_policy(edited).label != parse_policy(DEFAULT).label


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('mode = "last_known_address"', 'mode = "everything"', "disclosure.mode"),
        ("min_length = 40", 'min_length = "forty"', "integer"),
        ("min_length = 40", "min_length = true", "integer"),
        ("min_days_since_order = 90", "min_days_since_order = -1", "negative"),
        ("max_rows_per_officer = 250", "max_rows_per_officer = 0", "at least 1"),
        ('eligible = ["8 U.S.C. 1253(a)(1)"]', 'eligible = ["26 U.S.C. 7201"]', "Title 26"),
        ('eligible = ["8 U.S.C. 1253(a)(1)"]', 'eligible = ["8 U.S.C. 1227(a)(1)"]', "civil"),
        ('eligible = ["8 U.S.C. 1253(a)(1)"]', 'eligible = ["whatever"]', "cannot be parsed"),
        ("[caseload]", "[caseloads]", "missing setting caseload"),
        ("version =", "version", "not valid TOML"),
    ],
)
def test_bad_policies_are_refused(old: str, new: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        parse_policy(DEFAULT.replace(old, new))
