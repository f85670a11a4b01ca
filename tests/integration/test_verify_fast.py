"""The single-request path: point retrieval, replayed Splink SQL, a long-lived Verifier.

Each part is checked against the batch path it stands in for, on a generated population
with noisy requests: `MasterLookup.candidates` against `MasterStore.candidates`,
`SingleScorer.score` and `LevelScorer.score` against `SplinkScorer.score` (PairScore
equality; tests/integration/test_level_scorer.py compares LevelScorer at length), and a
Verifier's decisions against the same rows' decisions in a batch run, with either scorer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.linkage.level_scorer import LevelScorer
from disclosure_gateway.adapters.linkage.single_scorer import SingleScorer
from disclosure_gateway.adapters.linkage.splink_scorer import SplinkScorer
from disclosure_gateway.adapters.storage.master_lookup import POINT_KEYS, MasterLookup
from disclosure_gateway.adapters.storage.master_store import MasterStore, RequestKeys, load_master
from disclosure_gateway.adapters.storage.state import Agency, StateStore
from disclosure_gateway.domain.decision import Candidate
from disclosure_gateway.domain.errors import BatchRefused, StoreError
from disclosure_gateway.domain.manifest import generate_keypair
from disclosure_gateway.domain.model import REQUEST_COLUMNS, Decision, DecisionRecord
from disclosure_gateway.domain.policy import parse_policy
from disclosure_gateway.domain.rules import (
    CASELOAD_IMPLAUSIBLE,
    DUPLICATE_REQUEST,
    REASON_NOT_SPECIFIC,
    RowCheck,
)
from disclosure_gateway.service import verify as verify_module
from disclosure_gateway.service.identity import Principal, authenticate_token, create_token
from disclosure_gateway.service.pipeline import run_batch
from disclosure_gateway.service.submission import submit_batch
from disclosure_gateway.service.verify import Verifier, close_verifiers, verifier_for
from disclosure_gateway.synth.requests import generate_batch
from support.world import (
    ADDRESSES,
    CLOCK,
    TAXPAYERS,
    TODAY,
    World,
    checked_rows,
    decision_fields,
    generated_master,
    request,
    write_master_files,
)

BATCH_CODES = {REASON_NOT_SPECIFIC, CASELOAD_IMPLAUSIBLE, DUPLICATE_REQUEST}


@dataclass
class Generated:
    world: World
    principal: Principal
    rows: list[dict[str, str]]
    checks: list[RowCheck]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """1,500 generated taxpayers, 300 noisy requests about them, the default policy."""
    root = tmp_path_factory.mktemp("verify-fast")
    home, population = generated_master(root, 1500, 11)
    private, public = generate_keypair()
    with StateStore.open(home) as store:
        store.add_agency(Agency("DHS-ICE", public, ("Jane Doe",), True))
        principal = authenticate_token(store, create_token(store, "DHS-ICE", "tests"))
    assert principal is not None
    batch = generate_batch(population, 300, 11, "hard", TODAY)
    rows = [dict(zip(REQUEST_COLUMNS, r, strict=True)) for r in batch.records]
    assert bootstrap.policy(home).model == "splink"
    checks = checked_rows(home, rows)
    return Generated(World(home, root / "batches", private), principal, rows, checks)


def _keys(checks: list[RowCheck], supplied: bool = True) -> list[RequestKeys]:
    """Retrieval's keys, with the supplied address (as the pipeline asks) or without."""
    return [
        RequestKeys.of(c.row_no, c.address, c.tin)
        if supplied
        else RequestKeys(c.row_no, c.address.house_number, c.address.zip5, c.tin)
        for c in checks
        if c.name is not None and c.address is not None
    ]


def _tins(cands: list[Candidate]) -> set[str]:
    return {c.taxpayer.tin for c in cands}


def test_point_retrieval_finds_what_the_batch_query_finds(generated: Generated) -> None:
    keys = _keys(generated.checks)
    assert len(keys) >= 250
    with (
        MasterStore.open(generated.world.home) as batch,
        MasterLookup.open(generated.world.home) as point,
    ):
        whole = batch.candidates(keys)
        assert point.candidates(keys) == whole  # a chunk (an IN list beyond POINT_KEYS)
        assert len(keys) > POINT_KEYS
        for key in keys:  # one by one: equality per key
            assert point.candidates([key]) == batch.candidates([key])
        assert point.candidates(keys[:3]) == {
            k.row_no: whole[k.row_no] for k in keys[:3] if k.row_no in whole
        }
        missing = RequestKeys(1, "99999", "00000", "000000000")
        assert point.candidates([missing]) == batch.candidates([missing]) == {}
        everyone = _keys(generated.checks, supplied=False)  # all at the house and ZIP
        assert point.candidates(everyone[:POINT_KEYS]) == batch.candidates(everyone[:POINT_KEYS])
        near = sum(len(c) for c in batch.candidates(everyone).values())
        assert near > sum(len(c) for c in whole.values())  # neighbours left out
    # the world holds households and namesakes: several candidates, supplied TINs
    assert sum(len(c) > 1 for c in whole.values()) >= 20
    assert any(k.tin for k in keys if k.row_no in whole)


