"""The review workflow: roles, the two-person rule, order, one accounting entry, legal holds.

Batch B1 of the small world: R1 discloses on its own; R2-R4 carry a typo in the name and
go to REVIEW (rule R8) for taxpayer 123456789, whose last known address is 9 Elm St.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from test_identity import PASSWORD, DbWorld, backend, db_world, dgw

from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.storage.master_store import MasterStore
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.domain.errors import BatchRefused, NotFound, NotPermitted, ReviewRefused
from disclosure_gateway.domain.model import Decision
from disclosure_gateway.service import review as review_service
from disclosure_gateway.service.audit import verify_accounting
from disclosure_gateway.service.identity import Principal, add_user
from disclosure_gateway.service.pipeline import run_batch
from disclosure_gateway.service.response import response_rows
from disclosure_gateway.service.review import (
    RULE_APPROVED,
    RULE_REFUSED,
    approve,
    propose,
    review_detail,
    review_queue,
    send_back,
)
from disclosure_gateway.service.submission import submit_batch
from disclosure_gateway.service.views import view_log
from support.world import CLOCK, request

__all__ = ["backend", "db_world"]

WHY = "the name differs by one letter only; the address and history agree"
PURPOSE = "deciding a review item"
REVIEWER = Principal("rita", frozenset({"reviewer"}), None, "user")
REVIEWER_2 = Principal("rui", frozenset({"reviewer"}), None, "user")
OFFICER = Principal("olga", frozenset({"disclosure_officer"}), None, "user")
BOTH = Principal("bea", frozenset({"reviewer", "disclosure_officer"}), None, "user")
AUDITOR = Principal("aldo", frozenset({"auditor"}), None, "user")
ADMIN = Principal("root", frozenset({"admin"}), None, "user")
REQUESTER = Principal("token:0123456789abcdef", frozenset({"requester"}), "DHS-ICE", "token")


@dataclass
class Desk:
    """An open store and master on a world whose batch B1 has run."""

    store: StateStore
    master: MasterStore
    db: DbWorld

    def accounting(self) -> list[tuple[str, int, str]]:
        return [(e.draft.kind, e.draft.row_no, e.draft.tin) for e in self.store.iter_accounting()]

    def decision(self, row_no: int) -> tuple[Decision, str]:
        found = {r.row_no: r for r in self.store.iter_decisions("B1")}[row_no]
        return found.outcome.decision, found.outcome.rule

    def steps(self) -> int:
        return len(self.db.sql("SELECT seq FROM review_actions"))


@pytest.fixture
def desk(db_world: DbWorld) -> Iterator[Desk]:
    world = db_world.world
    rows = [
        request("R1"),
        request("R2", first_name="Josr"),
        request("R3", first_name="Joes"),
        request("R4", last_name="Garcia Lopes"),
    ]
    manifest = world.batch("B1", rows)
    with db_world.store() as store, MasterStore.open(world.home) as master:
        submit_batch(store, world.files(), manifest, world.policy_text(), CLOCK)
        run_batch(store, world.files(), master, bootstrap.zip_prefixes(), "B1")
        yield Desk(store, master, db_world)


# -- roles: every function refuses every role it does not name ------------------------------
def test_the_queue_and_the_detail_admit_only_review_roles(desk: Desk) -> None:
    for who in (ADMIN, REQUESTER):
        with pytest.raises(NotPermitted) as refused:
            review_queue(desk.store, who)
        assert refused.value.code == "ROLE_REQUIRED"
        with pytest.raises(NotPermitted):
            review_detail(desk.store, desk.master, who, "B1", 2, PURPOSE)
    assert view_log(desk.store) == []
    for who in (REVIEWER, OFFICER, AUDITOR):
        items = review_queue(desk.store, who)
        assert [(i.row_no, i.request_id, i.state) for i in items] == [
            (2, "R2", "OPEN"),
            (3, "R3", "OPEN"),
            (4, "R4", "OPEN"),
        ]
        assert {(i.agency, i.candidate_tin, i.proposal) for i in items} == {
            ("DHS-ICE", "123456789", None)
        }


def test_only_a_reviewer_proposes_and_only_an_officer_approves(desk: Desk) -> None:
    for who in (OFFICER, AUDITOR, ADMIN, REQUESTER):
        with pytest.raises(NotPermitted):
            propose(desk.store, who, "B1", 2, "DISCLOSE", WHY)
    assert desk.steps() == 0
    propose(desk.store, REVIEWER_2, "B1", 2, "DISCLOSE", WHY)
    for who in (REVIEWER, AUDITOR, ADMIN, REQUESTER):
        with pytest.raises(NotPermitted):
            approve(desk.store, desk.master, who, "B1", 2, WHY)
        with pytest.raises(NotPermitted):
            send_back(desk.store, who, "B1", 2, WHY)
    assert desk.decision(2) == (Decision.REVIEW, "R8-BORDERLINE-REVIEW")
    assert desk.steps() == 1


def test_the_detail_is_logged_before_it_is_returned(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(Exception, match="purpose"):
        review_detail(desk.store, desk.master, AUDITOR, "B1", 2, "short")
    assert view_log(desk.store) == []
    with pytest.raises(NotFound):
        review_detail(desk.store, desk.master, AUDITOR, "B1", 1, PURPOSE)  # R1 never in review
    detail = review_detail(desk.store, desk.master, AUDITOR, "B1", 2, PURPOSE)
    [view] = view_log(desk.store)
    assert (view.viewer, view.batch_id, view.request_id, view.tin, view.purpose) == (
        "aldo",
        "B1",
        "R2",
        "123456789",
        PURPOSE,
    )
    assert detail.item.state == "OPEN"
    assert detail.request["first_name"] == "Josr"
    assert detail.request["street"] == "123 North Main Street"
    assert detail.candidate is not None
    assert detail.candidate["last_name"] == "García-López"
    assert detail.candidate["birth_date"] == "1980-02-02"
    streets = [a["street"] for a in detail.candidate["addresses"]]  # type: ignore[attr-defined]
    assert streets == ["123 N Main St", "9 Elm St"]
    assert detail.evidence["chosen"] == "123456789"

    def broken(*_: object) -> None:
        raise RuntimeError("master file unreadable")

    monkeypatch.setattr(review_service, "taxpayer_on_file", broken)
    with pytest.raises(RuntimeError):
        review_detail(desk.store, desk.master, REVIEWER, "B1", 3, "second look at R3")
    assert [v.request_id for v in view_log(desk.store)] == ["R3", "R2"]  # logged, survives


# -- the two-person rule and the order of steps ----------------------------------------------
def test_approve_needs_a_proposal_and_another_person(desk: Desk) -> None:
    with pytest.raises(ReviewRefused) as refused:
        approve(desk.store, desk.master, OFFICER, "B1", 2, WHY)
    assert refused.value.code == "NOT_PROPOSED"
    with pytest.raises(ReviewRefused) as refused:
        send_back(desk.store, OFFICER, "B1", 2, WHY)
    assert refused.value.code == "NOT_PROPOSED"
    item = propose(desk.store, BOTH, "B1", 2, "DISCLOSE", WHY)
    assert item.state == "PROPOSED"
    assert item.proposal is not None
    assert (item.proposal.action, item.proposal.by) == ("DISCLOSE", "bea")
    with pytest.raises(ReviewRefused) as refused:
        approve(desk.store, desk.master, BOTH, "B1", 2, WHY)
    assert refused.value.code == "TWO_PERSON_RULE"
    assert desk.decision(2) == (Decision.REVIEW, "R8-BORDERLINE-REVIEW")
    assert desk.accounting() == [("DISCLOSURE", 1, "123456789")]
    with pytest.raises(Exception, match="20 characters"):
        propose(desk.store, REVIEWER, "B1", 2, "DISCLOSE", "too short")
    with pytest.raises(Exception, match="DISCLOSE"):
        propose(desk.store, REVIEWER, "B1", 2, "MAYBE", WHY)
    with pytest.raises(NotFound):
        propose(desk.store, REVIEWER, "B1", 99, "DISCLOSE", WHY)
    with pytest.raises(NotFound):
        propose(desk.store, REVIEWER, "B1", 1, "DISCLOSE", WHY)


def test_an_approved_disclosure_is_accounted_once_and_verifies(desk: Desk) -> None:
    before = desk.accounting()
    propose(desk.store, REVIEWER, "B1", 2, "NO_DISCLOSURE", "first thought: not the same person")
    propose(desk.store, REVIEWER_2, "B1", 2, "DISCLOSE", WHY)  # supersedes; both kept
    [item] = [i for i in review_queue(desk.store, OFFICER) if i.row_no == 2]
    assert item.proposal is not None
    assert (item.proposal.action, item.proposal.by) == ("DISCLOSE", "rui")
    settled = approve(desk.store, desk.master, OFFICER, "B1", 2, "agreed: one typo, all else fits")
    assert settled.outcome.decision is Decision.DISCLOSED
    assert settled.outcome.rule == RULE_APPROVED
    shown = settled.outcome.disclosure
    assert shown is not None
    assert (shown.tin, shown.lka_street, shown.address_confirmed) == (
        "123456789",
        "9 Elm St",
        False,
    )
    review = settled.outcome.evidence["review"]
    assert isinstance(review, dict)
    assert (review["reviewer"], review["officer"], review["from_rule"]) == (
        "rui",
        "olga",
        "R8-BORDERLINE-REVIEW",
    )
    assert desk.accounting() == [*before, ("DISCLOSURE", 2, "123456789")]
    report = verify_accounting(desk.store)
    assert report.ok
    assert report.entries == 2
    entry = list(desk.store.iter_accounting())[-1].draft
    assert (entry.batch_id, entry.request_id, entry.agency, entry.official) == (
        "B1",
        "R2",
        "DHS-ICE",
        "Jane Doe",
    )
    assert entry.evidence["rule"] == RULE_APPROVED
    first = next(iter(desk.store.iter_accounting())).draft
    assert entry.disclosed == first.disclosed  # the same disclosure the batch run made for R1
    assert entry.statute == first.statute
    assert (entry.policy_version, entry.model_version) == (
        first.policy_version,
        first.model_version,
    )
    assert desk.decision(2) == (Decision.DISCLOSED, RULE_APPROVED)
    rows = {r["request_id"]: r for r in response_rows(desk.store, "B1")}
    assert rows["R2"]["decision"] == "DISCLOSED"
    assert rows["R2"]["lka_street"] == "9 Elm St"
    assert rows["R3"]["decision"] == "PENDING"
    for again in (
        lambda: approve(desk.store, desk.master, OFFICER, "B1", 2, WHY),
        lambda: propose(desk.store, REVIEWER, "B1", 2, "NO_DISCLOSURE", WHY),
        lambda: send_back(desk.store, OFFICER, "B1", 2, WHY),
    ):
        with pytest.raises(ReviewRefused) as refused:
            again()
        assert refused.value.code == "ALREADY_DECIDED"
    assert len(desk.accounting()) == 2
    assert desk.steps() == 3
    decided = review_queue(desk.store, AUDITOR, include_decided=True)
    assert [(i.row_no, i.state) for i in decided] == [(2, "DECIDED"), (3, "OPEN"), (4, "OPEN")]
    assert [i.row_no for i in review_queue(desk.store, AUDITOR)] == [3, 4]


def test_no_disclosure_on_review_writes_no_entry(desk: Desk) -> None:
    propose(
        desk.store, REVIEWER, "B1", 3, "NO_DISCLOSURE", "the birth year in the case file differs"
    )
    settled = approve(desk.store, desk.master, OFFICER, "B1", 3, "agreed; the identity is unsure")
    assert (settled.outcome.decision, settled.outcome.rule) == (
        Decision.NO_DISCLOSURE,
        RULE_REFUSED,
    )
    assert settled.outcome.disclosure is None
    assert desk.accounting() == [("DISCLOSURE", 1, "123456789")]
    assert verify_accounting(desk.store).ok
    rows = {r["request_id"]: r for r in response_rows(desk.store, "B1")}
    assert rows["R3"] == {"request_id": "R3", "decision": "NO_DISCLOSURE"}


def test_send_back_reopens_the_item(desk: Desk) -> None:
    propose(desk.store, REVIEWER, "B1", 4, "DISCLOSE", WHY)
    item = send_back(desk.store, OFFICER, "B1", 4, "look at the second surname again, please")
    assert (item.state, item.proposal) == ("OPEN", None)
    with pytest.raises(ReviewRefused) as refused:
        approve(desk.store, desk.master, OFFICER, "B1", 4, WHY)
    assert refused.value.code == "NOT_PROPOSED"
    assert propose(desk.store, REVIEWER, "B1", 4, "NO_DISCLOSURE", WHY).state == "PROPOSED"
    actions = desk.db.sql("SELECT action, proposal, by_name FROM review_actions ORDER BY seq")
    assert actions == [
        ("PROPOSE", "DISCLOSE", "rita"),
        ("SEND_BACK", "", "olga"),
        ("PROPOSE", "NO_DISCLOSURE", "rita"),
    ]


def test_a_step_on_a_stale_view_is_refused(desk: Desk) -> None:
    propose(desk.store, REVIEWER, "B1", 2, "DISCLOSE", WHY)
    with pytest.raises(ReviewRefused) as refused:  # acting on the item as it was before
        desk.store.add_review_step("B1", 2, 0, "PROPOSE", "NO_DISCLOSURE", "rui", WHY, "now")
    assert refused.value.code == "CHANGED_MEANWHILE"
    assert desk.steps() == 1


def test_review_steps_are_never_changed(desk: Desk) -> None:
    propose(desk.store, REVIEWER, "B1", 2, "DISCLOSE", WHY)
    for statement in ("UPDATE review_actions SET by_name = 'x'", "DELETE FROM review_actions"):
        with pytest.raises(Exception, match="never"):
            desk.db.sql(statement)
    assert desk.steps() == 1


# -- holds and safeguards ---------------------------------------------------------------------
@pytest.mark.parametrize("block", ["hold", "safeguards"])
def test_a_disclose_approval_under_a_hold_changes_nothing(
    desk: Desk, block: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    propose(desk.store, REVIEWER, "B1", 2, "DISCLOSE", WHY)
    if block == "hold":
        desk.store.hold_on("court order", "ops")
    else:
        desk.store.set_safeguards("DHS-ICE", False)
    expected = "LEGAL_HOLD" if block == "hold" else "SAFEGUARDS_NOT_CURRENT"
    with pytest.raises(BatchRefused) as refused:
        approve(desk.store, desk.master, OFFICER, "B1", 2, WHY)
    assert refused.value.code == expected
    # the store itself refuses inside the transaction, even if the service's check is skipped
    monkeypatch.setattr(review_service, "_clear_to_disclose", lambda *_: None)
    with pytest.raises(BatchRefused) as refused:
        approve(desk.store, desk.master, OFFICER, "B1", 2, WHY)
    assert refused.value.code == expected
    assert desk.decision(2) == (Decision.REVIEW, "R8-BORDERLINE-REVIEW")
    assert desk.accounting() == [("DISCLOSURE", 1, "123456789")]
    assert desk.steps() == 1
    assert verify_accounting(desk.store).ok


def test_an_address_no_longer_corroborated_is_not_disclosed(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    propose(desk.store, REVIEWER, "B1", 2, "DISCLOSE", WHY)
    monkeypatch.setattr(review_service, "taxpayer_on_file", lambda *_: None)
    with pytest.raises(ReviewRefused) as refused:
        approve(desk.store, desk.master, OFFICER, "B1", 2, WHY)
    assert refused.value.code == "NOT_CORROBORATED"
    assert desk.decision(2) == (Decision.REVIEW, "R8-BORDERLINE-REVIEW")
    assert len(desk.accounting()) == 1


# -- the CLI -----------------------------------------------------------------------------------
def test_cli_review_flow(
    desk: Desk,
    tmp_path: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = desk.db.home
    for name, role in (("rita", "reviewer"), ("olga", "disclosure_officer")):
        add_user(desk.store, name, PASSWORD, [role])

    def run(*args: str) -> tuple[int, str, str]:
        return dgw(home, monkeypatch, capsys, *args)

    code, out, _ = run("review", "list", "--as", "rita")
    assert code == 0
    assert "R2" in out
    code, _, err = run("review", "list", "--as", "nobody")
    assert code == 2
    code, out, _ = run("review", "show", "B1", "2", "--as", "rita", "--purpose", PURPOSE)
    assert code == 0
    assert "García-López" in out
    assert [v.viewer for v in view_log(desk.store)] == ["rita"]
    code, _, err = run("review", "approve", "B1", "2", "--as", "rita", "--reason", WHY)
    assert code == 2
    assert "disclosure_officer" in err
    code, out, _ = run(
        "review", "propose", "B1", "2", "--as", "rita", "--disclose", "--reason", WHY
    )
    assert code == 0
    assert "PROPOSED" in out
    code, out, _ = run("review", "approve", "B1", "2", "--as", "olga", "--reason", WHY)
    assert code == 0
    assert "DISCLOSED" in out
    assert len(desk.accounting()) == 2
    assert verify_accounting(desk.store).ok
