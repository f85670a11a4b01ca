"""Personal names, standardised precisely enough that an EXACT comparison is safe.

Standardising a field: Unicode NFKD with combining marks stripped (ñ -> N, é -> E), a few
letters that do not decompose spelled out (ß -> SS, Ø -> O, Ł -> L), upper case,
apostrophes removed (O'Brien -> OBRIEN), every other punctuation mark and hyphen -> space,
spaces collapsed. Letters of other scripts are kept (upper-cased) rather than dropped, so
two different names never standardise to the same tokens by losing letters.

Only the last-name field loses particles (DE, DEL, LA, VAN, ...): in a first or middle
field `Van` is a Vietnamese middle name, `Del` a given name. A particle is kept when it is
all the surname there is (`Do`, `Du`, `Di` are surnames too). A suffix written into the
last name (`Smith JR`, `Smith, Jr.`, `Smith III`) moves to `suffix`; an explicit suffix
argument wins when both are given.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "StdName",
    "fold_text",
    "name_is_plausible",
    "names_match",
    "normalise_suffix",
    "standardise_name",
    "suffix_in_last_name",
]

_APOSTROPHES = "'’‘ʼ`´ʻ"  # every apostrophe look-alike requesters type
_SPELLED_OUT = str.maketrans(
    {
        "ß": "SS",
        "ẞ": "SS",
        "Ø": "O",
        "ø": "O",
        "Ł": "L",
        "ł": "L",
        "Æ": "AE",
        "æ": "AE",
        "Œ": "OE",
        "œ": "OE",
        "Đ": "D",
        "đ": "D",
        "Þ": "TH",
        "þ": "TH",
        "ı": "I",
        **dict.fromkeys(_APOSTROPHES, ""),
    }
)
_NOT_WORD = re.compile(r"[\W_]+")

_SUFFIXES: dict[str, str] = {
    "JR": "JR",
    "JNR": "JR",
    "JUN": "JR",
    "JUNIOR": "JR",
    "SR": "SR",
    "SNR": "SR",
    "SEN": "SR",
    "SENIOR": "SR",
    "II": "II",
    "2ND": "II",
    "2D": "II",
    "SECOND": "II",
    "III": "III",
    "3RD": "III",
    "3D": "III",
    "THIRD": "III",
    "IV": "IV",
    "4TH": "IV",
    "FOURTH": "IV",
    "V": "V",
    "5TH": "V",
    "FIFTH": "V",
}
# Suffixes that are also plausible initials: moved out of a last name only after a comma.
_AMBIGUOUS_IN_LAST_NAME = frozenset({"V", "JUN", "SEN"})

_PARTICLES = frozenset(
    {"DE", "DEL", "LA", "LAS", "LOS", "DA", "DAS", "DO", "DOS", "DI", "DU", "VAN", "VON"}
    | {"DER", "DEN"}
)
_CONJUNCTIONS = frozenset({"Y", "E"})  # dropped only between two surnames
_TITLES = frozenset({"MR", "MRS", "MS", "MISS", "MX", "DR", "PROF", "REV", "SRA", "SRTA"})

_PLACEHOLDERS = frozenset(
    {"UNKNOWN", "UNK", "NONE", "NULL", "TEST", "TESTING", "XXX", "X", "FNU", "LNU"}
    | {"NFN", "NMN", "FIRSTNAME", "LASTNAME", "REDACTED", "ANONYMOUS"}
)


@dataclass(frozen=True, slots=True)
class StdName:
    """A standardised personal name: upper-case tokens, surnames without particles."""

    given: tuple[str, ...]
    middle: tuple[str, ...]
    surnames: tuple[str, ...]
    suffix: str

    @property
    def key(self) -> str:
        """The blocking key: first given-name token and the surnames."""
        return f"{self.given[0] if self.given else ''}|{' '.join(self.surnames)}"


_CACHED_LENGTH = 256  # names repeat across a batch; long texts are not worth keeping


def fold_text(text: str) -> str:
    """Upper-case, accent-free, apostrophe-free text; other punctuation -> one space."""
    return _fold_cached(text) if len(text) <= _CACHED_LENGTH else _fold(text)


def _fold(text: str) -> str:
    if text.isascii():
        return " ".join(_NOT_WORD.sub(" ", text.translate(_SPELLED_OUT).upper()).split())
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLED_OUT))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", bare.translate(_SPELLED_OUT).upper()).split())


_fold_cached = functools.lru_cache(maxsize=1 << 16)(_fold)


def normalise_suffix(text: str) -> str:
    """`Jr.`, `jr`, `JUNIOR` -> `JR`; `2nd` -> `II`; `3RD` -> `III`; anything else -> ``."""
    return _SUFFIXES.get(fold_text(text).replace(" ", ""), "")


def _given_tokens(first: str) -> tuple[str, ...]:
    tokens = fold_text(first).split()
    while len(tokens) > 1 and tokens[0] in _TITLES:
        tokens = tokens[1:]
    return tuple(tokens)


def _split_suffix(last: str) -> tuple[list[str], str]:
    """The last name's tokens and the suffix written at its end (`` when none)."""
    tokens = fold_text(last).split()
    if len(tokens) < 2:
        return tokens, ""
    found = _SUFFIXES.get(tokens[-1], "")
    if not found:
        return tokens, ""
    if tokens[-1] in _AMBIGUOUS_IN_LAST_NAME and "," not in last:
        return tokens, ""
    return tokens[:-1], found