@pytest.fixture(scope="module")
def scorers(generated: Generated) -> Iterator[tuple[SplinkScorer, SingleScorer]]:
    with SplinkScorer(generated.world.home) as batch, SingleScorer(generated.world.home) as one:
        yield batch, one


def test_replayed_sql_scores_exactly_as_splink(
    generated: Generated, scorers: tuple[SplinkScorer, SingleScorer]
) -> None:
    batch, one = scorers
    assert any(s.startswith("CREATE TABLE __splink__df_predict") for s in one.statements)
    with MasterStore.open(generated.world.home) as master:
        found = master.candidates(_keys(generated.checks))
    scored = [c for c in generated.checks if c.row_no in found]
    assert len(scored) >= 200
    every = {t for cands in found.values() for t in _tins(cands)}
    chunk = batch.score(scored, every)
    assert one.score(scored, every) == chunk  # a chunk, replayed at once
    pairs = 0
    for check in scored[:200]:  # one request at a time, as the Verifier asks
        tins = _tins(found[check.row_no])
        expected = [p for p in chunk.get(check.row_no, []) if p.tin in tins]
        got = one.score([check], tins)
        assert got == ({check.row_no: expected} if expected else {})
        pairs += len(expected)
    assert pairs >= 150
    for check in scored[:6]:  # and against SplinkScorer asked the same question
        tins = _tins(found[check.row_no])
        assert one.score([check], tins) == batch.score([check], tins)
    with LevelScorer(generated.world.home) as levels:  # the model evaluated in Python
        assert levels.score(scored, every) == chunk
        for check in scored[:100]:
            tins = _tins(found[check.row_no])
            assert levels.score([check], tins) == one.score([check], tins)
    assert one.score([], {"1"}) == {}
    assert one.score(scored[:1], set()) == {}


def test_each_request_is_decided_as_its_row_in_a_batch(generated: Generated) -> None:
    world, rows = generated.world, generated.rows[:50]
    with world.store() as store, MasterStore.open(world.home) as master:
        manifest = world.batch("BATCH-1", rows)
        submit_batch(store, world.files(), manifest, bootstrap.policy_text(world.home), CLOCK)
        run_batch(store, world.files(), master, bootstrap.zip_prefixes(), "BATCH-1")
        in_batch = list(store.iter_decisions("BATCH-1"))
        alone = [r for r in in_batch if not BATCH_CODES & set(r.outcome.reason_codes)]
        assert len(alone) >= 35
        with Verifier(world.home) as verifier:
            for record in alone:
                got = verifier.verify(
                    store, generated.principal, "Jane Doe", rows[record.row_no - 1], CLOCK
                )
                assert decision_fields(got) == decision_fields(record), record.row_no
                [kept] = store.iter_decisions(got.batch_id)
                assert kept == got
                info = store.get_batch(got.batch_id)
                assert info is not None
                assert (info.state, info.rows_done) == ("DONE", 1)
            assert isinstance(verifier.scorer, LevelScorer)  # the model evaluated in Python
    decided = {r.outcome.decision for r in alone}
    assert {Decision.DISCLOSED, Decision.REJECTED, Decision.NO_DISCLOSURE} <= decided
    assessed = [r.outcome.evidence.get("candidates") for r in alone]
    assert any("probability" in str(found) for found in assessed)  # the model took part


# -- the Verifier notices changes and serves threads: on the small world ------------------
@pytest.fixture
def asker(world: World) -> Principal:
    (world.home / bootstrap.POLICY_FILE).write_text(world.policy_text(), encoding="utf-8")
    with world.store() as store:
        found = authenticate_token(store, create_token(store, "DHS-ICE", "tests"))
    assert found is not None
    return found


