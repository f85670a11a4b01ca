"""US address standardisation: one canonical form for the same address however it is written.

`standardise_address` is applied to both sides (request rows and the master file's address
rows), so the same address in different formats gives the same `StdAddress`: case, spacing,
punctuation and accents are dropped; USPS Publication 28 street types after the name are
abbreviated (`Street`/`STR` -> `ST`), types before the name are spelled out (`Hwy 66` ->
`HIGHWAY 66`, `County Rd 12` -> `COUNTY ROAD 12`), directionals are abbreviated (`North` ->
`N`, `North-East` -> `NE`), `Saint` in a street name is `ST`; the unit loses its designator
(`Apt 4`, `#4`, `Unit 4`, `4` -> `4`) wherever it was written; ZIP+4 becomes the ZIP.
Spanish street types (`Calle`, `Avenida`, `Camino`, `Via`, `Paseo` …) are kept as written.
Ordinal words (`Fifth`) are not turned into numbers (`5TH`): that would over-reach.

An address is *street-level* (SPEC §4 ADDRESS_NOT_STREET_LEVEL) only with a house number, a
street name and either city and state or a valid ZIP; anything else is `Unparsed` with a
reason. Placeholder text is looked for first, on the whole street text, so `Don't Care
12345` is a placeholder, never house number 12345. A house number of zeros is a placeholder.

Boxes are not street-level, by choice: a post-office box, a private mailbox (`PMB`) or a
rural-route / highway-contract box (`RR 2 Box 5`) is where mail is collected, not where a
person lives, so it can neither locate a person nor corroborate that an address on file is
the requester's person's residence. They are `Unparsed("po_box")`.

The work is pure, deterministic and never raises; results are cached on the raw fields.
Street lines are read by usaddress's tagger, except plain ones (`12 N Oak St`, `8607 Delacruz
Pkwy`) whose reading by the tagger is known in advance: `_fast_line` builds that reading
directly, the same result at a fraction of the cost (tests/unit/test_addresses_fastpath.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import usaddress
from scourgify import address_constants as usps

from disclosure_gateway.domain.geography import state_code, zip5_of
from disclosure_gateway.domain.tagger_words import TAGGER_WORDS, WAVERING_TAGGER_WORDS

__all__ = [
    "ADDRESS_TABLES_DIGEST",
    "REST_HOUSE_PATTERN",
    "UNPARSED_REASONS",
    "RestReading",
    "StdAddress",
    "Unparsed",
    "locality_fields",
    "read_rest",
    "same_address",
    "standardise_address",
    "unit_field_id",
    "units_compatible",
]

UNPARSED_REASONS = (
    "placeholder",
    "no_house_number",
    "no_street_name",
    "no_city_state_or_zip",
    "po_box",
    "unparseable",
)

MAX_FIELD_LENGTH = 200


@dataclass(frozen=True, slots=True)
class StdAddress:
    """A street-level address in canonical form (upper ASCII, USPS Pub 28 abbreviations)."""

    house_number: str
    street: str
    unit: str
    city: str
    state: str
    zip5: str

    @property
    def key(self) -> str:
        return f"{self.house_number}|{self.street}|{self.zip5}"


@dataclass(frozen=True, slots=True)
class Unparsed:
    """Why an address is not street-level: one of `UNPARSED_REASONS`."""

    reason: str


# --- word lists -------------------------------------------------------------------------

# Whole street texts (digits removed) that say "no address", and phrases that do anywhere.
_PLACEHOLDER_TEXTS = (
    "NA|N A|NA NA|N A N A|NONE|NULL|NIL|TBD|TBA|UNK|UNKN|UNKNOWN|X|DONT CARE|DO NOT CARE|"
    "FAILED TO PROVIDE|NOT PROVIDED|UNKNOWN ADDRESS|ADDRESS UNKNOWN|NO ADDRESS|HOMELESS|"
    "GENERAL DELIVERY|NOT AVAILABLE|REFUSED|DECLINED|SAME|SEE ABOVE|TEST|ADDRESS|STREET|"
    "NO FIXED ADDRESS|NFA|DESCONOCIDO|SIN DOMICILIO|NINGUNO|NO TIENE|NO DATA|MISSING|BLANK|"
    "EMPTY|PENDING|REDACTED|WITHHELD|INVALID|DUMMY|FAKE|NOWHERE|NOT APPLICABLE"
)
_PLACEHOLDER_PHRASE_TEXTS = (
    "UNKNOWN|DONT CARE|DO NOT CARE|FAILED TO PROVIDE|NOT PROVIDED|HOMELESS|GENERAL DELIVERY|"
    "NO ADDRESS|NO FIXED ADDRESS|TO BE DETERMINED|NOT AVAILABLE|TRANSIENT|DESCONOCIDO|"
    "SIN DOMICILIO|TBD"
)
_PLACEHOLDER_EXACT = frozenset(_PLACEHOLDER_TEXTS.split("|"))
_PLACEHOLDER_PHRASES = re.compile(rf"\b(?:{_PLACEHOLDER_PHRASE_TEXTS})\b")
_XS = re.compile(r"X{2,}")

_BOX_PATTERNS = re.compile(
    r"\b(?:P ?O ?BOX|P ?O ?B|POBOX|POST OFFICE BOX|POST BOX|CAJA POSTAL|APARTADO|PMB)\b"
    r"|^BOX [0-9A-Z]|^(?:RR|R R|HC|RURAL ROUTE|HIGHWAY CONTRACT|STAR ROUTE) ?[0-9]+ BOX\b"
)

# Unit designators that take an identifier (`APT 4`), and those that stand alone (`REAR`).
_UNIT_DESIGNATOR_TEXT = (
    "APT APARTMENT APTO APARTAMENTO UNIT STE SUITE RM ROOM FL FLR FLOOR BLDG BUILDING LOT "
    "SPC SPACE TRLR TRAILER DEPT DEPTO # NO NUM NUMBER PH PENTHOUSE"
)
_UNIT_DESIGNATORS = frozenset(_UNIT_DESIGNATOR_TEXT.split())
_UNIT_ALONE_TEXT = "REAR=REAR UPPER=UPPR UPPR=UPPR LOWER=LOWR LOWR=LOWR BSMT=BSMT BASEMENT=BSMT"
_UNIT_ALONE = {k: v for k, _, v in (p.partition("=") for p in _UNIT_ALONE_TEXT.split())}
_UNIT_PLACEHOLDERS = frozenset({"NA", "N A", "NONE", "NULL", "UNKNOWN", "UNK", "X", "0"})

# Street-type words kept as written: Spanish and French types, and the ambiguous ST / DR.
_KEEP_TYPE_TEXT = (
    "CALLE AVENIDA CAMINO CAMINITO VIA PASEO CARRETERA ALAMEDA CALLEJON CIRCULO RUE "
    "ST DR LA DE EL DEL LOS LAS SAN SANTA"
)
_KEEP_TYPES = frozenset(_KEEP_TYPE_TEXT.split())
_DIRECTIONALS: dict[str, str] = dict(usps.DIRECTIONAL_REPLACEMENTS)
_DIRECTION_PAIRS = {
    (a, b): _DIRECTIONALS[a + b] for a in ("NORTH", "SOUTH") for b in ("EAST", "WEST")
}
_ABBREVIATION: dict[str, str] = dict(usps.STREET_TYPE_ABBREVIATIONS)
# scourgify spells PARK out as PARKS (both abbreviate to PARK); the singular is meant.
_SINGULAR = {"FRST": "FOREST", "PARK": "PARK", "PATH": "PATH", "PIKE": "PIKE", "SPUR": "SPUR"}
_LONGHAND: dict[str, str] = {**usps.LONGHAND_STREET_TYPES, **_SINGULAR}
# Tokens spelled out before tagging, so the tagger sees `AVENUE` for `AV`, `AVE`, `AVENUE`.
_SPELL_OUT: dict[str, str] = {
    word: _LONGHAND[abbr]
    for word, abbr in _ABBREVIATION.items()
    if " " not in word
    and abbr in _LONGHAND
    and word not in _LONGHAND.values()
    and word not in _KEEP_TYPES
    and (len(word) >= 3 or word == "AV" or word in _ABBREVIATION.values())
}
_TYPES = frozenset(_ABBREVIATION) | frozenset(_LONGHAND) | frozenset(_SPELL_OUT.values())

# What the standard form depends on besides this code: scourgify's USPS tables (which it
# lets a `config/address_constants.yaml` in the working directory change at import) and the
# word lists above. Decisions can record it; a test pins it, so a change is never silent.
# Bump when the code's behaviour changes, so master files standardised before are reloaded.
STANDARDISER_REVISION = 3
ADDRESS_TABLES_DIGEST = hashlib.sha256(
    json.dumps(
        [
            STANDARDISER_REVISION,
            _ABBREVIATION,
            _LONGHAND,
            _DIRECTIONALS,
            sorted(_KEEP_TYPES),
            sorted(_UNIT_DESIGNATORS),
            sorted(_PLACEHOLDER_EXACT),
            _PLACEHOLDER_PHRASE_TEXTS,
            _UNIT_ALONE,
        ],
        sort_keys=True,
    ).encode()
).hexdigest()

_UNIT_LABELS = frozenset(
    {"OccupancyType", "OccupancyIdentifier", "SubaddressType", "SubaddressIdentifier"}
)
# A unit without a designator (`123 Main St 4B`) is read only after the street type or
# directional; otherwise (`12 Calle 5`) the number is part of the street name.
_UNIT_AFTER = frozenset(
    {"StreetNamePostType", "StreetNamePostDirectional", "OccupancyType", "SubaddressType"}
)
_PLACE_LABELS = frozenset({"PlaceName", "StateName", "ZipCode", "CountryName"})

_INITIALS = re.compile(r"\b(?:[A-Z]\.){2,}")
_NOT_KEPT = re.compile(r"[^A-Z0-9#/\- ]")
_FRACTION = re.compile(r"[0-9]+/[0-9]+")
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_HYPHENS = re.compile(r"-+")
_LEADING_ZEROS = re.compile(r"^0+(?=[0-9])")


# --- text to tokens ---------------------------------------------------------------------


def _ascii_upper(text: str) -> str:
    if text.isascii():
        return text.upper()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.encode("ascii", "ignore").decode("ascii").upper()


def _split_token(raw: str) -> list[str]:
    """`4-B` and `12-34` keep their hyphen, `NORTH-EAST` and `N/A` split; `1/2` stays."""
    if "-" not in raw and "/" not in raw:
        return [raw]
    raw = raw.strip("-/")
    if not raw:
        return []
    if "/" in raw and not _FRACTION.fullmatch(raw):
        return [t for part in raw.split("/") for t in _split_token(part)]
    if "-" in raw and not any(ch.isdigit() for ch in raw):
        return [part for part in raw.split("-") if part]
    return [_HYPHENS.sub("-", raw)]


def _tokens(text: str) -> list[str]:
    """Upper ASCII tokens: accents and punctuation gone, `#` a token of its own."""
    text = _ascii_upper(text)
    if "." in text:
        text = _INITIALS.sub(lambda m: m.group(0).replace(".", ""), text)
    text = text.replace("'", "").replace("`", "")
    text = _NOT_KEPT.sub(" ", text).replace("#", " # ")
    return [token for raw in text.split() for token in _split_token(raw)]


def _words(tokens: Sequence[str]) -> list[str]:
    """Alphanumeric pieces of `tokens`, for placeholder tests."""
    return [w for t in tokens for w in ((t,) if t.isalnum() else _NON_ALNUM.split(t)) if w]


def _is_placeholder(tokens: Sequence[str]) -> bool:
    return _is_placeholder_text(_words(tokens))


def _is_placeholder_text(words: Sequence[str]) -> bool:
    """Placeholder text, judged on the `_words` of a field."""
    letters = [w for w in words if not w.isdigit()]
    if not letters:
        return any(set(w) == {"0"} for w in words[:1])
    text = " ".join(letters)
    if text in _PLACEHOLDER_EXACT or ("XX" in text and any(_XS.fullmatch(w) for w in letters)):
        return True
    return _PLACEHOLDER_PHRASES.search(text) is not None


# --- units ------------------------------------------------------------------------------


def _unit_id(tokens: Sequence[str]) -> str:
    """`APT 4-B` / `#4B` / `UNIT 4B` / `4B` -> `4B`; `BLDG 2 APT 4` -> `2-4`; `REAR` -> `REAR`."""
    if not tokens:
        return ""
    if " ".join(_words(tokens)) in _UNIT_PLACEHOLDERS:
        return ""
    groups: list[str] = []
    current = ""
    for token in tokens:
        if token in _UNIT_DESIGNATORS:
            if current:
                groups.append(current)
            current = ""
        elif token in _UNIT_ALONE:
            groups.append(_UNIT_ALONE[token])
        else:
            current += _NON_ALNUM.sub("", token)
    if current:
        groups.append(current)
    ids = (_LEADING_ZEROS.sub("", g) if g.isdigit() else g for g in groups)
    return "-".join(dict.fromkeys(ids))


def _looks_like_unit_id(token: str) -> bool:
    return len(token) <= 6 and (any(ch.isdigit() for ch in token) or len(token) <= 2)


def _trailing_unit(tokens: Sequence[str]) -> int:
    """How many trailing tokens form one unit clause; the first two tokens are never taken."""
    if len(tokens) > 3 and tokens[-1] in _UNIT_ALONE:
        return 1
    for width in (1, 2):
        start = len(tokens) - width - 1
        if start < 2:
            return 0
        ident = tokens[start + 1 :]
        if tokens[start] in _UNIT_DESIGNATORS and all(map(_looks_like_unit_id, ident)):
            return width + 1
    return 0


def _is_unit_clause(tokens: Sequence[str]) -> bool:
    """`APT 4`, `# 4`, `UNIT 4 B`, `REAR`: a whole segment that names only a unit."""
    return bool(tokens) and _trailing_unit(["1", "X", "X", *tokens]) == len(tokens)


def _split_unit(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Take trailing `APT 4`, `# 4`, `BLDG 2 APT 4`, `REAR` off a street line."""
    unit: list[str] = []
    while taken := _trailing_unit(tokens):
        unit = tokens[-taken:] + unit
        tokens = tokens[:-taken]
    return tokens, unit


