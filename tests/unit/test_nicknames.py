"""Nickname equivalence: symmetric, folded, and not transitive across groups."""

from __future__ import annotations

import pytest

from disclosure_gateway.adapters.reference.nicknames import packaged_nickname_table
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.domain.nicknames import NicknameTable, nickname_table

ENGLISH = """name1,relationship,name2\r
albert,has_nickname,al\r
albert,has_nickname,bert\r
alexander,has_nickname,al\r
bert,has_nickname,bob\r
robert,has_nickname,bob\r
robert,has_nickname,rob\r
bill,has_nickname,robert\r
bill,has_nickname,william\r
william,has_nickname,will\r
"""
SPANISH = (
    "name,nickname\nFrancisco,Paco\nFrancisco,Frank\nJosé,Pepe\nGuillermo,Memo\nGuillermo,William\n"
)


@pytest.fixture(scope="module")
def small() -> NicknameTable:
    return nickname_table(ENGLISH, SPANISH)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ROBERT", "BOB"),
        ("BOB", "ROBERT"),
        ("José", "pepe"),
        ("PEPE", "JOSE"),
        ("GUILLERMO", "MEMO"),
        ("GUILLERMO", "WILLIAM"),
        ("WILLIAM", "MEMO"),
        ("FRANCISCO", "PACO"),
        ("PACO", "FRANK"),
        ("AL", "ALBERT"),
        ("MARIA", "MARIA"),
    ],
)
def test_equivalent_pairs(small: NicknameTable, a: str, b: str) -> None:
    assert small.equivalent(a, b)
    assert small.equivalent(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ALBERT", "ROBERT"),  # ALBERT~BERT~BOB~ROBERT must not chain
        ("ALBERT", "BOB"),
        ("ALBERT", "ALEXANDER"),  # both have AL
        ("ROBERT", "WILLIAM"),  # both "nicknames" of BILL: two formal names never bridge
        ("BOB", "WILL"),
        ("JOSE", "JOSEFINA"),
        ("PEPE", "PACO"),
    ],
)
def test_not_equivalent_pairs(small: NicknameTable, a: str, b: str) -> None:
    assert not small.equivalent(a, b)
    assert not small.equivalent(b, a)


def test_variants_hold_the_name_and_its_direct_and_bridged_forms(small: NicknameTable) -> None:
    assert small.variants("Paco") == {"PACO", "FRANCISCO", "FRANK"}
    assert small.variants("Robert") == {"ROBERT", "BOB", "ROB", "BILL"}
    assert small.variants("Zacarías") == {"ZACARIAS"}


def test_a_wrong_header_is_refused() -> None:
    with pytest.raises(BadInput, match="spanish"):
        nickname_table(ENGLISH, "nombre,apodo\nJose,Pepe\n")
    with pytest.raises(BadInput, match="english"):
        nickname_table("", SPANISH)


def test_unknown_relationships_and_single_letters_are_ignored() -> None:
    table = nickname_table(
        "name1,relationship,name2\nmary,is_cousin_of,molly\nann,has_nickname,a\n", "name,nickname\n"
    )
    assert not table.equivalent("MARY", "MOLLY")
    assert table.variants("ANN") == {"ANN"}


def test_tables_from_the_same_text_are_equal(small: NicknameTable) -> None:
    assert nickname_table(ENGLISH, SPANISH) == small


def test_packaged_table_reads_both_tables_once() -> None:
    table = packaged_nickname_table()
    assert table is packaged_nickname_table()
    assert table.equivalent("JOSE", "PEPE")  # Spanish table
    assert table.equivalent("ROBERT", "BOB")  # English table
    assert table.equivalent("FRANCISCO", "PACO")
    assert table.equivalent("FRANK", "PACO")
    assert table.equivalent("GUILLERMO", "WILLIAM")
    assert table.equivalent("WILLIAM", "MEMO")
    assert not table.equivalent("ALBERT", "ROBERT")
    assert not table.equivalent("ROBERT", "WILLIAM")
    assert not table.equivalent("ALEXANDER", "SANDRA")
    assert not table.equivalent("JOSE", "JOSEFINA")
    assert len(table.links) > 3000
