"""Staff sign-in: `POST /session` sets the `dgw_session` cookie, `DELETE /session` ends it.

The cookie is HttpOnly and SameSite=Strict, Secure unless the server is reached on a
loopback host; the answer carries the CSRF token every later change must send back.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from disclosure_gateway.api.deps import SESSION_COOKIE, Runtime, Session, Store
from disclosure_gateway.api.errors import ApiRefusal
from disclosure_gateway.api.schemas import SessionIn, SessionOut
from disclosure_gateway.service.identity import authenticate_password, end_session, start_session

router = APIRouter(tags=["session"])

SESSION_SECONDS = 8 * 3600
LOOPBACK = frozenset({"127.0.0.1", "::1", "[::1]", "localhost"})


def secure_cookie(request: Request, configured: bool | None) -> bool:
    if configured is not None:
        return configured
    return (request.url.hostname or "") not in LOOPBACK


@router.post("/session", response_model=SessionOut, summary="Sign in (staff)")
def sign_in(
    body: SessionIn, request: Request, response: Response, store: Store, gw: Runtime
) -> SessionOut:
    principal = authenticate_password(store, body.username, body.password)
    if principal is None:
        raise ApiRefusal(401, "INVALID_CREDENTIALS", "the user name or password is not valid")
    session, csrf = start_session(store, principal.name)
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request, gw.settings.secure_cookies),
    )
    return SessionOut(username=principal.name, roles=sorted(principal.roles), csrf_token=csrf)


@router.delete("/session", status_code=204, summary="Sign out (staff)")
def sign_out(caller: Session, request: Request, store: Store, gw: Runtime) -> Response:
    if caller.session is not None:
        end_session(store, caller.session)
    response = Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request, gw.settings.secure_cookies),
    )
    return response
