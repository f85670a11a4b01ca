"""A synthetic taxpayer population (SPEC §2, DOMAIN.md §4), generated block by block.

The population is a sequence of *blocks*: a household, or an apartment building with several
households in units. Block `b` is a pure function of (seed, b): nothing is kept in memory,
any block can be regenerated on its own (the request generator samples blocks that way), and
a writer streams the blocks to files. Every block owns its own address slots, mapped by a
bijection into (house number, street, city) space, so two blocks never share an address and
the only taxpayers at one address with the same name are the deliberate JR/SR namesakes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from disclosure_gateway.synth.entities import AddressSpace, Block, Person, Residence
from disclosure_gateway.synth.history import AddrRow
from disclosure_gateway.synth.household import (
    M64,
    BlockBuilder,
    block_plan,
    mix64,
    plan_from_hash,
)
from disclosure_gateway.synth.pools import Pools, build_pools
from disclosure_gateway.synth.tins import TIN_SPACE, TinAllocator

MAX_PER_BLOCK = 32
SLOTS_PER_BLOCK = 48

__all__ = [
    "AddrRow",
    "Block",
    "Person",
    "Population",
    "Residence",
    "generate_population",
]


@dataclass(frozen=True, slots=True)
class Population:
    """`n` taxpayers for (seed, as_of); blocks are regenerated on demand."""

    n: int
    seed: int
    as_of: date
    n_blocks: int
    last_block_size: int

    @property
    def pools(self) -> Pools:
        return build_pools(self.seed)

    def block(self, b: int) -> Block:
        if not 0 <= b < self.n_blocks:
            raise IndexError(b)
        limit = self.last_block_size if b == self.n_blocks - 1 else MAX_PER_BLOCK
        return _builder(self.seed, self.as_of).build(b, limit)

    def blocks(self, start: int = 0, stop: int | None = None) -> Iterator[Block]:
        """Blocks `start` to `stop` (default: the last), in order."""
        builder = _builder(self.seed, self.as_of)
        last = self.n_blocks - 1
        for b in range(start, self.n_blocks if stop is None else min(stop, self.n_blocks)):
            yield builder.build(b, self.last_block_size if b == last else MAX_PER_BLOCK)

    def has_namesakes(self, b: int) -> bool:
        """Whether block `b` holds a JR/SR namesake pair (from its plan: nothing is built)."""
        _, size, namesake = block_plan(self.seed, b)
        return namesake and (b < self.n_blocks - 1 or self.last_block_size == size)

    def spare_residence(self, j: int, unit: str = "") -> Residence:
        """An address no taxpayer of this population ever had (the j-th one)."""
        slot = self.n_blocks * SLOTS_PER_BLOCK + j
        return _space(self.seed).residence(slot, unit, j)


_BUILDERS: dict[tuple[int, date], BlockBuilder] = {}
_SPACES: dict[int, AddressSpace] = {}


def _space(seed: int) -> AddressSpace:
    if seed not in _SPACES:
        _SPACES[seed] = AddressSpace(build_pools(seed), seed)
    return _SPACES[seed]


def _builder(seed: int, as_of: date) -> BlockBuilder:
    key = (seed, as_of)
    if key not in _BUILDERS:
        _BUILDERS[key] = BlockBuilder(
            seed,
            as_of,
            build_pools(seed),
            _space(seed),
            TinAllocator(seed),
            slots_per_block=SLOTS_PER_BLOCK,
        )
    return _BUILDERS[key]


def generate_population(n: int, seed: int, as_of: date) -> Population:
    """Plan `n` taxpayers: count the blocks (cheap: sizes come from a hash, not the content)."""
    if n < 1:
        raise ValueError("a population needs at least one taxpayer")
    total, b = 0, 0
    salt = mix64(seed & M64)
    while True:
        size = plan_from_hash(mix64(salt ^ b))[1]
        if total + size >= n:
            pop = Population(n, seed, as_of, b + 1, n - total)
            break
        total += size
        b += 1
    if pop.n_blocks * MAX_PER_BLOCK >= TIN_SPACE:
        raise ValueError("population too large for the synthetic TIN space")
    return pop
