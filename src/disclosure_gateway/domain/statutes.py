"""Citations of federal statutes, parsed to one canonical form so spellings compare equal.

`8 U.S.C. 1253(a)(1)`, `8 USC §1253(a)(1)`, `Title 8 U.S.C. Section 1253(a)(1)`,
`8 U.S. Code § 1253(a)(1)` and `8 U.S.C.A. 1253(a)(1)` are one statute. Letters in the
section and subsections compare without case (SPEC §4 compares text ignoring case), so the
canonical form writes them in lower case: `8 U.S.C. 1229a`, `18 U.S.C. 2339b`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["CIVIL_IMMIGRATION_SECTIONS", "Statute", "is_eligible", "parse_statute"]

_CODE = r"(?:U\.?\s*S\.?\s*C\.?\s*(?:[AS]\b\.?)?|U\.?\s*S\.?\s*CODE|UNITED\s+STATES\s+CODE)"
_MARK = r"(?:§+|SECTIONS?\b|SECT?\b\.?|SS\b\.?)"
_CITATION = re.compile(
    rf"(?:TITLE\s*)?(?P<title>\d{{1,2}})\s*,?\s*{_CODE}\s*,?\s*(?:{_MARK}\s*)?"
    r"(?P<section>\d{1,5}[A-Z]{0,2}(?:-\d{1,3}[A-Z]?)?)\s*"
    r"(?P<subs>(?:\(\s*[A-Z0-9]{1,6}\s*\)\s*)*)\.?"
)
_SUBSECTION = re.compile(r"\(\s*([A-Z0-9]{1,6})\s*\)")
_MAX_TITLE = 54
_TAX_TITLE = 26
_MAX_CITATION = 200  # longer text is not a citation; also bounds the regex's work

# Provisions on removability and removal itself: civil, never a crime (DOMAIN.md §1).
CIVIL_IMMIGRATION_SECTIONS: frozenset[tuple[int, str]] = frozenset(
    (8, s) for s in ("1182", "1225", "1226", "1227", "1229", "1229a", "1229b", "1229c", "1231")
)


@dataclass(frozen=True, slots=True)
class Statute:
    """One statute: title, section and subsections, e.g. 8 U.S.C. 1253(a)(1)."""

    title: int
    section: str
    subsections: tuple[str, ...]

    def __str__(self) -> str:
        subs = "".join(f"({s})" for s in self.subsections)
        return f"{self.title} U.S.C. {self.section}{subs}"


def parse_statute(text: str) -> Statute | None:
    """The statute a citation names; None when the text is not a U.S. Code citation."""
    return _parse_cached(text) if len(text) <= _MAX_CITATION else _parse(text)


def _parse(text: str) -> Statute | None:
    cleaned = " ".join(text.split()).upper()
    if len(cleaned) > _MAX_CITATION:
        return None
    found = _CITATION.fullmatch(cleaned)
    if found is None:
        return None
    title = int(found["title"])
    if not 1 <= title <= _MAX_TITLE:
        return None
    subs = tuple(s.lower() for s in _SUBSECTION.findall(found["subs"]))
    return Statute(title=title, section=found["section"].lower(), subsections=subs)


_parse_cached = functools.lru_cache(maxsize=4096)(_parse)


def is_eligible(text: str, eligible: tuple[str, ...]) -> bool:
    """True only when `text` cites exactly a statute of `eligible` (same subsections too).

    Never eligible, whatever the list says: anything unparseable, any Title 26 statute,
    and the civil immigration provisions (removability is not a crime).
    """
    statute = parse_statute(text)
    if statute is None or statute.title == _TAX_TITLE:
        return False
    if (statute.title, statute.section) in CIVIL_IMMIGRATION_SECTIONS:
        return False
    return any(parse_statute(e) == statute for e in eligible)
