"""Staff users, requester tokens, sessions, roles and the record-view log, on every database.

`db_world` is the small world of `support/world.py` with its state store on SQLite, or on
a fresh PostgreSQL database (the contract tests' `backend` fixture); the review and verify
tests use it too.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from test_state_contract import Backend, backend

from disclosure_gateway.adapters.storage.state import Agency, StateStore
from disclosure_gateway.cli import main as cli_main
from disclosure_gateway.cli import staff_cmd  # noqa: F401  (registers the commands)
from disclosure_gateway.domain.errors import BadInput, NotFound, NotPermitted, StoreError
from disclosure_gateway.service import identity
from disclosure_gateway.service.identity import (
    Principal,
    add_user,
    authenticate_password,
    authenticate_token,
    create_token,
    disable_user,
    end_session,
    require,
    revoke_token,
    session_principal,
    start_session,
)
from disclosure_gateway.service.views import log_view, view_log
from support.world import World

__all__ = ["DbWorld", "backend", "db_world"]

PASSWORD = "correct horse battery"


class MovableClock:
    """The store's clock, moved by tests."""

    def __init__(self, now: str = "2026-11-20T12:00:00+00:00") -> None:
        self.now = now

    def __call__(self) -> str:
        return self.now


@dataclass
class DbWorld:
    world: World
    backend: Backend

    @property
    def home(self) -> Path:
        return self.world.home

    def store(self, clock: MovableClock | None = None) -> StateStore:
        if clock is None:
            return StateStore.open(self.home)
        return StateStore.open(self.home, now=clock)

    def sql(self, statement: str) -> list[tuple[object, ...]]:
        engine = self.backend.engine()
        try:
            with engine.begin() as db:
                result = db.execute(text(statement))
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            engine.dispose()


@pytest.fixture
def db_world(world: World, backend: Backend, monkeypatch: pytest.MonkeyPatch) -> DbWorld:
    if backend.url is not None:
        with StateStore.open(world.home) as sqlite:
            agency = sqlite.get_agency("DHS-ICE")
        assert agency is not None
        monkeypatch.setenv("DGW_DATABASE_URL", backend.url)
        with StateStore.open(world.home) as server:
            server.add_agency(Agency("DHS-ICE", agency.public_key_pem, ("Jane Doe",), True))
    return DbWorld(world, backend)


# -- users and passwords -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("username", "password", "roles", "expected"),
    [
        ("A", PASSWORD, ["reviewer"], "username"),
        ("x", PASSWORD, ["reviewer"], "username"),
        ("has space", PASSWORD, ["reviewer"], "username"),
        ("token:abc", PASSWORD, ["reviewer"], "username"),
        ("a" * 65, PASSWORD, ["reviewer"], "username"),
        ("ana", PASSWORD, ["wizard"], "unknown role"),
        ("ana", PASSWORD, ["requester"], "token"),
        ("ana", PASSWORD, [], "at least one role"),
        ("ana", "short-pass1", ["reviewer"], "12 characters"),
    ],
)
def test_add_user_refuses_bad_input(
    world: World, username: str, password: str, roles: list[str], expected: str
) -> None:
    with world.store() as store:
        with pytest.raises(BadInput, match=expected):
            add_user(store, username, password, roles)
        assert store.get_user(username) is None


def test_a_user_is_stored_with_an_argon2id_hash_only(db_world: DbWorld) -> None:
    with db_world.store() as store:
        add_user(store, "ana.r", PASSWORD, ["reviewer", "auditor", "reviewer"])
        with pytest.raises(BadInput, match="already exists"):
            add_user(store, "ana.r", PASSWORD, ["auditor"])
    [(stored, roles)] = db_world.sql("SELECT password_hash, roles FROM users")
    assert str(stored).startswith("$argon2id$")
    assert PASSWORD not in str(stored)
    assert roles == "auditor reviewer"


def test_passwords_authenticate_only_enabled_users(db_world: DbWorld) -> None:
    with db_world.store() as store:
        add_user(store, "ana.r", PASSWORD, ["reviewer", "auditor"])
        me = authenticate_password(store, "ana.r", PASSWORD)
        assert me == Principal("ana.r", frozenset({"reviewer", "auditor"}), None, "user")
        assert authenticate_password(store, "ana.r", PASSWORD + "x") is None
        assert authenticate_password(store, "nobody", PASSWORD) is None
        assert authenticate_password(store, "NOT A NAME", PASSWORD) is None
        disable_user(store, "ana.r")
        assert authenticate_password(store, "ana.r", PASSWORD) is None
        with pytest.raises(NotFound):
            disable_user(store, "nobody")


