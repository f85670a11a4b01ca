"""The generator's own name folding, used to keep unintended namesakes out of one household
or building and to pick safe nickname noise. Deliberately simple and independent of the
gateway's matcher: the generator must not share the matcher's blind spots.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from nicknames import NickNamer

from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.synth.pools import spanish_nicknames

PARTICLES = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "Y", "E"})


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Upper ASCII without accents; apostrophes dropped, other punctuation to spaces."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).upper().replace("'", "")
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


@lru_cache(maxsize=65536)
def given_key(first: str) -> str:
    tokens = fold(first).split()
    return tokens[0] if tokens else ""


def surname_tokens(last: str) -> tuple[str, ...]:
    return tuple(t for t in fold(last).split() if t not in PARTICLES)


@lru_cache(maxsize=1)
def _nicknamer() -> NickNamer:
    return NickNamer()


@lru_cache(maxsize=1)
def spanish_table() -> dict[str, tuple[str, ...]]:
    return spanish_nicknames(packaged_text("nicknames_es.csv"))


@lru_cache(maxsize=1)
def _spanish_folded() -> dict[str, frozenset[str]]:
    related: dict[str, set[str]] = {}
    for name, nicks in spanish_table().items():
        group = {fold(name), *(fold(n) for n in nicks)}
        for member in group:
            related.setdefault(member, set()).update(group)
    return {k: frozenset(v) for k, v in related.items()}


@lru_cache(maxsize=65536)
def name_family(token: str) -> frozenset[str]:
    """A folded given-name token with every name it may be a nickname or formal form of."""
    family = {token}
    family.update(_spanish_folded().get(token, ()))
    nn = _nicknamer()
    low = token.lower()
    family.update(fold(n) for n in nn.nicknames_of(low))
    family.update(fold(n) for n in nn.canonicals_of(low))
    return frozenset(family)


def nicknames_for(first: str) -> tuple[str, ...]:
    """Nicknames a requester might write for this first name, sorted (deterministic)."""
    token = given_key(first)
    spanish = next(
        (nicks for name, nicks in spanish_table().items() if fold(name) == fold(first)), ()
    )
    english = tuple(n.title() for n in sorted(_nicknamer().nicknames_of(token.lower())))
    return tuple(dict.fromkeys(spanish + tuple(n for n in english if len(n) > 2)))
