"""Schemathesis against `/api/v1/openapi.json`: no 5xx ever, and errors never echo input.

The app is the one tests/api/conftest.py builds (module-scoped `api`). Schemathesis reaches
it in-process through its own ASGI client; each role has one such client carrying a
requester's bearer token or a staff session cookie with its CSRF header, and none of them
starts the app's lifespan a second time (the fixture's TestClient runs it). Every
operation of the document is run as every role with EXAMPLES generated cases (valid and
invalid data, Hypothesis, derandomized). Each case is sent either as generated, with a
distinctive marker appended to every text it carries, or aimed at a batch that exists
(so the review, decision and response routes get past "not found").

Checks on every answer: schemathesis' `not_a_server_error`; each 4xx is the one JSON error
envelope; no error echoes a marked body or query value. A marked path identifier (batch id)
may be echoed only where ECHOES_PATH_ID says: the review service names the batch id in its
"not found" and "already decided" messages today (not taxpayer data; staff routes only).

The schemathesis pytest plugin's lazy loader (`from_fixture`) does not work with pytest 9
(`Function._nodeid`), so the operations are driven with `APIOperation.as_strategy` under
`hypothesis.given`. The OpenAPI document does not describe the batch upload's multipart
body (the route streams it itself); the fixture adds that description before loading, so
schemathesis sends `manifest` and `records` parts instead of empty bodies.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.python.asgi import ASGIClient

from api.conftest import PASSWORD, ApiWorld
from disclosure_gateway.api.deps import CSRF_HEADER, SESSION_COOKIE
from support.world import request

V = "/api/v1"
MARKER = "Qvxzylophonequark"
PATH_MARKER = "Pzwyckmantle"
KNOWN_BATCH = "ST-KNOWN"
EXAMPLES = 10
OPERATIONS = 18
STAFF = {
    "reviewer": "rev.one",
    "disclosure_officer": "off.one",
    "auditor": "aud.one",
    "admin": "adm.one",
}
ROLES = ("anonymous", "requester", *STAFF)
ECHOES_PATH_ID = {
    f"{V}/review/{{batch_id}}/{{row_no}}",
    f"{V}/review/{{batch_id}}/{{row_no}}/propose",
    f"{V}/review/{{batch_id}}/{{row_no}}/approve",
    f"{V}/review/{{batch_id}}/{{row_no}}/send-back",
}
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["manifest", "records"],
                "properties": {
                    "manifest": {"type": "string", "format": "binary"},
                    "records": {"type": "string", "format": "binary"},
                },
            }
        }
    },
}


# -- what each case is sent as ------------------------------------------------------------
def _marked(value: Any, marker: str = MARKER) -> Any:
    """`value` with `marker` appended to every text or bytes in it (keys untouched)."""
    if isinstance(value, str):
        return value + marker
    if isinstance(value, bytes | bytearray):
        return bytes(value) + marker.encode()
    if isinstance(value, dict):
        return {k: _marked(v, marker) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked(v, marker) for v in value]
    return value


def _inject(case: schemathesis.Case) -> schemathesis.Case:
    case.path_parameters = _marked(case.path_parameters or {}, PATH_MARKER)
    case.query = _marked(case.query or {})
    if case.body is not NOT_SET:
        case.body = _marked(case.body)
    return case


def _known(case: schemathesis.Case) -> schemathesis.Case:
    params = dict(case.path_parameters or {})
    for name, value in (("batch_id", KNOWN_BATCH), ("row_no", 1), ("request_id", "K-1")):
        if name in params:
            params[name] = value
    case.path_parameters = params
    if case.query and "batch" in case.query:
        case.query = {**case.query, "batch": KNOWN_BATCH}
    return case


VARIANTS: dict[str, Callable[[schemathesis.Case], schemathesis.Case]] = {
    "as generated": lambda case: case,
    "marked": _inject,
    "known batch": _known,
}


# -- fixtures -----------------------------------------------------------------------------
def _sign_in(client: ASGIClient, username: str) -> None:
    answer = client.post(f"{V}/session", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers[CSRF_HEADER] = answer.json()["csrf_token"]
    client.headers["Cookie"] = f"{SESSION_COOKIE}={answer.cookies[SESSION_COOKIE]}"


@pytest.fixture(scope="module")
def clients(api: ApiWorld) -> dict[str, ASGIClient]:
    """One in-process client per role, after a finished batch with a review item (row 1)."""
    known = [request("K-1", first_name="Josr"), request("K-2"), request("K-3", statute="")]
    assert api.submit(KNOWN_BATCH, known).status_code == 202
    api.run_all()
    found = {role: ASGIClient(api.app) for role in ROLES}
    found["requester"].headers["Authorization"] = f"Bearer {api.tokens['DHS-ICE']}"
    for role, username in STAFF.items():
        _sign_in(found[role], username)
    return found


@pytest.fixture(scope="module")
def api_schema(api: ApiWorld) -> schemathesis.BaseSchema:
    doc = copy.deepcopy(api.client.get(f"{V}/openapi.json").json())
    doc["paths"][f"{V}/batches"]["post"]["requestBody"] = UPLOAD_BODY
    loaded = schemathesis.openapi.from_dict(doc)
    loaded.app = api.app
    return loaded


# -- checks -------------------------------------------------------------------------------
def no_echo(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Every 4xx answer is the error envelope, and no marked value is echoed in an error."""
    if response.status_code < 400:
        return
    assert MARKER not in response.text, response.text[:300]
    if case.path not in ECHOES_PATH_ID:
        assert PATH_MARKER not in response.text, response.text[:300]
    body = response.json()
    assert isinstance(body, dict), response.text[:300]
    assert list(body) == ["error"], response.text[:300]
    assert sorted(body["error"]) == ["code", "message"], response.text[:300]