# --- the street line ----------------------------------------------------------------------


_NOT_A_NAME = frozenset(_DIRECTIONALS) | frozenset(_DIRECTIONALS.values())


def _canonical_words(tokens: Sequence[str]) -> list[str]:
    """Directionals abbreviated and street types spelled out, so every way of writing a line
    reaches the tagger as the same text (`N Main Str` and `North Main Street` alike)."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        pair = (tokens[i], tokens[i + 1]) if i + 1 < len(tokens) else ("", "")
        if pair in _DIRECTION_PAIRS:
            out.append(_DIRECTION_PAIRS[pair])
            i += 2
            continue
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token == "ST" and i > 0 and following.isalpha() and following not in _NOT_A_NAME:
            token = "SAINT"  # `ST CHARLES ST`: a saint before a name, a street type at the end
        out.append(_DIRECTIONALS.get(token) or _SPELL_OUT.get(token, token))
        i += 1
    if len(out) > 2 and out[-1] in ("ST", "DR"):
        out[-1] = "STREET" if out[-1] == "ST" else "DRIVE"
    return out


def _tag(tokens: Sequence[str]) -> list[tuple[str, str]]:
    """usaddress's labels for the line; by position if the tagger fails."""
    try:
        return [(str(token), str(label)) for token, label in usaddress.parse(" ".join(tokens))]
    except Exception:
        return _tag_by_position(tokens)


