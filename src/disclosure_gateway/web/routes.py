"""The staff web app's router: sign-in and sign-out here, the pages in `pages_*.py`.

`app.create_app()` includes `router` and serves `web/static/` at `/static`. Every page is
server-rendered (Jinja2, autoescape on); see `access.py` for the protections every page
shares and docs/web.md for the pages.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from disclosure_gateway.api.deps import SESSION_COOKIE, Store, current_caller
from disclosure_gateway.service.identity import (
    SESSION_HOURS,
    authenticate_password,
    end_session,
    start_session,
)
from disclosure_gateway.web import pages_audit, pages_batches, pages_review
from disclosure_gateway.web.access import (
    Staff,
    csrf_ok,
    csrf_refused,
    local_path,
    redirect,
    render,
    secure_cookie,
)

LOGIN_CSRF_COOKIE = "dgw_login_csrf"

router = APIRouter(include_in_schema=False)
router.include_router(pages_review.router)
router.include_router(pages_batches.router)
router.include_router(pages_audit.router)


def landing(staff: Staff) -> str:
    """Where a member of staff starts: the queue, the accounting, or the batches."""
    if staff.has("reviewer", "disclosure_officer"):
        return "/review"
    if staff.can_audit:
        return "/audit"
    return "/batches"


@router.get("/")
def home(request: Request, store: Store) -> Response:
    caller = current_caller(request, store)
    if caller is None or caller.csrf is None or caller.principal.kind != "user":
        return redirect("/login")
    return redirect(landing(Staff(caller.principal, caller.csrf)))


def _login_form(request: Request, next_path: str, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        "login.html", None, status, title="Sign in", csrf=token, next=next_path, error=error
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=1800,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    return _login_form(request, local_path(next, ""))


@router.post("/login")
def login(
    request: Request,
    store: Store,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    target = local_path(next, "")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected.encode(), csrf.encode()):
        return _login_form(request, target, "The sign-in form expired; please try again.", 403)
    principal = authenticate_password(store, username.strip(), password)
    if principal is None or principal.kind != "user":
        return _login_form(request, target, "The user name or the password is wrong.", 401)
    session, session_csrf = start_session(store, principal.name)
    response = redirect(target or landing(Staff(principal, session_csrf)))
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=SESSION_HOURS * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, store: Store, csrf: Annotated[str, Form()] = "") -> Response:
    caller = current_caller(request, store)
    if caller is None or caller.session is None or caller.csrf is None:
        return redirect("/login")
    if not csrf_ok(Staff(caller.principal, caller.csrf), csrf):
        return csrf_refused(Staff(caller.principal, caller.csrf))
    end_session(store, caller.session)
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