def suffix_in_last_name(last: str) -> str:
    """The suffix written at the end of a last name (`Smith, Jr.` -> `JR`); `` when none."""
    return _split_suffix(last)[1]


def _surnames(tokens: list[str]) -> tuple[str, ...]:
    kept = [
        t
        for i, t in enumerate(tokens)
        if t not in _PARTICLES and not (t in _CONJUNCTIONS and 0 < i < len(tokens) - 1)
    ]
    return tuple(kept) if kept else tuple(tokens)


def standardise_name(first: str, middle: str, last: str, suffix: str = "") -> StdName:
    """The standardised form of a name as filed or requested. Never raises."""
    last_tokens, suffix_in_last = _split_suffix(last)
    explicit = normalise_suffix(suffix)
    return StdName(
        given=_given_tokens(first),
        middle=tuple(fold_text(middle).split()),
        surnames=_surnames(last_tokens),
        suffix=explicit or suffix_in_last,
    )


def names_match(a: StdName, b: StdName) -> bool:
    """Exact after standardisation: same first given-name token and the same surnames.

    The suffix is not part of this; the decision treats a contradicting suffix separately.
    """
    same_given = bool(a.given) and a.given[:1] == b.given[:1]
    return same_given and bool(a.surnames) and a.surnames == b.surnames


# `N/A`, `n.a.`, `NA NA` are placeholders; a plain `Na` is a real (Korean, Chinese) name.
_NOT_AVAILABLE = re.compile(r"\s*N\s*[/.\\]\s*A\s*\.?\s*|\s*NA(?:\s+NA)+\s*", re.IGNORECASE)


def _is_placeholder(folded: str) -> bool:
    tokens = folded.split()
    if "".join(tokens) in _PLACEHOLDERS:
        return True
    if set("".join(tokens)) == {"X"}:
        return True
    return bool(tokens) and all(t in _PLACEHOLDERS for t in tokens)


def _field_plausible(text: str, *, is_last: bool) -> bool:
    if any(c.isdigit() for c in text) or not any(c.isalpha() for c in text):
        return False
    if _NOT_AVAILABLE.fullmatch(text):
        return False
    if is_last:
        tokens, _ = _split_suffix(text)
        if len("".join(tokens)) <= 1:
            return False
        folded = " ".join(tokens)
    else:
        folded = fold_text(text)
    return not _is_placeholder(folded)


def first_name_plausible(first: str) -> bool:
    """SPEC NAME_INVALID rule for a first name alone (a single letter is allowed)."""
    return _field_plausible(first, is_last=False)


def last_name_plausible(last: str) -> bool:
    """SPEC NAME_INVALID rule for a last name alone (a single character is not a surname)."""
    return _field_plausible(last, is_last=True)


def name_is_plausible(first: str, last: str) -> bool:
    """False when either name has a digit, no letter, is placeholder text, or the last name
    is a single character. `Doe` is a real surname and passes."""
    if fold_text(first) == "NA" and fold_text(last) == "NA":
        return False  # `NA` in both name fields is "not available", not Na Na
    return first_name_plausible(first) and last_name_plausible(last)