def _tag_by_position(tokens: Sequence[str]) -> list[tuple[str, str]]:
    tagged: list[tuple[str, str]] = []
    for i, token in enumerate(tokens):
        if i == 0 and any(ch.isdigit() for ch in token):
            tagged.append((token, "AddressNumber"))
        elif i == len(tokens) - 1 and i > 1 and token in _ABBREVIATION:
            tagged.append((token, "StreetNamePostType"))
        else:
            tagged.append((token, "StreetName"))
    return tagged


def _house_number(parts: Sequence[str]) -> str:
    """`123`, `123 A` -> `123A`, `123 1/2` -> `123 1/2`, `0123` -> `123`."""
    number = ""
    for part in parts:
        clean = part.replace("#", "")
        if number and _FRACTION.fullmatch(clean):
            number += " " + clean
        else:
            number += clean
    return _LEADING_ZEROS.sub("", number)


def _street_word(token: str, label: str) -> str:
    if label == "StreetNamePostType":
        return _ABBREVIATION.get(token, token)
    if label in ("StreetNamePreDirectional", "StreetNamePostDirectional"):
        return _DIRECTIONALS.get(token, token)
    return "ST" if token == "SAINT" else token


@dataclass(frozen=True, slots=True)
class _Line:
    """What the tagger found in a street line."""

    house: str
    street: tuple[str, ...]
    unit: tuple[str, ...]
    place: tuple[tuple[str, str], ...]
    box: bool


