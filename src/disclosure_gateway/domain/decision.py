"""From a checked request and its candidate taxpayers to one Outcome. Total: never raises.

The order of the questions is the order of the law's and the policy's priorities:

1. A request with any reason code is REJECTED with all of them.
2. A supplied birth date that cannot be read cannot be checked: NO_DISCLOSURE.
3. A supplied TIN whose taxpayer's name is not the request's name (under the matcher's name
   rules: a nickname or a dropped second surname is still the same name) is an identity
   conflict: NO_DISCLOSURE, whatever else would fit (SPEC §4, DOMAIN §2 row 10).
4. Plausible candidates are taxpayers whose name agrees at some level (`name_match`), who
   have ever had the supplied address on file (`address_match`: house number and ZIP
   exact, street equal or one typo, units not contradicting), and whom no supplied TIN,
   suffix or birth date contradicts (an empty value on file contradicts nothing). With a
   probabilistic score, a candidate below the policy's lower threshold is not plausible.
5. None: NO_DISCLOSURE. More than one: NO_DISCLOSURE — namesakes at one address are never
   told apart by guesswork. Nor is one plausible candidate disclosed when another taxpayer
   at the address whose name agrees more closely was ruled out only by a birth date or a
   suffix: the request describes that person better than the one left (a household's
   `Maria Garcia`, born 1951 on the request but 1975 on file, and `Ana Maria Garcia` with no
   birth date on file), so disclosing the one left would be a guess about which relative
   was meant.
6. The one candidate's supplied address must have been in effect at some time from
   1 January of the earliest requested tax period until the submission date.
7. Confidence, from the policy: without a model score, a "same name" level with the exact
   address (or the exact name with a one-typo street) discloses automatically; with a score,
   a "same name" level with a corroborated address discloses at or above the upper
   threshold. Weaker evidence (a typo in the name, a fuzzy name with a fuzzy street and no
   score, a score between the thresholds) goes to REVIEW when the policy allows it, else
   NO_DISCLOSURE. Fuzzy evidence never discloses on its own.
8. DISCLOSED: the last known address, or in confirm-only mode only whether the supplied
   address is the last known address.

Fail-closed readings of SPEC are listed in docs/decisions.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from disclosure_gateway.domain.address_match import AddressLevel, compare_addresses
from disclosure_gateway.domain.addresses import StdAddress
from disclosure_gateway.domain.lka import history, last_known_address
from disclosure_gateway.domain.model import AddressRow, Decision, Disclosure, Outcome, Taxpayer
from disclosure_gateway.domain.name_match import NameAgreement, NameLevel, compare_names, same_name
from disclosure_gateway.domain.names import StdName
from disclosure_gateway.domain.nicknames import NicknameTable
from disclosure_gateway.domain.policy import Policy
from disclosure_gateway.domain.rules import RowCheck


@dataclass(frozen=True, slots=True)
class CandidateAddress:
    row: AddressRow
    std: StdAddress | None  # None when the address on file is not street-level


@dataclass(frozen=True, slots=True)
class Candidate:
    """A taxpayer retrieval found for a request, with the whole address history.

    `probability` is the probabilistic model's match probability for the pair (None when no
    model scored it); `weights` are its per-comparison match weights, for the explanation.
    """

    taxpayer: Taxpayer
    name: StdName
    addresses: tuple[CandidateAddress, ...]
    probability: float | None = None
    weights: tuple[tuple[str, str, float], ...] = ()


RULE_REJECTED = "R1-REJECTED"
RULE_TIN_CONFLICT = "R2-TIN-NAME-CONFLICT"
RULE_NO_CANDIDATE = "R3-NO-CANDIDATE"
RULE_AMBIGUOUS = "R4-AMBIGUOUS"
RULE_NOT_IN_EFFECT = "R5-ADDRESS-NOT-IN-EFFECT"
RULE_DISCLOSED = "R6-UNIQUE-MATCH-CORROBORATED"
RULE_BIRTH_DATE_UNREADABLE = "R7-BIRTH-DATE-UNREADABLE"
RULE_REVIEW = "R8-BORDERLINE-REVIEW"
RULE_NOT_CONFIDENT = "R9-NOT-CONFIDENT"


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the decision found out about one candidate."""

    candidate: Candidate
    name: NameAgreement
    address: AddressLevel  # the best agreement with any address row on file, ever
    contradiction: str  # "" when nothing supplied contradicts the candidate

    def evidence(self) -> dict[str, object]:
        found: dict[str, object] = {
            "tin": self.candidate.taxpayer.tin,
            "name": self.name.level.value,
            "name_detail": self.name.detail,
            "address": self.address.value,
        }
        if self.name.conflicts:
            found["name_conflicts"] = list(self.name.conflicts)
        if self.contradiction:
            found["contradicted_by"] = self.contradiction
        if self.candidate.probability is not None:
            found["probability"] = round(self.candidate.probability, 6)
            found["weights"] = [[c, lvl, round(w, 4)] for c, lvl, w in self.candidate.weights]
        return found


