"""How closely two standardised names agree, as a named level the decision and explanation use.

`compare_names` looks at the given name and the surnames separately, then combines them:

- given name: `exact` (first given tokens equal), `nickname` (equivalent in the nickname
  table), `middle_as_first` (one side's first given name is the other's second given name or
  middle name: `LUIS` for `JOSE LUIS`), `typo` (one small edit), else `none`;
- surnames: `exact`, `subset` (one side keeps only the leading surnames: `GARCIA` for
  `GARCIA LOPEZ`), `second_only` (one side keeps only the trailing surnames: `LOPEZ` for
  `GARCIA LOPEZ`, the mother's surname), `reordered` (`LOPEZ GARCIA`), `typo`, else `none`.
  A conflicting second surname (`GARCIA LOPEZ` vs `GARCIA PEREZ`) is `none`: it is evidence
  of a different person.

The name's level is the weaker part's, with limits so relaxations do not pile up: a typo only
with the other part exact; a middle name used as first only with exact or subset surnames.
Failing that, the two halves may be swapped (`WANG WEI` for `WEI WANG`, `GARCIA LOPEZ, MARIA`
read backwards): SWAPPED when the swapped name agrees exactly or by surname subset.

`EXACT` is exactly `names.names_match`. A conflicting middle name or second given name does
not change the level (names_match ignores them) but is listed in `conflicts`. A suffix never
counts here; the decision handles suffix conflicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import jellyfish
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from disclosure_gateway.domain.names import StdName, names_match, standardise_name
from disclosure_gateway.domain.nicknames import NicknameTable

__all__ = [
    "SAME_NAME_LEVELS",
    "NameAgreement",
    "NameLevel",
    "blocking_keys",
    "compare_names",
    "is_name_typo",
    "same_name",
]


class NameLevel(StrEnum):
    """How two names agree, strongest first."""

    EXACT = "exact"
    NICKNAME = "nickname"
    SURNAME_SUBSET = "surname_subset"
    SECOND_SURNAME_ONLY = "second_surname_only"
    MIDDLE_AS_FIRST = "middle_as_first"
    SWAPPED = "swapped"
    TYPO = "typo"
    NONE = "none"


_STRENGTH = {level: rank for rank, level in enumerate(NameLevel)}

# SPEC §4 "the same name under the matcher's rules": every level but TYPO and NONE.
SAME_NAME_LEVELS = frozenset(NameLevel) - {NameLevel.TYPO, NameLevel.NONE}

# The name level each part's agreement allows on its own.
_GIVEN_LEVEL = {
    "exact": NameLevel.EXACT,
    "nickname": NameLevel.NICKNAME,
    "middle_as_first": NameLevel.MIDDLE_AS_FIRST,
    "typo": NameLevel.TYPO,
}
_SURNAME_LEVEL = {
    "exact": NameLevel.EXACT,
    "subset": NameLevel.SURNAME_SUBSET,
    "second_only": NameLevel.SECOND_SURNAME_ONLY,
    "reordered": NameLevel.SWAPPED,
    "typo": NameLevel.TYPO,
}
# Second given names that, alone, usually belong to a name of the other gender (José María,
# María José): never read as the first name the person goes by.
_NOT_USED_ALONE = frozenset({"MARIA", "JOSE"})

_TYPO_JARO_WINKLER = 0.92
_TYPO_MIN_LENGTH = 3  # LI / LU, LE / LY are different names, not typos
_JW_MIN_LENGTH = 4


@dataclass(frozen=True, slots=True)
class NameAgreement:
    """The level, the per-part agreements (`given`, `surname`) and a one-line explanation.

    `conflicts` names disagreeing parts the level ignores (`middle`, `given_rest`).
    """

    level: NameLevel
    given: str
    surname: str
    detail: str
    conflicts: tuple[str, ...] = ()


def is_name_typo(a: str, b: str) -> bool:
    """One small edit between two different tokens: Damerau-Levenshtein 1, or Jaro-Winkler
    >= 0.92 on tokens of 4+ letters; tokens of different lengths need both."""
    if a == b or min(len(a), len(b)) < _TYPO_MIN_LENGTH:
        return False
    one_edit = DamerauLevenshtein.distance(a, b, score_cutoff=2) == 1
    close = (
        min(len(a), len(b)) >= _JW_MIN_LENGTH and JaroWinkler.similarity(a, b) >= _TYPO_JARO_WINKLER
    )
    if len(a) != len(b):
        return one_edit and close
    return one_edit or close


def _other_given(name: StdName) -> tuple[str, ...]:
    return name.given[1:] + name.middle


def _used_as_middle(first: str, other: StdName) -> bool:
    return len(first) > 1 and first not in _NOT_USED_ALONE and first in _other_given(other)


def _given_part(a: StdName, b: StdName, nicknames: NicknameTable) -> str:
    if not a.given or not b.given:
        return "none"
    ga, gb = a.given[0], b.given[0]
    if ga == gb:
        return "exact"
    if nicknames.equivalent(ga, gb):
        return "nickname"
    if _used_as_middle(ga, b) or _used_as_middle(gb, a):
        return "middle_as_first"
    return "typo" if is_name_typo(ga, gb) else "none"


def _surname_part(sa: Sequence[str], sb: Sequence[str]) -> str:
    if not sa or not sb:
        return "none"
    if tuple(sa) == tuple(sb):
        return "exact"
    short, long = (tuple(sa), tuple(sb)) if len(sa) < len(sb) else (tuple(sb), tuple(sa))
    if len(short) < len(long):
        if long[: len(short)] == short:
            return "subset"
        return "second_only" if long[-len(short) :] == short else "none"
    if sorted(sa) == sorted(sb):
        return "reordered"
    differing = [(x, y) for x, y in zip(sa, sb, strict=True) if x != y]
    return "typo" if len(differing) == 1 and is_name_typo(*differing[0]) else "none"


def _combine(given: str, surname: str) -> NameLevel:
    if given == "none" or surname == "none":
        return NameLevel.NONE
    if "typo" in (given, surname) and (given, surname).count("exact") != 1:
        return NameLevel.NONE
    if given == "middle_as_first" and surname not in ("exact", "subset"):
        return NameLevel.NONE
    levels = (_GIVEN_LEVEL[given], _SURNAME_LEVEL[surname])
    return max(levels, key=_STRENGTH.__getitem__)


def _conflicts(a: StdName, b: StdName) -> tuple[str, ...]:
    """Second given names or middle names that disagree (an initial agrees with its name).
    A middle name that is the other side's surname (a moved second surname) is no conflict."""
    rest_a = [t for t in _other_given(a) if t not in b.surnames]
    rest_b = [t for t in _other_given(b) if t not in a.surnames]
    if not rest_a or not rest_b or _initial_agrees(rest_a[0], rest_b[0]):
        return ()
    both_given = len(a.given) > 1 and len(b.given) > 1
    return ("given_rest",) if both_given else ("middle",)


