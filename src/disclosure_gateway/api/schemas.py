"""What the API reads (`…In`, strict: unknown fields refused) and writes (`…Out`).

Only the edges use Pydantic; the service layer receives plain values built from these.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors -------------------------------------------------------------------------------
class ErrorBody(_Out):
    code: str = Field(description="stable, machine-readable")
    message: str = Field(description="one sentence; never carries taxpayer data")


class ErrorOut(_Out):
    error: ErrorBody


# -- sessions -----------------------------------------------------------------------------
class SessionIn(_In):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class SessionOut(_Out):
    username: str
    roles: list[str]
    csrf_token: str = Field(description="send it as header X-CSRF-Token on every change")


# -- batches ------------------------------------------------------------------------------
class BatchAcceptedOut(_Out):
    batch_id: str
    state: str


class BatchOut(_Out):
    batch_id: str
    agency: str
    official: str
    signed_on: str
    submitted_at: str
    state: str = Field(description="SUBMITTED, RUNNING or DONE")
    record_count: int
    rows_done: int
    rate: float | None = Field(description="rows decided per second while the server runs it")
    problem: str | None = Field(description="the code that stopped the last run, if any")
    counts: dict[str, int] | None = Field(
        default=None, description="rows by response decision, once every row is decided"
    )


class ResponseRowOut(_Out):
    """One SPEC §5 response row: empty strings where the decision carries nothing."""

    request_id: str
    decision: str
    reason_codes: str = ""
    address_confirmed: str = ""
    lka_street: str = ""
    lka_unit: str = ""
    lka_city: str = ""
    lka_state: str = ""
    lka_zip: str = ""
    lka_effective_date: str = ""


# -- verify -------------------------------------------------------------------------------
class RecordIn(_In):
    """One SPEC §3.2 request row; absent columns are empty (the rules then reject them)."""

    request_id: str = ""
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    suffix: str = ""
    street: str = ""
    unit: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    tin: str = ""
    birth_date: str = ""
    tax_periods: str = ""
    statute: str = ""
    removal_order_date: str = ""
    removal_case_number: str = ""
    case_officer: str = ""
    reason: str = ""


class VerifyIn(_In):
    official: str = Field(max_length=200, description="a registered signatory of the agency")
    record: RecordIn


# -- review -------------------------------------------------------------------------------
class ProposeIn(_In):
    action: Literal["DISCLOSE", "NO_DISCLOSURE"]
    reason: str = Field(max_length=4000)


class ReasonIn(_In):
    reason: str = Field(max_length=4000)


class ProposalOut(_Out):
    action: str
    by: str
    reason: str
    at: str


class ReviewItemOut(_Out):
    batch_id: str
    row_no: int
    request_id: str
    agency: str
    state: str = Field(description="OPEN, PROPOSED or DECIDED")
    proposal: ProposalOut | None
    rule: str
    candidate_tin: str | None


class ReviewDetailOut(_Out):
    item: ReviewItemOut
    request: dict[str, str]
    candidate: dict[str, Any] | None
    evidence: dict[str, Any]


class DisclosureOut(_Out):
    tin: str
    address_confirmed: bool
    lka_street: str
    lka_unit: str
    lka_city: str
    lka_state: str
    lka_zip: str
    lka_effective_date: str


class DecisionOut(_Out):
    """One line of the decision log, for the agency's own staff (it may carry a TIN)."""

    batch_id: str
    row_no: int
    request_id: str
    decision: str
    rule: str
    reason_codes: list[str]
    evidence: dict[str, Any]
    disclosure: DisclosureOut | None
    policy_version: str
    model_version: str
    code_version: str


# -- accounting ---------------------------------------------------------------------------
class AccountingEntryOut(_Out):
    seq: int
    recorded_at: str
    kind: str
    batch_id: str
    request_id: str
    row_no: int
    tin: str
    agency: str
    official: str
    statute: str
    disclosed: list[list[str]]
    policy_version: str
    model_version: str
    evidence: dict[str, Any]
    retracts_seq: int | None
    retraction_reason: str
    prev_hash: str
    entry_hash: str


class ChainReportOut(_Out):
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    problem: str


class YearCountOut(_Out):
    agency: str
    requests: int
    disclosures: int
    taxpayers: int
    retractions: int


class YearReportOut(_Out):
    year: int
    by_agency: list[YearCountOut]
    total: YearCountOut


class RecordViewOut(_Out):
    seq: int
    viewer: str
    at: str
    batch_id: str
    request_id: str
    tin: str | None
    purpose: str
