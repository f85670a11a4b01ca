"""decide(): every path of SPEC §4's disclosure rule, the 2025 failures among them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from disclosure_gateway.adapters.reference.nicknames import packaged_nickname_table
from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.domain.addresses import StdAddress, standardise_address
from disclosure_gateway.domain.decision import Candidate, CandidateAddress, decide
from disclosure_gateway.domain.model import AddressRow, AddressSource, Decision, Taxpayer, TinType
from disclosure_gateway.domain.names import standardise_name
from disclosure_gateway.domain.policy import parse_policy
from disclosure_gateway.domain.rules import RowCheck

NICK = packaged_nickname_table()

POLICY = parse_policy(packaged_text("policy-default.toml"))
CONFIRM_ONLY = replace(POLICY, disclosure_mode="confirm_only")
SUBMITTED = date(2026, 11, 20)


def std(
    street: str, unit: str = "", city: str = "Houston", state: str = "TX", zip_code: str = "77002"
) -> StdAddress:
    a = standardise_address(street, unit, city, state, zip_code)
    assert isinstance(a, StdAddress), a
    return a


def request(
    first: str = "José",
    last: str = "García López",
    street: str = "123 N Main St",
    unit: str = "",
    *,
    tin: str | None = None,
    suffix: str = "",
    birth: date | None = None,
    year: int = 2023,
    notes: tuple[str, ...] = (),
) -> RowCheck:
    return RowCheck(
        row_no=1,
        request_id="R1",
        codes=(),
        name=standardise_name(first, "", last, suffix),
        address=std(street, unit),
        tin=tin,
        birth_date=birth,
        suffix=standardise_name(first, "", last, suffix).suffix,
        earliest_tax_year=year,
        statute="8 U.S.C. 1253(a)(1)",
        notes=notes,
        reason_key="r",
        officer_key="o",
        identity_keys=(),
    )


_seq = iter(range(1, 10_000))


def taxpayer(
    tin: str,
    first: str,
    last: str,
    *addresses: tuple[str, str, str],
    suffix: str = "",
    birth: date | None = None,
) -> Candidate:
    """addresses: (street, unit, effective_date) in any order."""
    tp = Taxpayer(tin, TinType.SSN, first, "", last, suffix, birth)
    rows = []
    for street, unit, eff in addresses:
        row = AddressRow(
            tin,
            street,
            unit,
            "Houston",
            "TX",
            "77002",
            AddressSource.RETURN,
            date.fromisoformat(eff),
            None,
            next(_seq),
        )
        rows.append(CandidateAddress(row, std(street, unit)))
    return Candidate(tp, standardise_name(first, "", last, suffix), tuple(rows))


JOSE = taxpayer(
    "123456789",
    "Jose",
    "Garcia-Lopez",
    ("123 North Main Street", "", "2019-03-01"),
    ("9 Elm St", "", "2025-04-01"),
)


def test_rejected_keeps_every_code_and_discloses_nothing() -> None:
    out = decide(request(), ("NAME_INVALID", "TIN_INVALID"), [JOSE], POLICY, SUBMITTED, NICK)
    assert out.decision is Decision.REJECTED
    assert out.reason_codes == ("NAME_INVALID", "TIN_INVALID")
    assert out.disclosure is None


def test_unique_match_with_an_address_in_effect_discloses_the_last_known_address() -> None:
    out = decide(request(), (), [JOSE], POLICY, SUBMITTED, NICK)
    assert out.decision is Decision.DISCLOSED
    assert out.disclosure is not None
    assert (out.disclosure.lka_street, out.disclosure.lka_effective_date) == (
        "9 Elm St",
        "2025-04-01",
    )
    assert out.disclosure.address_confirmed is False  # the supplied address is an older one


def test_supplied_address_that_is_the_lka_is_confirmed() -> None:
    out = decide(request(street="9 Elm Street"), (), [JOSE], POLICY, SUBMITTED, NICK)
    assert out.decision is Decision.DISCLOSED
    assert out.disclosure is not None
    assert out.disclosure.address_confirmed is True


def test_confirm_only_mode_discloses_no_address() -> None:
    out = decide(request(street="9 Elm Street"), (), [JOSE], CONFIRM_ONLY, SUBMITTED, NICK)
    assert out.disclosure is not None
    assert out.disclosure.lka_street == ""
    assert out.disclosure.disclosed_fields() == ("address_confirmed",)


def test_name_and_tin_right_but_address_not_on_file_is_no_disclosure() -> None:
    """The 2025 failure: a name + TIN match is never enough."""
    out = decide(
        request(street="500 Other Rd", tin="123456789"), (), [JOSE], POLICY, SUBMITTED, NICK
    )
    assert out.decision is Decision.NO_DISCLOSURE
    assert out.disclosure is None


def test_address_left_before_the_earliest_tax_period_does_not_corroborate() -> None:
    moved = taxpayer(
        "123456789",
        "Jose",
        "Garcia Lopez",
        ("123 N Main St", "", "2018-03-01"),
        ("9 Elm St", "", "2020-06-01"),
    )
    assert (
        decide(request(year=2021), (), [moved], POLICY, SUBMITTED, NICK).decision
        is Decision.NO_DISCLOSURE
    )
    assert (
        decide(request(year=2020), (), [moved], POLICY, SUBMITTED, NICK).decision
        is Decision.DISCLOSED
    )


def test_tin_of_another_name_is_an_identity_conflict_even_if_name_and_address_fit() -> None:
    other = taxpayer("987654321", "Maria", "Perez", ("1 Oak St", "", "2020-01-01"))
    out = decide(request(tin="987654321"), (), [JOSE, other], POLICY, SUBMITTED, NICK)
    assert out.decision is Decision.NO_DISCLOSURE
    assert out.rule.startswith("R2")


def test_tin_on_no_record_contradicts_the_candidate() -> None:
    out = decide(request(tin="111223333"), (), [JOSE], POLICY, SUBMITTED, NICK)
    assert out.decision is Decision.NO_DISCLOSURE


def test_namesakes_at_one_address_without_a_distinguishing_fact_never_disclose() -> None:
    father = taxpayer(
        "111111111",
        "Jose",
        "Garcia Lopez",
        ("123 N Main St", "", "2010-01-01"),
        suffix="SR",
        birth=date(1960, 1, 1),
    )
    son = taxpayer(
        "222222222",
        "Jose",
        "Garcia Lopez",
        ("123 N Main St", "", "2015-01-01"),
        birth=date(1990, 5, 5),
    )
    assert decide(request(), (), [father, son], POLICY, SUBMITTED, NICK).rule.startswith("R4")
    by_suffix = decide(request(suffix="JR"), (), [father, son], POLICY, SUBMITTED, NICK)
    assert by_suffix.decision is Decision.DISCLOSED
    assert by_suffix.disclosure is not None
    assert by_suffix.disclosure.tin == "222222222"
    by_birth = decide(request(birth=date(1960, 1, 1)), (), [father, son], POLICY, SUBMITTED, NICK)
    assert by_birth.disclosure is not None
    assert by_birth.disclosure.tin == "111111111"
    by_tin = decide(request(tin="222222222"), (), [father, son], POLICY, SUBMITTED, NICK)
    assert by_tin.disclosure is not None
    assert by_tin.disclosure.tin == "222222222"


def test_namesake_who_lived_there_long_ago_still_makes_it_ambiguous() -> None:
    father = taxpayer(
        "111111111",
        "Jose",
        "Garcia Lopez",
        ("123 N Main St", "", "2001-01-01"),
        ("7 Far Rd", "", "2005-01-01"),
    )
    son = taxpayer("222222222", "Jose", "Garcia Lopez", ("123 N Main St", "", "2015-01-01"))
    assert (
        decide(request(), (), [father, son], POLICY, SUBMITTED, NICK).decision
        is Decision.NO_DISCLOSURE
    )


def test_contradicting_birth_date_rules_the_only_candidate_out() -> None:
    born = taxpayer(
        "123456789",
        "Jose",
        "Garcia Lopez",
        ("123 N Main St", "", "2019-01-01"),
        birth=date(1980, 2, 2),
    )
    assert (
        decide(request(birth=date(1980, 2, 3)), (), [born], POLICY, SUBMITTED, NICK).decision
        is Decision.NO_DISCLOSURE
    )
    assert (
        decide(request(birth=date(1980, 2, 2)), (), [born], POLICY, SUBMITTED, NICK).decision
        is Decision.DISCLOSED
    )
    # an empty birth date on file contradicts nothing
    assert (
        decide(request(birth=date(1999, 9, 9)), (), [JOSE], POLICY, SUBMITTED, NICK).decision
        is Decision.DISCLOSED
    )


def test_unreadable_birth_date_fails_closed() -> None:
    out = decide(request(notes=("birth_date_unparsed",)), (), [JOSE], POLICY, SUBMITTED, NICK)
    assert out.decision is Decision.NO_DISCLOSURE


@pytest.mark.parametrize(
    ("supplied", "on_file", "expected"),
    [
        ("4", "4", Decision.DISCLOSED),
        ("", "4", Decision.DISCLOSED),
        ("4", "", Decision.DISCLOSED),
        ("5", "4", Decision.NO_DISCLOSURE),
    ],
)
def test_units(supplied: str, on_file: str, expected: Decision) -> None:
    apt = taxpayer(
        "123456789",
        "Jose",
        "Garcia Lopez",
        ("123 N Main St", f"Apt {on_file}" if on_file else "", "2019-01-01"),
    )
    out = decide(
        request(unit=f"#{supplied}" if supplied else ""), (), [apt], POLICY, SUBMITTED, NICK
    )
    assert out.decision is expected


def test_other_name_at_the_address_is_not_a_candidate() -> None:
    maria = taxpayer("333333333", "Maria", "Garcia Lopez", ("123 N Main St", "", "2019-01-01"))
    assert (
        decide(request(), (), [maria], POLICY, SUBMITTED, NICK).decision is Decision.NO_DISCLOSURE
    )


def test_formatting_differences_still_match() -> None:
    out = decide(
        request(first="JOSE", last="garcia lópez", street="123 north main street"),
        (),
        [JOSE],
        POLICY,
        SUBMITTED,
        NICK,
    )
    assert out.decision is Decision.DISCLOSED


def test_addresses_without_a_zip_are_never_the_same() -> None:
    from disclosure_gateway.domain.addresses import same_address

    a = standardise_address("12 Main St", "", "Springfield", "IL", "")
    b = standardise_address("12 Main St", "", "Springfield", "MO", "")
    assert isinstance(a, StdAddress)
    assert isinstance(b, StdAddress)
    assert not same_address(a, b)
    assert not same_address(a, a)


# --- the matcher's name and address levels (issue 3) ----------------------------------------


def _decide(check: RowCheck, *cands: Candidate, policy=POLICY):  # type: ignore[no-untyped-def]
    return decide(check, (), list(cands), policy, SUBMITTED, NICK)


@pytest.mark.parametrize(
    ("first", "last", "why"),
    [
        ("Pepe", "Garcia Lopez", "nickname"),
        ("Jose", "Garcia", "only the first surname"),
        ("Garcia Lopez", "Jose", "first and last swapped"),
    ],
)
def test_same_name_levels_with_the_exact_address_disclose(first: str, last: str, why: str) -> None:
    out = _decide(request(first=first, last=last), JOSE)
    assert out.decision is Decision.DISCLOSED, why


def test_one_typo_in_the_street_discloses_with_the_exact_name_only() -> None:
    typo = request(street="123 N Mian St")
    assert _decide(typo, JOSE).decision is Decision.DISCLOSED
    fuzzy_both = request(first="Pepe", street="123 N Mian St")
    assert _decide(fuzzy_both, JOSE).decision is Decision.REVIEW


def test_a_typo_in_the_name_goes_to_review_never_straight_out() -> None:
    out = _decide(request(first="Jsoe"), JOSE)
    assert out.decision is Decision.REVIEW
    assert out.disclosure is None
    no_review = replace(POLICY, review_enabled=False)
    assert _decide(request(first="Jsoe"), JOSE, policy=no_review).decision is Decision.NO_DISCLOSURE


def test_a_different_house_number_or_zip_never_corroborates() -> None:
    assert _decide(request(street="132 N Main St"), JOSE).decision is Decision.NO_DISCLOSURE


def test_second_surname_conflict_is_another_person() -> None:
    assert _decide(request(last="Garcia Perez"), JOSE).decision is Decision.NO_DISCLOSURE


def test_tin_with_a_nickname_of_the_owner_is_not_a_conflict() -> None:
    out = _decide(request(first="Pepe", tin="123456789"), JOSE)
    assert out.decision is Decision.DISCLOSED


def test_nickname_namesakes_at_one_address_are_ambiguous() -> None:
    pepe = taxpayer("444444444", "Pepe", "Garcia Lopez", ("123 N Main St", "", "2016-01-01"))
    assert _decide(request(), JOSE, pepe).rule.startswith("R4")


def test_model_probability_thresholds() -> None:
    sure = replace(JOSE, probability=0.9999)
    unsure = replace(JOSE, probability=0.9)
    unlikely = replace(JOSE, probability=0.1)
    assert _decide(request(), sure).decision is Decision.DISCLOSED
    assert _decide(request(), unsure).decision is Decision.REVIEW
    assert _decide(request(), unlikely).decision is Decision.NO_DISCLOSURE


def test_evidence_names_every_candidate_and_its_levels() -> None:
    out = _decide(request(first="Pepe"), JOSE)
    (cand,) = out.evidence["candidates"]  # type: ignore[misc]
    assert cand["name"] == "nickname"
    assert cand["address"] == "exact"
    assert out.evidence["chosen"] == "123456789"


def test_the_waterfall_adds_up_to_the_probability_the_decision_used() -> None:
    import math

    from disclosure_gateway.cli.explain_cmd import waterfall

    weights = (("prior", "", -17.5), ("name", "exact", 14.5), ("address", "exact", 15.0))
    total = sum(w for _, _, w in weights)
    scored = replace(JOSE, probability=1 / (1 + math.pow(2, -total)), weights=weights)
    out = _decide(request(), scored)
    (cand,) = out.evidence["candidates"]  # type: ignore[misc]
    table = waterfall(cand)
    last_total = table.columns[3]._cells[-1]
    assert f"{total:+.2f}" in str(last_total)
    assert cand["probability"] == round(scored.probability or 0.0, 6)


def test_a_closer_name_ruled_out_by_birth_date_leaves_no_relative_to_disclose() -> None:
    """A household: the request's `John Waters` is born 1951; the one on file of that exact
    name is born 1975, and `Miranda John Waters` (no birth date on file) agrees only by her
    middle name. Disclosing Miranda would be a guess about which relative was meant (the
    10M scale point made 4 such disclosures in 1.28M rows before this rule)."""
    john = taxpayer(
        "111111111",
        "John",
        "Waters",
        ("123 N Main St", "", "2015-01-01"),
        birth=date(1975, 3, 3),
    )
    miranda = Candidate(
        Taxpayer("222222222", TinType.SSN, "Miranda", "John", "Waters", "", None),
        standardise_name("Miranda", "John", "Waters", ""),
        john.addresses,
    )
    asked = request("John", "Waters", birth=date(1951, 9, 11))
    alone = decide(asked, (), [miranda], POLICY, SUBMITTED, NICK)
    assert alone.decision is Decision.DISCLOSED  # nobody closer: a middle name as first
    both = decide(asked, (), [john, miranda], POLICY, SUBMITTED, NICK)
    assert (both.decision, both.rule) == (Decision.NO_DISCLOSURE, "R4-AMBIGUOUS")
    assert both.evidence["closer_name_ruled_out"] == "111111111"
    # the same name ruled out is no closer: the birth date tells namesakes apart
    namesake = replace(
        miranda,
        taxpayer=replace(miranda.taxpayer, first_name="John"),
        name=standardise_name("John", "", "Waters", ""),
    )
    told_apart = decide(asked, (), [john, namesake], POLICY, SUBMITTED, NICK)
    assert told_apart.decision is Decision.DISCLOSED
    # ruled out by a TIN instead: the TIN names who was meant, and it is not that John
    by_tin = decide(
        request("John", "Waters", tin="222222222"), (), [john, miranda], POLICY, SUBMITTED, NICK
    )
    assert by_tin.disclosure is not None
    assert by_tin.disclosure.tin == "222222222"


def test_a_closer_name_ruled_out_by_suffix_also_leaves_no_relative_to_disclose() -> None:
    senior = taxpayer(
        "111111111", "John", "Waters", ("123 N Main St", "", "2015-01-01"), suffix="SR"
    )
    miranda = Candidate(
        Taxpayer("222222222", TinType.SSN, "Miranda", "John", "Waters", "", None),
        standardise_name("Miranda", "John", "Waters", ""),
        senior.addresses,
    )
    out = decide(
        request("John", "Waters", suffix="JR"), (), [senior, miranda], POLICY, SUBMITTED, NICK
    )
    assert (out.decision, out.rule) == (Decision.NO_DISCLOSURE, "R4-AMBIGUOUS")
    assert out.evidence["closer_name_ruled_out"] == "111111111"
