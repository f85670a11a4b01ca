"""A request batch with ground truth: a labelled mix of lawful, must-not-disclose and legally
insufficient requests (SPEC §3.2, §4), deterministic for (population, n, seed, noise, as_of).

Every taxpayer is named by at most one row (one person per sampled block) except the
deliberate duplicates; every row has its own reason text and no officer is named on more
than 200 rows, except the deliberate boilerplate and caseload groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from random import Random

from disclosure_gateway.domain.model import REQUEST_COLUMNS
from disclosure_gateway.synth.entities import Block
from disclosure_gateway.synth.groups import (
    CASELOAD_FRESH_ROWS,
    CASELOAD_MIN_BATCH,
    assign_officers,
    batch_rejections,
    fresh_row,
    planned_rejections,
    shard_rejections,
)
from disclosure_gateway.synth.namesakes import make_namesake, namesake_pair
from disclosure_gateway.synth.parallel import ordered_map
from disclosure_gateway.synth.population import Population
from disclosure_gateway.synth.rows import DraftRow, RowMaker

NOISE_PROFILES = ("default", "clean", "hard")
SHARD_ROWS = 40_000
MIN_SHARD_BLOCKS = 50_000  # a shard draws from at least this many blocks
_SERIALS = 99_999_999  # case numbers: shards take disjoint ranges of them
_RANDOM_TRIES = 200
_NO_DISCLOSURE = {
    "address_never_had": 3, "address_left_before_period": 3, "wrong_unit": 3,
    "tin_conflict": 3, "namesake_ambiguous": 3, "non_taxpayer": 3, "birth_date_conflict": 2,
}  # fmt: skip
PROFILES: dict[str, dict[str, int]] = {
    "default": {"lawful_exact": 45, "lawful_fuzzy": 15, "namesake_distinguished": 5,
                **_NO_DISCLOSURE, "rejected": 15},
    "clean": {"lawful_exact": 60, "lawful_fuzzy": 0, "namesake_distinguished": 5,
              **_NO_DISCLOSURE, "rejected": 15},
    "hard": {"lawful_exact": 20, "lawful_fuzzy": 40, "namesake_distinguished": 5,
             **_NO_DISCLOSURE, "rejected": 15},
}  # fmt: skip
TRUTH_COLUMNS = (
    "request_id", "category", "expected_decision", "expected_codes", "person_tin",
    "expected_address_confirmed", "expected_lka_street", "expected_lka_unit",
    "expected_lka_city", "expected_lka_state", "expected_lka_zip",
    "expected_lka_effective_date", "noise", "matcher_hint",
)  # fmt: skip
CODE_ORDER = (
    "NAME_INVALID", "ADDRESS_NOT_STREET_LEVEL", "ADDRESS_INCONSISTENT", "TIN_INVALID",
    "STATUTE_NOT_ELIGIBLE", "REMOVAL_ORDER_INVALID", "REMOVAL_ORDER_TOO_RECENT",
    "TAX_PERIOD_INVALID", "REASON_INSUFFICIENT", "REASON_NOT_SPECIFIC", "CASELOAD_IMPLAUSIBLE",
    "DUPLICATE_REQUEST",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Batch:
    """Request records (REQUEST_COLUMNS order) and their truth (TRUTH_COLUMNS order)."""

    batch_id: str
    as_of: date
    records: tuple[tuple[str, ...], ...]
    truth: tuple[tuple[str, ...], ...]

    def manifest(self, records_file: str = "requests.csv") -> dict[str, object]:
        """SPEC §3.1, unsigned: `dgw batch sign` fills digest, count and signature."""
        return {
            "batch_id": self.batch_id,
            "agency": "DHS-ICE",
            "official": "Jane Doe",
            "official_title": "Director, U.S. Immigration and Customs Enforcement",
            "signed_on": self.as_of.isoformat(),
            "records_file": records_file,
            "records_sha256": "",
            "record_count": 0,
            "signature": "",
        }


def plan_counts(n: int, noise: str) -> dict[str, int]:
    """Rows per category: largest remainder over the profile's weights."""
    weights = PROFILES[noise]
    total = sum(weights.values())
    exact = {k: n * w / total for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    by_remainder = sorted(weights, key=lambda k: (counts[k] - exact[k], k))
    for k in by_remainder[: n - sum(counts.values())]:
        counts[k] += 1
    return counts


class _BlockStream:
    """The blocks of one shard (`b % shards == shard`) in a seeded random order, each handed
    out once. Asked for namesake blocks only, it skips the others by their plan, unbuilt."""

    def __init__(self, pop: Population, rng: Random, shard: int = 0, shards: int = 1) -> None:
        self._pop, self._rng, self._seen, self._scan = pop, rng, set[int](), 0
        self._shard, self._shards = shard, shards
        self._total = len(range(shard, pop.n_blocks, shards))

    def next(self, namesakes_only: bool = False) -> Block | None:
        k = self._pick(namesakes_only)
        if k is None:
            return None
        self._seen.add(k)
        return self._pop.block(self._shard + k * self._shards)

    def _wanted(self, k: int, namesakes_only: bool) -> bool:
        return not namesakes_only or self._pop.has_namesakes(self._shard + k * self._shards)

    def _pick(self, namesakes_only: bool) -> int | None:
        total, seen = self._total, self._seen
        if len(seen) < total // 2:
            for _ in range(_RANDOM_TRIES):
                k = int(self._rng.random() * total)
                if k not in seen and self._wanted(k, namesakes_only):
                    return k
        while self._scan < total and (
            self._scan in seen or not self._wanted(self._scan, namesakes_only)
        ):
            self._scan += 1
        return self._scan if self._scan < total else None


@dataclass(frozen=True, slots=True)
class _ShardJob:
    """One shard of a batch: its share of every category (the counts are the whole batch's),
    from its own blocks and random stream; shard 0 also makes the whole-batch groups."""

    pop: Population
    key: str
    noise: str
    as_of: date
    shard: int
    shards: int
    counts: dict[str, int]
    boilerplate: int
    defects: int
    fresh: int


@dataclass(frozen=True, slots=True)
class _ShardRows:
    rows: list[DraftRow]
    rejected: list[DraftRow]
    fresh: list[DraftRow]


def _run_shard(job: _ShardJob) -> _ShardRows:
    """Runs in a worker process for a large batch: a pure function of the job."""
    shard, shards, first = job.shard, job.shards, job.shard == 0
    rng = Random(job.key if first else f"{job.key}:{shard}")
    maker = RowMaker(job.pop, rng, job.as_of, job.noise, serial=_serials(shard, shards))
    stream = _BlockStream(job.pop, rng, shard, shards)
    rows = _person_rows(maker, stream, {k: _share(v, shard, shards) for k, v in job.counts.items()})
    rejected = shard_rejections(
        maker,
        stream,
        job.boilerplate if first else 0,
        _share(job.defects, shard, shards),
        placeholders=first,
    )
    fresh = [
        fresh_row(maker, stream, "rejected_caseload") for _ in range(job.fresh if first else 0)
    ]
    return _ShardRows(rows, rejected, fresh)


def _serials(shard: int, shards: int) -> int:
    """Where a shard's case numbers and spare addresses start (the main part's: shard -1)."""
    return (shard + 1) * (_SERIALS // (shards + 1))


def shard_count(pop: Population, n: int) -> int:
    """Shards of a batch of `n` rows: about `SHARD_ROWS` rows and at least
    `MIN_SHARD_BLOCKS` blocks each (a small batch or population is one shard)."""
    return max(1, min(-(-n // SHARD_ROWS), pop.n_blocks // MIN_SHARD_BLOCKS))


def _share(count: int, shard: int, shards: int) -> int:
    return count * (shard + 1) // shards - count * shard // shards


def generate_batch(
    pop: Population, n: int, seed: int, noise: str, as_of: date, *, workers: int = 1
) -> Batch:
    """`n` labelled requests about `pop`, judged as of `as_of` (the submission date).

    A batch is made in shards of about `SHARD_ROWS` rows, each from its own blocks with its
    own random stream; the shards run in `workers` processes, the result does not depend on
    how many. The duplicates, the caseload group, officers and the row order are then made
    over the whole batch.
    """
    if noise not in PROFILES:
        raise ValueError(f"noise must be one of {', '.join(NOISE_PROFILES)}")
    key = f"batch:{seed}:{n}:{noise}:{as_of.isoformat()}"
    counts = plan_counts(n, noise)
    rejected = counts.pop("rejected")
    boiler, dups, defects = planned_rejections(rejected, n, counts["lawful_exact"])
    shards = shard_count(pop, n)
    fresh = CASELOAD_FRESH_ROWS if n >= CASELOAD_MIN_BATCH else 0
    jobs = [
        _ShardJob(pop, key, noise, as_of, s, shards, counts, boiler, defects, fresh)
        for s in range(shards)
    ]
    rows: list[DraftRow] = []
    made: list[DraftRow] = []
    spare: list[DraftRow] = []
    for part in ordered_map(_run_shard, jobs, workers):
        rows += part.rows
        made += part.rejected
        spare += part.fresh
    rng = Random(f"{key}:whole")
    maker = RowMaker(pop, rng, as_of, noise, serial=_serials(-1, shards))
    rows += batch_rejections(maker, rows, made, spare, dups=dups, n=n)
    assign_officers(rows, rng)
    return _assemble(rows, rng, seed=seed, noise=noise, n=n, as_of=as_of)


def _person_rows(maker: RowMaker, stream: _BlockStream, counts: dict[str, int]) -> list[DraftRow]:
    demand = {k: v for k, v in counts.items() if v > 0 and k != "non_taxpayer"}
    initial = dict(demand)
    rows: list[DraftRow] = []
    while any(demand.values()):
        pairs_only = all(v == 0 for k, v in demand.items() if not k.startswith("namesake"))
        block = stream.next(pairs_only)
        if block is None:
            break
        row = _use_block(maker, stream, block, demand, initial)
        if row is not None:
            demand[row.category] -= 1
            rows.append(row)
    leftover = sum(demand.values()) + counts.get("non_taxpayer", 0)
    rows.extend(maker.make_non_taxpayer() for _ in range(leftover))
    return rows


def _use_block(
    maker: RowMaker,
    stream: _BlockStream,
    block: Block,
    demand: dict[str, int],
    initial: dict[str, int],
) -> DraftRow | None:
    pair = namesake_pair(block)
    if pair is not None:
        for category, told_apart in (
            ("namesake_distinguished", True),
            ("namesake_ambiguous", False),
        ):
            if demand.get(category, 0) > 0:
                row = make_namesake(maker, block, pair, told_apart)
                if row is not None and demand.get(row.category, 0) > 0:
                    return row
    singles = [i for i, p in enumerate(block.persons) if p.partner < 0]
    if not singles:
        return None
    i = maker.rng.choice(singles)
    order = sorted(
        (k for k, v in demand.items() if v > 0 and not k.startswith("namesake")),
        key=lambda k: (-demand[k] / initial[k], k),
    )
    for category in order:
        row = _make(maker, stream, block, i, category)
        if row is not None:
            return row
    return None


def _make(
    maker: RowMaker, stream: _BlockStream, block: Block, i: int, category: str
) -> DraftRow | None:
    if category in ("lawful_exact", "lawful_fuzzy"):
        return maker.make_lawful(block, i, category == "lawful_fuzzy")
    if category == "address_never_had":
        return maker.make_never_had(block, i)
    if category == "address_left_before_period":
        return maker.make_left_before(block, i)
    if category == "wrong_unit":
        return maker.make_wrong_unit(block, i)
    if category == "birth_date_conflict":
        return maker.make_birth_conflict(block, i)
    if category == "tin_conflict":
        donor_block = stream.next()
        if donor_block is None:
            return None
        return maker.make_tin_conflict(block, i, maker.rng.choice(donor_block.persons))
    return None


def _assemble(
    rows: list[DraftRow], rng: Random, *, seed: int, noise: str, n: int, as_of: date
) -> Batch:
    for row in rows:
        row.key = rng.random()
    for row in rows:
        if row.original is not None:
            row.key = row.original.key + (1.0 - row.original.key) * (0.05 + 0.95 * rng.random())
    rows.sort(key=lambda r: r.key)
    records, truth = [], []
    for number, row in enumerate(rows, start=1):
        request_id = f"REQ-{number:07d}"
        row.fields["request_id"] = request_id
        records.append(tuple(row.fields[c] for c in REQUEST_COLUMNS))
        truth.append(_truth(request_id, row))
    batch_id = f"ICE-{as_of.year}-S{seed}-{noise.upper()}-{n}"
    return Batch(batch_id, as_of, tuple(records), tuple(truth))


def ordered_codes(codes: set[str]) -> tuple[str, ...]:
    missing = sorted(c for c in codes if c.startswith("MISSING_FIELD:"))
    return (*missing, *(c for c in CODE_ORDER if c in codes))


def _truth(request_id: str, row: DraftRow) -> tuple[str, ...]:
    codes = ";".join(ordered_codes(row.codes)) if row.decision == "REJECTED" else ""
    lka = row.lka if row.decision == "DISCLOSED" else ("",) * 6
    confirmed = row.confirmed if row.decision == "DISCLOSED" else ""
    return (
        request_id, row.category, row.decision, codes, row.person_tin, confirmed, *lka,
        ";".join(row.noise), row.hint,
    )  # fmt: skip
