"""Given-name nickname equivalence (Pepe = José, Memo = Guillermo = William, Bob = Robert).

Built from table TEXT (the adapter reads the files): the English table of the `nicknames`
package (`name1,relationship,name2`, e.g. `robert,has_nickname,bob`) and our Spanish table
(`name,nickname`, e.g. `Francisco,Paco`). Names are folded like every name field (upper
ASCII, accents stripped), so `José` and `JOSE` are one name.

Equivalence is deliberately NOT transitive, or `ALBERT ~ AL ~ ALEXANDER` and `ALBERT ~ BERT
~ BOB ~ ROBERT` would make everybody one person. Two names are equivalent only when:

1. one is listed as a nickname of the other (`ROBERT ~ BOB`, `GUILLERMO ~ WILLIAM`); or
2. both are listed as nicknames of one *bridging* name (`PACO ~ FRANK` through
   `FRANCISCO`, `MEMO ~ WILLIAM` through `GUILLERMO`).

A name bridges two nicknames only when it is at least as long as each of them (the English
table also lists reversed rows such as `bill,has_nickname,robert`, which would otherwise make
`ROBERT ~ WILLIAM` through `BILL`) and at most one of the two has nicknames of its own (two
formal names such as `ALEXANDER` and `SANDRA` sharing a listed form are different names).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.domain.names import fold_text

__all__ = ["NicknameTable", "nickname_table"]

_ENGLISH_HEADER = ("name1", "relationship", "name2")
_SPANISH_HEADER = ("name", "nickname")
_RELATIONSHIPS = frozenset({"has_nickname", "is_translation_of:en-sp"})


@dataclass(frozen=True)
class NicknameTable:
    """Symmetric, non-transitive given-name equivalence over folded upper-ASCII names.

    `links` holds every equivalent pair once, as a sorted tuple; the lookup index is derived.
    """

    links: frozenset[tuple[str, str]]
    _index: Mapping[str, frozenset[str]] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        index: defaultdict[str, set[str]] = defaultdict(set)
        for a, b in self.links:
            index[a].add(b)
            index[b].add(a)
        frozen = {name: frozenset(others) for name, others in index.items()}
        object.__setattr__(self, "_index", MappingProxyType(frozen))

    def equivalent(self, a: str, b: str) -> bool:
        """True when the two given names are the same name or listed nicknames of each other."""
        fa, fb = fold_text(a), fold_text(b)
        if fa == fb:
            return True
        return fb in self._index.get(fa, frozenset())

    def variants(self, name: str) -> frozenset[str]:
        """The name itself (folded) and every name equivalent to it."""
        folded = fold_text(name)
        return self._index.get(folded, frozenset()) | {folded}


def _rows(text: str, header: tuple[str, ...], table: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text))
    rows = [[cell.strip() for cell in row] for row in reader if row]
    if not rows or tuple(cell.lower() for cell in rows[0]) != header:
        raise BadInput(f"nickname table {table}: header is not {','.join(header)}")
    return rows[1:]


def _english_pairs(text: str) -> Iterable[tuple[str, str]]:
    for row in _rows(text, _ENGLISH_HEADER, "english"):
        if len(row) == 3 and row[1] in _RELATIONSHIPS:
            yield row[0], row[2]


def _spanish_pairs(text: str) -> Iterable[tuple[str, str]]:
    for row in _rows(text, _SPANISH_HEADER, "spanish"):
        if len(row) == 2:
            yield row[0], row[1]


def _bridged(nicknames_of: Mapping[str, set[str]]) -> set[tuple[str, str]]:
    """Pairs of nicknames of one bridging name (see the module docstring for the guards)."""
    pairs: set[tuple[str, str]] = set()
    for canonical, nicknames in nicknames_of.items():
        shorter = sorted(n for n in nicknames if len(n) <= len(canonical))
        for a, b in itertools.combinations(shorter, 2):
            if a in nicknames_of and b in nicknames_of:
                continue
            pairs.add((a, b))
    return pairs


def nickname_table(english_csv: str, spanish_csv: str) -> NicknameTable:
    """The equivalence from the two tables' text. Raises BadInput on a wrong header."""
    nicknames_of: defaultdict[str, set[str]] = defaultdict(set)
    for name, nickname in itertools.chain(_english_pairs(english_csv), _spanish_pairs(spanish_csv)):
        a, b = fold_text(name), fold_text(nickname)
        if len(a) > 1 and len(b) > 1 and a != b:
            nicknames_of[a].add(b)
    direct = {(a, b) for a, nicknames in nicknames_of.items() for b in nicknames}
    links = {(min(a, b), max(a, b)) for a, b in direct | _bridged(nicknames_of)}
    return NicknameTable(frozenset(links))
