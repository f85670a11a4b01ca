"""Requests about one of a JR/SR namesake pair at their shared address, and what SPEC §4 says
about them: ambiguous unless a supplied suffix or birth date rules the other one out."""

from __future__ import annotations

from datetime import date

from disclosure_gateway.synth.entities import Block, Person
from disclosure_gateway.synth.history import in_effect_since
from disclosure_gateway.synth.noise import FORMATTING, apply_noise
from disclosure_gateway.synth.rows import DraftRow, RowMaker

_SAFE = frozenset(FORMATTING) - {"suffix_in_last", "middle_variant"}


def namesake_pair(block: Block) -> tuple[int, int] | None:
    for i, person in enumerate(block.persons):
        j = person.partner
        if 0 <= j < len(block.persons) and block.persons[j].partner == i:
            return (i, j)
    return None


def _contradicts(given: str, on_file: str) -> bool:
    return bool(given) and bool(on_file) and given != on_file


def _clues(target: Person, other: Person) -> list[str]:
    clues = []
    if _contradicts(target.suffix, other.suffix) and target.suffix:
        clues.append("suffix")
    if _contradicts(target.birth, other.birth) and target.birth:
        clues.append("birth_date")
    return clues


def make_namesake(
    maker: RowMaker, block: Block, pair: tuple[int, int], want_told_apart: bool
) -> DraftRow | None:
    """A row naming one of the pair at a dwelling both had; None if the wish cannot be met."""
    rng = maker.rng
    first, second = (block.persons[k] for k in pair)
    target, other = (first, second) if rng.random() < 0.5 else (second, first)
    shared = sorted({r.residence for r in target.rows} & {r.residence for r in other.rows})
    if not shared:
        return None
    clues = _clues(target, other) if want_told_apart else []
    if want_told_apart:
        shared = [r for r in shared if maker.feasible_years(target, r)]
        if not clues or not shared:
            return None
    res_index = shared[-1]
    f, ctx = maker.base(block, target, block.residences[res_index])
    f["suffix"], f["middle_name"], f["tin"], f["birth_date"] = "", "", "", ""
    years = maker.feasible_years(target, res_index) or [maker.year - 1]
    f["tax_periods"] = maker.periods(rng.choice(years))
    noise = apply_noise(f, ctx, rng, fuzzy=0, formatting=maker.counts(False)[1], allowed=_SAFE)
    if clues:
        clue = rng.choice(clues)
        if clue == "suffix":
            f["suffix"] = target.suffix
        else:
            f["birth_date"] = target.birth
    category = "namesake_distinguished" if clues else "namesake_ambiguous"
    row = DraftRow(f, category, "NO_DISCLOSURE", target.tin, noise=noise, hint="exact")
    _decide(maker, row, block, (target, other), res_index=res_index, f=f)
    return row


def _decide(
    maker: RowMaker,
    row: DraftRow,
    block: Block,
    people: tuple[Person, Person],
    *,
    res_index: int,
    f: dict[str, str],
) -> None:
    """SPEC §4 for the pair: candidates had the address; a contradicting clue rules one out."""
    left = [
        p
        for p in people
        if any(r.residence == res_index for r in p.rows)
        and not _contradicts(f["suffix"], p.suffix)
        and not _contradicts(f["birth_date"], p.birth)
    ]
    target = people[0]
    if len(left) != 1 or left[0] is not target:
        return
    first = min(int(y) for y in _years(f["tax_periods"]))
    if in_effect_since(target.rows, res_index, date(first, 1, 1), maker.as_of):
        maker.disclosed(row, block, target, res_index)


def _years(periods: str) -> list[str]:
    return [y for y in periods.replace("-", ",").replace(" ", "").split(",") if y]
