"""The synthetic population's values: dwellings, taxpayers, blocks, and the address space."""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from random import Random
from typing import NamedTuple

from disclosure_gateway.synth.history import AddrRow
from disclosure_gateway.synth.pools import Pools

HOUSE_NUMBERS = 9999


class Residence(NamedTuple):
    """One dwelling: a building's street address plus, maybe, a unit (a named tuple: cheap)."""

    building: int
    house: str
    predir: str
    name: str
    stype: str
    type_first: bool
    unit: str
    city: str
    state: str
    zip5: str
    zip_written: str

    @property
    def street(self) -> str:
        if self.type_first:
            return f"{self.house} {self.stype} {self.name}"
        pre = f"{self.predir} " if self.predir else ""
        return f"{self.house} {pre}{self.name} {self.stype}"


class Person(NamedTuple):
    """A taxpayer as filed, with the pieces the request generator varies (a named tuple)."""

    tin: str
    tin_type: str
    first: str
    middle: str
    last: str
    suffix: str
    birth: str
    culture: str
    surnames: tuple[str, ...]
    partner: int
    rows: tuple[AddrRow, ...]


@dataclass(frozen=True, slots=True)
class Block:
    index: int
    persons: tuple[Person, ...]
    residences: tuple[Residence, ...]


class AddressSpace:
    """Bijection from an address slot to (house number, street, city): distinct slots,
    distinct street addresses."""

    def __init__(self, pools: Pools, seed: int) -> None:
        self._streets = pools.streets
        self._cities = pools.cities
        self._n_streets = len(pools.streets)
        self.size = HOUSE_NUMBERS * len(pools.streets) * len(pools.cities)
        rng = Random(f"addresses:{seed}")
        mult = rng.randrange(self.size // 3, self.size)
        while gcd(mult, self.size) != 1:
            mult += 1
        self._mult, self._shift = mult, rng.randrange(self.size)

    def residence(self, slot: int, unit: str, zip_style: int) -> Residence:
        x, house = divmod((self._mult * slot + self._shift) % self.size, HOUSE_NUMBERS)
        city_i, street_i = divmod(x, self._n_streets)
        predir, name, stype, type_first = self._streets[street_i]
        city, state, zip5 = self._cities[city_i]
        style = zip_style % 5
        if style < 3:
            zip_written = zip5
        else:
            plus4 = f"{(slot * 7919) % 9999 + 1:04d}"
            zip_written = f"{zip5}{plus4}" if style == 3 else f"{zip5}-{plus4}"
        return Residence(
            slot, str(house + 1), predir, name, stype, type_first, unit, city, state, zip5,
            zip_written,
        )  # fmt: skip
