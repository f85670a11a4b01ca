"""Fast random draws for the generator's hot paths.

`Random.choice`, `randint`, `randrange` and `shuffle` go through `_randbelow` (a Python-level
loop over `getrandbits`) and cost several times more than one `random()` call; tens of
millions of draws are made, so these draw from `random()` directly. Their distributions are
uniform up to the 53-bit resolution of a float, which is all a synthetic data set needs.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
Rnd = Callable[[], float]


def pick(rnd: Rnd, seq: Sequence[T]) -> T:
    """A uniformly chosen element of a non-empty sequence."""
    return seq[int(rnd() * len(seq))]


def between(rnd: Rnd, lo: int, hi: int) -> int:
    """A uniformly chosen integer in [lo, hi]."""
    return lo + int(rnd() * (hi - lo + 1))


def weighted(rnd: Rnd, seq: Sequence[T], cum: Sequence[int]) -> T:
    """An element of `seq` chosen by cumulative integer weights `cum`."""
    return seq[bisect(cum, rnd() * cum[-1], 0, len(cum) - 1)]


def shuffled(rnd: Rnd, seq: Sequence[T]) -> list[T]:
    """The elements of `seq` in a uniformly random order."""
    keyed = sorted([(rnd(), i) for i in range(len(seq))])
    return [seq[i] for _, i in keyed]
