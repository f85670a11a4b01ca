"""Building one block of the population: a household, or an apartment building of households.

A block's kind and size come from a 64-bit hash of (seed, block), so the population can be
counted without building it; its content comes from random.Random seeded the same way.

Hot path: tens of millions of taxpayers go through here, so days are proleptic ordinals
(ints) until the rows are made, and random draws index sequences directly
(`seq[int(rnd() * len(seq))]`, `bisect` over cumulative weights) instead of going through
`Random.choice`/`choices`/`randint`, which cost several times more per draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from operator import itemgetter
from random import Random

from disclosure_gateway.synth.draws import Rnd, pick, weighted
from disclosure_gateway.synth.entities import AddressSpace, Block, Person, Residence
from disclosure_gateway.synth.history import AddrRow
from disclosure_gateway.synth.identity import given_key, name_family
from disclosure_gateway.synth.pools import CULTURE_WEIGHTS, CULTURES, Pools
from disclosure_gateway.synth.tins import TinAllocator

MAX_PER_BLOCK = 32
M64 = (1 << 64) - 1
_SINGLE_SIZES = (1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4)
_UNIT_STYLES = ("Apt {n}", "#{n}", "Unit {L}", "Apt {n}{L}")
_CULTURE_CUM = tuple(accumulate(CULTURE_WEIGHTS))
_MOVES_CUM = tuple(accumulate((35, 35, 20, 10)))
_STYLES = ("two", "hyphen", "y", "one")
_STYLE_CUM = tuple(accumulate((45, 12, 5, 38)))
_SUFFIXES = ("", "JR", "II", "III", "SR")
_SUFFIX_CUM = tuple(accumulate((930, 40, 12, 6, 12)))
_NAMESAKE_STYLES = (("SR", "JR"), ("SR", ""), ("", "JR"), ("", ""), ("", "II"), ("SR", "II"))
_NAMESAKE_CUM = tuple(accumulate((30, 20, 15, 25, 5, 5)))
_TIE_SOURCES = ("NCOA", "NCOA", "FORM_8822", "RETURN")
_CHANGE_NOTICES = (("FORM_8822", 5, 56), ("NCOA", 15, 46))  # (source, first day, span)
_by_day = itemgetter(0)
_day = date.fromordinal

# A row while building: (effective day ordinal, residence index, source, tax year).
_Row = tuple[int, int, str, int | None]


def mix64(x: int) -> int:
    """splitmix64: a fast, well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def block_plan(seed: int, b: int) -> tuple[bool, int, bool]:
    """(is an apartment building, number of taxpayers, has a JR/SR namesake pair)."""
    return plan_from_hash(mix64(mix64(seed & M64) ^ b))


def plan_from_hash(h: int) -> tuple[bool, int, bool]:
    if h & 0xFF < 8:
        return True, 6 + (h >> 8) % 15, False
    size = _SINGLE_SIZES[(h >> 8) % 20]
    namesake = (h >> 16) & 0xFF < 16
    return False, size + (1 if namesake else 0), namesake


@dataclass(slots=True)
class _Draft:
    first: str
    middle: str
    surnames: tuple[str, ...]
    style: str
    culture: str
    male: bool
    born: int
    birth_on_file: bool
    suffix: str = ""
    partner: int = -1
    rows: tuple[AddrRow, ...] = ()


@dataclass(slots=True)
class _Ctx:
    rnd: Rnd
    rng: Random
    slot_base: int
    residences: list[Residence] = field(default_factory=list)
    used_given: set[str] = field(default_factory=set)
    next_slot: int = 0


