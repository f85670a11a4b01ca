"""Submit → run → response → accounting, on a small world; every SPEC §3.1 refusal."""

from __future__ import annotations

import json
import pickle
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import pytest

from disclosure_gateway.adapters.storage.master_store import MasterStore
from disclosure_gateway.bootstrap import zip_prefixes
from disclosure_gateway.domain.errors import BatchRefused, StoreError
from disclosure_gateway.domain.manifest import generate_keypair
from disclosure_gateway.service.pipeline import CHUNK_ROWS, LARGE_CHUNK_ROWS, chunk_size, run_batch
from disclosure_gateway.service.response import response_rows
from disclosure_gateway.service.submission import submit_batch
from disclosure_gateway.service.workers import packed
from support.world import CLOCK, World, request


def submit(world: World, manifest: Path) -> str:
    with world.store() as store:
        return submit_batch(store, world.files(), manifest, world.policy_text(), CLOCK).batch_id


def run(world: World, batch_id: str, chunk_rows: int = 5000, stop_after: int | None = None) -> None:
    def progress(done: int, total: int) -> None:
        if stop_after is not None and done >= stop_after:
            raise KeyboardInterrupt  # a crash between chunks

    with world.store() as store, MasterStore.open(world.home) as master:
        run_batch(store, world.files(), master, zip_prefixes(), batch_id, progress, chunk_rows)


MIXED = [
    request("R1"),  # lawful: older address in effect, disclosed with the LKA
    request("R2", street="9 Elm Street", unit=""),  # lawful: the LKA itself
    request("R3", street="Don't Care 12345", unit=""),  # the 2025 placeholder
    request(
        "R4", tin="123-45-6789", street="500 Other Rd"
    ),  # name + TIN right, address not on file
    request(
        "R5",
        first_name="Robert",
        last_name="Smith",
        street="55 Oak Ave",
        unit="",
        city="Dallas",
        zip="75201",
    ),  # namesakes
    request(
        "R6",
        first_name="Robert",
        last_name="Smith JR",
        street="55 Oak Ave",
        unit="",
        city="Dallas",
        zip="75201",
    ),
    request("R7", first_name="Luis", removal_order_date="2026-10-01"),  # too recent
    request(
        "R8",
        first_name="Ana",
        last_name="Cruz",
        street="4501 Calle Pena",
        unit="",
        city="El Paso",
        zip="79901",
        tax_periods="2024",
    ),
]


def test_whole_flow_decides_every_row_and_accounts_every_disclosure(world: World) -> None:
    batch_id = submit(world, world.batch("B-1", MIXED))
    run(world, batch_id)
    with world.store() as store:
        rows = list(response_rows(store, batch_id))
        entries = list(store.iter_accounting())
        assert store.verify_chain().ok
    got = {r["request_id"]: r for r in rows}
    assert [r["request_id"] for r in rows] == [f"R{i}" for i in range(1, 9)]
    assert got["R1"]["decision"] == "DISCLOSED"
    assert (got["R1"]["lka_street"], got["R1"]["address_confirmed"]) == ("9 Elm St", "false")
    assert (got["R2"]["decision"], got["R2"]["address_confirmed"]) == ("DISCLOSED", "true")
    assert got["R3"] == {
        "request_id": "R3",
        "decision": "REJECTED",
        "reason_codes": "ADDRESS_NOT_STREET_LEVEL",
    }
    assert got["R4"]["decision"] == "NO_DISCLOSURE"
    assert set(got["R4"]) == {"request_id", "decision"}
    assert got["R5"]["decision"] == "NO_DISCLOSURE"
    assert got["R6"]["decision"] == "DISCLOSED"
    assert got["R7"] == {
        "request_id": "R7",
        "decision": "REJECTED",
        "reason_codes": "REMOVAL_ORDER_TOO_RECENT",
    }
    assert got["R8"]["decision"] == "DISCLOSED"
    disclosed = {r["request_id"] for r in rows if r["decision"] == "DISCLOSED"}
    assert {e.draft.request_id for e in entries} == disclosed
    assert len(entries) == len(disclosed)
    r6 = next(e for e in entries if e.draft.request_id == "R6")
    assert (r6.draft.tin, r6.draft.agency, r6.draft.official, r6.draft.statute) == (
        "111224444",
        "DHS-ICE",
        "Jane Doe",
        "8 U.S.C. 1253(a)(1)",
    )


