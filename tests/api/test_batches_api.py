"""Batches over HTTP: streamed upload with the CLI's checks, the worker, the response."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.conftest import ApiWorld, build_world, make_api, upload
from disclosure_gateway import bootstrap
from disclosure_gateway.adapters.storage.master_store import MasterStore
from disclosure_gateway.adapters.storage.state import Agency, StateStore
from disclosure_gateway.service.pipeline import run_batch
from disclosure_gateway.service.response import response_rows
from disclosure_gateway.service.submission import submit_batch
from support.world import CLOCK, request

V = "/api/v1"
MIXED = [
    request("M1"),  # disclosed
    request("M2", first_name="Josr"),  # a typo: review
    request("M3", statute="26 U.S.C. 7201"),  # rejected
    request("M4", first_name="Robert", last_name="Smith", street="55 Oak Ave", unit="",
            city="Dallas", zip="75201"),  # father and son: no disclosure
    request("M5", first_name="Ana", middle_name="Maria", last_name="De La Cruz",
            street="4501 Calle Pena", unit="", city="El Paso", zip="79901"),
]  # fmt: skip


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def uploads_left(api: ApiWorld) -> list[Path]:
    root = api.world.home / "uploads"
    return list(root.iterdir()) if root.exists() else []


def test_a_batch_is_accepted_run_and_answered(api: ApiWorld) -> None:
    sent = api.submit("B-OK", MIXED)
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"batch_id": "B-OK", "state": "SUBMITTED"}
    assert sent.headers["location"] == f"{V}/batches/B-OK"
    api.run_all()
    client = api.as_token()
    status = client.get(f"{V}/batches/B-OK").json()
    assert (status["state"], status["rows_done"], status["record_count"]) == ("DONE", 5, 5)
    assert status["rate"] > 0
    assert status["counts"] == {"DISCLOSED": 2, "PENDING": 1, "REJECTED": 1, "NO_DISCLOSURE": 1}
    answer = client.get(f"{V}/batches/B-OK/response")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["cache-control"] == "no-store"
    rows = csv_rows(answer.text)
    assert [(r["request_id"], r["decision"]) for r in rows] == [
        ("M1", "DISCLOSED"), ("M2", "PENDING"), ("M3", "REJECTED"), ("M4", "NO_DISCLOSURE"),
        ("M5", "DISCLOSED"),
    ]  # fmt: skip
    assert rows[0]["lka_street"] == "9 Elm St"
    assert "STATUTE_NOT_ELIGIBLE" in rows[2]["reason_codes"]
    lines = client.get(f"{V}/batches/B-OK/response", params={"format": "jsonl"}).text
    assert [json.loads(x) for x in lines.splitlines()] == rows
    assert not uploads_left(api)


def test_a_requester_sees_only_its_own_agencys_batches(api: ApiWorld) -> None:
    assert api.submit("B-MINE", [request("O1")]).status_code == 202
    api.run_all()
    other = api.as_token("DHS-CBP")
    assert "B-MINE" not in [b["batch_id"] for b in other.get(f"{V}/batches").json()]
    for path in ("/batches/B-MINE", "/batches/B-MINE/response", "/batches/NO-SUCH"):
        answer = other.get(V + path)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "NOT_FOUND"
    assert "B-MINE" in [b["batch_id"] for b in api.as_token().get(f"{V}/batches").json()]
    staff = api.as_user("aud.one").get(f"{V}/batches").json()
    assert "B-MINE" in [b["batch_id"] for b in staff]


def test_a_manifest_of_another_agency_is_403_and_nothing_is_kept(api: ApiWorld) -> None:
    answer = api.submit("B-THEIRS", [request("T1")], token_of="DHS-CBP")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "AGENCY_MISMATCH"
    assert api.gateway.store.get_batch("B-THEIRS") is None
    assert not (api.world.home / "batches" / "B-THEIRS").exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"record_count": 7}, "SIGNATURE_INVALID"),
        ({"official": "Someone Else"}, "SIGNATURE_INVALID"),
        ({"signature": "AAAA"}, "SIGNATURE_INVALID"),
        ({"agency": None}, "MANIFEST_INVALID"),
    ],
)
def test_a_refused_batch_is_422_with_the_cli_code(
    api: ApiWorld, changes: dict[str, Any], code: str
) -> None:
    batch_id = f"B-REF-{code}-{len(str(changes))}"
    answer = api.submit(batch_id, [request("F1")], **changes)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == code
    assert api.gateway.store.get_batch(batch_id) is None
    assert not uploads_left(api)


def test_a_batch_id_is_accepted_once(api: ApiWorld) -> None:
    assert api.submit("B-TWICE", [request("W1")]).status_code == 202
    again = upload(api.as_token(), api.world.root / "B-TWICE" / "manifest.json")
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "DUPLICATE_BATCH"


def test_an_upload_must_be_multipart_with_both_parts(api: ApiWorld) -> None:
    client = api.as_token()
    answer = client.post(f"{V}/batches", json={"manifest": {}})
    assert (answer.status_code, answer.json()["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    manifest = api.world.batch("B-HALF", [request("H1")])
    answer = client.post(f"{V}/batches", files={"manifest": ("m.json", manifest.read_bytes())})
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "VALIDATION_FAILED")
    assert "records" in answer.json()["error"]["message"]
    answer = client.post(
        f"{V}/batches",
        files={"manifest": ("m.json", b"{}"), "records": ("r.csv", b""), "extra": ("x", b"")},
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "BAD_INPUT")
    assert not uploads_left(api)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    """An API with a 4 KiB upload limit whose worker does not start on its own."""
    yield from make_api(tmp_path_factory.mktemp("small"), max_upload_bytes=4096, run_jobs=False)


def test_an_upload_over_the_limit_is_413_and_nothing_is_kept(small: ApiWorld) -> None:
    rows = [request(f"L{i}") for i in range(40)]  # well over 4 KiB
    declared = small.submit("B-BIG", rows)
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    manifest = small.world.root / "B-BIG" / "manifest.json"
    boundary = "dgwtestboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="manifest"; filename="m.json"'
            f"\r\n\r\n{manifest.read_text()}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f'name="records"; filename="requests.csv"\r\n\r\n'
        ).encode()
        + (manifest.parent / "requests.csv").read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted as it streams
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    streamed = small.as_token().post(
        f"{V}/batches",
        content=chunks(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert streamed.status_code == 413
    assert streamed.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert small.gateway.store.get_batch("B-BIG") is None
    assert not (small.world.home / "batches" / "B-BIG").exists()
    assert not uploads_left(small)


def test_the_response_is_409_until_the_batch_is_finished(small: ApiWorld) -> None:
    assert small.submit("B-WAIT", [request("Q1")]).status_code == 202
    client = small.as_token()
    answer = client.get(f"{V}/batches/B-WAIT/response")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "NOT_FINISHED"
    status = client.get(f"{V}/batches/B-WAIT").json()
    assert (status["state"], status["rows_done"], status["counts"]) == ("SUBMITTED", 0, None)
    small.gateway.jobs.start()  # a worker starting resumes every unfinished batch
    small.run_all()
    assert client.get(f"{V}/batches/B-WAIT/response").status_code == 200


def test_cli_and_api_give_identical_responses(api: ApiWorld, tmp_path: Path) -> None:
    """The same signed batch through the API and through submission + run in another home."""
    rows = [*MIXED, request("M6", tin="123-45-6789"), request("M7", tin="111223333")]
    assert api.submit("B-SAME", rows).status_code == 202
    api.run_all()
    over_http = csv_rows(api.as_token().get(f"{V}/batches/B-SAME/response").text)
    world, _ = build_world(tmp_path)
    with StateStore.open(world.home) as store, MasterStore.open(world.home) as master:
        store.add_agency(Agency("DHS-ICE", api.public_key, ("Jane Doe",), True), replace=True)
        manifest = api.world.root / "B-SAME" / "manifest.json"
        submit_batch(store, world.files(), manifest, bootstrap.policy_text(world.home), CLOCK)
        run_batch(store, world.files(), master, bootstrap.zip_prefixes(), "B-SAME")
        by_cli = list(response_rows(store, "B-SAME"))
        cli_rules = [(d.row_no, d.outcome.rule) for d in store.iter_decisions("B-SAME")]
    full = [{c: r.get(c, "") for c in over_http[0]} for r in by_cli]
    assert over_http == full
    api_rules = [(d.row_no, d.outcome.rule) for d in api.gateway.store.iter_decisions("B-SAME")]
    assert api_rules == cli_rules
    assert {r["decision"] for r in over_http} >= {"DISCLOSED", "PENDING", "REJECTED"}


def test_a_legal_hold_refuses_submissions_and_stops_the_worker(tmp_path: Path) -> None:
    for api in make_api(tmp_path, run_jobs=False):
        store, client = api.gateway.store, api.as_token()
        assert api.submit("B-HELD", [request("H1"), request("H2")]).status_code == 202
        store.hold_on("court order 12", "counsel")
        refused = api.submit("B-LATE", [request("H3")])
        assert (refused.status_code, refused.json()["error"]["code"]) == (422, "LEGAL_HOLD")
        api.gateway.jobs.start()
        api.run_all()
        status = client.get(f"{V}/batches/B-HELD").json()
        assert (status["problem"], status["rows_done"]) == ("LEGAL_HOLD", 0)
        assert client.get(f"{V}/batches/B-HELD/response").status_code == 409
        store.hold_off("order lifted", "counsel")
        api.gateway.jobs.enqueue("B-HELD")
        api.run_all()
        status = client.get(f"{V}/batches/B-HELD").json()
        assert (status["state"], status["problem"], status["rows_done"]) == ("DONE", None, 2)