class BlockBuilder:
    """Builds block `b` from (seed, b) alone."""

    def __init__(
        self,
        seed: int,
        as_of: date,
        pools: Pools,
        space: AddressSpace,
        tins: TinAllocator,
        *,
        slots_per_block: int,
    ) -> None:
        self.seed, self.as_of, self.pools = seed, as_of, pools
        self._space, self._tins, self._slots = space, tins, slots_per_block
        self._salt = mix64(seed & M64 ^ 0x5BD1E995)
        self._today = as_of.toordinal()
        self._year = as_of.year
        # Ordinals of 1 Feb .. 1 May of each year a return can be filed in.
        self._filing = {
            y: tuple(date(y, m, 1).toordinal() for m in (2, 3, 4, 5))
            for y in range(as_of.year - 9, as_of.year + 2)
        }

    def build(self, b: int, limit: int) -> Block:
        rng = Random(mix64(self._salt ^ b))
        ctx = _Ctx(rng.random, rng, b * self._slots)
        is_complex, size, namesake = block_plan(self.seed, b)
        if is_complex:
            drafts = self._building(ctx, size)
        else:
            drafts = self._household(ctx, size, namesake, None)
        drafts = drafts[:limit]
        persons = tuple(self._person(b, i, d, len(drafts)) for i, d in enumerate(drafts))
        return Block(b, persons, tuple(ctx.residences))

    def _person(self, b: int, i: int, d: _Draft, count: int) -> Person:
        tin, tin_type = self._tins.tin(b * MAX_PER_BLOCK + i)
        return Person(
            tin, tin_type, d.first, d.middle, compose_last(d.surnames, d.style), d.suffix,
            _day(d.born).isoformat() if d.birth_on_file else "", d.culture,
            d.surnames if d.style != "one" else d.surnames[:1],
            d.partner if d.partner < count else -1, d.rows,
        )  # fmt: skip

    # -- households -------------------------------------------------------------------------

    def _household(
        self, ctx: _Ctx, size: int, namesake: bool, final: tuple[int, str] | None
    ) -> list[_Draft]:
        rnd = ctx.rnd
        culture = weighted(rnd, CULTURES, _CULTURE_CUM)
        moves = weighted(rnd, (1, 2, 3, 4), _MOVES_CUM)
        timeline = self._timeline(ctx, moves if final is None else min(moves, 3), final)
        head = self._new(ctx, culture, namesake or rnd() < 0.5, (25, 80), None)
        members = [head]
        base = size - (1 if namesake else 0)
        if base >= 2:
            members.append(self._spouse(ctx, head))
        while len(members) < base:
            members.append(self._child(ctx, head, members[1] if len(members) > 1 else None))
        if namesake:
            members.append(self._namesake_son(ctx, head, len(members)))
        for m in members:
            m.rows = self._rows(ctx, timeline, _add_years(_day(m.born), 18))
        return members

    def _building(self, ctx: _Ctx, size: int) -> list[_Draft]:
        rng = ctx.rng
        building = self._slot(ctx)
        style = pick(ctx.rnd, _UNIT_STYLES[:3])
        numbers = rng.sample(range(101, 460), size)
        members: list[_Draft] = []
        while len(members) < size:
            hh = min(size - len(members), pick(ctx.rnd, (1, 1, 2, 2, 3)))
            n = numbers[len(members)]
            unit = style.format(n=n, L="ABCDEFGH"[n % 8])
            members.extend(self._household(ctx, hh, False, (building, unit)))
        return members

    def _timeline(
        self, ctx: _Ctx, count: int, final: tuple[int, str] | None
    ) -> list[tuple[int, int]]:
        """(day moved in, residence index), oldest first."""
        rnd, today = ctx.rnd, self._today
        moves = [today - 400 - int(rnd() * 4001)]
        while len(moves) < count:
            nxt = moves[-1] + 200 + int(rnd() * 1301)
            if nxt >= today - 45:
                break
            moves.append(nxt)
        out: list[tuple[int, int]] = []
        last = len(moves) - 1
        for i, moved in enumerate(moves):
            if final is not None and i == last:
                out.append((moved, self._residence(ctx, final[0], final[1])))
                continue
            unit = ""
            if rnd() < 0.2:
                n = 1 + int(rnd() * 40)
                unit = pick(rnd, _UNIT_STYLES).format(n=n, L="ABCDEF"[n % 6])
            out.append((moved, self._residence(ctx, self._slot(ctx), unit)))
        return out

    def _slot(self, ctx: _Ctx) -> int:
        if ctx.next_slot >= self._slots:
            raise RuntimeError("block ran out of address slots")
        ctx.next_slot += 1
        return ctx.slot_base + ctx.next_slot - 1

    def _residence(self, ctx: _Ctx, slot: int, unit: str) -> int:
        ctx.residences.append(self._space.residence(slot, unit, int(ctx.rnd() * 5)))
        return len(ctx.residences) - 1

    # -- people -----------------------------------------------------------------------------

    def _new(
        self,
        ctx: _Ctx,
        culture: str,
        male: bool,
        ages: tuple[int, int],
        surnames: tuple[str, ...] | None,
    ) -> _Draft:
        rnd, names = ctx.rnd, self.pools.names
        pool = names[culture]
        first = pick(rnd, pool.male if male else pool.female)
        family = name_family(given_key(first))
        tries = 0
        while not ctx.used_given.isdisjoint(family):
            tries += 1
            if tries >= 60:
                raise RuntimeError("no distinct given name left for this block")
            pool = names[weighted(rnd, CULTURES, _CULTURE_CUM)]
            first = pick(rnd, pool.male if male else pool.female)
            family = name_family(given_key(first))
        ctx.used_given.update(family)
        middle = ""
        if culture == "vietnamese" and rnd() < 0.8:
            middle = ("Văn" if male else "Thị") if rnd() < 0.6 else pick(rnd, pool.middle)
        elif " " not in first and rnd() < 0.3:
            middle = pick(rnd, pool.middle)
        if middle and given_key(middle) == given_key(first):
            middle = ""
        names_, style = surnames or self._surnames(rnd, culture), "single"
        if culture == "hispanic" and len(names_) == 2:
            style = weighted(rnd, _STYLES, _STYLE_CUM)
        lo, hi = ages
        age = lo + int(rnd() * (hi - lo + 1))
        born = self._today - age * 365 - int(rnd() * 365)
        suffix = ""
        if male and culture == "english":
            suffix = weighted(rnd, _SUFFIXES, _SUFFIX_CUM)
        return _Draft(first, middle, names_, style, culture, male, born, rnd() < 0.92, suffix)

    def _surnames(self, rnd: Rnd, culture: str) -> tuple[str, ...]:
        pool = self.pools.names[culture].surnames
        first = pick(rnd, pool)
        if culture != "hispanic":
            return (first,)
        second = pick(rnd, pool)
        while second == first:
            second = pick(rnd, pool)
        return (first, second)

    def _age(self, d: _Draft) -> int:
        return self._year - _day(d.born).year

    def _spouse(self, ctx: _Ctx, head: _Draft) -> _Draft:
        head_age = self._age(head)
        lo = max(20, head_age - 8)
        shared = None if head.culture == "hispanic" or ctx.rnd() < 0.3 else head.surnames
        return self._new(ctx, head.culture, not head.male, (lo, max(lo, head_age + 6)), shared)

    def _child(self, ctx: _Ctx, head: _Draft, other: _Draft | None) -> _Draft:
        ages = (18, max(18, min(self._age(head) - 18, 45)))
        surnames = head.surnames
        if head.culture == "hispanic" and other is not None and other.culture == "hispanic":
            father, mother = (head, other) if head.male else (other, head)
            surnames = (father.surnames[0], mother.surnames[0])
            if surnames[0] == surnames[1]:
                surnames = head.surnames
        return self._new(ctx, head.culture, ctx.rnd() < 0.5, ages, surnames)

    def _namesake_son(self, ctx: _Ctx, father: _Draft, index: int) -> _Draft:
        rnd = ctx.rnd
        father.suffix, son_suffix = weighted(rnd, _NAMESAKE_STYLES, _NAMESAKE_CUM)
        gap = 19 + int(rnd() * 16)
        son_born = father.born + gap * 365 + int(rnd() * 301)
        if self._today - son_born < 19 * 365:
            son_born = self._today - 19 * 365 - int(rnd() * 901)
        son = _Draft(
            father.first, pick(rnd, ("", father.middle)), father.surnames, father.style,
            father.culture, True, son_born, rnd() < 0.9, son_suffix, 0,
        )  # fmt: skip
        father.partner = index  # a namesake pair only ever lives in a one-household block
        return son

    # -- address history --------------------------------------------------------------------

    def _rows(self, ctx: _Ctx, timeline: list[tuple[int, int]], adult: date) -> tuple[AddrRow, ...]:
        rnd, today, adult_day = ctx.rnd, self._today, adult.toordinal()
        rows: list[_Row] = []
        for i in range(1, len(timeline)):
            moved, residence = timeline[i]
            until = timeline[i + 1][0] if i + 1 < len(timeline) else today
            for source, lo, span in _CHANGE_NOTICES:
                if rnd() >= 0.3:
                    continue
                day = moved + lo + int(rnd() * span)
                if adult_day <= day < until:
                    rows.append((day, residence, source, None))
        first_move = timeline[0][0]
        start = max(_day(first_move).year - 1, adult.year, self._year - 8)
        for year in range(start, self._year):
            if rnd() >= 0.42:
                continue
            filed = self._filing[year + 1][int(rnd() * 4)] + int(rnd() * 28)
            if first_move <= filed < today and filed >= adult_day:
                rows.append((filed, _at(timeline, filed), "RETURN", year))
        rows.sort(key=_by_day)
        rows = rows[-5:]
        if not rows:
            filed = max(today - 30 - int(rnd() * 271), first_move + 1)
            rows = [(filed, _at(timeline, filed), "RETURN", _day(filed).year - 1)]
        if len(timeline) > 1 and rnd() < 0.05:
            rows = self._with_tie(rnd, rows, timeline)
        return tuple([AddrRow(r, source, _day(d), y) for d, r, source, y in rows])

    def _with_tie(self, rnd: Rnd, rows: list[_Row], timeline: list[tuple[int, int]]) -> list[_Row]:
        """Add a row on the same date as the latest one, for another of the person's dwellings."""
        day, residence, _, last_year = rows[-1]
        other = pick(rnd, [r for _, r in timeline if r != residence])
        source = pick(rnd, _TIE_SOURCES)
        year = None
        if source == "RETURN":
            year = last_year - 1 if last_year is not None else _day(day).year - 2
        tie: _Row = (day, other, source, year)
        out = [*rows[:-1], tie, rows[-1]] if rnd() < 0.5 else [*rows, tie]
        return out[-5:]


def _at(timeline: list[tuple[int, int]], day: int) -> int:
    current = timeline[0][1]
    for moved, residence in timeline:
        if moved <= day:
            current = residence
    return current


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def compose_last(surnames: tuple[str, ...], style: str) -> str:
    """The last name as filed: `García López`, `García-López`, `García y López` or `García`."""
    if len(surnames) == 1 or style in ("one", "single"):
        return surnames[0]
    first, second = surnames
    if style == "hyphen":
        return f"{first}-{second}"
    if style == "y":
        return f"{first} y {second}"
    return f"{first} {second}"
