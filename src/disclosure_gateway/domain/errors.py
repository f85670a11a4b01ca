"""One exception tree for bugs and infrastructure. Expected outcomes are values, not exceptions.

    GatewayError
    ├── BadInput            (exit 2) input the operator or requester must fix
    │   ├── BatchRefused    (exit 2) a whole batch refused under SPEC §3.1
    │   ├── MasterLoadError (exit 2) the master file is refused
    │   ├── NotPermitted    (exit 2) the caller's role or agency does not allow this (HTTP 403)
    │   ├── NotFound        (exit 2) no such batch, request, item or user (HTTP 404)
    │   └── ReviewRefused   (exit 2) a review step out of order, or the two-person rule (HTTP 409)
    ├── TamperDetected      (exit 3) the accounting log does not verify
    └── StoreError          (exit 1) the store is missing, locked, full or read-only

Messages never carry taxpayer data: request ids, row numbers and counts only.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""

    exit_code = 1


class BadInput(GatewayError):
    exit_code = 2


class BatchRefused(BadInput):
    """A whole batch is refused (SPEC §3.1); `code` is stable and machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class MasterLoadError(BadInput):
    pass


class NotPermitted(BadInput):
    """The caller's role or agency does not allow this action; `code` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class NotFound(BadInput):
    pass


class ReviewRefused(BadInput):
    """A review action refused: out of order, or the two-person rule; `code` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class TamperDetected(GatewayError):
    exit_code = 3


class StoreError(GatewayError):
    exit_code = 1