def _read_line(tagged: Sequence[tuple[str, str]], locality_given: bool) -> _Line:
    house: list[str] = []
    street: list[str] = []
    unit: list[str] = []
    place: list[tuple[str, str]] = []
    box = False
    previous = ""
    for token, label in tagged:
        if label.startswith("AddressNumber") and not street:
            house.append(token)
        elif label.startswith("USPSBox"):
            box = True
        elif label in _UNIT_LABELS and (unit or previous in _UNIT_AFTER):
            unit.append(token)
        elif label in _PLACE_LABELS and not locality_given:
            place.append((label, token))
        elif token != "#":
            street.append(_street_word(token, label))
        previous = label
    return _Line(_house_number(house), tuple(street), tuple(unit), tuple(place), box)


# --- the fast path: plain lines read without the tagger -------------------------------------

# usaddress's tagger sees a word it does not know by name (TAGGER_WORDS) only through generic
# features: a number's length and trailing zeros; a word's length, whether it has a vowel or
# digits, whether it is a listed street type or directional. For `HOUSE [PREDIR] NAME [NAME]
# TYPE` every combination of those was run through the tagger (house of 1-6 digits, each
# directional, one or two name words of 3-15 letters or one ordinal, each type below), and
# so was every known word and known ordinal as the one name word: outside the combinations
# `_fast_names` refuses, it labels house, directional, names and type as such every time, so
# `_fast_line` builds the `_Line` the tagger would. Any other line (a post-directional, a
# third name word, a hyphen, a fraction, another type) is tagged.
_FAST_TYPE_TEXT = (
    "STREET AVENUE BOULEVARD DRIVE ROAD LANE COURT PLACE WAY PARKWAY CIRCLE TERRACE TRAIL"
)
_FAST_TYPES = frozenset(_FAST_TYPE_TEXT.split())
_FAST_PREDIRECTIONALS = frozenset(_DIRECTIONALS.values())
_FAST_HOUSE = re.compile(r"[1-9][0-9]{0,5}")
_FAST_NAME = re.compile(r"[A-Z]{3,15}")
_FAST_ORDINAL = re.compile(r"[1-9][0-9]{0,3}(?:ST|ND|RD|TH)")
_NEVER_FAST_NAMES = (
    _TYPES
    | _NOT_A_NAME
    | _KEEP_TYPES
    | _UNIT_DESIGNATORS
    | frozenset(_UNIT_ALONE)
    | frozenset({"SAINT"})
    | frozenset(word.upper() for word in usaddress.STREET_NAMES)
    | frozenset(word.upper() for word in usaddress.DIRECTIONS)
    | WAVERING_TAGGER_WORDS
)
_NOT_FAST_NAMES = _NEVER_FAST_NAMES | TAGGER_WORDS
_FAST_KNOWN_NAMES = TAGGER_WORDS - _NEVER_FAST_NAMES


