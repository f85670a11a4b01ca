"""Noise a requester's records show: formatting noise an exact matcher must see through after
standardisation, and harder variations (nicknames, dropped surnames, typos) that need smarter
matching. Each noise function edits a request's fields in place and returns whether it applied.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache
from random import Random

from disclosure_gateway.synth.draws import shuffled
from disclosure_gateway.synth.entities import Person, Residence
from disclosure_gateway.synth.identity import given_key, name_family, nicknames_for
from disclosure_gateway.synth.pools import DIRECTIONALS, STATE_NAMES, STREET_TYPES

Fields = dict[str, str]


class NoiseContext:
    """What a noise function may look at: the person, the dwelling, and the given names of
    everybody else in the person's block (a variant must not become one of them)."""

    def __init__(self, person: Person, residence: Residence, others: frozenset[str]) -> None:
        self.person, self.residence, self.others = person, residence, others


Noise = Callable[[Fields, NoiseContext, Random], bool]


def strip_accents(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c))


def _case(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    mode = rng.choice((str.upper, str.lower, str.title))
    for col in ("first_name", "last_name", "street", "city"):
        f[col] = mode(f[col])
    return True


def _spaces(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    for col in ("first_name", "last_name", "street"):
        f[col] = "  " + f[col].replace(" ", "   ", 1) + " "
    return True


def _punctuation(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    res = ctx.residence
    if res.type_first:
        return False
    street = f["street"]
    if res.predir and f" {res.predir} " in street:
        street = street.replace(f" {res.predir} ", f" {res.predir}. ", 1)
    if street.endswith(f" {res.stype}"):
        street += "."
    f["street"] = street + ","
    return True


def _street_suffix(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    res = ctx.residence
    full = STREET_TYPES.get(res.stype, res.stype)
    if res.type_first or full == res.stype or not f["street"].endswith(f" {res.stype}"):
        return False
    f["street"] = f["street"][: -len(res.stype)] + full
    return True


def _directional(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    res = ctx.residence
    token = f" {res.predir} "
    if not res.predir or token not in f["street"]:
        return False
    f["street"] = f["street"].replace(token, f" {DIRECTIONALS[res.predir]} ", 1)
    return True


def _accents(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    cols = ("first_name", "middle_name", "last_name", "street", "city")
    if all(f[c].isascii() for c in cols):
        return False
    for col in cols:
        f[col] = strip_accents(f[col])
    return True


def _surname_hyphen(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    person = ctx.person
    if len(person.surnames) != 2 or f["last_name"] != person.last:
        return False
    first, second = person.surnames
    joined = f"{first} {second}" if "-" in person.last else f"{first}-{second}"
    if " y " in person.last:
        joined = f"{first} {second}"
    f["last_name"] = joined
    return True


def _zip4(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    zip5 = ctx.residence.zip5
    plus4 = f"{rng.randint(1, 9999):04d}"
    f["zip"] = rng.choice((f"{zip5}-{plus4}", f"{zip5}{plus4}"))
    return True


def _unit_designator(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    unit = f["unit"]
    ident = unit.split()[-1].lstrip("#") if unit else ""
    if not ident:
        return False
    options = [u for u in (f"#{ident}", f"Apt {ident}", f"Unit {ident}") if u != unit]
    f["unit"] = rng.choice(options)
    return True


def _unit_in_street(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    if not f["unit"]:
        return False
    f["street"] = f"{f['street'].rstrip(',')} {f['unit']}"
    f["unit"] = ""
    return True


def _unit_missing(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    if not f["unit"]:
        return False
    f["unit"] = ""
    return True


def _suffix_in_last(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    if not ctx.person.suffix or f["last_name"] != ctx.person.last:
        return False
    f["last_name"] = f"{f['last_name']} {ctx.person.suffix}"
    f["suffix"] = ""
    return True


def _state_name(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    name = STATE_NAMES.get(f["state"])
    if name is None:
        return False
    f["state"] = name
    return True


def _middle_variant(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    if not f["middle_name"]:
        return False
    f["middle_name"] = rng.choice(("", f"{f['middle_name'][0]}."))
    return True


FORMATTING: dict[str, Noise] = {
    "case": _case,
    "spaces": _spaces,
    "punctuation": _punctuation,
    "street_suffix": _street_suffix,
    "directional": _directional,
    "accents": _accents,
    "surname_hyphen": _surname_hyphen,
    "zip4": _zip4,
    "unit_designator": _unit_designator,
    "unit_in_street": _unit_in_street,
    "unit_missing": _unit_missing,
    "suffix_in_last": _suffix_in_last,
    "state_name": _state_name,
    "middle_variant": _middle_variant,
}
# Noise that changes the order of the street line or the name, applied last.
_LATE = ("unit_in_street", "punctuation", "spaces", "case")


def _is_free(token: str, ctx: NoiseContext) -> bool:
    return bool(token) and not (name_family(token) & ctx.others)


def _nickname(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    first = ctx.person.first
    if " " in first.strip() or f["first_name"] != first:
        return False
    options = [n for n in nicknames_for(first) if _is_free(given_key(n), ctx)]
    if not options:
        return False
    f["first_name"] = rng.choice(options)
    return True


def _first_surname_only(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    if len(ctx.person.surnames) != 2 or f["last_name"] != ctx.person.last:
        return False
    f["last_name"] = ctx.person.surnames[0]
    return True


def _second_surname_to_middle(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    if len(ctx.person.surnames) != 2 or f["last_name"] != ctx.person.last:
        return False
    f["last_name"], f["middle_name"] = ctx.person.surnames
    return True


def _swapped(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    if f["first_name"] != ctx.person.first or f["last_name"] != ctx.person.last:
        return False
    f["first_name"], f["last_name"] = ctx.person.last, ctx.person.first
    return True


def _street_typo(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    res = ctx.residence
    name = res.name
    if len(name) < 5 or not name.isalpha() or name not in f["street"]:
        return False
    pos = rng.randrange(1, len(name) - 1)
    letters = [c for c in "aeioulnrst" if c != name[pos].lower()]
    typo = name[:pos] + rng.choice(letters) + name[pos + 1 :]
    f["street"] = f["street"].replace(name, typo, 1)
    return True


def _middle_as_first(f: Fields, ctx: NoiseContext, rng: Random) -> bool:
    middle = ctx.person.middle
    if not middle or f["first_name"] != ctx.person.first or not _is_free(given_key(middle), ctx):
        return False
    f["first_name"], f["middle_name"] = middle, ""
    return True


FUZZY: dict[str, Noise] = {
    "nickname": _nickname,
    "first_surname_only": _first_surname_only,
    "second_surname_to_middle": _second_surname_to_middle,
    "swapped": _swapped,
    "street_typo": _street_typo,
    "middle_as_first": _middle_as_first,
}
# Fuzzy noise after which a supplied TIN still names the same person under SPEC §4's name rules.
TIN_SAFE_FUZZY = frozenset({"nickname", "first_surname_only", "second_surname_to_middle"})


def apply_noise(
    f: Fields,
    ctx: NoiseContext,
    rng: Random,
    *,
    fuzzy: int,
    formatting: int,
    allowed: frozenset[str] | None = None,
) -> list[str]:
    """Apply up to `fuzzy` fuzzy and `formatting` formatting noise types (only `allowed`
    ones, when given); the names of those applied, in order."""
    applied: list[str] = []
    for kind, count in (("fuzzy", fuzzy), ("formatting", formatting)):
        if count <= 0:
            continue
        kinds = FUZZY if kind == "fuzzy" else FORMATTING
        late: list[str] = []
        done = 0
        for name in shuffled(rng.random, _names(kind, allowed)):
            if len(late) + done >= count:
                break
            if name in _LATE:
                late.append(name)  # changes what the others look for: applied last
            elif kinds[name](f, ctx, rng):
                applied.append(name)
                done += 1
        applied.extend(n for n in sorted(late, key=_LATE.index) if kinds[n](f, ctx, rng))
    return applied


@lru_cache(maxsize=64)
def _names(kind: str, allowed: frozenset[str] | None) -> tuple[str, ...]:
    kinds = FUZZY if kind == "fuzzy" else FORMATTING
    return tuple(sorted(n for n in kinds if allowed is None or n in allowed))
