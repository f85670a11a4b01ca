"""From a checked request and its candidate taxpayers to one Outcome. Total: never raises.

The order of the questions is the order of the law's and the policy's priorities:

1. A request with any reason code is REJECTED with all of them.
2. A supplied TIN whose taxpayer's name does not match the request's name is an identity
   conflict: NO_DISCLOSURE, whatever else would fit (SPEC §4, DOMAIN §2 row 10).
3. Candidates are taxpayers whose name matches and who have ever had the supplied address
   on file (unit rule included). A supplied TIN, suffix or birth date that contradicts a
   candidate rules it out; an empty value on file contradicts nothing.
4. No candidate left: NO_DISCLOSURE. More than one: NO_DISCLOSURE (ambiguous: namesakes
   at one address never disclose without a TIN, suffix or birth date that tells them apart).
5. The one candidate's supplied address must have been in effect at some time from 1 January
   of the earliest requested tax period until the submission date; else NO_DISCLOSURE.
   (A supplied birth date that cannot be read is NO_DISCLOSURE before any of this.)
6. Otherwise DISCLOSED: the last known address (or, in confirm-only mode, only whether the
   supplied address is the last known address).

Fail-closed readings of SPEC, written down in docs/decisions.md: the ambiguity test counts a
namesake who had the address at ANY time, not only in the look-back; two taxpayer records of
one person (an ITIN and a later SSN) at one address are ambiguous too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from disclosure_gateway.domain.addresses import StdAddress, same_address
from disclosure_gateway.domain.lka import history, last_known_address
from disclosure_gateway.domain.model import (
    AddressRow,
    Decision,
    Disclosure,
    Outcome,
    Taxpayer,
)
from disclosure_gateway.domain.names import StdName, names_match
from disclosure_gateway.domain.policy import Policy
from disclosure_gateway.domain.rules import RowCheck


@dataclass(frozen=True, slots=True)
class CandidateAddress:
    row: AddressRow
    std: StdAddress | None  # None when the address on file is not street-level


@dataclass(frozen=True, slots=True)
class Candidate:
    """A taxpayer the retrieval step found for a request, with the whole address history."""

    taxpayer: Taxpayer
    name: StdName
    addresses: tuple[CandidateAddress, ...]


RULE_REJECTED = "R1-REJECTED"
RULE_TIN_CONFLICT = "R2-TIN-NAME-CONFLICT"
RULE_NO_CANDIDATE = "R3-NO-CANDIDATE"
RULE_AMBIGUOUS = "R4-AMBIGUOUS"
RULE_NOT_IN_EFFECT = "R5-ADDRESS-NOT-IN-EFFECT"
RULE_DISCLOSED = "R6-UNIQUE-MATCH-CORROBORATED"
RULE_BIRTH_DATE_UNREADABLE = "R7-BIRTH-DATE-UNREADABLE"


def decide(
    check: RowCheck,
    codes: Sequence[str],
    candidates: Sequence[Candidate],
    policy: Policy,
    submitted_on: date,
) -> Outcome:
    """The outcome for one request; `codes` are all its reason codes (row and batch level)."""
    if codes:
        return Outcome(Decision.REJECTED, RULE_REJECTED, tuple(codes), {"notes": list(check.notes)})
    if check.name is None or check.address is None:  # cannot happen without a code; fail closed
        return Outcome(Decision.NO_DISCLOSURE, RULE_NO_CANDIDATE, (), {"why": "unchecked"})
    name, address = check.name, check.address
    if "birth_date_unparsed" in check.notes:  # cannot be compared, so cannot be ruled out
        return Outcome(
            Decision.NO_DISCLOSURE, RULE_BIRTH_DATE_UNREADABLE, (), {"why": "birth_date"}
        )
    if check.tin is not None:
        owner = next((c for c in candidates if c.taxpayer.tin == check.tin), None)
        if owner is not None and not names_match(name, owner.name):
            return Outcome(Decision.NO_DISCLOSURE, RULE_TIN_CONFLICT, (), _evidence([owner], []))
    at_address = [
        c
        for c in candidates
        if names_match(name, c.name) and any(_corroborates(address, a) for a in c.addresses)
    ]
    kept = [c for c in at_address if not _contradicted(check, c)]
    ruled_out = [c for c in at_address if c not in kept]
    if not kept:
        return Outcome(Decision.NO_DISCLOSURE, RULE_NO_CANDIDATE, (), _evidence([], ruled_out))
    if len(kept) > 1:
        return Outcome(Decision.NO_DISCLOSURE, RULE_AMBIGUOUS, (), _evidence(kept, ruled_out))
    return _disclose_if_in_effect(check, address, kept[0], ruled_out, policy, submitted_on)


def _corroborates(supplied: StdAddress, on_file: CandidateAddress) -> bool:
    return on_file.std is not None and same_address(supplied, on_file.std)


def _contradicted(check: RowCheck, cand: Candidate) -> bool:
    tp = cand.taxpayer
    if check.tin is not None and tp.tin != check.tin:
        return True
    if check.suffix and cand.name.suffix and check.suffix != cand.name.suffix:
        return True
    return check.birth_date is not None and tp.birth_date not in (None, check.birth_date)


def _disclose_if_in_effect(
    check: RowCheck,
    address: StdAddress,
    cand: Candidate,
    ruled_out: list[Candidate],
    policy: Policy,
    submitted_on: date,
) -> Outcome:
    first_year = (
        check.earliest_tax_year if check.earliest_tax_year is not None else submitted_on.year
    )
    window_start = date(first_year, 1, 1)
    std_of = {a.row.seq: a.std for a in cand.addresses}
    tenures = history([a.row for a in cand.addresses], submitted_on)
    in_effect = [
        t
        for t in tenures
        if t.overlaps(window_start, submitted_on)
        and (std := std_of.get(t.row.seq)) is not None
        and same_address(address, std)
    ]
    evidence = _evidence([cand], ruled_out)
    if not in_effect:
        return Outcome(Decision.NO_DISCLOSURE, RULE_NOT_IN_EFFECT, (), evidence)
    lka = last_known_address([a.row for a in cand.addresses], submitted_on)
    if lka is None:  # in_effect is non-empty, so a known row exists; fail closed regardless
        return Outcome(Decision.NO_DISCLOSURE, RULE_NOT_IN_EFFECT, (), evidence)
    lka_std = std_of.get(lka.seq)
    confirmed = lka_std is not None and same_address(address, lka_std)
    evidence["corroborating_rows"] = [t.row.seq for t in in_effect]
    evidence["lka_row"] = lka.seq
    return Outcome(
        Decision.DISCLOSED,
        RULE_DISCLOSED,
        (),
        evidence,
        _disclosure(cand.taxpayer.tin, lka, confirmed, policy),
    )


def _disclosure(tin: str, lka: AddressRow, confirmed: bool, policy: Policy) -> Disclosure:
    if policy.disclosure_mode == "confirm_only":
        return Disclosure(tin=tin, address_confirmed=confirmed)
    return Disclosure(
        tin=tin,
        address_confirmed=confirmed,
        lka_street=lka.street,
        lka_unit=lka.unit,
        lka_city=lka.city,
        lka_state=lka.state,
        lka_zip=lka.zip,
        lka_effective_date=lka.effective_date.isoformat(),
    )


def _evidence(kept: Sequence[Candidate], ruled_out: Sequence[Candidate]) -> dict[str, object]:
    """Which taxpayers were considered and why each was kept or ruled out (internal log only)."""
    return {
        "matcher": "exact-standardised",
        "candidates": [c.taxpayer.tin for c in kept],
        "ruled_out": [c.taxpayer.tin for c in ruled_out],
    }