def test_a_changed_policy_and_a_reloaded_master_are_noticed(
    world: World, asker: Principal, tmp_path: Path
) -> None:
    policy_file = world.home / bootstrap.POLICY_FILE
    with world.store() as store, Verifier(world.home) as verifier:
        first = verifier.verify(store, asker, "Jane Doe", request("P1"), CLOCK)
        assert first.outcome.decision is Decision.DISCLOSED
        opened = verifier.lookup
        changed = policy_file.read_text(encoding="utf-8").replace(
            "min_length = 40", "min_length = 41"
        )
        policy_file.write_text(changed, encoding="utf-8")
        second = verifier.verify(store, asker, "Jane Doe", request("P2"), CLOCK)
        assert second.policy_version == parse_policy(changed).label != first.policy_version
        assert verifier.lookup is opened  # the master file was kept open
        _reload_without(world.home, tmp_path, "9 Elm St")
        third = verifier.verify(store, asker, "Jane Doe", request("P3"), CLOCK)
        assert verifier.lookup is not opened
        assert third.outcome.disclosure is not None
        assert third.outcome.disclosure.lka_street != "9 Elm St"


def _reload_without(home: Path, folder: Path, street: str) -> None:
    addresses = [a for a in ADDRESSES if a[1] != street]
    tp, ad = write_master_files(folder, TAXPAYERS, addresses)
    load_master(home, tp, ad, skip_bad_rows=False)


def test_one_verifier_serves_many_threads(generated: Generated) -> None:
    """The API runs routes in a thread pool: one Verifier, requests at once, same answers."""
    rows, world = generated.rows[60:68], generated.world
    with world.store() as store:
        with Verifier(world.home) as alone:
            expected = [
                decision_fields(alone.verify(store, generated.principal, "Jane Doe", r, CLOCK))[:5]
                for r in rows
            ]
        shared = Verifier(world.home)
        got: dict[int, DecisionRecord] = {}
        failed: list[BaseException] = []

        def ask(i: int) -> None:
            try:
                got[i] = shared.verify(store, generated.principal, "Jane Doe", rows[i], CLOCK)
            except BaseException as exc:  # reported below
                failed.append(exc)

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(rows))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        shared.close()
    assert failed == []
    assert [decision_fields(got[i])[:5] for i in range(len(rows))] == expected
    assert len({d.batch_id for d in got.values()}) == len(rows)


def test_one_verifier_per_home_is_kept_open(world: World) -> None:
    try:
        first = verifier_for(world.home)
        assert verifier_for(world.home) is first
    finally:
        close_verifiers()
    assert verifier_for(world.home) is not first
    close_verifiers()


def test_a_request_is_recorded_whole_or_not_at_all(
    world: World, asker: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hold placed while the request is being decided: refused, and nothing is kept —
    no batch row, no decision, no accounting entry for an answer never given."""
    with world.store() as store, Verifier(world.home) as verifier:
        lawful = verifier.verify(store, asker, "Jane Doe", request("R1"), CLOCK)
        assert lawful.outcome.decision is Decision.DISCLOSED
        before = (len(store.list_batches()), len(list(store.iter_accounting())))
        decide = verifier.decide

        def hold_first(*args: object) -> object:
            store.hold_on("order served mid-request", "counsel")
            return decide(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(verifier, "decide", hold_first)
        with pytest.raises(BatchRefused, match="legal hold"):
            verifier.verify(store, asker, "Jane Doe", request("R1"), CLOCK)
        assert (len(store.list_batches()), len(list(store.iter_accounting()))) == before


def test_a_model_the_evaluator_does_not_understand_is_replayed_as_sql(
    generated: Generated, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The evaluator refuses the model at start: the Verifier scores by Splink's recorded
    SQL instead, and decides as it does with the evaluator."""
    rows, world = generated.rows[80:92], generated.world

    def decided(verifier: Verifier) -> list[tuple[object, ...]]:
        with world.store() as store:
            return [
                decision_fields(verifier.verify(store, generated.principal, "Jane Doe", r, CLOCK))
                for r in rows
            ]

    with Verifier(world.home) as verifier:
        evaluated = decided(verifier)
        assert isinstance(verifier.scorer, LevelScorer)

    def refuse(settings: object) -> None:
        raise StoreError("the model cannot be evaluated in Python: function soundex")

    monkeypatch.setattr(verify_module, "compile_model", refuse)
    with Verifier(world.home) as verifier:
        replayed = decided(verifier)
        assert isinstance(verifier.scorer, SingleScorer)
    assert replayed == evaluated
    assert any("probability" in str(d[3]) for d in evaluated)  # the model took part