def decide(
    check: RowCheck,
    codes: Sequence[str],
    candidates: Sequence[Candidate],
    policy: Policy,
    submitted_on: date,
    nicknames: NicknameTable,
) -> Outcome:
    """The outcome for one request; `codes` are all its reason codes (row and batch level)."""
    if codes:
        return Outcome(Decision.REJECTED, RULE_REJECTED, tuple(codes), {"notes": list(check.notes)})
    if check.name is None or check.address is None:  # cannot happen without a code; fail closed
        return Outcome(Decision.NO_DISCLOSURE, RULE_NO_CANDIDATE, (), {"why": "unchecked"})
    if "birth_date_unparsed" in check.notes:
        return Outcome(Decision.NO_DISCLOSURE, RULE_BIRTH_DATE_UNREADABLE, (), {})
    name, address = check.name, check.address
    if check.tin is not None:
        owner = next((c for c in candidates if c.taxpayer.tin == check.tin), None)
        if owner is not None and not same_name(name, owner.name, nicknames):
            found: dict[str, object] = {"tin_owner": owner.taxpayer.tin, "name": "different"}
            return Outcome(Decision.NO_DISCLOSURE, RULE_TIN_CONFLICT, (), found)
    assessed = [_assess(check, name, address, c, nicknames) for c in candidates]
    plausible = [a for a in assessed if _plausible(a, policy)]
    evidence: dict[str, object] = {
        "model": policy.model,
        "candidates": [a.evidence() for a in assessed],
    }
    if not plausible:
        return Outcome(Decision.NO_DISCLOSURE, RULE_NO_CANDIDATE, (), evidence)
    if len(plausible) > 1:
        return Outcome(Decision.NO_DISCLOSURE, RULE_AMBIGUOUS, (), evidence)
    closer = _closer_name_ruled_out(assessed, plausible[0])
    if closer is not None:
        evidence["closer_name_ruled_out"] = closer.candidate.taxpayer.tin
        return Outcome(Decision.NO_DISCLOSURE, RULE_AMBIGUOUS, (), evidence)
    return _judge_one(check, address, plausible[0], evidence, policy, submitted_on)


def _assess(
    check: RowCheck, name: StdName, address: StdAddress, cand: Candidate, nicknames: NicknameTable
) -> Assessment:
    agreement = compare_names(name, cand.name, nicknames)
    levels = [compare_addresses(address, a.std).level for a in cand.addresses if a.std is not None]
    best = min(levels, key=_ADDRESS_RANK.__getitem__, default=AddressLevel.NONE)
    return Assessment(cand, agreement, best, _contradiction(check, cand))


_ADDRESS_RANK = {level: rank for rank, level in enumerate(AddressLevel)}
_NAME_RANK = {level: rank for rank, level in enumerate(NameLevel)}
# What rules a taxpayer out without saying who the request meant: a TIN names its person.
_SOFT_CONTRADICTIONS = frozenset({"birth_date", "suffix"})


def _closer_name_ruled_out(assessed: Sequence[Assessment], one: Assessment) -> Assessment | None:
    """A taxpayer at the supplied address whose name agrees more closely than `one`'s, ruled
    out only by a birth date or a suffix (module docstring, step 5); None when there is none."""
    for a in assessed:
        if (
            a.contradiction in _SOFT_CONTRADICTIONS
            and a.name.level is not NameLevel.NONE
            and a.address is not AddressLevel.NONE
            and _NAME_RANK[a.name.level] < _NAME_RANK[one.name.level]
        ):
            return a
    return None