def _fast_line(words: Sequence[str]) -> _Line | None:
    """The tagger's reading of a plain `HOUSE [PREDIR] NAME [NAME] TYPE` line; None when the
    line is not of that shape (it is then tagged). `words` are `_canonical_words` output."""
    if not 3 <= len(words) <= 5 or words[-1] not in _FAST_TYPES:
        return None
    predir = words[1] if words[1] in _FAST_PREDIRECTIONALS else ""
    names = words[2 if predir else 1 : -1]
    if not _FAST_HOUSE.fullmatch(words[0]) or not _fast_names(names, predir, words[-1]):
        return None
    return _Line(words[0], (*words[1:-1], _ABBREVIATION[words[-1]]), (), (), False)


def _fast_names(names: Sequence[str], predir: str, kind: str) -> bool:
    """One or two unknown words, or one known word or ordinal; not where the tagger was seen
    to waver: two words after NE/NW/SE/SW, PLACE after those, an ordinal before ROAD."""
    if len(predir) == 2 and (len(names) != 1 or kind == "PLACE"):
        return False
    if len(names) == 1 and _FAST_ORDINAL.fullmatch(names[0]):
        return kind != "ROAD"
    if len(names) == 1 and names[0] in _FAST_KNOWN_NAMES:
        return True
    return 1 <= len(names) <= 2 and all(
        _FAST_NAME.fullmatch(name) and name not in _NOT_FAST_NAMES for name in names
    )


