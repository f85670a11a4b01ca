"""No input row can crash a batch: every row of arbitrary text gets a decision or codes."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disclosure_gateway.adapters.storage.master_store import MasterStore
from disclosure_gateway.bootstrap import zip_prefixes
from disclosure_gateway.domain.model import REQUEST_COLUMNS
from disclosure_gateway.service.pipeline import run_batch
from disclosure_gateway.service.response import response_rows
from disclosure_gateway.service.submission import submit_batch
from support.world import CLOCK, GOOD_REQUEST, World, request

_ids = itertools.count()

nasty = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        ["", " ", "N/A", "=cmd|' /C calc'!A0", "\u202e", "0" * 5000, "Ω≈ç√", "😀", "\ufffd"]
    ),
    st.just(""),
)
row_strategy = st.fixed_dictionaries(
    {
        c: st.one_of(st.just(GOOD_REQUEST.get(c, "")), nasty)
        for c in REQUEST_COLUMNS
        if c != "request_id"
    }
)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(row_strategy, min_size=1, max_size=60))
def test_arbitrary_rows_never_crash_the_batch(world: World, rows: list[dict[str, str]]) -> None:
    batch = f"H-{next(_ids)}"
    prepared = [
        request(f"{batch}-{i}", **{k: v.replace("\r", " ") for k, v in row.items()})
        for i, row in enumerate(rows)
    ]
    with world.store() as store:
        submit_batch(store, world.files(), world.batch(batch, prepared), world.policy_text(), CLOCK)
    with world.store() as store, MasterStore.open(world.home) as master:
        run_batch(store, world.files(), master, zip_prefixes(), batch)
        out = list(response_rows(store, batch))
        assert store.verify_chain().ok
    assert len(out) == len(prepared)
    for row in out:
        assert row["decision"] in {"REJECTED", "NO_DISCLOSURE", "DISCLOSED", "PENDING"}
        assert (row["decision"] == "REJECTED") == bool(row.get("reason_codes"))
