"""Signed chain heads catch what the chain alone cannot: a chain rebuilt with fresh digests."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from disclosure_gateway.adapters.storage.heads import HeadPlaces
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.domain.audit import chain_entry
from disclosure_gateway.domain.errors import BadInput, TamperDetected
from disclosure_gateway.domain.manifest import generate_keypair
from disclosure_gateway.service.audit import create_head_key, sign_chain_head, verify_accounting
from integration.test_tamper import home  # a store with a nine-row batch and its disclosures

__all__ = ["home"]
NOW = "2026-11-23T12:00:00+00:00"


def rebuild_chain_from(home: Path, seq: int) -> None:
    """The forger's move: edit one entry (who signed the request), re-digest every entry
    after it, fix the anchor. The decision log does not hold the official, so only the
    signed heads can tell."""
    with StateStore.open(home) as store:
        entries = list(store.iter_accounting())
    forged = []
    prev = entries[seq - 2].entry_hash if seq > 1 else "0" * 64
    for entry in entries[seq - 1 :]:
        draft = entry.draft
        if entry.seq == seq:
            draft = replace(draft, official="Nobody In Particular")
        new = chain_entry(entry.seq, entry.recorded_at, draft, prev)
        forged.append(new)
        prev = new.entry_hash
    with sqlite3.connect(home / "state.sqlite") as con:
        con.execute("DROP TRIGGER IF EXISTS accounting_never_changed")
        for new in forged:
            con.execute(
                "UPDATE accounting SET official = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?",
                (
                    new.draft.official,
                    new.prev_hash,
                    new.entry_hash,
                    new.seq,
                ),
            )
    with sqlite3.connect(home / "anchor.sqlite") as con:
        con.execute("UPDATE chain_head SET head_hash = ? WHERE id = 1", (prev,))


@pytest.fixture
def places(home: Path) -> HeadPlaces:
    found = HeadPlaces.of(home)
    with StateStore.open(home) as store:
        create_head_key(store, found, NOW)
    return found


def test_a_clean_chain_with_signed_heads_verifies(home: Path, places: HeadPlaces) -> None:
    with StateStore.open(home) as store:
        assert verify_accounting(store, places).ok
        assert sign_chain_head(store, places, NOW) is not None
    assert len(places.read()) == 2
    assert oct(places.private_key.stat().st_mode & 0o777) == "0o600"


def test_a_rebuilt_chain_passes_the_chain_check_but_not_the_signed_heads(
    home: Path, places: HeadPlaces
) -> None:
    rebuild_chain_from(home, 3)
    with StateStore.open(home) as store:
        assert store.verify_chain().ok  # the known gap of the chain alone
        with pytest.raises(TamperDetected, match="chain rebuilt"):
            verify_accounting(store, places)


def test_removing_the_signed_heads_is_detected(home: Path, places: HeadPlaces) -> None:
    places.heads_file.unlink()
    with StateStore.open(home) as store, pytest.raises(TamperDetected, match="removed"):
        verify_accounting(store, places)


def test_a_head_with_an_edited_signature_or_another_key_is_detected(
    home: Path, places: HeadPlaces
) -> None:
    (head,) = places.read()
    assert head is not None
    other_private, _ = generate_keypair()
    from disclosure_gateway.domain.heads import sign_head

    places.append(sign_head(head.seq, head.entry_hash, NOW, other_private))
    with StateStore.open(home) as store, pytest.raises(TamperDetected, match="no valid signature"):
        verify_accounting(store, places)


def test_a_tampered_chain_is_never_signed(home: Path, places: HeadPlaces) -> None:
    rebuild_chain_from(home, 2)
    with StateStore.open(home) as store, pytest.raises(TamperDetected):
        sign_chain_head(store, places, NOW)


def test_keys_are_never_replaced(home: Path, places: HeadPlaces) -> None:
    with StateStore.open(home) as store, pytest.raises(BadInput, match="never replaced"):
        create_head_key(store, places, NOW)