def _exercise(client: ASGIClient, role: str, case: schemathesis.Case, variant: str) -> int:
    case = VARIANTS[variant](case)
    answer = case.call(session=client)
    case.validate_response(answer, checks=[not_a_server_error, no_echo])
    signed_out = case.method.upper() == "DELETE" and case.path == f"{V}/session"
    if signed_out and role in STAFF and answer.status_code == 204:
        _sign_in(client, STAFF[role])  # the case ended this role's session: sign in again
    return int(answer.status_code)


def _fuzz(operation: Any, client: ASGIClient, role: str) -> set[int]:
    """EXAMPLES cases of one operation (valid and invalid data) as `role`; their statuses."""
    statuses: set[int] = set()
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @hypothesis.given(case=cases, variant=st.sampled_from(sorted(VARIANTS)))
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(hypothesis.Phase.generate, hypothesis.Phase.shrink),
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def run(case: schemathesis.Case, variant: str) -> None:
        statuses.add(_exercise(client, role, case, variant))

    run()
    return statuses


@pytest.mark.parametrize("role", ROLES)
def test_no_operation_answers_a_server_error(
    role: str, api_schema: schemathesis.BaseSchema, clients: dict[str, ASGIClient]
) -> None:
    statuses = {
        f"{op.method.upper()} {op.path}": _fuzz(op, clients[role], role)
        for op in (result.ok() for result in api_schema.get_all_operations())
    }
    assert len(statuses) == OPERATIONS
    assert all(statuses.values())
    listed = statuses[f"GET {V}/batches"]
    if role == "anonymous":
        assert listed == {401}
    else:  # the role's credentials held through every case
        assert listed == {200}, listed


@dataclass
class _Answer:
    """Just what `no_echo` reads of a response."""

    status_code: int
    body: object

    @property
    def text(self) -> str:
        return json.dumps(self.body)

    def json(self) -> object:
        return self.body


@dataclass
class _Sent:
    path: str


def test_the_echo_check_fails_on_an_echo_or_a_bare_error() -> None:
    batch, review = _Sent(f"{V}/batches/{{batch_id}}"), _Sent(f"{V}/review/{{batch_id}}/{{row_no}}")
    refusals = (
        (batch, _Answer(422, {"error": {"code": "X", "message": f"bad {MARKER}"}})),
        (review, _Answer(422, {"error": {"code": "X", "message": f"bad {MARKER}"}})),
        (batch, _Answer(404, {"error": {"code": "NOT_FOUND", "message": f"{PATH_MARKER}"}})),
        (batch, _Answer(400, {"detail": "bad"})),
        (batch, _Answer(401, {"error": {"code": "X", "message": "m", "extra": "e"}})),
    )
    for sent, answer in refusals:
        with pytest.raises(AssertionError):
            no_echo(None, answer, sent)  # type: ignore[arg-type]
    no_echo(None, _Answer(404, {"error": {"code": "NOT_FOUND", "message": PATH_MARKER}}), review)  # type: ignore[arg-type]
    no_echo(None, _Answer(200, {"request_id": MARKER}), batch)  # type: ignore[arg-type]
