"""Review over HTTP (two-person rule, views logged first) and the auditor's reads."""

from __future__ import annotations

import csv
import io

from api.conftest import ApiWorld
from support.world import request

V = "/api/v1"
PURPOSE = {"purpose": "second look at a pending typo match"}
REASON = "The first name differs by one letter; address and surname agree fully."


def pending(api: ApiWorld, batch_id: str, **changes: str) -> str:
    """A finished one-row batch whose row is under review; returns the item's path."""
    assert (
        api.submit(batch_id, [request(f"{batch_id}-1", first_name="Josr", **changes)]).status_code
        == 202
    )
    api.run_all()
    return f"{V}/review/{batch_id}/1"


def entries(api: ApiWorld) -> list[dict[str, object]]:
    answer = api.as_user("aud.one").get(
        f"{V}/accounting", params={"batch": "", "since": "", "limit": 10000}
    )
    assert answer.status_code == 200
    return list(answer.json())


def test_review_flow_keeps_the_two_person_rule_and_accounts_the_disclosure(api: ApiWorld) -> None:
    item = pending(api, "RV-FLOW")
    reviewer, dual, officer = (api.as_user(u) for u in ("rev.one", "dual.one", "off.one"))
    queue = reviewer.get(f"{V}/review").json()
    assert {"batch_id": "RV-FLOW", "row_no": 1, "state": "OPEN"}.items() <= next(
        i for i in queue if i["batch_id"] == "RV-FLOW"
    ).items()
    assert reviewer.get(item).json()["error"]["code"] == "VALIDATION_FAILED"  # no purpose
    assert reviewer.get(item, params={"purpose": "look"}).status_code == 400  # too thin
    detail = reviewer.get(item, params=PURPOSE)
    assert detail.status_code == 200
    assert detail.json()["candidate"] is not None
    views = api.as_user("aud.one").get(f"{V}/views", params={"viewer": "rev.one"}).json()
    assert any(v["batch_id"] == "RV-FLOW" and v["tin"] == "123456789" for v in views)

    proposed = dual.post(f"{item}/propose", json={"action": "DISCLOSE", "reason": REASON})
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["state"] == "PROPOSED"
    same = dual.post(f"{item}/approve", json={"reason": REASON})
    assert (same.status_code, same.json()["error"]["code"]) == (409, "TWO_PERSON_RULE")

    before = len(entries(api))
    approved = officer.post(f"{item}/approve", json={"reason": REASON})
    assert approved.status_code == 200, approved.text
    assert (approved.json()["decision"], approved.json()["rule"]) == (
        "DISCLOSED", "R10-APPROVED-ON-REVIEW",
    )  # fmt: skip
    assert len(entries(api)) == before + 1
    again = officer.post(f"{item}/approve", json={"reason": REASON})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "ALREADY_DECIDED")
    chain = api.as_user("aud.one").get(f"{V}/accounting/verify").json()
    assert chain["ok"] is True, chain
    rows = list(
        csv.DictReader(io.StringIO(api.as_token().get(f"{V}/batches/RV-FLOW/response").text))
    )
    assert rows[0]["decision"] == "DISCLOSED"


def test_a_sent_back_item_is_open_again(api: ApiWorld) -> None:
    item = pending(api, "RV-BACK")
    reviewer, officer = api.as_user("rev.one"), api.as_user("off.one")
    assert officer.post(f"{item}/approve", json={"reason": REASON}).json()["error"]["code"] == (
        "NOT_PROPOSED"
    )
    assert (
        reviewer.post(
            f"{item}/propose", json={"action": "NO_DISCLOSURE", "reason": REASON}
        ).status_code
        == 200
    )
    back = officer.post(f"{item}/send-back", json={"reason": REASON})
    assert (back.status_code, back.json()["state"]) == (200, "OPEN")
    bad = reviewer.post(f"{item}/propose", json={"action": "MAYBE", "reason": REASON})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert api.as_user("rev.one").get(f"{V}/review/RV-BACK/9", params=PURPOSE).status_code == 404