def _has_street_name(street: Sequence[str]) -> bool:
    if not any(ch.isalpha() for word in street for ch in word):
        return False
    return not (len(street) == 1 and (street[0] in _TYPES or street[0] in _DIRECTIONALS.values()))


def _strip_locality(tokens: list[str], city: Sequence[str], state: str, zip5: str) -> list[str]:
    """Drop a trailing `CITY STATE ZIP` that repeats the separate fields (keeps two tokens).

    A lone trailing word that happens to equal the state or the city is part of the street
    (`8120 Mata Ct` in Connecticut, `100 Via Vista` in Vista): the state goes only when the
    ZIP followed it or the city precedes it, the city only when a state or ZIP followed it.
    """
    stripped = False
    if zip5 and len(tokens) > 2 and tokens[-1][:1].isdigit() and zip5_of(tokens[-1]) == zip5:
        tokens, stripped = tokens[:-1], True
    if state:
        for width in (3, 2, 1):
            if len(tokens) - width < 2 or state_code(" ".join(tokens[-width:])) != state:
                continue
            before = tokens[:-width]
            if stripped or (city and before[-len(city) :] == list(city)):
                tokens, stripped = before, True
            break
    if stripped and city and len(tokens) - len(city) >= 2 and tokens[-len(city) :] == list(city):
        tokens = tokens[: -len(city)]
    return tokens


# --- the whole address ----------------------------------------------------------------------


def _locality(city: str, state: str, zip_code: str) -> tuple[Sequence[str], str, str]:
    """City tokens, state code and zip5 from the separate fields ('' / () when absent)."""
    return (*_city_and_state(city, state), zip5_of(zip_code) or "")


@functools.lru_cache(maxsize=2**14)
def _city_and_state(city: str, state: str) -> tuple[tuple[str, ...], str]:
    """City tokens and state code (cached: a master file repeats a few thousand of them)."""
    city_tokens = tuple(_words(_tokens(city.replace("-", " "))))
    if _is_placeholder(city_tokens) or not any(ch.isalpha() for w in city_tokens for ch in w):
        city_tokens = ()
    state_tokens = _tokens(state)
    code = "" if _is_placeholder(state_tokens) else state_code(_ascii_upper(state))
    return city_tokens, code


