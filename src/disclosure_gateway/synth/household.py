"""Building one block of the population: a household, or an apartment building of households.

A block's kind and size come from a 64-bit hash of (seed, block), so the population can be
counted without building it; its content comes from random.Random seeded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from random import Random

from disclosure_gateway.synth.entities import AddressSpace, Block, Person, Residence
from disclosure_gateway.synth.history import AddrRow
from disclosure_gateway.synth.identity import given_key, name_family
from disclosure_gateway.synth.pools import CULTURE_WEIGHTS, CULTURES, Pools
from disclosure_gateway.synth.tins import TinAllocator

MAX_PER_BLOCK = 32
_M64 = (1 << 64) - 1
_SINGLE_SIZES = (1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4)
_UNIT_STYLES = ("Apt {n}", "#{n}", "Unit {L}", "Apt {n}{L}")
_CULTURE_CUM = tuple(accumulate(CULTURE_WEIGHTS))
_MOVES_CUM = tuple(accumulate((35, 35, 20, 10)))
_STYLE_CUM = tuple(accumulate((45, 12, 5, 38)))
_SUFFIX_CUM = tuple(accumulate((930, 40, 12, 6, 12)))


def _ri(rng: Random, lo: int, hi: int) -> int:
    """A random integer in [lo, hi]: randint's distribution, a fifth of its cost."""
    return lo + int(rng.random() * (hi - lo + 1))


