"""Every endpoint admits only its roles: each refused (role, endpoint) pair is tested, and
anonymous callers get 401 everywhere but sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.conftest import ApiWorld
from disclosure_gateway.api.app import ROUTERS
from disclosure_gateway.service.identity import ROLES
from support.world import request

V = "/api/v1"
EVERYONE = frozenset(ROLES)
REVIEW_READERS = frozenset({"reviewer", "disclosure_officer", "auditor"})
REASON = {"reason": "The evidence in the file supports this outcome clearly."}
PURPOSE = {"purpose": "quality review of a pending item"}
VERIFY = {"official": "Jane Doe", "record": {"request_id": "X1"}}

# (method, route path, path filled in, who may call it, json body, query)
ENDPOINTS: list[tuple[str, str, str, frozenset[str], Any, dict[str, str]]] = [
    ("POST", "/batches", "/batches", frozenset({"requester"}), None, {}),
    ("GET", "/batches", "/batches", EVERYONE, None, {}),
    ("GET", "/batches/{batch_id}", "/batches/RB1", EVERYONE, None, {}),
    ("GET", "/batches/{batch_id}/response", "/batches/RB1/response",
     frozenset({"requester"}), None, {}),
    ("POST", "/verify", "/verify", frozenset({"requester"}), VERIFY, {}),
    ("GET", "/review", "/review", REVIEW_READERS, None, {}),
    ("GET", "/review/{batch_id}/{row_no}", "/review/RB1/1", REVIEW_READERS, None, PURPOSE),
    ("POST", "/review/{batch_id}/{row_no}/propose", "/review/RB1/1/propose",
     frozenset({"reviewer"}), {"action": "DISCLOSE", **REASON}, {}),
    ("POST", "/review/{batch_id}/{row_no}/approve", "/review/RB1/1/approve",
     frozenset({"disclosure_officer"}), REASON, {}),
    ("POST", "/review/{batch_id}/{row_no}/send-back", "/review/RB1/1/send-back",
     frozenset({"disclosure_officer"}), REASON, {}),
    ("GET", "/accounting", "/accounting", frozenset({"auditor"}), None, {}),
    ("GET", "/accounting/verify", "/accounting/verify", frozenset({"auditor"}), None, {}),
    ("GET", "/accounting/export.csv", "/accounting/export.csv", frozenset({"auditor"}), None, {}),
    ("GET", "/accounting/yearly", "/accounting/yearly", frozenset({"auditor"}), None,
     {"year": "2026"}),
    ("GET", "/decisions/{batch_id}/{request_id}", "/decisions/RB1/R1", frozenset({"auditor"}),
     None, PURPOSE),
    ("GET", "/views", "/views", frozenset({"auditor"}), None, {}),
]  # fmt: skip
SESSION_ROUTES = {("POST", "/session"), ("DELETE", "/session")}
ROLE_USERS = {
    "reviewer": "rev.one",
    "disclosure_officer": "off.one",
    "auditor": "aud.one",
    "admin": "adm.one",
}
REFUSED = [
    pytest.param(role, method, filled, body, query, id=f"{role}-{method}-{route}")
    for method, route, filled, allowed, body, query in ENDPOINTS
    for role in ROLES
    if role not in allowed
]


def client_for(api: ApiWorld, role: str) -> TestClient:
    return api.as_token() if role == "requester" else api.as_user(ROLE_USERS[role])


def call(client: TestClient, method: str, path: str, body: Any, query: dict[str, str]) -> Any:
    return client.request(method, V + path, json=body, params=query)


def test_the_table_covers_every_api_route(api: ApiWorld) -> None:
    routes = {
        (method, route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    tabled = {(method, route) for method, route, *_ in ENDPOINTS} | SESSION_ROUTES
    assert routes == tabled


@pytest.mark.parametrize(("role", "method", "path", "body", "query"), REFUSED)
def test_a_role_outside_the_endpoints_roles_is_refused(
    api: ApiWorld, role: str, method: str, path: str, body: Any, query: dict[str, str]
) -> None:
    answer = call(client_for(api, role), method, path, body, query)
    assert answer.status_code == 403, answer.text
    assert answer.json() == {
        "error": {"code": "ROLE_REQUIRED", "message": answer.json()["error"]["message"]}
    }


@pytest.mark.parametrize(
    ("method", "path", "body", "query"),
    [pytest.param(m, f, b, q, id=f"{m}-{r}") for m, r, f, _, b, q in ENDPOINTS]
    + [pytest.param("DELETE", "/session", None, {}, id="DELETE-/session")],
)
def test_anonymous_callers_get_401(
    api: ApiWorld, method: str, path: str, body: Any, query: dict[str, str]
) -> None:
    answer = call(api.anonymous(), method, path, body, query)
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == "UNAUTHENTICATED"
    assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer dgw_0123456789abcdef_" + "x" * 43, "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer"],
)
def test_a_bad_bearer_token_is_401_even_with_a_valid_session(
    api: ApiWorld, authorization: str
) -> None:
    client = api.as_user("aud.one")
    answer = client.get(V + "/views", headers={"Authorization": authorization})
    assert answer.status_code == 401
    assert client.get(V + "/views").status_code == 200  # the session alone still works


def test_a_revoked_token_is_401(api: ApiWorld) -> None:
    from disclosure_gateway.service.identity import create_token, revoke_token

    token = create_token(api.gateway.store, "DHS-ICE", "to revoke")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.anonymous().get(V + "/batches", headers=headers).status_code == 200
    revoke_token(api.gateway.store, token.split("_")[1])
    assert api.anonymous().get(V + "/batches", headers=headers).status_code == 401


def test_a_change_by_cookie_needs_the_csrf_header(api: ApiWorld) -> None:
    assert api.submit("RB1", [request("R1", first_name="Josr")]).status_code == 202
    api.run_all()
    reviewer = api.as_user("rev.one")
    path = V + "/review/RB1/1/propose"
    body = {"action": "DISCLOSE", **REASON}
    for sent in ({"X-CSRF-Token": ""}, {"X-CSRF-Token": "forged-token-value"}):
        answer = reviewer.post(path, json=body, headers=sent)
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "CSRF_FAILED"
    queue = reviewer.get(V + "/review").json()
    assert [i["state"] for i in queue if i["batch_id"] == "RB1"] == ["OPEN"]  # nothing changed
