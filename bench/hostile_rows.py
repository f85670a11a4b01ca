"""Hostile input at volume (issue 6): random and malicious request rows through every rule.

    .venv/bin/python bench/hostile_rows.py --rows 1000000

Each row mixes valid values with hostile ones (NUL and control bytes, bidi overrides, huge
fields, formula text, SQL and markup fragments, wrong encodings decoded as text, emoji,
numbers where names go) and goes through `check_row`, the batch tally and `decide` with
an empty candidate list. Counts crashes (must be 0), rows REJECTED with codes, rows that
passed every rule, and the distribution of codes. Deterministic by seed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import date

from rich.console import Console
from rich.table import Table

from disclosure_gateway.adapters.reference.nicknames import packaged_nickname_table
from disclosure_gateway.adapters.reference.packaged import packaged_text
from disclosure_gateway.bootstrap import zip_prefixes
from disclosure_gateway.domain.decision import decide
from disclosure_gateway.domain.model import REQUEST_COLUMNS, Decision, RequestRecord
from disclosure_gateway.domain.policy import parse_policy
from disclosure_gateway.domain.rules import BatchTally, all_codes, check_row

VALID = {
    "first_name": "José", "middle_name": "", "last_name": "García López", "suffix": "",
    "street": "123 N Main St", "unit": "Apt 4", "city": "Houston", "state": "TX", "zip": "77002",
    "tin": "123-45-6789", "birth_date": "1980-02-02", "tax_periods": "2022,2023",
    "statute": "8 U.S.C. 1253(a)(1)", "removal_order_date": "2024-01-15",
    "removal_case_number": "A-123-456-789", "case_officer": "Officer One",
    "reason": "Case A-123: the subject did not depart after the final order of removal.",
}  # fmt: skip
HOSTILE = [
    "", " ", "\x00", "\x00\x01\x02", "\u202e\u202dJosé", "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)",
    "'; DROP TABLE accounting; --", "<script>alert(1)</script>", "{{7*7}}", "${jndi:ldap://x}",
    "Ã©Ã¨", "\ufffd\ufffd", "😀" * 50, "N/A", "UNKNOWN", "Don't Care 12345", "00000", "9" * 40,
    "x" * 5000, "0" * 100_000, "1e309", "-1", "2026-02-30", "9999-99-99", "NaN", "null", "None",
    "\t\r\n", "ＪＯＳＥ", "İstanbul", "ß", "\u200b", "../../etc/passwd", "%00", "\\x00",
]  # fmt: skip


def row(rng: random.Random, i: int) -> RequestRecord:
    values = {"request_id": f"H{i}"}
    for column in REQUEST_COLUMNS[1:]:
        roll = rng.random()
        if roll < 0.55:
            values[column] = VALID.get(column, "")
        elif roll < 0.85:
            values[column] = rng.choice(HOSTILE)
        else:
            values[column] = "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(0, 40)))
    return RequestRecord.of(i, values)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    policy = parse_policy(packaged_text("policy-default.toml"))
    zips, nicknames, today = zip_prefixes(), packaged_nickname_table(), date(2026, 11, 23)
    rng = random.Random(args.seed)
    tally = BatchTally(policy)
    crashes: Counter[str] = Counter()
    decisions: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    started = time.monotonic()
    checks = []
    for i in range(1, args.rows + 1):
        try:
            check = check_row(row(rng, i), policy, today, zips)
        except Exception as exc:
            crashes[type(exc).__name__] += 1
            continue
        tally.add(check)
        checks.append(check)
    for check in checks:
        try:
            found = all_codes(check, tally)
            outcome = decide(check, found, [], policy, today, nicknames)
        except Exception as exc:
            crashes[type(exc).__name__] += 1
            continue
        decisions[outcome.decision.value] += 1
        codes.update(c.split(":")[0] for c in outcome.reason_codes)
        if outcome.decision is Decision.REJECTED and not outcome.reason_codes:
            crashes["rejected_without_codes"] += 1
    seconds = time.monotonic() - started
    rate = args.rows / seconds
    table = Table(title=f"Hostile rows: {args.rows:,} rows in {seconds:.0f}s ({rate:,.0f} rows/s)")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("crashes", str(sum(crashes.values())), style="bold")
    for name, n in crashes.items():
        table.add_row(f"  {name}", str(n))
    for name, n in decisions.most_common():
        table.add_row(f"decision {name}", f"{n:,}")
    for name, n in codes.most_common():
        table.add_row(f"  code {name}", f"{n:,}")
    Console(width=120).print(table)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
