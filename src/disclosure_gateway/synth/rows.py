"""One labelled request row at a time: its fields as the requester writes them and its truth.

`RowMaker` knows the population, the as-of date and the random stream; each `make_*` method
returns a `DraftRow` or None when the person offered does not fit that category.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random

from disclosure_gateway.domain.model import REQUEST_COLUMNS
from disclosure_gateway.synth.draws import between, pick
from disclosure_gateway.synth.entities import Block, Person, Residence
from disclosure_gateway.synth.history import left_before, lka_index, years_in_effect
from disclosure_gateway.synth.identity import given_key, name_family
from disclosure_gateway.synth.noise import (
    FORMATTING,
    FUZZY,
    TIN_SAFE_FUZZY,
    NoiseContext,
    apply_noise,
)
from disclosure_gateway.synth.pools import CULTURE_WEIGHTS, CULTURES
from disclosure_gateway.synth.population import Population

VALID_STATUTES = (
    "8 U.S.C. 1253(a)(1)", "8 USC §1253(a)(1)", "8 U.S.C. § 1253(a)(1)", "8 usc 1253 (a)(1)",
    "8 U.S.C. sec. 1253(a)(1)", "Title 8 U.S.C. Section 1253(a)(1)",
)  # fmt: skip
_REASONS = (
    "Case {case}: final order of removal entered {order}; the subject has not departed and "
    "the {city} field office needs a current residence to locate the subject.",
    "Willful failure to depart under removal case {case} (order of {order}); agents in {city} "
    "must confirm where the subject lives before seeking an arrest warrant.",
    "Removal case {case}: subject ordered removed on {order} remains in the United States; "
    "investigators in {city} need the residence to serve process.",
)
_FORMAT_NO_UNIT = frozenset(FORMATTING) - {"unit_designator", "unit_in_street", "unit_missing"}


@dataclass(slots=True)
class DraftRow:
    fields: dict[str, str]
    category: str
    decision: str
    person_tin: str = ""
    confirmed: str = ""
    lka: tuple[str, ...] = ("", "", "", "", "", "")
    noise: list[str] = field(default_factory=list)
    hint: str = ""
    codes: set[str] = field(default_factory=set)
    defects: list[str] = field(default_factory=list)
    key: float = 0.0
    original: DraftRow | None = None


def tin_with_dashes(tin: str) -> str:
    return f"{tin[:3]}-{tin[3:5]}-{tin[5:]}"


class RowMaker:
    def __init__(
        self, pop: Population, rng: Random, as_of: date, noise: str, *, serial: int = 0
    ) -> None:
        """`serial`: where this maker's case numbers and spare addresses start (makers
        working on one batch side by side take disjoint ranges)."""
        self.pop, self.rng, self.as_of, self.profile = pop, rng, as_of, noise
        self.rnd = rng.random
        self.year = as_of.year
        self._year_starts = [date(t, 1, 1) for t in range(self.year - 6, self.year)]
        self._case = serial
        self._spare = serial

    # -- shared pieces ------------------------------------------------------------------------

    def next_case(self) -> str:
        self._case += 1
        return f"A{201000000 + (self._case * 7919) % 99999999:09d}"

    def spare(self, unit: str = "") -> Residence:
        self._spare += 1
        return self.pop.spare_residence(self._spare, unit)

    def feasible_years(self, person: Person, residence: int) -> list[int]:
        """Tax years (of the six before this one) from which on `residence` was in effect."""
        firsts = years_in_effect(person.rows, residence, self._year_starts, self.as_of)
        return [d.year for d in firsts]

    def periods(self, first: int) -> str:
        rnd, last_ok = self.rnd, self.year - 1
        last = between(rnd, first, last_ok)
        if last == first or rnd() < 0.4:
            return str(first) if last == first else ",".join(map(str, range(first, last + 1)))
        return pick(rnd, (f"{first}-{last}", f"{first} - {last}", f"{first},{last}"))

    def legal_fields(self, city: str) -> dict[str, str]:
        rnd = self.rnd
        days = 90 if rnd() < 0.03 else between(rnd, 91, 3000)
        order = (self.as_of - timedelta(days=days)).isoformat()
        case = self.next_case()
        reason = pick(rnd, _REASONS).format(case=case, order=order, city=city or "local")
        return {
            "statute": pick(rnd, VALID_STATUTES),
            "removal_order_date": order,
            "removal_case_number": case,
            "reason": reason,
        }

    def base(
        self, block: Block | None, person: Person, res: Residence
    ) -> tuple[dict[str, str], NoiseContext]:
        f = dict.fromkeys(REQUEST_COLUMNS, "")
        f.update(first_name=person.first, middle_name=person.middle, last_name=person.last)
        f.update(street=res.street, unit=res.unit, city=res.city, state=res.state, zip=res.zip5)
        if person.suffix and self.rnd() < 0.5:
            f["suffix"] = person.suffix
        f.update(self.legal_fields(res.city))
        others: set[str] = set()
        for other in block.persons if block is not None else ():
            if other is not person:
                others.update(name_family(given_key(other.first)))
        return f, NoiseContext(person, res, frozenset(others))

    def counts(self, fuzzy: bool) -> tuple[int, int]:
        """(fuzzy noise types, formatting noise types) for one row under the profile."""
        rnd = self.rnd
        if self.profile == "clean":
            return (1 if fuzzy else 0), 0
        if self.profile == "hard":
            return (pick(rnd, (1, 2)) if fuzzy else 0), between(rnd, 3, 5)
        return (1 if fuzzy else 0), pick(rnd, (1, 1, 2, 2, 3))

    def give_ids(self, f: dict[str, str], person: Person, tin_p: float, birth_p: float) -> None:
        rnd = self.rnd
        if rnd() < tin_p:
            tin = person.tin
            f["tin"] = tin_with_dashes(tin) if rnd() < 0.8 else tin
        if person.birth and rnd() < birth_p:
            f["birth_date"] = person.birth

    def disclosed(self, row: DraftRow, block: Block, person: Person, res_index: int) -> None:
        lka_row = person.rows[lka_index(person.rows)]
        lka = block.residences[lka_row.residence]
        row.decision = "DISCLOSED"
        row.confirmed = "true" if lka_row.residence == res_index else "false"
        row.lka = (
            lka.street, lka.unit, lka.city, lka.state, lka.zip_written,
            lka_row.effective.isoformat(),
        )  # fmt: skip

    # -- categories ---------------------------------------------------------------------------

    def make_lawful(self, block: Block, i: int, fuzzy: bool) -> DraftRow | None:
        rng, person = self.rng, block.persons[i]
        lka_res = person.rows[lka_index(person.rows)].residence
        older = sorted({r.residence for r in person.rows} - {lka_res})
        res_index = lka_res if not older or rng.random() < 0.65 else pick(rng.random, older)
        years = self.feasible_years(person, res_index)
        if not years:
            return None
        f, ctx = self.base(block, person, block.residences[res_index])
        f["tax_periods"] = self.periods(
            years[0] if rng.random() < 0.15 else pick(rng.random, years)
        )
        n_fuzzy, n_fmt = self.counts(fuzzy)
        applied = apply_noise(f, ctx, rng, fuzzy=n_fuzzy, formatting=n_fmt)
        fuzzy_applied = [a for a in applied if a in FUZZY]
        if fuzzy and not fuzzy_applied:
            return None
        tin_ok = all(a in TIN_SAFE_FUZZY for a in fuzzy_applied)
        self.give_ids(f, person, 0.4 if tin_ok else 0.0, 0.5)
        category = "lawful_fuzzy" if fuzzy else "lawful_exact"
        row = DraftRow(f, category, "", person.tin, noise=applied)
        row.hint = "fuzzy" if fuzzy_applied else "exact"
        self.disclosed(row, block, person, res_index)
        return row

    def _plain(self, block: Block | None, person: Person, res: Residence) -> dict[str, str]:
        """Fields with formatting noise only, none that touches the unit."""
        f, ctx = self.base(block, person, res)
        n_fmt = self.counts(False)[1]
        apply_noise(f, ctx, self.rng, fuzzy=0, formatting=n_fmt, allowed=_FORMAT_NO_UNIT)
        return f

    def make_never_had(self, block: Block, i: int) -> DraftRow:
        person = block.persons[i]
        res = self.spare("Apt 3" if self.rng.random() < 0.2 else "")
        f = self._plain(block, person, res)
        f["tax_periods"] = self.periods(self.rng.randint(self.year - 6, self.year - 1))
        self.give_ids(f, person, 0.6, 0.3)
        return DraftRow(f, "address_never_had", "NO_DISCLOSURE", person.tin)

    def make_left_before(self, block: Block, i: int) -> DraftRow | None:
        person = block.persons[i]
        lka_res = person.rows[lka_index(person.rows)].residence
        for res_index in sorted({r.residence for r in person.rows} - {lka_res}):
            left = left_before(person.rows, res_index)
            if left is None:
                continue
            first = left.year if (left.month, left.day) == (1, 1) else left.year + 1
            first = max(first, self.year - 6)
            if first <= self.year - 1:
                f = self._plain(block, person, block.residences[res_index])
                f["tax_periods"] = self.periods(first)
                self.give_ids(f, person, 0.4, 0.4)
                return DraftRow(f, "address_left_before_period", "NO_DISCLOSURE", person.tin)
        return None

    def make_wrong_unit(self, block: Block, i: int) -> DraftRow | None:
        person = block.persons[i]
        for res_index in sorted({r.residence for r in person.rows}):
            res = block.residences[res_index]
            years = self.feasible_years(person, res_index)
            if not res.unit or not years:
                continue
            f = self._plain(block, person, res)
            f["unit"] = _other_unit(res.unit)
            f["tax_periods"] = self.periods(self.rng.choice(years))
            self.give_ids(f, person, 0.4, 0.4)
            return DraftRow(f, "wrong_unit", "NO_DISCLOSURE", person.tin)
        return None

    def make_tin_conflict(self, block: Block, i: int, donor: Person) -> DraftRow | None:
        person = block.persons[i]
        if name_family(given_key(donor.first)) & name_family(given_key(person.first)):
            return None
        if set(donor.surnames) & set(person.surnames):
            return None
        lka_res = person.rows[lka_index(person.rows)].residence
        years = self.feasible_years(person, lka_res)
        f = self._plain(block, person, block.residences[lka_res])
        f["tax_periods"] = self.periods(self.rng.choice(years) if years else self.year - 1)
        f["tin"] = tin_with_dashes(donor.tin)
        return DraftRow(f, "tin_conflict", "NO_DISCLOSURE", person.tin)

    def make_birth_conflict(self, block: Block, i: int) -> DraftRow | None:
        person = block.persons[i]
        if not person.birth:
            return None
        lka_res = person.rows[lka_index(person.rows)].residence
        years = self.feasible_years(person, lka_res)
        if not years:
            return None
        f = self._plain(block, person, block.residences[lka_res])
        f["tax_periods"] = self.periods(self.rng.choice(years))
        born = date.fromisoformat(person.birth)
        shift = self.rng.choice((365, 730, 1095, 31, 12))
        f["birth_date"] = (born - timedelta(days=shift)).isoformat()
        self.give_ids(f, person, 0.3, 0.0)
        return DraftRow(f, "birth_date_conflict", "NO_DISCLOSURE", person.tin)

    def stranger(self) -> Person:
        """A person who is not a taxpayer of this population (used at a spare address only)."""
        rng = self.rng
        culture = rng.choices(CULTURES, CULTURE_WEIGHTS)[0]
        names = self.pop.pools.names[culture]
        first = rng.choice(names.male if rng.random() < 0.5 else names.female)
        last = rng.choice(names.surnames)
        return Person("", "", first, "", last, "", "", culture, (last,), -1, ())

    def make_non_taxpayer(self) -> DraftRow:
        person = self.stranger()
        f = self._plain(None, person, self.spare())
        f["tax_periods"] = self.periods(self.rng.randint(self.year - 6, self.year - 1))
        return DraftRow(f, "non_taxpayer", "NO_DISCLOSURE")

    def make_base(self, block: Block | None, i: int, category: str) -> DraftRow:
        """A request that would be lawful but for what the caller does to it next."""
        if block is None:
            person, res = self.stranger(), self.spare()
        else:
            person = block.persons[i]
            res = block.residences[person.rows[lka_index(person.rows)].residence]
        f = self._plain(block, person, res)
        f["tax_periods"] = self.periods(self.rng.randint(self.year - 6, self.year - 1))
        return DraftRow(f, category, "REJECTED", person.tin)


def _other_unit(unit: str) -> str:
    head, _, ident = unit.rpartition(" ")
    if not head:
        head, ident = "#", unit.lstrip("#")
        sep = ""
    else:
        sep = " "
    digits = "".join(c for c in ident if c.isdigit())
    new = str(int(digits) + 1) if digits else ("B" if ident != "B" else "C")
    return f"{head}{sep}{new}"
