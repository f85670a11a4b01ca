"""The address fast path (`addresses._fast_line`): plain street lines read without usaddress's
tagger must standardise exactly as the tagger would have them, and most master-file lines
must take it (else it has silently stopped working)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path

import pytest
import usaddress
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scourgify import address_constants as usps

from disclosure_gateway.adapters import records_io
from disclosure_gateway.domain import addresses
from disclosure_gateway.domain.model import REQUEST_COLUMNS
from disclosure_gateway.domain.tagger_words import (
    TAGGER_ORDINALS,
    TAGGER_WORDS,
    WAVERING_TAGGER_WORDS,
)
from disclosure_gateway.synth.pools import STREET_BASES
from disclosure_gateway.synth.population import generate_population
from disclosure_gateway.synth.requests import generate_batch
from disclosure_gateway.synth.writers import block_rows

Fields = tuple[str, str, str, str, str]
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "addresses.jsonl"
AS_OF = date(2026, 11, 23)


class FastPathSpy:
    """Counts the lines `_fast_line` reads while it is installed."""

    def __init__(self, real: Callable[[Sequence[str]], addresses._Line | None]) -> None:
        self.real, self.accepted = real, 0

    def __call__(self, words: Sequence[str]) -> addresses._Line | None:
        line = self.real(words)
        self.accepted += line is not None
        return line


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> FastPathSpy:
    watcher = FastPathSpy(addresses._fast_line)
    monkeypatch.setattr(addresses, "_fast_line", watcher)
    return watcher


def fast_and_slow(fields: Fields) -> tuple[object, object]:
    return addresses._standardise(*fields), addresses._standardise(*fields, fast=False)


def tagged_line(words: Sequence[str]) -> addresses._Line:
    """What `_read_street` makes of canonical words without the fast path."""
    line = addresses._read_line(addresses._tag(words), True)
    if not line.house and words[0][:1].isdigit():
        line = addresses._read_line(addresses._tag_by_position(words), True)
    return line


# --- the word list is the installed model's -------------------------------------------------


def test_tagger_words_are_the_installed_models_known_words(tmp_path: Path) -> None:
    dump = tmp_path / "model.txt"
    usaddress.TAGGER.dump(str(dump))
    section = dump.read_text(encoding="utf-8").split("ATTRIBUTES = {")[1].split("}")[0]
    attributes = [line.split(": ", 1)[1] for line in section.splitlines() if ": " in line]
    known = {a.split("word:", 1)[1].upper() for a in attributes if "word:" in a}
    assert len(known) > 500
    assert {w for w in known if re.fullmatch(r"[A-Z]{3,15}", w)} == TAGGER_WORDS
    assert {w for w in known if addresses._FAST_ORDINAL.fullmatch(w)} == TAGGER_ORDINALS
    assert WAVERING_TAGGER_WORDS < TAGGER_WORDS


# --- what the fast path takes and what it leaves to the tagger ------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("8607 DELACRUZ PARKWAY", ("DELACRUZ", "PKWY")),
        ("12 N ZEPHYR STREET", ("N", "ZEPHYR", "ST")),
        ("455 S CESAR CHAVEZ AVENUE", ("S", "CESAR", "CHAVEZ", "AVE")),
        ("31 NW ZEPHYR COURT", ("NW", "ZEPHYR", "CT")),
        ("4873 49TH TERRACE", ("49TH", "TER")),
        ("100 E 52ND WAY", ("E", "52ND", "WAY")),
        ("999999 QUINN TRAIL", ("QUINN", "TRL")),
        ("12 MAIN STREET", ("MAIN", "ST")),  # a known word, read as a name in every plain line
    ],
)
def test_plain_lines_are_read_directly(line: str, expected: tuple[str, ...]) -> None:
    words = line.split()
    assert addresses._fast_line(words) == addresses._Line(words[0], expected, (), (), False)
    assert tagged_line(words) == addresses._fast_line(words)


@pytest.mark.parametrize(
    "line",
    [
        "12 ZEPHYR STREET N",  # a post-directional: the tagger may read it as a unit
        "12 ZEPHYR QUINN ABBOT STREET",  # three name words
        "12 CEDAR STREET",  # a known word the tagger does not always read as a name
        "12 MAIN ZEPHYR STREET",  # a known word with another name word
        "12 ST CHARLES STREET",  # saint
        "12 SAINT CHARLES STREET",
        "12 CALLE SOL",  # a Spanish type, first
        "12 ZEPHYR HILL",  # a type the tagger often reads as a name
        "12 ZEPHYR ST",  # an abbreviation not spelled out (only at the end it is)
        "12 PARK AVENUE",  # a street-type word as the name
        "12 NORTH AVENUE",
        "12 APT STREET",
        "012 ZEPHYR STREET",  # leading zero
        "0 ZEPHYR STREET",
        "1234567 ZEPHYR STREET",  # seven digits
        "12A ZEPHYR STREET",
        "12 1/2 ZEPHYR STREET",
        "12 ZEPHYR-QUINN STREET",
        "12 # ZEPHYR STREET",
        "12 49TH ZEPHYR STREET",  # an ordinal with another name word
        "12 49 STREET",
        "12 E 5TH ROAD",  # the tagger reads ROAD as a name here
        "12 5TH ROAD",
        "12 NE ZEPHYR QUINN COURT",  # NE/NW/SE/SW with two name words
        "12 SW ZEPHYR QUINN STREET",
        "12 SE ZEPHYR PLACE",  # PLACE after NE/NW/SE/SW
        "12 ZZ STREET",  # two letters
        "12 ABCDEFGHIJKLMNOP STREET",  # sixteen letters
        "12 STREET",
        "ZEPHYR STREET",
    ],
)
def test_other_lines_go_to_the_tagger(line: str) -> None:
    assert addresses._fast_line(line.split()) is None


def test_locality_only_in_the_line_is_tagged(spy: FastPathSpy) -> None:
    assert fast_and_slow(("12 Zephyr St", "", "", "", ""))[0] == addresses.Unparsed(
        "no_city_state_or_zip"
    )
    assert spy.accepted == 0
    addresses._standardise("12 Zephyr St", "", "Houston", "TX", "77002")
    assert spy.accepted == 1


# --- equivalence: golden cases and generated populations --------------------------------------


def _golden() -> Iterator[Fields]:
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            yield case["street"], case["unit"], case["city"], case["state"], case["zip"]


def test_golden_addresses_standardise_the_same_either_way(spy: FastPathSpy) -> None:
    for fields in _golden():
        fast, slow = fast_and_slow(fields)
        assert fast == slow, fields
    assert spy.accepted >= 5  # golden lines favour words the tagger knows (MAIN, OAK)


@pytest.fixture(scope="module")
def generated() -> tuple[list[Fields], list[Fields]]:
    """Distinct addresses of a 20,000-taxpayer master file and of a `hard` request batch."""
    pop = generate_population(20_000, 11, AS_OF)
    master = {row[1:6] for block in pop.blocks() for row in block_rows(block)[1]}
    at = [REQUEST_COLUMNS.index(c) for c in ("street", "unit", "city", "state", "zip")]
    batch = generate_batch(pop, 3_000, 11, "hard", AS_OF)
    requests = {tuple(record[i] for i in at) for record in batch.records}
    return sorted(master), sorted(requests)  # type: ignore[arg-type]


def test_generated_addresses_standardise_the_same_either_way(
    generated: tuple[list[Fields], list[Fields]], spy: FastPathSpy
) -> None:
    master, requests = generated
    for fields in [*master, *requests]:
        fast, slow = fast_and_slow(fields)
        assert fast == slow, fields
    assert spy.accepted > len(master) // 2


def test_most_master_addresses_take_the_fast_path(
    generated: tuple[list[Fields], list[Fields]], spy: FastPathSpy
) -> None:
    master, _ = generated
    assert len(master) > 10_000
    for fields in master:
        addresses._standardise(*fields)
    assert spy.accepted >= 0.8 * len(master)


# --- equivalence: lines built from street words ---------------------------------------------

_NAMES = sorted(
    {n.upper() for n in STREET_BASES}
    | {"ZEPHYR", "QUINN", "DELACRUZ", "OBREGON", "NGUYEN", "MCALLISTER", "BLACKWELL", "MAY"}
    | set(sorted(TAGGER_WORDS)[::9])
)
_TYPE_WORDS = sorted(set(usps.STREET_TYPE_ABBREVIATIONS) | set(usps.LONGHAND_STREET_TYPES.values()))
_PLAIN_TYPES = ["Street", "St", "Ave", "Avenue", "Blvd", "Dr", "Rd", "Ln", "Ct", "Pl", "Way"]
_PLAIN_TYPES += ["Pkwy", "Cir", "Ter", "Trl", "Parkway", "Terrace", "Trail", "Circle", "Court"]
_DIRECTIONS = ["N", "S", "E", "W", "NE", "SW", "N.", "North", "South", "North-East", "Se"]
_UNITS = ["", "Apt 4", "#4", "# 12B", "Unit F", "Ste 200", "Rear", "Bldg 2 Apt 4"]
_NUMBERS = ["1", "12", "120", "4873", "99999", "100000", "0", "012", "12A", "12 1/2", "12-14"]
_ORDINALS = ["1st", "2nd", "3rd", "4th", "5th", "11th", "21st", "49th", "103rd", "1000th"]

word = st.sampled_from(_NAMES) | st.sampled_from(_ORDINALS) | st.sampled_from(_TYPE_WORDS)


@st.composite
def street_lines(draw: st.DrawFn) -> tuple[str, str]:
    """A street line and a unit field, mostly of the plain shape, with every kind of word."""
    parts = [draw(st.sampled_from(_NUMBERS))]
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from(_DIRECTIONS)))
    parts += draw(st.lists(st.sampled_from(_NAMES) | word, min_size=0, max_size=3))
    plain = draw(st.booleans())
    parts.append(draw(st.sampled_from(_PLAIN_TYPES if plain else _TYPE_WORDS)))
    if draw(st.integers(0, 5)) == 0:
        parts.append(draw(st.sampled_from(_DIRECTIONS)))
    line = draw(st.sampled_from([" ", "  "])).join(parts)
    unit = draw(st.sampled_from(_UNITS))
    if unit and draw(st.booleans()):
        return f"{line}{draw(st.sampled_from([' ', ', ']))}{unit}", ""
    return line + draw(st.sampled_from(["", ",", "."])), unit


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(street_lines(), st.sampled_from([("Houston", "TX", "77002"), ("", "", "10001-1234")]))
def test_built_lines_standardise_the_same_either_way(
    line_unit: tuple[str, str], locality: tuple[str, str, str]
) -> None:
    line, unit = line_unit
    fast, slow = fast_and_slow((line, unit, *locality))
    assert fast == slow


_GENERIC = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=15).filter(
    lambda w: w not in addresses._NOT_FAST_NAMES
)


_KNOWN = st.sampled_from(sorted(addresses._FAST_KNOWN_NAMES))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 999_999),
    st.sampled_from(["", *sorted(addresses._FAST_PREDIRECTIONALS)]),
    st.lists(_GENERIC, min_size=1, max_size=2) | st.lists(_KNOWN, min_size=1, max_size=1),
    st.sampled_from(sorted(addresses._FAST_TYPES)),
)
def test_plain_name_words_are_read_as_the_tagger_reads_them(
    house: int, predir: str, names: list[str], kind: str
) -> None:
    words = [str(house), *([predir] if predir else []), *names, kind]
    line = addresses._fast_line(words)
    if len(predir) == 2 and (len(names) == 2 or kind == "PLACE"):
        assert line is None
    else:
        assert line is not None
        assert line == tagged_line(words)


# --- records_io._clean: the regex does what the per-character test did ------------------------


def _clean_per_character(value: str) -> str:
    return "".join(ch if ord(ch) >= 32 or ch in "\t\r\n" else "\ufffd" for ch in value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x2FF) | st.sampled_from("\x00\x0b\ufffd")))
def test_clean_replaces_control_characters_as_before(value: str) -> None:
    cleaned, problems = records_io._clean(value)
    assert cleaned == _clean_per_character(value)
    flagged = cleaned != value or "\ufffd" in value
    assert ("control_characters" in problems) == flagged
