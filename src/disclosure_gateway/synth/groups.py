"""The legally insufficient share of a batch: defect rows, the boilerplate-reason group, the
one-officer caseload group, duplicates; and the officers every other row names."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from random import Random
from typing import Protocol

from disclosure_gateway.synth.defects import (
    BOILERPLATE_REASON,
    DEFECTS,
    PLACEHOLDER_REASONS,
    Defect,
    footprint,
)
from disclosure_gateway.synth.entities import Block
from disclosure_gateway.synth.rows import DraftRow, RowMaker, tin_with_dashes

BOILERPLATE_ROWS = 12
CASELOAD_MIN_BATCH = 600
MAX_ROWS_PER_OFFICER = 200
MAX_ROWS_FOR_ONE_OFFICER = 250  # the default policy's caseload limit (SPEC §4)
CASELOAD_FRESH_ROWS = 260  # the most fresh rows a caseload group takes
PLACEHOLDER_ROWS = 10  # more rows with one reason text would make it boilerplate
_OFFICER_KEY = "case_officer"


class BlockSource(Protocol):
    def next(self) -> Block | None: ...


def fresh_row(maker: RowMaker, stream: BlockSource, category: str) -> DraftRow:
    """A would-be lawful row about a person of the next block (a stranger if none is left)."""
    block = stream.next()
    if block is None:
        return maker.make_base(None, 0, category)
    return maker.make_base(block, maker.rng.randrange(len(block.persons)), category)


def planned_rejections(rejected: int, n: int, lawful_exact: int) -> tuple[int, int, int]:
    """(boilerplate rows, duplicates, defect rows) of a batch with `rejected` REJECTED rows."""
    boiler = BOILERPLATE_ROWS if rejected >= 30 else 0
    dups = min(lawful_exact, max(1, n // 100) if rejected >= 5 else 0)
    return boiler, dups, max(0, rejected - boiler - dups)


def shard_rejections(
    maker: RowMaker, stream: BlockSource, boiler: int, defects: int, *, placeholders: bool
) -> list[DraftRow]:
    """The boilerplate group and defect rows one shard of a batch makes from its blocks;
    placeholder reason texts only where `placeholders` (one shard: they are counted)."""
    out = [_boilerplate(maker, stream) for _ in range(boiler)]
    return out + _defect_rows(maker, stream, defects, placeholders=placeholders)


def batch_rejections(
    maker: RowMaker,
    rows: list[DraftRow],
    made: list[DraftRow],
    fresh: list[DraftRow],
    *,
    dups: int,
    n: int,
) -> list[DraftRow]:
    """Every REJECTED row of the batch: `made` by the shards, the duplicates of lawful-exact
    `rows` (which supply the originals) and the caseload group, fed by `fresh` rows."""
    exact = [r for r in rows if r.category == "lawful_exact"]
    wanted = dups
    dups = min(len(exact), dups)
    out = made + _duplicates(maker, maker.rng.sample(exact, dups))
    out += _defect_rows(maker, _NoBlocks(), wanted - dups, placeholders=False)
    if n >= CASELOAD_MIN_BATCH:
        out += _caseload(maker, iter(fresh), out, rows)
    return out


class _NoBlocks:
    def next(self) -> Block | None:
        return None


def _boilerplate(maker: RowMaker, stream: BlockSource) -> DraftRow:
    row = fresh_row(maker, stream, "rejected_boilerplate_reason")
    row.fields["reason"] = BOILERPLATE_REASON
    row.codes.add("REASON_NOT_SPECIFIC")
    return row


def _duplicates(maker: RowMaker, originals: list[DraftRow]) -> list[DraftRow]:
    out = []
    for original in originals:
        f = dict(original.fields)
        f.update(maker.legal_fields(f["city"]))
        f["tax_periods"] = maker.periods(maker.year - 1)
        if f["tin"] and maker.rng.random() < 0.5:
            digits = f["tin"].replace("-", "")
            f["tin"] = digits if "-" in f["tin"] else tin_with_dashes(digits)
        else:
            for col in ("first_name", "last_name", "street", "city"):
                f[col] = f[col].upper()
        row = DraftRow(f, "rejected_duplicate", "REJECTED", original.person_tin)
        row.codes.add("DUPLICATE_REQUEST")
        row.original = original
        out.append(row)
    return out


def _defect_cycle(rng: Random) -> Iterator[Defect]:
    while True:
        order = list(DEFECTS)
        rng.shuffle(order)
        yield from order


def _defect_rows(
    maker: RowMaker, stream: BlockSource, count: int, *, placeholders: bool
) -> list[DraftRow]:
    rng, cycle = maker.rng, _defect_cycle(maker.rng)
    seen: Counter[str] = Counter()
    if not placeholders:
        seen.update(dict.fromkeys(_folded_placeholders(), PLACEHOLDER_ROWS))
    out = []
    for _ in range(max(0, count)):
        chosen = [next(cycle)]
        if rng.random() < 0.2:
            extra = rng.choice(DEFECTS)
            if not footprint(extra) & footprint(chosen[0]):
                chosen.append(extra)
        row = fresh_row(maker, stream, "rejected_" + chosen[0].name.split(":")[0])
        for defect in chosen:
            defect.apply(row.fields, rng, maker.as_of)
            _reason_defect(row, defect, seen, rng)
            row.codes.update(defect.codes)
            row.defects.append(defect.name)
        row.noise = list(row.defects)
        out.append(row)
    return out


def _reason_defect(row: DraftRow, defect: Defect, seen: Counter[str], rng: Random) -> None:
    """Short and placeholder reasons; no placeholder text on more than 10 rows (it would
    then also be boilerplate, REASON_NOT_SPECIFIC)."""
    case = row.fields["removal_case_number"] or "unknown"
    if defect.name == "reason_short":
        row.fields["reason"] = f"Failed to depart, case {case}."
    elif defect.name == "reason_placeholder":
        fresh = [p for p in PLACEHOLDER_REASONS if seen[_folded(p)] < PLACEHOLDER_ROWS]
        text = rng.choice(fresh) if fresh else f"See file {case}."
        seen[_folded(text)] += 1
        row.fields["reason"] = text


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def _folded_placeholders() -> list[str]:
    return [_folded(p) for p in PLACEHOLDER_REASONS]


def _caseload(
    maker: RowMaker, fresh: Iterator[DraftRow], rejected: list[DraftRow], rows: list[DraftRow]
) -> list[DraftRow]:
    """251+ rows naming one officer: half from rows already rejected, the rest fresh rows
    taken from the lawful-exact budget (the batch keeps its size)."""
    rng = maker.rng
    size = 251 + rng.randint(1, 9)
    eligible = [
        r
        for r in rejected
        if "missing:case_officer" not in r.defects and r.category != "rejected_duplicate"
    ]
    taken = rng.sample(eligible, min(len(eligible), size // 2))
    originals = {id(r.original) for r in rejected if r.original is not None}
    victims: list[DraftRow] = []
    for category in ("lawful_exact", "lawful_fuzzy"):
        pool = [r for r in rows if r.category == category and id(r) not in originals]
        want = min(size - len(taken) - len(victims), len(pool))
        victims += rng.sample(pool, want)
    if len(taken) + len(victims) <= MAX_ROWS_FOR_ONE_OFFICER:
        return []  # too small a batch to hold the group without emptying it of lawful rows
    gone = {id(v) for v in victims}
    rows[:] = [r for r in rows if id(r) not in gone]
    made = [next(fresh, None) or maker.make_base(None, 0, "rejected_caseload") for _ in victims]
    officer = "SA Robert Miller (ERO Houston, badge 4471)"
    for row in taken + made:
        row.fields[_OFFICER_KEY] = officer
        row.codes.add("CASELOAD_IMPLAUSIBLE")
    return made


def assign_officers(rows: list[DraftRow], rng: Random) -> None:
    """Every row without an officer gets one; nobody is named on more than 200 rows."""
    todo = [
        r for r in rows if not r.fields[_OFFICER_KEY] and "missing:case_officer" not in r.defects
    ]
    count = max(8, -(-len(todo) // 120))
    load = [0] * count
    for row in todo:
        k = rng.randrange(count)
        while load[k] >= MAX_ROWS_PER_OFFICER:
            k = rng.randrange(count)
        load[k] += 1
        row.fields[_OFFICER_KEY] = f"Officer {_officer_name(k)} (ERO, badge {1000 + k})"


def _officer_name(k: int) -> str:
    firsts = ("Ana", "Brian", "Carmen", "David", "Elena", "Frank", "Grace", "Hector", "Irene")
    lasts = ("Alvarez", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Gomez", "Hughes")
    return f"{firsts[k % len(firsts)]} {lasts[(k // len(firsts)) % len(lasts)]}"