def test_unknown_users_cost_a_password_check_too(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = identity._hasher()
    checked: list[str] = []

    class Spy:
        def verify(self, stored: str, password: str) -> bool:
            checked.append(stored)
            return real.verify(stored, password)

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    with world.store() as store:
        add_user(store, "ana.r", PASSWORD, ["reviewer"])
        monkeypatch.setattr(identity, "_hasher", Spy)
        assert authenticate_password(store, "nobody", PASSWORD) is None
        assert authenticate_password(store, "ana.r", "wrong password!") is None
    assert len(checked) == 2
    assert all(h.startswith("$argon2id$") for h in checked)


# -- roles ---------------------------------------------------------------------------------
@pytest.mark.parametrize("role", identity.ROLES)
def test_require_admits_only_the_roles_named(role: str) -> None:
    who = Principal("someone", frozenset({role}), None, "user")
    require(who, role)
    require(who, "nothing", role)
    others = [r for r in identity.ROLES if r != role]
    with pytest.raises(NotPermitted) as refused:
        require(who, *others)
    assert refused.value.code == "ROLE_REQUIRED"


def test_admin_implies_no_other_role() -> None:
    admin = Principal("root", frozenset({"admin"}), None, "user")
    for role in ("reviewer", "disclosure_officer", "auditor", "requester"):
        with pytest.raises(NotPermitted):
            require(admin, role)


# -- requester tokens ------------------------------------------------------------------------
def test_tokens_are_stored_as_hashes_and_can_be_revoked(db_world: DbWorld) -> None:
    with db_world.store() as store:
        token = create_token(store, "DHS-ICE", "case system")
        _, token_id, secret = token.split("_", 2)
        assert token.startswith(f"dgw_{token_id}_")
        assert len(secret) >= 40
        who = authenticate_token(store, token)
        assert who == Principal(f"token:{token_id}", frozenset({"requester"}), "DHS-ICE", "token")
        rows = db_world.sql("SELECT * FROM api_tokens")
        assert len(rows) == 1
        assert all(secret not in str(v) for v in rows[0])
        [(digest,)] = db_world.sql("SELECT secret_sha256 FROM api_tokens")
        assert digest == hashlib.sha256(secret.encode()).hexdigest()
        for bad in (
            token[:-1] + ("A" if token[-1] != "A" else "B"),
            f"dgw_{'0' * 16}_{secret}",
            token.replace("dgw_", "dgx_"),
            "",
            "dgw_",
            token + "\n",
        ):
            assert authenticate_token(store, bad) is None
        revoke_token(store, token_id)
        assert authenticate_token(store, token) is None
        revoke_token(store, token_id)  # again: no change, no error
        with pytest.raises(NotFound):
            revoke_token(store, "f" * 16)
        with pytest.raises(NotFound):
            create_token(store, "NO-SUCH-AGENCY", "x")
        with pytest.raises(BadInput):
            create_token(store, "DHS-ICE", "  ")


# -- sessions ------------------------------------------------------------------------------
def test_sessions_expire_after_eight_hours_and_end(db_world: DbWorld) -> None:
    clock = MovableClock("2026-11-20T08:00:00+00:00")
    with db_world.store(clock) as store:
        add_user(store, "olga", PASSWORD, ["disclosure_officer"])
        session, csrf = start_session(store, "olga")
        [(digest, stored_csrf)] = db_world.sql("SELECT session_sha256, csrf_token FROM sessions")
        assert digest == hashlib.sha256(session.encode()).hexdigest()
        assert stored_csrf == csrf
        assert session != csrf
        me = Principal("olga", frozenset({"disclosure_officer"}), None, "user")
        assert session_principal(store, session) == (me, csrf)
        assert session_principal(store, session + "x") is None
        assert session_principal(store, "") is None
        clock.now = "2026-11-20T15:59:59+00:00"
        assert session_principal(store, session) == (me, csrf)
        clock.now = "2026-11-20T16:00:00+00:00"
        assert session_principal(store, session) is None
        clock.now = "2026-11-20T09:00:00+00:00"
        second, _ = start_session(store, "olga")
        end_session(store, second)
        assert session_principal(store, second) is None
        third, _ = start_session(store, "olga")
        disable_user(store, "olga")
        assert session_principal(store, third) is None
        with pytest.raises(NotFound):
            start_session(store, "olga")
        with pytest.raises(NotFound):
            start_session(store, "nobody")


# -- the record-view log ---------------------------------------------------------------------
def test_views_are_logged_with_a_purpose_and_never_changed(db_world: DbWorld) -> None:
    ana = Principal("ana.r", frozenset({"reviewer"}), None, "user")
    bob = Principal("bob", frozenset({"auditor"}), None, "user")
    with db_world.store() as store:
        with pytest.raises(BadInput, match="purpose"):
            log_view(
                store, ana, batch_id="B1", request_id="R1", tin="123456789", purpose=" too  short "
            )
        log_view(
            store, ana, batch_id="B1", request_id="R1", tin="123456789", purpose="review of a typo"
        )
        log_view(
            store, bob, batch_id="B1", request_id="R2", tin=None, purpose="yearly audit sample"
        )
        log_view(
            store, ana, batch_id="B2", request_id="R9", tin="111223333", purpose="second look at it"
        )
        every = view_log(store)
        assert [v.request_id for v in every] == ["R9", "R2", "R1"]
        assert [v.request_id for v in view_log(store, viewer="ana.r")] == ["R9", "R1"]
        [one] = view_log(store, tin="123456789")
        assert (one.viewer, one.batch_id, one.purpose) == ("ana.r", "B1", "review of a typo")
        assert one.at
        assert one.seq >= 1
        assert len(view_log(store, limit=1)) == 1
        with pytest.raises(BadInput):
            view_log(store, limit=0)
    for statement in ("UPDATE record_views SET purpose = 'x'", "DELETE FROM record_views"):
        with pytest.raises(Exception, match="never"):
            db_world.sql(statement)
    with db_world.store() as store:
        assert len(view_log(store)) == 3
        if db_world.backend.url is None:  # a read-only store cannot log, so cannot show
            (db_world.home / "state.sqlite").chmod(0o444)
            try:
                with StateStore.open(db_world.home) as ro, pytest.raises(StoreError):
                    log_view(
                        ro, ana, batch_id="B1", request_id="R1", tin=None, purpose="a purpose here"
                    )
            finally:
                (db_world.home / "state.sqlite").chmod(0o644)


# -- the CLI ---------------------------------------------------------------------------------
def dgw(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["dgw", "--home", str(home), *args])
    code = 0
    try:
        cli_main.run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    captured = capsys.readouterr()
    return code, captured.out, " ".join(captured.err.split())


def test_cli_users_and_tokens(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text(PASSWORD + "\n", encoding="utf-8")
    home = world.home
    code, out, _ = dgw(
        home,
        monkeypatch,
        capsys,
        "user",
        "add",
        "ana.r",
        "--role",
        "reviewer",
        "--password-file",
        str(secret_file),
    )
    assert code == 0
    assert "ana.r" in out
    code, _, err = dgw(
        home,
        monkeypatch,
        capsys,
        "user",
        "add",
        "ana.r",
        "--role",
        "reviewer",
        "--password-file",
        str(secret_file),
    )
    assert code == 2
    assert "already exists" in err
    answers = iter([PASSWORD, PASSWORD + "?"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = dgw(home, monkeypatch, capsys, "user", "add", "bob", "--role", "auditor")
    assert code == 2
    assert "differ" in err
    code, out, err = dgw(home, monkeypatch, capsys, "token", "create", "DHS-ICE", "--label", "api")
    assert code == 0
    assert "only once" in err
    token = out.strip()
    with world.store() as store:
        assert authenticate_password(store, "ana.r", PASSWORD) is not None
        who = authenticate_token(store, token)
        assert who is not None
        assert who.agency == "DHS-ICE"
    token_id = token.split("_")[1]
    code, out, _ = dgw(home, monkeypatch, capsys, "token", "revoke", token_id)
    assert code == 0
    assert "revoked" in out
    with world.store() as store:
        assert authenticate_token(store, token) is None
