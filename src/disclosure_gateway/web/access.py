"""Who may see a staff page, and how every page is rendered and protected.

- Only a staff user signed in by the `dgw_session` cookie reaches a staff page: no session
  → a redirect to `/login`; a requester's bearer token → the 403 page, never the page.
- Every form carries the session's CSRF token and every POST checks it (`csrf_ok`).
- Every page goes out with a strict CSP (`default-src 'self'`: no inline script or style,
  nothing from another origin), `no-store` caching and no referrer.
- Templates are Jinja2 with autoescape on; errors render as pages, never as JSON, and name
  request ids and codes only.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from disclosure_gateway.adapters.storage.state import StateStore
from disclosure_gateway.api.deps import current_caller
from disclosure_gateway.service.identity import Principal

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
CSP = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
REVIEW_ROLES = ("reviewer", "disclosure_officer", "auditor")
BATCH_ROLES = ("reviewer", "disclosure_officer", "auditor", "admin")
AUDIT_ROLES = ("auditor",)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "testserver"})
_LOCAL_PATH = re.compile(r"^/(?!/)[A-Za-z0-9/_.%~-]*$")

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class Staff:
    """A signed-in staff member as the pages see them: the principal and the session's CSRF."""

    principal: Principal
    csrf: str

    @property
    def name(self) -> str:
        return self.principal.name

    @property
    def roles_text(self) -> str:
        return ", ".join(sorted(r.replace("_", " ") for r in self.principal.roles))

    def has(self, *roles: str) -> bool:
        return bool(self.principal.roles.intersection(roles))

    @property
    def can_review(self) -> bool:
        return self.has(*REVIEW_ROLES)

    @property
    def can_batches(self) -> bool:
        return self.has(*BATCH_ROLES)

    @property
    def can_audit(self) -> bool:
        return self.has(*AUDIT_ROLES)


def render(
    name: str, staff: Staff | None, status: int = 200, /, *, title: str = "", **context: object
) -> HTMLResponse:
    """A template rendered with the page chrome, the security headers and `status`."""
    context.setdefault("section", "")
    html = _env.get_template(name).render(staff=staff, title=title, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def error_page(
    staff: Staff | None, status: int, title: str, message: str, code: str = "", back: str = ""
) -> HTMLResponse:
    return render(
        "error.html", staff, status, title=title, message=message, code=code, back=back or "/"
    )


def redirect(location: str) -> RedirectResponse:
    response = RedirectResponse(location, status_code=303)
    for key, value in SECURITY_HEADERS.items():
        response.headers[key] = value
    return response


def local_path(candidate: str, default: str) -> str:
    """`candidate` if it is a path on this site (no scheme, no `//host`), else `default`."""
    return candidate if _LOCAL_PATH.match(candidate or "") else default


def staff_page(request: Request, store: StateStore, *roles: str) -> Staff | Response:
    """The signed-in staff member if they hold one of `roles`; else the response to send."""
    caller = current_caller(request, store)
    if caller is not None and (caller.session is None or caller.principal.kind != "user"):
        return error_page(
            None,
            403,
            "Staff sign-in required",
            "Staff pages accept a staff sign-in only; a requester's token is never accepted here.",
            "STAFF_ONLY",
        )
    if caller is None or caller.csrf is None:
        target = local_path(request.url.path, "/")
        return redirect("/login?next=" + quote(target, safe="/"))
    staff = Staff(caller.principal, caller.csrf)
    if not staff.has(*roles):
        wanted = " or ".join(r.replace("_", " ") for r in roles)
        return error_page(
            staff, 403, "Not permitted", f"This page is for the {wanted} role.", "ROLE_REQUIRED"
        )
    return staff


def csrf_ok(staff: Staff, sent: str) -> bool:
    return hmac.compare_digest(sent.encode(), staff.csrf.encode())


def csrf_refused(staff: Staff) -> HTMLResponse:
    return error_page(
        staff,
        403,
        "Form expired",
        "The form did not carry this session's security token. Reload the page and try again.",
        "CSRF_FAILED",
    )


def secure_cookie(request: Request) -> bool:
    """Cookies are Secure except on loopback (a local `dgw serve` speaks plain HTTP)."""
    return (request.url.hostname or "") not in LOOPBACK


def mask_tin(tin: str) -> str:
    """The last four digits only, for lists; the full TIN is shown only on a logged view."""
    digits = "".join(ch for ch in tin if ch.isdigit())
    return "•••-••-" + digits[-4:] if len(digits) >= 4 else ""
