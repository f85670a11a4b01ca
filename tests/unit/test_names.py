from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disclosure_gateway.domain.names import (
    StdName,
    fold_text,
    name_is_plausible,
    names_match,
    normalise_suffix,
    standardise_name,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jr.", "JR"),
        ("jr", "JR"),
        ("JUNIOR", "JR"),
        ("Sr", "SR"),
        ("senior", "SR"),
        ("2nd", "II"),
        ("II", "II"),
        ("3RD", "III"),
        ("iii", "III"),
        ("IV", "IV"),
        ("4th", "IV"),
        ("V", "V"),
        ("", ""),
        ("Esq.", ""),
        ("PhD", ""),
        ("JR SR", ""),
    ],
)
def test_normalise_suffix(text: str, expected: str) -> None:
    assert normalise_suffix(text) == expected


def test_key_is_first_given_and_surnames() -> None:
    std = standardise_name("María José", "", "García-López")
    assert std.key == "MARIA|GARCIA LOPEZ"
    assert StdName((), (), ("X",), "").key == "|X"


def test_fold_text() -> None:
    assert fold_text("  Ñandú  O'Neil-Smith ") == "NANDU ONEIL SMITH"
    assert fold_text("") == ""


def test_names_match_spellings_of_one_name() -> None:
    a = standardise_name("Jose", "", "Garcia Lopez")
    b = standardise_name("JOSÉ", "Luis", "García-López", "Jr")
    c = standardise_name("jose", "", "garcia y lopez")
    assert names_match(a, b)
    assert names_match(a, c)
    assert names_match(
        standardise_name("Juan", "", "De La Cruz"), standardise_name("Juan", "", "Cruz")
    )


def test_names_match_ignores_suffix_and_middle() -> None:
    assert names_match(
        standardise_name("John", "A", "Smith Jr"), standardise_name("John", "B", "Smith Sr")
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("John", "", "Smith"), ("Jon", "", "Smith")),
        (("John", "", "Smith"), ("John", "", "Smyth")),
        (("Jose", "", "Garcia Lopez"), ("Jose", "", "Garcia")),
        (("Jose", "", "Garcia Lopez"), ("Jose", "", "Lopez Garcia")),
        (("", "", "Smith"), ("", "", "Smith")),
        (("John", "", ""), ("John", "", "")),
        (("Robert", "", "Jones V"), ("Robert", "", "Jones")),
    ],
)
def test_names_do_not_match(a: tuple[str, str, str], b: tuple[str, str, str]) -> None:
    assert not names_match(standardise_name(*a), standardise_name(*b))


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("J", "Smith"),
        ("John", "Doe"),
        ("Jane", "Doe"),
        ("Ana", "De La O"),
        ("Sean", "O'Brien"),
        ("John", "Smith Jr"),
        ("Minh", "Do"),
        ("Wei", "Li"),
        ("Ana", "Nunez"),
    ],
)
def test_plausible_names(first: str, last: str) -> None:
    assert name_is_plausible(first, last)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("John2", "Smith"),
        ("John", "Sm1th"),
        ("...", "Smith"),
        ("John", "--"),
        ("John", "S"),
        ("John", "O'"),
        ("UNKNOWN", "Smith"),
        ("John", "unknown"),
        ("John", "UNK"),
        ("John", "N/A"),
        ("John", "n.a."),
        ("John", "NA NA"),
        ("John", "none"),
        ("John", "NULL"),
        ("Test", "Smith"),
        ("John", "Testing"),
        ("XXX", "Smith"),
        ("John", "XXXXX"),
        ("X", "Smith"),
        ("FNU", "Smith"),
        ("John", "LNU"),
        ("NFN", "Smith"),
        ("NMN", "Smith"),
        ("First Name", "Smith"),
        ("John", "Last Name"),
        ("John", "REDACTED"),
        ("Anonymous", "Smith"),
        ("NA", "NA"),
        ("", "Smith"),
        ("John", ""),
    ],
)
def test_implausible_names(first: str, last: str) -> None:
    assert not name_is_plausible(first, last)


@pytest.mark.parametrize(("first", "last"), [("Na", "Li"), ("Ming", "Na"), ("John", "NA")])
def test_na_alone_is_a_real_name_not_a_placeholder(first: str, last: str) -> None:
    assert name_is_plausible(first, last)


@given(st.text(), st.text(), st.text(), st.text())
def test_standardise_name_never_raises_and_is_upper(
    first: str, middle: str, last: str, suffix: str
) -> None:
    std = standardise_name(first, middle, last, suffix)
    for token in (*std.given, *std.middle, *std.surnames):
        assert token
        assert token == token.upper() or not token.isascii()
        assert " " not in token
    assert std.suffix in {"", "JR", "SR", "II", "III", "IV", "V"}
    name_is_plausible(first, last)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzñéü '-", min_size=1, max_size=30))
def test_standardisation_is_idempotent(last: str) -> None:
    once = standardise_name("Ana", "", last)
    twice = standardise_name("Ana", "", " ".join(once.surnames))
    if once.surnames and not once.suffix:
        assert twice.surnames == once.surnames
