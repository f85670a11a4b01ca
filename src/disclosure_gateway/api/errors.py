"""One JSON error envelope for every error the API returns.

    {"error": {"code": "STABLE_CODE", "message": "one sentence"}}

| status | when                                         | code                                  |
|--------|----------------------------------------------|---------------------------------------|
| 400    | BadInput, MasterLoadError                    | BAD_INPUT                             |
| 401    | no or invalid credentials                    | UNAUTHENTICATED, INVALID_CREDENTIALS  |
| 403    | NotPermitted, a missing CSRF token           | the error's code, CSRF_FAILED         |
| 404    | NotFound, an unknown route or batch          | NOT_FOUND                             |
| 409    | ReviewRefused, a batch not finished          | the error's code, NOT_FINISHED        |
| 413    | a body over its limit                        | PAYLOAD_TOO_LARGE                     |
| 422    | BatchRefused, request validation             | the refusal's code, VALIDATION_FAILED |
| 500    | a bug                                        | INTERNAL_ERROR                        |
| 503    | StoreError                                   | STORE_UNAVAILABLE                     |

Messages never echo what the caller sent: validation errors name fields, never values;
store errors are logged (they name files, not taxpayers) and answered with a fixed sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from disclosure_gateway.domain.errors import (
    BadInput,
    BatchRefused,
    GatewayError,
    NotFound,
    NotPermitted,
    ReviewRefused,
    StoreError,
)

log = logging.getLogger(__name__)

MAX_FIELDS_NAMED = 10
_STATUS_CODES = {
    400: "BAD_INPUT",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_FAILED",
}
_STATUS_MESSAGES = {
    404: "There is no such resource.",
    405: "This method is not allowed on this resource.",
}


class ApiRefusal(GatewayError):
    """An HTTP-level refusal with its status and stable code (401, 409, 413 …)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def unauthenticated(message: str = "Sign in or present a valid bearer token.") -> ApiRefusal:
    return ApiRefusal(401, "UNAUTHENTICATED", message)


def envelope(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(envelope(code, message), status_code=status, headers=dict(headers or {}))


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def status_and_code(exc: GatewayError) -> tuple[int, str]:
    """Where each error of the domain's tree lands (most specific first)."""
    if isinstance(exc, ApiRefusal):
        return exc.status, exc.code
    if isinstance(exc, NotPermitted):
        return 403, exc.code
    if isinstance(exc, NotFound):
        return 404, "NOT_FOUND"
    if isinstance(exc, ReviewRefused):
        return 409, exc.code
    if isinstance(exc, BatchRefused):
        return 422, exc.code
    if isinstance(exc, BadInput):
        return 400, "BAD_INPUT"
    if isinstance(exc, StoreError):
        return 503, "STORE_UNAVAILABLE"
    return 500, "INTERNAL_ERROR"


async def _gateway_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayError)
    status, code = status_and_code(exc)
    if status >= 500:
        # Store and internal messages name files and states, never taxpayers; they go to the
        # operator's log, and the caller gets a fixed sentence.
        log.error("%s %s failed: %s", request.method, request.url.path, _one_line(exc))
        message = (
            "The store is unavailable; try again later."
            if status == 503
            else "An internal error occurred."
        )
        return error_response(status, code, message)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return error_response(status, code, _one_line(exc), headers)


def field_names(errors: Sequence[Any]) -> list[str]:
    """The dotted location of each invalid field; never the value, never an unknown key."""
    names: list[str] = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if error.get("type") == "extra_forbidden" and loc:
            loc[-1] = "(unexpected field)"  # the key itself is the caller's text
        name = ".".join(loc) or "(body)"
        if name not in names:
            names.append(name)
    return names


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    names = field_names(exc.errors())
    shown = ", ".join(names[:MAX_FIELDS_NAMED])
    more = f" and {len(names) - MAX_FIELDS_NAMED} more" if len(names) > MAX_FIELDS_NAMED else ""
    return error_response(422, "VALIDATION_FAILED", f"Invalid or missing fields: {shown}{more}.")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = _STATUS_CODES.get(status, f"HTTP_{status}")
    message = _STATUS_MESSAGES.get(status, "The request was refused.")
    return error_response(status, code, message, exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error(
        "%s %s failed with %s", request.method, request.url.path, type(exc).__name__
    )  # the exception's text may hold request data: only its type is logged
    return error_response(500, "INTERNAL_ERROR", "An internal error occurred.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(GatewayError, _gateway_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