_CORROBORATING = frozenset(AddressLevel) - {AddressLevel.NONE}


def _plausible(a: Assessment, policy: Policy) -> bool:
    if a.name.level is NameLevel.NONE or a.address is AddressLevel.NONE or a.contradiction:
        return False
    p = a.candidate.probability
    return p is None or p >= policy.lower_probability


def _contradiction(check: RowCheck, cand: Candidate) -> str:
    tp = cand.taxpayer
    if check.tin is not None and tp.tin != check.tin:
        return "tin"
    if check.suffix and cand.name.suffix and check.suffix != cand.name.suffix:
        return "suffix"
    if check.birth_date is not None and tp.birth_date not in (None, check.birth_date):
        return "birth_date"
    return ""


def in_effect_levels(
    check: RowCheck, address: StdAddress, cand: Candidate, submitted_on: date
) -> tuple[list[int], AddressLevel]:
    """The rows that corroborate the supplied address in the look-back, and their best level."""
    first_year = (
        check.earliest_tax_year if check.earliest_tax_year is not None else submitted_on.year
    )
    window_start = date(first_year, 1, 1)
    std_of = {a.row.seq: a.std for a in cand.addresses}
    rows: list[int] = []
    best = AddressLevel.NONE
    for tenure in history([a.row for a in cand.addresses], submitted_on):
        std = std_of.get(tenure.row.seq)
        if std is None or not tenure.overlaps(window_start, submitted_on):
            continue
        level = compare_addresses(address, std).level
        if level is not AddressLevel.NONE:
            rows.append(tenure.row.seq)
            best = min(best, level, key=_ADDRESS_RANK.__getitem__)
    return rows, best


def _confidence(a: Assessment, address_level: AddressLevel, policy: Policy) -> str:
    """ "auto", "review" or "none" for the one plausible candidate.

    Without a model score the rule is deterministic: a same-name level with the exact
    address, or the exact name with a one-typo street. With a score, any same-name level
    with a corroborated address discloses at or above the upper threshold — the model
    weighs how rare the name is and whether a birth date or TIN agrees — and anything
    weaker that still got here goes to review.
    """
    level = a.name.level.value
    p = a.candidate.probability
    if level in policy.auto_name_levels:
        if p is not None:
            return "auto" if p >= policy.upper_probability else "review"
        if address_level is AddressLevel.EXACT or level in policy.street_typo_auto_name_levels:
            return "auto"
        return "review"
    if level in policy.review_name_levels:
        return "review"
    return "none"


def _judge_one(
    check: RowCheck,
    address: StdAddress,
    a: Assessment,
    evidence: dict[str, object],
    policy: Policy,
    submitted_on: date,
) -> Outcome:
    cand = a.candidate
    rows, level = in_effect_levels(check, address, cand, submitted_on)
    if not rows:
        return Outcome(Decision.NO_DISCLOSURE, RULE_NOT_IN_EFFECT, (), evidence)
    lka = last_known_address([x.row for x in cand.addresses], submitted_on)
    if lka is None:  # rows is non-empty, so a known row exists; fail closed regardless
        return Outcome(Decision.NO_DISCLOSURE, RULE_NOT_IN_EFFECT, (), evidence)
    evidence.update(
        chosen=cand.taxpayer.tin,
        corroborating_rows=rows,
        address_level=level.value,
        lka_row=lka.seq,
    )
    verdict = _confidence(a, level, policy)
    if verdict == "review" and policy.review_enabled:
        return Outcome(Decision.REVIEW, RULE_REVIEW, (), evidence)
    if verdict != "auto":
        return Outcome(Decision.NO_DISCLOSURE, RULE_NOT_CONFIDENT, (), evidence)
    lka_std = next((x.std for x in cand.addresses if x.row.seq == lka.seq), None)
    # the same test as corroboration: a street with one typo is still that address
    confirmed = lka_std is not None and compare_addresses(address, lka_std).level in _CORROBORATING
    return Outcome(
        Decision.DISCLOSED,
        RULE_DISCLOSED,
        (),
        evidence,
        disclosure_of(cand.taxpayer.tin, lka, confirmed, policy),
    )


def disclosure_of(tin: str, lka: AddressRow, confirmed: bool, policy: Policy) -> Disclosure:
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