def test_a_tin_search_needs_a_purpose_and_logs_each_entry_shown(api: ApiWorld) -> None:
    assert api.submit("AU-TIN", [request("AU-1")]).status_code == 202
    api.run_all()
    auditor = api.as_user("aud.one")
    refused = auditor.get(f"{V}/accounting", params={"tin": "123-45-6789"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "BAD_INPUT")
    thin = auditor.get(f"{V}/accounting", params={"tin": "123456789", "purpose": "x"})
    assert thin.status_code == 400
    found = auditor.get(
        f"{V}/accounting", params={"tin": "123-45-6789", "batch": "AU-TIN", **PURPOSE}
    ).json()
    assert [(e["batch_id"], e["request_id"], e["tin"]) for e in found] == [
        ("AU-TIN", "AU-1", "123456789")
    ]
    views = auditor.get(f"{V}/views", params={"viewer": "aud.one", "tin": "123456789"}).json()
    assert [(v["batch_id"], v["request_id"]) for v in views][:1] == [("AU-TIN", "AU-1")]
    nothing = auditor.get(f"{V}/accounting", params={"tin": "999887777", **PURPOSE}).json()
    assert nothing == []
    logged = auditor.get(f"{V}/views", params={"tin": "999887777"}).json()
    assert len(logged) == 1  # a search that found nothing is logged too
    by_agency = auditor.get(f"{V}/accounting", params={"agency": "DHS-CBP"}).json()
    assert by_agency == []
    later = auditor.get(f"{V}/accounting", params={"since": "2999-01-01"}).json()
    assert later == []


def test_the_export_neutralises_formulas(api: ApiWorld) -> None:
    assert api.submit("AU-CSV", [request("=HYPERLINK(1)")]).status_code == 202
    api.run_all()
    answer = api.as_user("aud.one").get(f"{V}/accounting/export.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    mine = [r for r in rows if r["batch_id"] == "AU-CSV"]
    assert [r["request_id"] for r in mine] == ["'=HYPERLINK(1)"]
    assert mine[0]["kind"] == "DISCLOSURE"
    assert "lka_street=9 Elm St" in mine[0]["disclosed"]


def test_yearly_counts_and_a_decision_view(api: ApiWorld) -> None:
    assert (
        api.submit("AU-DEC", [request("D-1"), request("D-2", statute="26 USC 7201")]).status_code
        == 202
    )
    api.run_all()
    auditor = api.as_user("aud.one")
    year = auditor.get(f"{V}/accounting/yearly", params={"year": 2026}).json()
    assert year["year"] == 2026
    assert year["total"]["disclosures"] >= 1
    assert [c["agency"] for c in year["by_agency"]] == ["DHS-ICE"]
    assert auditor.get(f"{V}/accounting/yearly", params={"year": 12}).status_code == 422
    path = f"{V}/decisions/AU-DEC/D-2"
    assert auditor.get(path).status_code == 422  # a purpose is required
    shown = auditor.get(path, params=PURPOSE).json()
    assert (shown["decision"], shown["disclosure"]) == ("REJECTED", None)
    assert "STATUTE_NOT_ELIGIBLE" in shown["reason_codes"]
    disclosed = auditor.get(f"{V}/decisions/AU-DEC/D-1", params=PURPOSE).json()
    assert disclosed["disclosure"]["tin"] == "123456789"
    views = auditor.get(f"{V}/views", params={"viewer": "aud.one"}).json()
    assert {("AU-DEC", "D-1", "123456789"), ("AU-DEC", "D-2", None)} <= {
        (v["batch_id"], v["request_id"], v["tin"]) for v in views
    }
    missing = auditor.get(f"{V}/decisions/AU-DEC/NOPE", params=PURPOSE)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "NOT_FOUND")