def mix64(x: int) -> int:
    """splitmix64: a fast, well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def block_plan(seed: int, b: int) -> tuple[bool, int, bool]:
    """(is an apartment building, number of taxpayers, has a JR/SR namesake pair)."""
    h = mix64(mix64(seed & _M64) ^ b)
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
    birth: date
    birth_on_file: bool
    suffix: str = ""
    partner: int = -1
    rows: list[AddrRow] = field(default_factory=list)


@dataclass(slots=True)
class _Ctx:
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
        self._salt = mix64(seed & _M64 ^ 0x5BD1E995)

    def build(self, b: int, limit: int) -> Block:
        ctx = _Ctx(Random(mix64(self._salt ^ b)), b * self._slots)
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
            d.birth.isoformat() if d.birth_on_file else "", d.culture,
            d.surnames if d.style != "one" else d.surnames[:1],
            d.partner if d.partner < count else -1, tuple(d.rows),
        )  # fmt: skip

    # -- households -------------------------------------------------------------------------

    def _household(
        self, ctx: _Ctx, size: int, namesake: bool, final: tuple[int, str] | None
    ) -> list[_Draft]:
        rng = ctx.rng
        culture = rng.choices(CULTURES, cum_weights=_CULTURE_CUM)[0]
        moves = rng.choices((1, 2, 3, 4), cum_weights=_MOVES_CUM)[0]
        timeline = self._timeline(ctx, moves if final is None else min(moves, 3), final)
        head = self._new(ctx, culture, namesake or rng.random() < 0.5, (25, 80), None)
        members = [head]
        base = size - (1 if namesake else 0)
        if base >= 2:
            members.append(self._spouse(ctx, head))
        while len(members) < base:
            members.append(self._child(ctx, head, members[1] if len(members) > 1 else None))
        if namesake:
            members.append(self._namesake_son(ctx, head, len(members)))
        for m in members:
            m.rows = self._rows(ctx, timeline, _add_years(m.birth, 18))
        return members

    def _building(self, ctx: _Ctx, size: int) -> list[_Draft]:
        rng = ctx.rng
        building = self._slot(ctx)
        style = rng.choice(_UNIT_STYLES[:3])
        numbers = rng.sample(range(101, 460), size)
        members: list[_Draft] = []
        while len(members) < size:
            hh = min(size - len(members), rng.choice((1, 1, 2, 2, 3)))
            n = numbers[len(members)]
            unit = style.format(n=n, L="ABCDEFGH"[n % 8])
            members.extend(self._household(ctx, hh, False, (building, unit)))
        return members

    def _timeline(
        self, ctx: _Ctx, count: int, final: tuple[int, str] | None
    ) -> list[tuple[date, int]]:
        rng, as_of = ctx.rng, self.as_of
        moves = [as_of - timedelta(days=_ri(rng, 400, 4400))]
        while len(moves) < count:
            nxt = moves[-1] + timedelta(days=_ri(rng, 200, 1500))
            if nxt >= as_of - timedelta(days=45):
                break
            moves.append(nxt)
        out: list[tuple[date, int]] = []
        for i, moved in enumerate(moves):
            if final is not None and i == len(moves) - 1:
                out.append((moved, self._residence(ctx, final[0], final[1])))
                continue
            unit = ""
            if rng.random() < 0.2:
                n = _ri(rng, 1, 40)
                unit = rng.choice(_UNIT_STYLES).format(n=n, L="ABCDEF"[n % 6])
            out.append((moved, self._residence(ctx, self._slot(ctx), unit)))
        return out

    def _slot(self, ctx: _Ctx) -> int:
        if ctx.next_slot >= self._slots:
            raise RuntimeError("block ran out of address slots")
        ctx.next_slot += 1
        return ctx.slot_base + ctx.next_slot - 1

    def _residence(self, ctx: _Ctx, slot: int, unit: str) -> int:
        ctx.residences.append(self._space.residence(slot, unit, int(ctx.rng.random() * 5)))
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
        rng, pool = ctx.rng, self.pools.names[culture]
        first = rng.choice(pool.male if male else pool.female)
        family = name_family(given_key(first))
        for _ in range(60):
            if ctx.used_given.isdisjoint(family):
                break
            pool = self.pools.names[rng.choices(CULTURES, cum_weights=_CULTURE_CUM)[0]]
            first = rng.choice(pool.male if male else pool.female)
            family = name_family(given_key(first))
        else:
            raise RuntimeError("no distinct given name left for this block")
        ctx.used_given.update(family)
        middle = ""
        if culture == "vietnamese" and rng.random() < 0.8:
            middle = ("Văn" if male else "Thị") if rng.random() < 0.6 else rng.choice(pool.middle)
        elif " " not in first and rng.random() < 0.3:
            middle = rng.choice(pool.middle)
        if middle and given_key(middle) == given_key(first):
            middle = ""
        names, style = surnames or self._surnames(rng, culture), "single"
        if culture == "hispanic" and len(names) == 2:
            style = rng.choices(("two", "hyphen", "y", "one"), cum_weights=_STYLE_CUM)[0]
        age = _ri(rng, *ages)
        birth = self.as_of - timedelta(days=age * 365 + _ri(rng, 0, 364))
        suffix = ""
        if male and culture == "english":
            suffix = rng.choices(("", "JR", "II", "III", "SR"), cum_weights=_SUFFIX_CUM)[0]
        return _Draft(
            first, middle, names, style, culture, male, birth, rng.random() < 0.92, suffix
        )

    def _surnames(self, rng: Random, culture: str) -> tuple[str, ...]:
        pool = self.pools.names[culture].surnames
        if culture != "hispanic":
            return (rng.choice(pool),)
        first = rng.choice(pool)
        second = rng.choice(pool)
        while second == first:
            second = rng.choice(pool)
        return (first, second)

    def _spouse(self, ctx: _Ctx, head: _Draft) -> _Draft:
        rng = ctx.rng
        lo = max(20, self.as_of.year - head.birth.year - 8)
        ages = (lo, max(lo, self.as_of.year - head.birth.year + 6))
        shared = None if head.culture == "hispanic" or rng.random() < 0.3 else head.surnames
        return self._new(ctx, head.culture, not head.male, ages, shared)

    def _child(self, ctx: _Ctx, head: _Draft, other: _Draft | None) -> _Draft:
        head_age = self.as_of.year - head.birth.year
        ages = (18, max(18, min(head_age - 18, 45)))
        surnames = head.surnames
        if head.culture == "hispanic" and other is not None and other.culture == "hispanic":
            father, mother = (head, other) if head.male else (other, head)
            surnames = (father.surnames[0], mother.surnames[0])
            if surnames[0] == surnames[1]:
                surnames = head.surnames
        return self._new(ctx, head.culture, ctx.rng.random() < 0.5, ages, surnames)

    def _namesake_son(self, ctx: _Ctx, father: _Draft, index: int) -> _Draft:
        rng = ctx.rng
        styles = (("SR", "JR"), ("SR", ""), ("", "JR"), ("", ""), ("", "II"), ("SR", "II"))
        father.suffix, son_suffix = rng.choices(styles, (30, 20, 15, 25, 5, 5))[0]
        gap = _ri(rng, 19, 34)
        son_birth = father.birth + timedelta(days=gap * 365 + _ri(rng, 0, 300))
        if (self.as_of - son_birth).days < 19 * 365:
            son_birth = self.as_of - timedelta(days=19 * 365 + _ri(rng, 0, 900))
        son = _Draft(
            father.first, rng.choice(("", father.middle)), father.surnames, father.style,
            father.culture, True, son_birth, rng.random() < 0.9, son_suffix, 0,
        )  # fmt: skip
        father.partner = index  # a namesake pair only ever lives in a one-household block
        return son

    # -- address history --------------------------------------------------------------------

    def _rows(self, ctx: _Ctx, timeline: list[tuple[date, int]], adult: date) -> list[AddrRow]:
        rng, as_of = ctx.rng, self.as_of
        moves = [m for m, _ in timeline]
        rows: list[AddrRow] = []
        for i in range(1, len(timeline)):
            until = moves[i + 1] if i + 1 < len(moves) else as_of
            for source, lo, hi in (("FORM_8822", 5, 60), ("NCOA", 15, 60)):
                if rng.random() >= 0.3:
                    continue
                day = moves[i] + timedelta(days=_ri(rng, lo, hi))
                if adult <= day < until:
                    rows.append(AddrRow(timeline[i][1], source, day, None))
        rnd, first_move = rng.random, moves[0]
        for year in range(max(first_move.year - 1, adult.year, as_of.year - 8), as_of.year):
            if rnd() >= 0.42:
                continue
            filed = date(year + 1, 2 + int(rnd() * 4), 1 + int(rnd() * 28))
            if first_move <= filed < as_of and filed >= adult:
                rows.append(AddrRow(_at(timeline, filed), "RETURN", filed, year))
        rows.sort(key=lambda r: r.effective)
        rows = rows[-5:]
        if not rows:
            filed = max(as_of - timedelta(days=_ri(rng, 30, 300)), moves[0] + timedelta(1))
            rows = [AddrRow(_at(timeline, filed), "RETURN", filed, filed.year - 1)]
        if len(timeline) > 1 and rng.random() < 0.05:
            rows = _with_tie(rng, rows, timeline)
        return rows


def _with_tie(rng: Random, rows: list[AddrRow], timeline: list[tuple[date, int]]) -> list[AddrRow]:
    """Add a row on the same date as the latest one, for another of the person's dwellings."""
    last = rows[-1]
    other = rng.choice([r for _, r in timeline if r != last.residence])
    source = rng.choice(("NCOA", "NCOA", "FORM_8822", "RETURN"))
    year = None
    if source == "RETURN":
        year = last.tax_year - 1 if last.tax_year is not None else last.effective.year - 2
    tie = AddrRow(other, source, last.effective, year)
    out = [*rows[:-1], tie, last] if rng.random() < 0.5 else [*rows, tie]
    return out[-5:]


def _at(timeline: list[tuple[date, int]], day: date) -> int:
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