def _initial_agrees(x: str, y: str) -> bool:
    return x == y or (min(len(x), len(y)) == 1 and x[0] == y[0])


def _swapped(name: StdName) -> StdName:
    """The name read with its halves the other way round (particles dropped as surnames)."""
    as_surnames = standardise_name("", "", " ".join(name.given)).surnames
    return StdName(given=name.surnames, middle=name.middle, surnames=as_surnames, suffix="")


def _parts(left: StdName, right: StdName, nicknames: NicknameTable) -> tuple[str, str]:
    return _given_part(left, right, nicknames), _surname_part(left.surnames, right.surnames)


def _swapped_agreement(
    req: StdName, cand: StdName, nicknames: NicknameTable
) -> tuple[str, str, StdName, StdName] | None:
    """The part agreements when one side read backwards agrees exactly or by subset."""
    orientations = []
    if req.surnames[:1] == cand.given[:1]:  # cheap test first: the swapped given names agree
        orientations.append((_swapped(req), cand))
    if req.given[:1] == cand.surnames[:1]:
        orientations.append((req, _swapped(cand)))
    for left, right in orientations:
        given, surname = _parts(left, right, nicknames)
        if given == "exact" and surname in ("exact", "subset"):
            return given, surname, left, right
    return None


def compare_names(req: StdName, cand: StdName, nicknames: NicknameTable) -> NameAgreement:
    """The level at which a requested name agrees with a candidate's. Total: never raises."""
    given, surname = _parts(req, cand, nicknames)
    level = NameLevel.EXACT if names_match(req, cand) else _combine(given, surname)
    order, left, right = "direct", req, cand
    if _STRENGTH[level] > _STRENGTH[NameLevel.SWAPPED] and req.given and cand.given:
        swapped = _swapped_agreement(req, cand, nicknames)
        if swapped is not None:
            given, surname, left, right = swapped
            level, order = NameLevel.SWAPPED, "swapped"
    conflicts = _conflicts(left, right) if level is not NameLevel.NONE else ()
    detail = f"given={given};surname={surname};order={order}"
    if conflicts:
        detail += ";conflicts=" + ",".join(conflicts)
    return NameAgreement(level, given, surname, detail, conflicts)


def same_name(req: StdName, cand: StdName, nicknames: NicknameTable) -> bool:
    """SPEC §4 "same name under the matcher's rules": any level but TYPO and NONE."""
    return compare_names(req, cand, nicknames).level in SAME_NAME_LEVELS


def _phonetic(token: str) -> str:
    return jellyfish.metaphone(token) or token


def blocking_keys(name: StdName) -> tuple[str, ...]:
    """Phonetic keys for candidate retrieval: `S:` metaphone of each surname token, `G:` of
    the first given name (the token itself when metaphone gives nothing, e.g. other scripts).
    Deterministic, in order, without repeats."""
    keys = [f"S:{_phonetic(token)}" for token in name.surnames if token]
    if name.given and name.given[0]:
        keys.append(f"G:{_phonetic(name.given[0])}")
    return tuple(dict.fromkeys(keys))
