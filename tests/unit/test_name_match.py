"""Name agreement levels: each level, the wrong-person traps, symmetry, totality, blocking keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure_gateway.domain.name_match import (
    SAME_NAME_LEVELS,
    NameLevel,
    blocking_keys,
    compare_names,
    is_name_typo,
    same_name,
)
from disclosure_gateway.domain.names import StdName, names_match, standardise_name
from disclosure_gateway.domain.nicknames import NicknameTable, nickname_table

TABLE = nickname_table(
    "name1,relationship,name2\nalbert,has_nickname,bert\nbert,has_nickname,bob\n"
    "robert,has_nickname,bob\n",
    "name,nickname\nJosé,Pepe\nFrancisco,Paco\nFrancisco,Frank\nGuillermo,Memo\n",
)


def _n(first: str, last: str, middle: str = "", suffix: str = "") -> StdName:
    return standardise_name(first, middle, last, suffix)


def _level(a: StdName, b: StdName, table: NicknameTable = TABLE) -> NameLevel:
    return compare_names(a, b, table).level


def test_same_name_levels_are_the_spec_list() -> None:
    expected = {
        NameLevel.EXACT,
        NameLevel.NICKNAME,
        NameLevel.SURNAME_SUBSET,
        NameLevel.SECOND_SURNAME_ONLY,
        NameLevel.MIDDLE_AS_FIRST,
        NameLevel.SWAPPED,
    }
    assert expected == SAME_NAME_LEVELS
    order = list(NameLevel)
    assert (order[0], order[-1]) == (NameLevel.EXACT, NameLevel.NONE)


def test_agreement_names_each_part_and_the_order() -> None:
    agreement = compare_names(_n("Pepe", "Garcia"), _n("José", "García López"), TABLE)
    assert agreement.level is NameLevel.SURNAME_SUBSET
    assert (agreement.given, agreement.surname) == ("nickname", "subset")
    assert agreement.detail == "given=nickname;surname=subset;order=direct"
    swapped = compare_names(_n("Wei", "Wang"), _n("Wang", "Wei"), TABLE)
    assert swapped.detail == "given=exact;surname=exact;order=swapped"


def test_conflicting_middle_or_second_given_name_is_listed_but_stays_exact() -> None:
    given_rest = compare_names(_n("Jose Luis", "Garcia"), _n("Jose Antonio", "Garcia"), TABLE)
    assert given_rest.level is NameLevel.EXACT
    assert given_rest.conflicts == ("given_rest",)
    middle = compare_names(_n("Ana", "Ruiz", "Sofia"), _n("Ana", "Ruiz", "Lucia"), TABLE)
    assert middle.conflicts == ("middle",)
    assert "conflicts=middle" in middle.detail
    initial = compare_names(_n("Ana", "Ruiz", "S"), _n("Ana", "Ruiz", "Sofia"), TABLE)
    assert initial.conflicts == ()
    moved = compare_names(
        _n("Maria", "Garcia", "Lopez"), _n("Maria", "Garcia Lopez", "Elena"), TABLE
    )
    assert moved.level is NameLevel.SURNAME_SUBSET
    assert moved.conflicts == ()  # LOPEZ in the middle is the moved second surname


@pytest.mark.parametrize(
    ("req", "cand"),
    [
        (_n("Maria", "Garcia Lopez"), _n("Maria", "Garcia Perez")),  # second surname conflict
        (_n("Jose", "Garcia"), _n("Josefina", "Garcia")),
        (_n("Albert", "Smith"), _n("Robert", "Smith")),  # non-transitive nickname trap
        (_n("Albert", "Smith"), _n("Bob", "Smith")),
        (_n("Maria", "Garcia"), _n("Jose Maria", "Garcia")),
        (_n("Li", "Wang"), _n("Lu", "Wang")),
        (_n("Maria", "Garcia"), _n("", "Garcia")),
        (_n("", ""), _n("", "")),
    ],
)
def test_wrong_person_traps_are_none(req: StdName, cand: StdName) -> None:
    assert _level(req, cand) is NameLevel.NONE
    assert _level(cand, req) is NameLevel.NONE
    assert not same_name(req, cand, TABLE)


def test_a_suffix_never_makes_names_agree_or_disagree() -> None:
    assert _level(_n("John", "Smith", suffix="Jr"), _n("John", "Smith", suffix="Sr")) is (
        NameLevel.EXACT
    )
    assert _level(_n("John", "Smith Jr"), _n("Jon", "Smyth")) is NameLevel.NONE


def test_typo_is_not_the_same_name() -> None:
    req, cand = _n("Maria", "Gonzales"), _n("Maria", "Gonzalez")
    assert _level(req, cand) is NameLevel.TYPO
    assert not same_name(req, cand, TABLE)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("GONZALEZ", "GONZALES", True),
        ("HERNANDEZ", "HERNADNEZ", True),
        ("RODRIGO", "RODRIGOS", True),
        ("JOSE", "JOSEFINA", False),
        ("LI", "LU", False),
        ("GARCIA", "GARCIA", False),
        ("MARIA", "MARTA", True),
        ("ALBERT", "ROBERT", False),
    ],
)
def test_is_name_typo(a: str, b: str, expected: bool) -> None:
    assert is_name_typo(a, b) is expected
    assert is_name_typo(b, a) is expected


def test_blocking_keys_are_phonetic_ordered_and_deterministic() -> None:
    keys = blocking_keys(_n("José", "García López"))
    assert keys == ("S:KRX", "S:LPS", "G:JS")
    assert blocking_keys(_n("Jose", "Garcia-Lopez")) == keys
    assert blocking_keys(_n("Maria", "Gonzalez")) == blocking_keys(_n("Maria", "Gonzales"))
    assert blocking_keys(_n("王", "李")) == ("S:李", "G:王")
    assert blocking_keys(StdName((), (), (), "")) == ()
    assert blocking_keys(_n("Ana", "Ana")) == ("S:AN", "G:AN")


_POOL = ["MARIA", "JOSE", "PEPE", "LUIS", "GARCIA", "GARZIA", "LOPEZ", "BOB", "ROBERT", "WEI", ""]
_token = st.sampled_from(_POOL)
_tokens = st.lists(_token, max_size=3).map(tuple)
_std_names = st.builds(StdName, _tokens, _tokens, _tokens, st.sampled_from(["", "JR", "SR"]))
_any_text = st.text(max_size=12)
_any_names = st.builds(
    StdName,
    st.lists(_any_text, max_size=3).map(tuple),
    st.lists(_any_text, max_size=2).map(tuple),
    st.lists(_any_text, max_size=3).map(tuple),
    _any_text,
)


@settings(max_examples=300, deadline=None)
@given(_any_names, _any_names)
def test_never_raises_on_arbitrary_values(a: StdName, b: StdName) -> None:
    agreement = compare_names(a, b, TABLE)
    assert agreement.level in set(NameLevel)
    assert isinstance(blocking_keys(a), tuple)


@settings(max_examples=400, deadline=None)
@given(_std_names, _std_names)
def test_exact_iff_names_match_and_levels_symmetric(a: StdName, b: StdName) -> None:
    level = _level(a, b)
    assert (level is NameLevel.EXACT) is names_match(a, b)
    assert _level(b, a) is level
    assert same_name(a, b, TABLE) is (level in SAME_NAME_LEVELS)
