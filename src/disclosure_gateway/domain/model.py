"""Domain values: what a request, a taxpayer and a decision are. Frozen, typed, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Decision(StrEnum):
    REJECTED = "REJECTED"
    NO_DISCLOSURE = "NO_DISCLOSURE"
    DISCLOSED = "DISCLOSED"
    REVIEW = "REVIEW"


class TinType(StrEnum):
    SSN = "SSN"
    ITIN = "ITIN"


class AddressSource(StrEnum):
    RETURN = "RETURN"
    FORM_8822 = "FORM_8822"
    NCOA = "NCOA"


# Tie-break rank for equal effective dates (SPEC §2): FORM_8822 over RETURN over NCOA.
SOURCE_RANK: dict[AddressSource, int] = {
    AddressSource.NCOA: 0,
    AddressSource.RETURN: 1,
    AddressSource.FORM_8822: 2,
}

# The columns of a request record (SPEC §3.2), in the order we keep them.
REQUEST_COLUMNS: tuple[str, ...] = (
    "request_id",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "street",
    "unit",
    "city",
    "state",
    "zip",
    "tin",
    "birth_date",
    "tax_periods",
    "statute",
    "removal_order_date",
    "removal_case_number",
    "case_officer",
    "reason",
)
REQUIRED_REQUEST_COLUMNS: tuple[str, ...] = (
    "request_id",
    "first_name",
    "last_name",
    "street",
    "city",
    "state",
    "zip",
    "tax_periods",
    "statute",
    "removal_order_date",
    "removal_case_number",
    "case_officer",
    "reason",
)


@dataclass(frozen=True, slots=True)
class Taxpayer:
    tin: str
    tin_type: TinType
    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    birth_date: date | None


@dataclass(frozen=True, slots=True)
class AddressRow:
    """One row of a taxpayer's address history, as filed. `seq` is its position in the input."""

    tin: str
    street: str
    unit: str
    city: str
    state: str
    zip: str
    source: AddressSource
    effective_date: date
    tax_year: int | None
    seq: int

    @property
    def order_key(self) -> tuple[date, int, int, int]:
        """SPEC §2 order: effective date, then 8822 > RETURN > NCOA, tax year, row in the file."""
        return (
            self.effective_date,
            SOURCE_RANK[self.source],
            self.tax_year if self.tax_year is not None else -1,
            self.seq,
        )


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One row of a request batch, every field as the raw text received (empty when absent).

    `row_no` counts data rows from 1. `problems` lists row-level malformations found while
    reading (wrong field count, an over-long field, bytes that are not text); such a row is
    always REJECTED.
    """

    row_no: int
    fields: tuple[tuple[str, str], ...]
    problems: tuple[str, ...] = ()

    def get(self, column: str) -> str:
        for name, value in self.fields:
            if name == column:
                return value
        return ""

    @property
    def request_id(self) -> str:
        return self.get("request_id").strip()

    @classmethod
    def of(
        cls, row_no: int, values: dict[str, str], problems: tuple[str, ...] = ()
    ) -> RequestRecord:
        return cls(
            row_no=row_no,
            fields=tuple((c, values.get(c, "") or "") for c in REQUEST_COLUMNS),
            problems=problems,
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What was decided for one request, and why. `evidence` is JSON-ready and stays internal."""

    decision: Decision
    rule: str
    reason_codes: tuple[str, ...] = ()
    evidence: dict[str, object] = field(default_factory=dict)
    disclosure: Disclosure | None = None


LKA_FIELDS: tuple[str, ...] = (
    "lka_street",
    "lka_unit",
    "lka_city",
    "lka_state",
    "lka_zip",
    "lka_effective_date",
)


@dataclass(frozen=True, slots=True)
class Disclosure:
    """Exactly what leaves the agency for one DISCLOSED request (SPEC §5)."""

    tin: str
    address_confirmed: bool
    lka_street: str = ""
    lka_unit: str = ""
    lka_city: str = ""
    lka_state: str = ""
    lka_zip: str = ""
    lka_effective_date: str = ""

    def disclosed_fields(self) -> tuple[str, ...]:
        if self.lka_street or self.lka_city or self.lka_zip:
            return ("address_confirmed", *LKA_FIELDS)
        return ("address_confirmed",)


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One line of the decision log: what was decided for one request, under what, and why."""

    batch_id: str
    row_no: int
    request_id: str
    outcome: Outcome
    policy_version: str
    model_version: str
    code_version: str


@dataclass(frozen=True, slots=True)
class AccountingDraft:
    """The content of one accounting entry (SPEC §7) before the store chains it.

    `kind` is "DISCLOSURE" or "RETRACTION" (a retraction names the entry it retracts in
    `retracts_seq`). `disclosed` holds exactly the field names and values that left.
    """

    kind: str
    batch_id: str
    request_id: str
    row_no: int
    tin: str
    agency: str
    official: str
    statute: str
    disclosed: tuple[tuple[str, str], ...]
    policy_version: str
    model_version: str
    evidence: dict[str, object]
    retracts_seq: int | None = None
    retraction_reason: str = ""
