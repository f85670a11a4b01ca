"""Retrieval finds at a supplied address only the taxpayers whose address row corroborates it.

The neighbours who merely share the house number and ZIP can be neither disclosed nor make
a request ambiguous (a plausible candidate needs a corroborating address), so leaving them
out changes no decision: on generated noisy requests, every decision, rule and disclosure
is the one made with everyone at the house number and ZIP, and the evidence names a subset.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.linkage.splink_scorer import SplinkScorer
from disclosure_gateway.adapters.reference.nicknames import packaged_nickname_table
from disclosure_gateway.adapters.storage.master_lookup import MasterLookup
from disclosure_gateway.adapters.storage.master_store import MasterStore, RequestKeys
from disclosure_gateway.domain.address_match import AddressLevel, compare_addresses
from disclosure_gateway.domain.decision import Candidate, decide
from disclosure_gateway.domain.model import REQUEST_COLUMNS
from disclosure_gateway.domain.rules import RowCheck
from disclosure_gateway.service.pipeline import with_scores
from disclosure_gateway.synth.requests import generate_batch
from support.world import TODAY, checked_rows, generated_master


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[RowCheck]]:
    home, population = generated_master(tmp_path_factory.mktemp("retrieval"), 1500, 5)
    batch = generate_batch(population, 400, 5, "hard", TODAY)
    checks = checked_rows(home, (dict(zip(REQUEST_COLUMNS, r, strict=True)) for r in batch.records))
    return home, [c for c in checks if c.name is not None and c.address is not None]


def _tins(cands: list[Candidate]) -> set[str]:
    return {c.taxpayer.tin for c in cands}


def test_decisions_are_those_made_with_everyone_at_the_house_and_zip(
    loaded: tuple[Path, list[RowCheck]],
) -> None:
    home, checks = loaded
    policy = bootstrap.policy(home)
    nicknames = packaged_nickname_table()
    wide_keys = [
        RequestKeys(c.row_no, c.address.house_number, c.address.zip5, c.tin)
        for c in checks
        if c.address is not None
    ]
    keys = [RequestKeys.of(c.row_no, c.address, c.tin) for c in checks if c.address is not None]
    with MasterStore.open(home) as master:
        wide, narrow = master.candidates(wide_keys), master.candidates(keys)
    with SplinkScorer(home) as scorer:
        pairs = scorer.score(checks, {c.taxpayer.tin for cs in wide.values() for c in cs})
    dropped = 0
    for check in checks:
        assert check.address is not None
        everyone = with_scores(wide.get(check.row_no, []), pairs.get(check.row_no, []))
        found = with_scores(narrow.get(check.row_no, []), pairs.get(check.row_no, []))
        assert _tins(found) <= _tins(everyone)
        dropped += len(everyone) - len(found)
        before = decide(check, (), everyone, policy, TODAY, nicknames)
        after = decide(check, (), found, policy, TODAY, nicknames)
        assert (after.decision, after.rule, after.disclosure) == (
            before.decision,
            before.rule,
            before.disclosure,
        ), check.row_no
        for cand in everyone:
            if cand.taxpayer.tin not in _tins(found):  # left out: nothing corroborates
                assert cand.taxpayer.tin != check.tin
                levels = [
                    compare_addresses(check.address, a.std).level
                    for a in cand.addresses
                    if a.std is not None
                ]
                assert set(levels) <= {AddressLevel.NONE}
    assert dropped >= 50  # the generated world has neighbours at one house number and ZIP


def test_point_retrieval_leaves_out_the_same_neighbours(
    loaded: tuple[Path, list[RowCheck]],
) -> None:
    home, checks = loaded
    keys = [RequestKeys.of(c.row_no, c.address, c.tin) for c in checks if c.address is not None]
    with MasterStore.open(home) as batch, MasterLookup.open(home) as point:
        whole = batch.candidates(keys)
        assert point.candidates(keys) == whole
        for key in keys[:150]:
            assert point.candidates([key]) == batch.candidates([key])
