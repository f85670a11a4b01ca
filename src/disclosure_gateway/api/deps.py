"""Dependencies every route shares, as `Annotated` aliases.

- `Store`: the one StateStore of the server (a SQLAlchemy engine: safe across threads).
- `Master`: a MasterStore opened for this request and closed after it (DuckDB connections
  are not thread-safe, so none is shared; a fresh one also sees a reloaded master file).
- The caller: `Authorization: Bearer dgw_…` (a requester's token) or, without that header,
  the `dgw_session` cookie (staff). A state-changing call made with the cookie must carry
  the session's CSRF token in header `X-CSRF-Token`. `allow(*roles)` builds a dependency
  that admits only those roles (`NotPermitted("ROLE_REQUIRED")` → 403); no or bad
  credentials → 401.

The web pages reuse `current_caller` (it returns None instead of raising).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from disclosure_gateway.adapters.storage.master_store import MasterStore
from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.api.config import ApiSettings
from disclosure_gateway.api.errors import ApiRefusal, unauthenticated
from disclosure_gateway.api.jobs import BatchJobs
from disclosure_gateway.domain.errors import NotPermitted, StoreError
from disclosure_gateway.service.identity import (
    ROLES,
    Principal,
    authenticate_token,
    require,
    session_principal,
)

SESSION_COOKIE = "dgw_session"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_PREFIX = "dgw_"
STAFF_ROLES = tuple(r for r in ROLES if r != "requester")


@dataclass(frozen=True, slots=True)
class Gateway:
    """What the running server holds: its settings, the state store, the batch worker."""

    settings: ApiSettings
    store: StateStore
    jobs: BatchJobs


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated caller; `csrf` and `session` are set when signed in by cookie."""

    principal: Principal
    session: str | None = None
    csrf: str | None = None


def gateway(request: Request) -> Gateway:
    found = getattr(request.app.state, "gateway", None)
    if not isinstance(found, Gateway):
        raise StoreError("the server is not started (no gateway in the app state)")
    return found


def state_store(request: Request) -> StateStore:
    return gateway(request).store


def master_store(request: Request) -> Iterator[MasterStore]:
    master = MasterStore.open(gateway(request).settings.home)
    try:
        yield master
    finally:
        master.close()


Store = Annotated[StateStore, Depends(state_store)]
Master = Annotated[MasterStore, Depends(master_store)]
Runtime = Annotated[Gateway, Depends(gateway)]


def current_caller(request: Request, store: StateStore) -> Caller | None:
    """The caller by bearer token, else by session cookie; None when neither is valid.

    A request that presents an Authorization header is judged by that header alone.
    """
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX):
            return None
        found = authenticate_token(store, token)
        return None if found is None else Caller(found)
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        return None
    signed_in = session_principal(store, session)
    if signed_in is None:
        return None
    principal, csrf = signed_in
    return Caller(principal, session, csrf)


def check_csrf(request: Request, caller: Caller) -> None:
    """A cookie-borne session changes state only with its CSRF token in the header."""
    if caller.csrf is None:
        return  # bearer tokens are not sent by browsers on their own: no CSRF risk
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), caller.csrf.encode()):
        raise NotPermitted("CSRF_FAILED", f"this change needs the session's {CSRF_HEADER} header")


def authenticated(request: Request, store: Store) -> Caller:
    caller = current_caller(request, store)
    if caller is None:
        raise unauthenticated()
    return caller


def allow(*roles: str, write: bool = False) -> Callable[[Request, Caller], Principal]:
    """A dependency admitting only `roles`; `write`: a cookie session must send its CSRF token."""

    def admitted(request: Request, caller: Annotated[Caller, Depends(authenticated)]) -> Principal:
        if write:
            check_csrf(request, caller)
        require(caller.principal, *roles)
        return caller.principal

    return admitted


def signed_in_session(
    request: Request, caller: Annotated[Caller, Depends(authenticated)]
) -> Caller:
    """A staff session (cookie) that sends its CSRF token: what signing out needs."""
    if caller.session is None:
        raise ApiRefusal(400, "NO_SESSION", "this call ends a cookie session; none was sent")
    check_csrf(request, caller)
    return caller


Requester = Annotated[Principal, Depends(allow("requester"))]
RequesterWrite = Annotated[Principal, Depends(allow("requester", write=True))]
AnyRole = Annotated[Principal, Depends(allow(*ROLES))]
ReviewReader = Annotated[Principal, Depends(allow("reviewer", "disclosure_officer", "auditor"))]
ReviewerWrite = Annotated[Principal, Depends(allow("reviewer", write=True))]
OfficerWrite = Annotated[Principal, Depends(allow("disclosure_officer", write=True))]
Auditor = Annotated[Principal, Depends(allow("auditor"))]
Session = Annotated[Caller, Depends(signed_in_session)]
