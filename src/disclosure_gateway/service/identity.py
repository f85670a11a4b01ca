"""Who is acting: staff users (password, sessions), requester tokens, roles.

Staff sign in with a password (argon2id hash only) and hold a session (the store keeps
the sha256 of its secret, and a CSRF token); requesters are machine clients holding a
token `dgw_<token_id>_<secret>` (the store keeps the sha256 of the secret). Each role is
its own: `admin` does not imply any other. Nothing here logs or returns a secret twice.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.domain.errors import BadInput, NotFound, NotPermitted
from disclosure_gateway.service.agencies import checked_text

__all__ = [
    "ROLES",
    "SESSION_HOURS",
    "STAFF_ROLES",
    "Principal",
    "add_user",
    "authenticate_password",
    "authenticate_token",
    "create_token",
    "disable_user",
    "end_session",
    "require",
    "revoke_token",
    "session_principal",
    "start_session",
    "user_principal",
]

ROLES = ("requester", "reviewer", "disclosure_officer", "auditor", "admin")
STAFF_ROLES = ROLES[1:]
SESSION_HOURS = 8
MIN_PASSWORD = 12
_USERNAME = re.compile(r"[a-z0-9._-]{2,64}")
_TOKEN = re.compile(r"dgw_([0-9a-f]{16})_([A-Za-z0-9_-]{20,128})")


@dataclass(frozen=True, slots=True)
class Principal:
    name: str  # username, or "token:<token_id>"
    roles: frozenset[str]
    agency: str | None  # set for requester principals (tokens), None for staff
    kind: str  # "user" or "token"


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id, the library's (RFC 9106 low-memory) parameters


@cache
def _decoy_hash() -> str:
    """A hash to verify against when the user is unknown: the same work either way."""
    return _hasher().hash(secrets.token_urlsafe(16))


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def add_user(store: StateStore, username: str, password: str, roles: Sequence[str]) -> None:
    """Add a staff user; BadInput for a taken or malformed name, a bad role or a short password."""
    if not _USERNAME.fullmatch(username):
        raise BadInput("a username is 2-64 characters of a-z, 0-9, '.', '_' or '-'")
    chosen = sorted(set(roles))
    if not chosen:
        raise BadInput("a user needs at least one role")
    unknown = [r for r in chosen if r not in ROLES]
    if unknown:
        raise BadInput(f"unknown role(s) {', '.join(unknown)}; roles: {', '.join(STAFF_ROLES)}")
    if "requester" in chosen:
        raise BadInput("requesters are machine clients: create a token for their agency instead")
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"a password needs at least {MIN_PASSWORD} characters")
    store.add_user(username, _hasher().hash(password), chosen)


def disable_user(store: StateStore, username: str) -> None:
    """Disable a user (never deleted): no sign-in, and every session of theirs ends."""
    store.set_user_disabled(username, True)


def _staff(username: str, roles: Sequence[str]) -> Principal:
    return Principal(username, frozenset(roles), None, "user")


def authenticate_password(store: StateStore, username: str, password: str) -> Principal | None:
    """The user's principal, or None for an unknown, disabled or wrong one (same work each)."""
    user = store.get_user(username) if _USERNAME.fullmatch(username) else None
    stored = user.password_hash if user is not None else _decoy_hash()
    try:
        _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if _hasher().check_needs_rehash(stored):
        store.set_password_hash(username, _hasher().hash(password))
    return _staff(user.username, user.roles)


def user_principal(store: StateStore, username: str) -> Principal:
    """The principal of an enabled user, for the staff CLI's `--as`; NotFound otherwise."""
    user = store.get_user(username) if _USERNAME.fullmatch(username) else None
    if user is None or user.disabled:
        raise NotFound(f"no enabled user {username}")
    return _staff(user.username, user.roles)


def create_token(store: StateStore, agency: str, label: str) -> str:
    """A new requester token for `agency`, returned once; only its secret's sha256 is kept."""
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    store.add_token(token_id, _sha256(secret), agency, checked_text(label, "the token's label"))
    return f"dgw_{token_id}_{secret}"


def authenticate_token(store: StateStore, token: str) -> Principal | None:
    """The requester principal of a valid token; None if malformed, unknown or revoked."""
    found = _TOKEN.fullmatch(token)
    if found is None:
        return None
    token_id, secret = found.groups()
    row = store.get_token(token_id)
    expected = row.secret_sha256 if row is not None else _sha256(secrets.token_urlsafe(32))
    matches = hmac.compare_digest(expected.encode(), _sha256(secret).encode())
    if row is None or not matches or row.revoked_at is not None:
        return None
    return Principal(f"token:{token_id}", frozenset({"requester"}), row.agency, "token")


def revoke_token(store: StateStore, token_id: str) -> None:
    store.revoke_token(token_id)


def start_session(store: StateStore, username: str) -> tuple[str, str]:
    """(session secret, CSRF token) for an enabled user; the session lasts SESSION_HOURS."""
    user_principal(store, username)
    session, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = datetime.fromisoformat(store.clock()) + timedelta(hours=SESSION_HOURS)
    store.add_session(_sha256(session), username, csrf, expires.isoformat(timespec="seconds"))
    return session, csrf


def session_principal(store: StateStore, session: str) -> tuple[Principal, str] | None:
    """(principal, CSRF token) of a valid, unexpired session of an enabled user; else None."""
    if not session or len(session) > 256:
        return None
    row = store.get_session(_sha256(session))
    if row is None:
        return None
    if datetime.fromisoformat(store.clock()) >= datetime.fromisoformat(row.expires_at):
        return None
    user = store.get_user(row.username)
    if user is None or user.disabled:
        return None
    return _staff(user.username, user.roles), row.csrf_token


def end_session(store: StateStore, session: str) -> None:
    store.end_session(_sha256(session))


def require(principal: Principal, *roles: str) -> None:
    """NotPermitted("ROLE_REQUIRED") unless the principal holds one of `roles`."""
    if principal.roles.isdisjoint(roles):
        raise NotPermitted(
            "ROLE_REQUIRED", f"{principal.name} may not do this: it needs {' or '.join(roles)}"
        )