@functools.lru_cache(maxsize=2**12)
def _unit_of_field(unit: str) -> str:
    """The unit field's identifier (cached: units repeat)."""
    return _unit_id(_tokens(unit))


def _locality_in_line(street: str) -> tuple[list[str], Sequence[str], str, str]:
    """`123 Main St, Apt 4, Houston, TX 77002`: the line before the first comma that is not a
    unit, then `CITY STATE ZIP` read from the end of the rest."""
    segments = [_tokens(segment) for segment in street.split(",")]
    line = segments[0]
    rest = segments[1:]
    while rest and _is_unit_clause(rest[0]):
        line = [*line, *rest.pop(0)]
    tail = [w for segment in rest for w in _words(segment)]
    zip5 = (zip5_of(tail[-1]) or "") if tail else ""
    if zip5:
        tail = tail[:-1]
    code = ""
    for width in (3, 2, 1):
        if len(tail) >= width and (found := state_code(" ".join(tail[-width:]))):
            code, tail = found, tail[:-width]
            break
    return line, tail, code, zip5


def _from_place(place: Sequence[tuple[str, str]], label: str) -> str:
    return " ".join(token for lab, token in place if lab == label)


def _read_street(
    tokens: list[str], locality_given: bool, fast: bool = True
) -> tuple[list[str], _Line]:
    """Split off the unit, canonicalise and tag; by position when the tagger finds no number.
    A plain line with the locality in fields of its own is read by `_fast_line` instead."""
    line_unit, line, _ = _read_street_how(tokens, locality_given, fast)
    return line_unit, line


def _read_street_how(
    tokens: list[str], locality_given: bool, fast: bool
) -> tuple[list[str], _Line, bool]:
    """`_read_street`, and whether `_fast_line` read the line (True) or the tagger did."""
    tokens, line_unit = _split_unit(tokens)
    words = _canonical_words(tokens)
    if fast and locality_given and (plain := _fast_line(words)) is not None:
        return line_unit, plain, True
    line = _read_line(_tag(words), locality_given)
    if not line.house and words and words[0][:1].isdigit():
        line = _read_line(_tag_by_position(words), locality_given)
    return line_unit, line, False


def _line_problem(tokens: Sequence[str], line: _Line) -> str:
    """Why a tagged street line is not street-level ("" when it is)."""
    if line.box:
        return "po_box"
    if not line.house:
        has_words = any(ch.isalpha() for t in tokens for ch in t)
        return "no_house_number" if has_words or not tokens else "no_street_name"
    if set(line.house) <= {"0", "-", " ", "/"}:
        return "placeholder"
    if not _has_street_name(line.street):
        return "no_street_name"
    return ""


def _standardise(
    street: str, unit: str, city: str, state: str, zip_code: str, fast: bool = True
) -> StdAddress | Unparsed:
    """`fast=False` tags every line (the reference `_fast_line` is tested against)."""
    if max(len(street), len(unit), len(city), len(state), len(zip_code)) > MAX_FIELD_LENGTH:
        return Unparsed("unparseable")
    tokens = _tokens(street)
    words = _words(tokens)
    if _is_placeholder_text(words):
        return Unparsed("placeholder")
    if _BOX_PATTERNS.search(" ".join(words)):
        return Unparsed("po_box")
    city_tokens, state_cd, zip5 = _locality(city, state, zip_code)
    locality_given = bool(city_tokens or state_cd or zip5)
    if not locality_given and "," in street:
        tokens, city_tokens, state_cd, zip5 = _locality_in_line(street)
        locality_given = bool(city_tokens or state_cd or zip5)
    tokens = _strip_locality(tokens, city_tokens, state_cd, zip5)
    line_unit, line = _read_street(tokens, locality_given, fast)
    if problem := _line_problem(tokens, line):
        return Unparsed(problem)
    if not locality_given:
        city_tokens = _tokens(_from_place(line.place, "PlaceName"))
        state_cd = state_code(_from_place(line.place, "StateName"))
        zip5 = zip5_of(_from_place(line.place, "ZipCode")) or ""
    if not ((city_tokens and state_cd) or zip5):
        return Unparsed("no_city_state_or_zip")
    return StdAddress(
        house_number=line.house,
        street=" ".join(line.street),
        unit=_unit_of_field(unit) or _unit_id([*line_unit, *line.unit]),
        city=" ".join(city_tokens),
        state=state_cd,
        zip5=zip5,
    )


