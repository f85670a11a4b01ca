"""One error envelope that never echoes taxpayer data; sessions; verify; the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.conftest import BASE, PASSWORD, ApiWorld
from disclosure_gateway.api.app import ROUTERS
from disclosure_gateway.api.deps import SESSION_COOKIE
from support.world import GOOD_REQUEST, request

V = "/api/v1"
DISTINCT = "Zebulon Quixotewhistle"


def is_envelope(body: object) -> bool:
    return (
        isinstance(body, dict)
        and list(body) == ["error"]
        and sorted(body["error"]) == ["code", "message"]
        and all(isinstance(v, str) and v for v in body["error"].values())
    )


def test_no_error_echoes_taxpayer_data(api: ApiWorld) -> None:
    first, last = DISTINCT.split()
    record = request("E1", first_name=first, last_name=last)
    client = api.as_token()
    answers = [
        client.post(f"{V}/verify", json={"official": "Nobody Known", "record": record}),
        client.post(
            f"{V}/verify", json={"official": "Jane Doe", "record": {**record, "zip": 77002}}
        ),
        client.post(
            f"{V}/verify", json={"official": "Jane Doe", "record": {**record, DISTINCT: "1"}}
        ),
        client.post(f"{V}/verify", content=f'{{"record": {{"first_name": "{DISTINCT}"'),
        client.post(f"{V}/verify", json={"record": record, "official": DISTINCT * 20}),
        api.submit("E-BAD", [request("E1", first_name=first, last_name=last)], record_count=3),
        client.get(f"{V}/batches/{DISTINCT}"),
        api.as_user("aud.one").get(f"{V}/decisions/X/{DISTINCT}", params={"purpose": DISTINCT}),
        api.as_user("aud.one").get(
            f"{V}/accounting", params={"tin": "123456789", "purpose": first}
        ),
    ]
    assert [a.status_code for a in answers] == [422, 422, 422, 422, 422, 422, 404, 404, 400]
    for answer in answers:
        assert is_envelope(answer.json()), answer.text
        assert first not in answer.text, answer.text
        assert last not in answer.text, answer.text
        assert "77002" not in answer.text
    assert answers[0].json()["error"]["code"] == "OFFICIAL_NOT_SIGNATORY"
    assert "record.zip" in answers[1].json()["error"]["message"]
    assert "(unexpected field)" in answers[2].json()["error"]["message"]


def test_routes_methods_and_crashes_answer_in_the_envelope(api: ApiWorld) -> None:
    client = api.anonymous()
    for answer, status, code in (
        (client.get(f"{V}/nowhere"), 404, "NOT_FOUND"),
        (client.put(f"{V}/verify"), 405, "METHOD_NOT_ALLOWED"),
        (client.get(f"{V}/batches"), 401, "UNAUTHENTICATED"),
    ):
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
        assert is_envelope(answer.json())


def test_a_json_body_over_the_limit_is_413(api: ApiWorld) -> None:
    big = {"official": "Jane Doe", "record": {"reason": "x" * (2 * 1024 * 1024)}}
    answer = api.as_token().post(f"{V}/verify", json=big)
    assert (answer.status_code, answer.json()["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it is read
        yield b'{"official": "Jane Doe", "record": {"reason": "'
        for _ in range(1100):
            yield b"y" * 1024
        yield b'"}}'

    streamed = api.as_token().post(
        f"{V}/verify", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert (streamed.status_code, streamed.json()["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")


def test_verify_decides_one_record_like_a_batch_row(api: ApiWorld) -> None:
    client = api.as_token()
    good = client.post(f"{V}/verify", json={"official": "Jane Doe", "record": request("V1")})
    assert good.status_code == 200, good.text
    assert good.json()["decision"] == "DISCLOSED"
    assert good.json()["lka_street"] == "9 Elm St"
    thin = client.post(
        f"{V}/verify", json={"official": "Jane Doe", "record": {"request_id": "V2", **GOOD_REQUEST}}
    )  # no reason given
    assert thin.json()["decision"] == "REJECTED"
    assert "MISSING_FIELD:reason" in thin.json()["reason_codes"]
    assert set(good.json()) == {
        "request_id", "decision", "reason_codes", "address_confirmed", "lka_street",
        "lka_unit", "lka_city", "lka_state", "lka_zip", "lka_effective_date",
    }  # fmt: skip


def test_sign_in_sets_a_strict_http_only_cookie_and_sign_out_ends_it(api: ApiWorld) -> None:
    client = TestClient(api.app, base_url=BASE)
    wrong = client.post(f"{V}/session", json={"username": "aud.one", "password": "not it at all"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "INVALID_CREDENTIALS")
    unknown = client.post(f"{V}/session", json={"username": "nobody", "password": PASSWORD})
    assert unknown.status_code == 401
    signed = client.post(f"{V}/session", json={"username": "aud.one", "password": PASSWORD})
    assert signed.status_code == 200
    assert signed.json()["roles"] == ["auditor"]
    cookie = signed.headers["set-cookie"].lower()
    assert f"{SESSION_COOKIE}=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie.replace("samesite", "")  # loopback: plain http works
    assert client.get(f"{V}/views").status_code == 200
    refused = client.delete(f"{V}/session")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "CSRF_FAILED")
    ended = client.delete(f"{V}/session", headers={"X-CSRF-Token": signed.json()["csrf_token"]})
    assert ended.status_code == 204
    assert client.get(f"{V}/views").status_code == 401
    assert api.as_token().delete(f"{V}/session").json()["error"]["code"] == "NO_SESSION"


def test_the_cookie_is_secure_off_loopback(api: ApiWorld) -> None:
    client = TestClient(api.app, base_url="https://gateway.example")
    signed = client.post(f"{V}/session", json={"username": "rev.one", "password": PASSWORD})
    assert "; secure" in signed.headers["set-cookie"].lower()


def test_openapi_documents_every_route_and_there_is_no_cdn_ui(api: ApiWorld) -> None:
    client = api.anonymous()
    doc = client.get(f"{V}/openapi.json").json()
    routes = [
        (V + route.path, method.lower(), route)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    ]
    assert len(routes) == 18
    for path, method, route in routes:
        operation = doc["paths"][path][method]
        ok = [s for s in operation["responses"] if s.startswith("2")]
        assert ok, path
        if route.response_model is not None:
            content = operation["responses"][ok[0]]["content"]["application/json"]
            assert "schema" in content, path
        errors = operation["responses"]
        assert errors["401"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorOut")
    assert not [p for p in doc["paths"] if not p.startswith(V)]  # the web pages stay out
    for ui in ("/docs", "/redoc", f"{V}/docs"):
        assert client.get(ui).status_code == 404


@pytest.mark.parametrize("path", [f"{V}/batches", f"{V}/openapi.json"])
def test_api_answers_are_not_cached(api: ApiWorld, path: str) -> None:
    answer = api.as_token().get(path)
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    json.dumps(answer.json())
