"""One request, interactively: decided exactly as the same row in a batch, kept as a batch."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_identity import DbWorld, backend, db_world, dgw

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.storage.master_store import MasterStore
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.domain.errors import BadInput, BatchRefused, NotPermitted
from disclosure_gateway.domain.model import Decision
from disclosure_gateway.service.audit import verify_accounting
from disclosure_gateway.service.identity import Principal, authenticate_token, create_token
from disclosure_gateway.service.pipeline import run_batch
from disclosure_gateway.service.response import response_rows
from disclosure_gateway.service.submission import submit_batch
from disclosure_gateway.service.verify import verify_request
from support.world import CLOCK, decision_fields, request

__all__ = ["backend", "db_world"]

ROWS = [
    request("V1"),  # discloses
    request("V2", first_name="Josr"),  # a typo: review
    request("V3", first_name="Ana", last_name="Cruz", statute="26 USC 7201"),  # rejected
    request(  # father and son at one address: ambiguous
        "V4",
        first_name="Robert",
        last_name="Smith",
        street="55 Oak Ave",
        unit="",
        city="Dallas",
        zip="75201",
    ),
    request("V5", street="77 Nowhere Rd"),  # no candidate
]
BATCH_ID = re.compile(r"V-DHS-ICE-20261120120000-[0-9a-f]{8}")


@pytest.fixture
def requester(db_world: DbWorld) -> Principal:
    """A requester principal from a real token; the policy in force is the world's."""
    (db_world.home / bootstrap.POLICY_FILE).write_text(
        db_world.world.policy_text(), encoding="utf-8"
    )
    with db_world.store() as store:
        who = authenticate_token(store, create_token(store, "DHS-ICE", "tests"))
    assert who is not None
    return who


def test_a_single_request_is_decided_as_the_same_row_of_a_batch(
    db_world: DbWorld, requester: Principal
) -> None:
    world = db_world.world
    manifest = world.batch("B1", ROWS)
    with db_world.store() as store, MasterStore.open(world.home) as master:
        submit_batch(store, world.files(), manifest, bootstrap.policy_text(world.home), CLOCK)
        run_batch(store, world.files(), master, bootstrap.zip_prefixes(), "B1")
        in_batch = {r.request_id: r for r in store.iter_decisions("B1")}
        single = {
            row["request_id"]: verify_request(store, master, requester, "jane  DOE", row, CLOCK)
            for row in ROWS
        }
        decisions = [single[r].outcome.decision for r in ("V1", "V2", "V3", "V4", "V5")]
        assert decisions == [
            Decision.DISCLOSED,
            Decision.REVIEW,
            Decision.REJECTED,
            Decision.NO_DISCLOSURE,
            Decision.NO_DISCLOSURE,
        ]
        for request_id, decided in single.items():
            assert decision_fields(decided) == decision_fields(in_batch[request_id])
            assert BATCH_ID.fullmatch(decided.batch_id)
            assert decided.row_no == 1
        assert len({d.batch_id for d in single.values()}) == len(ROWS)
        kept = store.get_batch(single["V1"].batch_id)
        assert kept is not None
        assert (kept.agency, kept.official, kept.record_count, kept.state) == (
            "DHS-ICE",
            "jane DOE",
            1,
            "DONE",
        )
        meta = json.loads(kept.manifest_json)
        assert (meta["kind"], meta["requested_by"]) == ("single", requester.name)
        folder = world.files().folder(kept.batch_id)
        assert sorted(p.name for p in folder.iterdir()) == [
            "manifest.json",
            "policy.toml",
            "records.jsonl",
            "tally.json",
        ]
        accounted = [(e.draft.batch_id, e.draft.request_id) for e in store.iter_accounting()]
        assert accounted == [("B1", "V1"), (kept.batch_id, "V1")]
        assert verify_accounting(store).ok
        [row] = response_rows(store, kept.batch_id)
        assert (row["decision"], row["lka_street"]) == ("DISCLOSED", "9 Elm St")


def test_who_and_what_may_ask(db_world: DbWorld, requester: Principal) -> None:
    staff = Principal("olga", frozenset({"disclosure_officer", "admin"}), None, "user")
    not_a_token = Principal("x", frozenset({"requester"}), "DHS-ICE", "user")
    with db_world.store() as store, MasterStore.open(db_world.home) as master:

        def ask(who: Principal, official: str = "Jane Doe", **changes: object) -> None:
            row: dict[str, object] = {**request("Q1"), **changes}
            verify_request(store, master, who, official, row, CLOCK)  # type: ignore[arg-type]

        with pytest.raises(NotPermitted) as refused:
            ask(staff)
        assert refused.value.code == "ROLE_REQUIRED"
        with pytest.raises(NotPermitted) as refused:
            ask(not_a_token)
        assert refused.value.code == "REQUESTER_TOKEN_REQUIRED"
        with pytest.raises(BatchRefused) as batch_refused:
            ask(requester, official="John Roe")
        assert batch_refused.value.code == "OFFICIAL_NOT_SIGNATORY"
        with pytest.raises(BadInput, match="unknown field"):
            ask(requester, income="1")
        with pytest.raises(BadInput, match="tin must be text"):
            ask(requester, tin=123456789)
        store.hold_on("court order", "ops")
        with pytest.raises(BatchRefused) as batch_refused:
            ask(requester)
        assert batch_refused.value.code == "LEGAL_HOLD"
        store.hold_off("lifted", "ops")
        store.set_safeguards("DHS-ICE", False)
        with pytest.raises(BatchRefused) as batch_refused:
            ask(requester)
        assert batch_refused.value.code == "SAFEGUARDS_NOT_CURRENT"
        assert store.list_batches() == []
        assert not (db_world.home / "batches").exists()


def test_cli_verify(
    db_world: DbWorld,
    requester: Principal,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    record = tmp_path / "record.json"
    record.write_text(json.dumps(request("C1")), encoding="utf-8")
    code, out, err = dgw(
        db_world.home,
        monkeypatch,
        capsys,
        "verify",
        "--agency",
        "DHS-ICE",
        "--official",
        "Jane Doe",
        "--record",
        str(record),
    )
    assert code == 0, err
    shown = json.loads(out)
    assert (shown["request_id"], shown["decision"], shown["lka_street"]) == (
        "C1",
        "DISCLOSED",
        "9 Elm St",
    )
    assert "tin" not in shown
    code, _, err = dgw(
        db_world.home,
        monkeypatch,
        capsys,
        "verify",
        "--agency",
        "DHS-ICE",
        "--official",
        "Nobody",
        "--record",
        str(record),
    )
    assert code == 2
    assert "signatory" in err
    with StateStore.open(db_world.home) as store:
        assert len(store.list_batches()) == 1