_standardise_cached = functools.lru_cache(maxsize=2**18)(_standardise)


def standardise_address(
    street: str, unit: str, city: str, state: str, zip_code: str
) -> StdAddress | Unparsed:
    """The canonical street-level form of an address, or why it has none. Never raises."""
    try:
        return _standardise_cached(street, unit, city, state, zip_code)
    except Exception:  # a bug must not stop a batch: fail closed, as "not street-level"
        return Unparsed("unparseable")


# --- the rest of a street line, read once for every house number ------------------------------

# A street line `HOUSE REST` with HOUSE of this shape (then one space) standardises, with the
# locality in fields of its own, as `REST` does after any other such house number (see
# `read_rest`). Written for both Python's `re` and DuckDB's RE2.
REST_HOUSE_PATTERN = _FAST_HOUSE.pattern


@dataclass(frozen=True, slots=True)
class RestReading:
    """What a street line's rest (after `HOUSE `) standardises to, whatever the house number.

    Valid only while the address's state code is not in `tail_states` (else the line's tail
    may be taken for the locality and dropped) and the locality is given in its own fields.
    """

    street: str
    unit: str
    tail_states: tuple[str, ...]


def read_rest(rest: str) -> RestReading | None:
    """How `standardise_address(f"{house} {rest}", unit, city, state, zip)` reads the street
    line, for every `house` matching `REST_HOUSE_PATTERN` and a locality given in its own
    fields: house number `house`, street `street`, unit the unit field's identifier or else
    `unit`, city, state and ZIP from the fields (or not street-level without city and state
    or a ZIP). None when that does not hold for sure: the line is not one `_fast_line` reads,
    is not street-level, or ends in a ZIP. Pure and never raises."""
    try:
        return _read_rest(rest)
    except Exception:  # the per-row path decides (and fails closed) instead
        return None


def _read_rest(rest: str) -> RestReading | None:
    """`_standardise`'s steps on `1 REST` (locality given), the house number being the only
    thing that differs for another house: it is a digit-only word with a non-zero first digit,
    its own token, never part of a unit clause, a locality suffix or a canonical rewrite."""
    tokens = _tokens("1 " + rest)
    words = _words(tokens)
    if _is_placeholder_text(words) or _BOX_PATTERNS.search(" ".join(words)):
        return None
    if tokens[-1][:1].isdigit() and zip5_of(tokens[-1]):
        return None
    tail_states = {
        code
        for width in (3, 2, 1)
        if len(tokens) - width >= 2 and (code := state_code(" ".join(tokens[-width:])))
    }
    line_unit, line, fast = _read_street_how(tokens, True, True)
    if not fast or _line_problem(tokens, line):
        return None
    return RestReading(" ".join(line.street), _unit_id(line_unit), tuple(sorted(tail_states)))


def locality_fields(city: str, state: str) -> tuple[str, str]:
    """The standard city and state code of an address's own city and state fields."""
    city_tokens, code = _city_and_state(city, state)
    return " ".join(city_tokens), code


def unit_field_id(unit: str) -> str:
    """The standard identifier of an address's own unit field ("" when none)."""
    return _unit_of_field(unit)


def units_compatible(a: str, b: str) -> bool:
    """Equal units, or a unit missing on either side (SPEC §4: it may corroborate)."""
    return a == b or not a or not b


def same_address(a: StdAddress, b: StdAddress) -> bool:
    """Same house, street and ZIP, with units that do not contradict each other.

    Without a ZIP on both sides nothing is the same address (fail closed): the key would
    otherwise equate one street name in two different towns.
    """
    return bool(a.zip5) and a.key == b.key and units_compatible(a.unit, b.unit)