@pytest.mark.parametrize(
    ("rows", "chunk"),
    [
        (1, CHUNK_ROWS),
        (40_000, CHUNK_ROWS),
        (40_001, 6_000),
        (128_000, 16_000),
        (399_999, LARGE_CHUNK_ROWS),
        (1_280_000, LARGE_CHUNK_ROWS),
    ],
)
def test_a_batch_is_cut_into_about_eight_chunks_within_the_bounds(rows: int, chunk: int) -> None:
    assert chunk_size(rows) == chunk
    assert -(-rows // chunk) <= 8 or chunk == LARGE_CHUNK_ROWS


def test_running_twice_discloses_once(world: World) -> None:
    batch_id = submit(world, world.batch("B-2", MIXED))
    run(world, batch_id)
    run(world, batch_id)
    with world.store() as store:
        assert len(list(store.iter_accounting())) == 4
        assert store.decided_count(batch_id) == len(MIXED)


def test_a_crash_between_chunks_resumes_to_the_same_result(world: World) -> None:
    once = submit(world, world.batch("B-3", MIXED))
    run(world, once)
    crashed = submit(world, world.batch("B-4", MIXED))
    with pytest.raises(KeyboardInterrupt):
        run(world, crashed, chunk_rows=3, stop_after=3)
    with world.store() as store:
        assert store.decided_count(crashed) == 3
    run(world, crashed, chunk_rows=3)
    with world.store() as store:
        a = [(r["request_id"], r) for r in response_rows(store, once)]
        b = [(r["request_id"], r) for r in response_rows(store, crashed)]
        per_batch = {}
        for e in store.iter_accounting():
            per_batch.setdefault(e.draft.batch_id, []).append(e.draft.request_id)
        assert store.verify_chain().ok
    assert a == b
    assert per_batch["B-3"] == per_batch["B-4"]


def test_response_is_refused_until_the_batch_is_finished(world: World) -> None:
    batch_id = submit(world, world.batch("B-5", MIXED))
    with world.store() as store, pytest.raises(Exception, match="not finished"):
        list(response_rows(store, batch_id))


def test_a_legal_hold_stops_a_running_batch(world: World) -> None:
    batch_id = submit(world, world.batch("B-6", MIXED))
    with world.store() as store:
        store.hold_on("court order", "counsel")
    with pytest.raises(BatchRefused, match="legal hold"):
        run(world, batch_id, chunk_rows=2)
    with world.store() as store:
        assert store.decided_count(batch_id) == 0
        assert list(store.iter_accounting()) == []
        store.hold_off("lifted", "counsel")
    run(world, batch_id)
    with world.store() as store:
        assert store.decided_count(batch_id) == len(MIXED)


def _assert_refused(world: World, manifest: Path, code: str) -> None:
    with world.store() as store:
        before = len(store.list_batches())
    with pytest.raises(BatchRefused) as info:
        submit(world, manifest)
    assert info.value.code == code, str(info.value)
    assert "\n" not in str(info.value)
    with world.store() as store:
        assert len(store.list_batches()) == before
        assert list(store.iter_accounting()) == []
    batch_id = json.loads(manifest.read_text()).get("batch_id")
    if code != "DUPLICATE_BATCH" and isinstance(batch_id, str):
        assert not world.files().folder(batch_id).exists()


def test_refused_bad_signature(world: World) -> None:
    _assert_refused(
        world, world.batch("S-1", MIXED, official_title="Somebody else"), "SIGNATURE_INVALID"
    )


def test_refused_signed_with_another_key(world: World) -> None:
    world.private_key = generate_keypair()[0]
    _assert_refused(world, world.batch("S-2", MIXED), "SIGNATURE_INVALID")


def test_refused_digest_mismatch(world: World) -> None:
    manifest = world.batch("S-3", MIXED)
    records = manifest.parent / "requests.csv"
    records.write_text(records.read_text().replace("Houston", "Austin"), encoding="utf-8")
    _assert_refused(world, manifest, "DIGEST_MISMATCH")


def _resigned(world: World, batch_id: str, **changes: object) -> Path:
    """A batch whose manifest is changed and then signed again with the requester's key."""
    from disclosure_gateway.domain.manifest import sign_manifest

    manifest = world.batch(batch_id, MIXED)
    data = json.loads(manifest.read_text())
    data.update(changes)
    del data["signature"]
    data["signature"] = sign_manifest(data, world.private_key)
    manifest.write_text(json.dumps(data))
    return manifest


def test_refused_count_mismatch(world: World) -> None:
    # the digest is right but the signed count is not what the file holds
    _assert_refused(world, _resigned(world, "S-4", record_count=len(MIXED) + 1), "COUNT_MISMATCH")


def test_refused_unknown_agency(world: World) -> None:
    _assert_refused(world, _resigned(world, "S-5", agency="DHS-CBP"), "UNKNOWN_AGENCY")


def test_refused_official_not_a_signatory(world: World) -> None:
    _assert_refused(world, _resigned(world, "S-6", official="John Roe"), "OFFICIAL_NOT_SIGNATORY")


def test_refused_safeguards_lapsed(world: World) -> None:
    with world.store() as store:
        store.set_safeguards("DHS-ICE", False)
    _assert_refused(world, world.batch("S-7", MIXED), "SAFEGUARDS_NOT_CURRENT")


def test_refused_under_legal_hold(world: World) -> None:
    with world.store() as store:
        store.hold_on("injunction", "counsel")
    _assert_refused(world, world.batch("S-8", MIXED), "LEGAL_HOLD")


def test_refused_duplicate_batch_id(world: World) -> None:
    submit(world, world.batch("S-9", MIXED))
    _assert_refused(world, world.batch("S-9", MIXED[:2]), "DUPLICATE_BATCH")


def test_refused_records_file_missing_or_unreadable(world: World) -> None:
    manifest = world.batch("S-10", MIXED)
    (manifest.parent / "requests.csv").unlink()
    _assert_refused(world, manifest, "RECORDS_UNREADABLE")


def test_refused_records_path_outside_the_batch_folder(world: World) -> None:
    _assert_refused(
        world, world.batch("S-11", MIXED, records_file="../S-1/requests.csv"), "MANIFEST_INVALID"
    )


def test_refused_repeated_request_id(world: World) -> None:
    _assert_refused(
        world,
        world.batch("S-12", [request("X"), request("X", street="1 A St")]),
        "DUPLICATE_REQUEST_ID",
    )


def test_refused_manifest_not_json(world: World) -> None:
    manifest = world.batch("S-13", MIXED)
    manifest.write_text("{not json")
    with pytest.raises(BatchRefused) as info:
        submit(world, manifest)
    assert info.value.code == "MANIFEST_INVALID"


def test_a_changed_stored_copy_is_not_run(world: World) -> None:
    batch_id = submit(world, world.batch("S-14", MIXED))
    stored = world.files().records_path(batch_id)
    stored.write_text(stored.read_text().replace("Houston", "Austin"), encoding="utf-8")
    with pytest.raises(StoreError, match="changed since submission"):
        run(world, batch_id)


def test_no_taxpayer_data_reaches_the_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    batch_id = submit(world, world.batch("L-1", MIXED))
    run(world, batch_id)
    logged = caplog.text.upper()
    for secret in ("GARCIA", "SMITH", "123456789", "111224444", "MAIN ST", "ELM ST", "1980-02-02"):
        assert secret not in logged


def test_master_standardised_under_other_address_tables_is_not_used(world: World) -> None:
    import duckdb

    batch_id = submit(world, world.batch("T-1", MIXED))
    con = duckdb.connect(str(world.home / "master.duckdb"))
    con.execute("UPDATE meta SET value = 'other' WHERE key = 'address_tables'")
    con.close()
    with pytest.raises(StoreError, match="other address tables"):
        run(world, batch_id)


def test_a_hold_placed_while_a_chunk_is_decided_stops_its_disclosures(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-transaction backstop: even if the pre-chunk check missed the hold."""
    from disclosure_gateway.service import pipeline

    batch_id = submit(world, world.batch("B-7", MIXED))
    with world.store() as store:
        store.hold_on("order served mid-run", "counsel")
    monkeypatch.setattr(pipeline, "_guard", lambda *args: None)
    with pytest.raises(BatchRefused, match="legal hold"):
        run(world, batch_id)
    with world.store() as store:
        assert list(store.iter_accounting()) == []
        assert store.decided_count(batch_id) == 0


def test_a_resumed_run_reuses_the_tally_and_checks_only_the_rest(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """12 rows share one reason (limit 10): every row, before and after the crash, is told."""
    from disclosure_gateway.service import workers

    boilerplate = "Subject is removable and has a final order; locate for enforcement."
    rows = [
        request(f"Q{i}", first_name=f"Name{chr(65 + i)}", reason=boilerplate) for i in range(12)
    ]
    batch_id = submit(world, world.batch("B-8", rows))
    with pytest.raises(KeyboardInterrupt):
        run(world, batch_id, chunk_rows=3, stop_after=3)
    checked: list[int] = []
    real = workers.check_row

    def counting(rec, *args):  # type: ignore[no-untyped-def]
        checked.append(rec.row_no)
        return real(rec, *args)

    monkeypatch.setattr(workers, "check_row", counting)
    run(world, batch_id, chunk_rows=3)
    assert checked == list(range(4, 13))
    with world.store() as store:
        codes = [r["reason_codes"] for r in response_rows(store, batch_id)]
    assert all("REASON_NOT_SPECIFIC" in c for c in codes)


def test_a_changed_policy_between_runs_is_refused(world: World) -> None:
    batch_id = submit(world, world.batch("B-9", MIXED))
    with pytest.raises(KeyboardInterrupt):
        run(world, batch_id, chunk_rows=3, stop_after=3)
    policy = world.files().folder(batch_id) / "policy.toml"
    policy.write_text(policy.read_text().replace("min_length = 40", "min_length = 10"))
    with pytest.raises(StoreError, match="policy of batch"):
        run(world, batch_id)


def test_refused_over_the_agencys_daily_volume(world: World) -> None:
    policy = world.policy_text().replace(
        "max_requests_per_agency_per_day = 2000000", "max_requests_per_agency_per_day = 10"
    )
    with world.store() as store:
        submit_batch(store, world.files(), world.batch("V-1", MIXED), policy, CLOCK)
        with pytest.raises(BatchRefused) as info:
            submit_batch(store, world.files(), world.batch("V-2", MIXED[:3]), policy, CLOCK)
    assert info.value.code == "VOLUME_LIMIT"
    assert not world.files().folder("V-2").exists()


def test_decision_counts_agree_with_the_response(world: World) -> None:
    batch_id = submit(world, world.batch("C-1", MIXED))
    run(world, batch_id)
    with world.store() as store:
        counts = store.decision_counts(batch_id)
        rows = list(response_rows(store, batch_id))
    assert counts == {d: sum(r["decision"] == d for r in rows) for d in counts}
    assert sum(counts.values()) == len(MIXED)


def test_purge_after_retention_keeps_decisions_and_accounting(world: World) -> None:
    from datetime import timedelta

    from disclosure_gateway.domain.errors import BadInput
    from disclosure_gateway.service.retention import purge_batch

    batch_id = submit(world, world.batch("P-1", MIXED))
    with world.store() as store, pytest.raises(BadInput, match="not finished"):
        purge_batch(store, world.files(), batch_id, "records officer", "retention", CLOCK.today)
    run(world, batch_id)
    with world.store() as store:
        with pytest.raises(BadInput, match="kept until"):
            purge_batch(store, world.files(), batch_id, "records officer", "retention", CLOCK.today)
        later = CLOCK.today + timedelta(days=365)
        purge_batch(
            store, world.files(), batch_id, "records officer", "retention period over", later
        )
        assert store.purges_of(batch_id)[0][1:] == ("records officer", "retention period over")
        assert len(list(response_rows(store, batch_id))) == len(MIXED)
        assert store.verify_chain().ok
    assert not list(world.files().folder(batch_id).glob("records.*"))
    assert (world.files().folder(batch_id) / "manifest.json").exists()


def test_two_worker_processes_decide_and_account_as_one_process(world: World) -> None:
    alone = submit(world, world.batch("P-1", MIXED))
    shared = submit(world, world.batch("P-2", MIXED))
    for batch_id, workers in ((alone, 1), (shared, 2)):
        with world.store() as store, MasterStore.open(world.home) as master:
            run_batch(
                store,
                world.files(),
                master,
                zip_prefixes(),
                batch_id,
                chunk_rows=2,
                workers=workers,
            )
    with world.store() as store:
        one = [(d.row_no, d.outcome, d.model_version) for d in store.iter_decisions(alone)]
        two = [(d.row_no, d.outcome, d.model_version) for d in store.iter_decisions(shared)]
        entries = [e.draft for e in store.iter_accounting()]
        assert list(response_rows(store, alone)) == list(response_rows(store, shared))
        records = list(store.iter_decisions(alone))
    # Decisions and drafts cross between processes through the workers' own reductions.
    assert any(r.outcome.disclosure is not None for r in records)
    assert pickle.loads(packed(records)) == records
    assert ForkingPickler.loads(ForkingPickler.dumps(entries)) == entries
    assert len(one) == len(MIXED)
    assert one == two
    by_batch = {
        b: [(e.row_no, e.tin, e.disclosed, e.evidence) for e in entries if e.batch_id == b]
        for b in (alone, shared)
    }
    assert by_batch[alone]
    assert by_batch[alone] == by_batch[shared]


def test_the_cli_hands_engine_and_workers_to_the_run(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from disclosure_gateway.cli import batch_cmd
    from disclosure_gateway.cli import commands as _commands  # noqa: F401
    from disclosure_gateway.cli.apps import app
    from disclosure_gateway.service.pipeline import RunSummary

    seen: list[dict[str, object]] = []

    def fake_run(*args: object, **kwargs: object) -> RunSummary:
        seen.append(kwargs)
        return RunSummary("B-X", 0, 0, True, ())

    monkeypatch.setattr(batch_cmd, "run_batch", fake_run)
    home = ["--home", str(world.home)]
    for extra, workers in ((["--workers", "3"], 3), ([], None)):
        result = CliRunner().invoke(app, [*home, "batch", "run", "B-X", *extra])
        assert result.exit_code == 0, result.output
        assert seen[-1]["workers"] == workers
        assert seen[-1]["engine"] == "duckdb"
