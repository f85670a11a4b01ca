"""The packaged model's SQL, spoken by Spark with DuckDB's meaning.

The model's comparison levels and blocking rules are written in DuckDB SQL. Spark has no
`list_has_all`, `list_has_any`, `list_contains` or `jaro_winkler_similarity`; this module
rewrites exactly those four into Spark expressions with the same value for every input
(NULLs included), and refuses a model that uses any other function it has not vetted.

`jaro_winkler_similarity` is DuckDB's own (the Jaro-Winkler of its bundled jaro_winkler
library: UTF-8 bytes, prefix weight 0.1 over at most 4 bytes, boost above Jaro 0.7, the
library's order of floating-point operations and the fused multiply-add the installed
DuckDB build uses for the boost), equal bit for bit (tests/integration/test_spark_engine.py
checks it against DuckDB), so a level's threshold `>= 0.9` falls on the same side on both
engines. Splink's Spark jar has a `jaro_winkler` too, but it is
Apache Commons Text's, which gives other values (e.g. AMALIA/AMLIA 0.876 against DuckDB's
0.902), so it is not used.
"""

from __future__ import annotations

import copy
import re
from fractions import Fraction
from typing import Any

from disclosure_gateway.domain.errors import BadInput

__all__ = ["JARO_WINKLER_UDF", "jaro_winkler_similarity", "spark_settings", "spark_sql"]

JARO_WINKLER_UDF = "dgw_jaro_winkler"

_ARGS2 = r"\(\s*(\w+)\s*,\s*(\w+)\s*\)"
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\blist_has_all" + _ARGS2, re.IGNORECASE),
        r"IF(\1 IS NULL, NULL, forall(\2, dgw_t -> array_contains(\1, dgw_t)))",
    ),
    (re.compile(r"\blist_has_any" + _ARGS2, re.IGNORECASE), r"arrays_overlap(\1, \2)"),
    (re.compile(r"\blist_contains" + _ARGS2, re.IGNORECASE), r"array_contains(\1, \2)"),
    (
        re.compile(r"\bjaro_winkler_similarity" + _ARGS2, re.IGNORECASE),
        JARO_WINKLER_UDF + r"(\1, \2)",
    ),
)
# Spark functions whose meaning on these columns is DuckDB's (and our UDF).
_VETTED = frozenset({"if", "forall", "array_contains", "arrays_overlap", "left", JARO_WINKLER_UDF})
_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_KEYWORDS = frozenset({"and", "or", "not", "in", "is"})


def spark_sql(duckdb_sql: str) -> str:
    """One condition of the model in Spark SQL; BadInput if it calls an unvetted function."""
    sql = duckdb_sql
    for pattern, replacement in _REWRITES:
        sql = pattern.sub(replacement, sql)
    unknown = {
        name
        for name in (m.group(1) for m in _CALL.finditer(sql))
        if name.lower() not in _VETTED and name.lower() not in _KEYWORDS
    }
    if unknown:
        raise BadInput(
            "the Spark engine has no DuckDB-equivalent for the model's function(s) "
            + ", ".join(sorted(unknown))
        )
    return sql


def spark_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """A copy of the model's Splink settings with every condition in Spark SQL."""
    out = copy.deepcopy(settings)
    out["sql_dialect"] = "spark"
    for comparison in out["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["sql_condition"].strip().upper() != "ELSE":
                level["sql_condition"] = spark_sql(level["sql_condition"])
    rules = []
    for rule in out["blocking_rules_to_generate_predictions"]:
        text = rule["blocking_rule"] if isinstance(rule, dict) else str(rule)
        rules.append({"blocking_rule": spark_sql(text), "sql_dialect": "spark"})
    out["blocking_rules_to_generate_predictions"] = rules
    return out


def _jaro(p: bytes, t: bytes) -> float:
    """Jaro similarity of byte strings `p` and `t`, as DuckDB computes it."""
    if not p or not t:
        return 0.0
    if len(p) == 1 and len(t) == 1:
        return float(p == t)
    bound = max(len(p), len(t)) // 2 - 1
    used = [False] * len(p)
    t_matched: list[int] = []
    for j, ch in enumerate(t):
        for i in range(max(0, j - bound), min(len(p), j + bound + 1)):
            if not used[i] and p[i] == ch:
                used[i] = True
                t_matched.append(ch)
                break
    common = len(t_matched)
    if not common:
        return 0.0
    p_matched = [ch for ch, u in zip(p, used, strict=True) if u]
    half = sum(a != b for a, b in zip(p_matched, t_matched, strict=True)) // 2
    sim = 0.0
    sim += common / len(p)
    sim += common / len(t)
    sim += (common - half) / common
    return sim / 3.0


def jaro_winkler_similarity(left: str | None, right: str | None) -> float | None:
    """DuckDB's `jaro_winkler_similarity(left, right)`, bit for bit; NULL in, NULL out."""
    if left is None or right is None:
        return None
    p, t = left.encode("utf-8"), right.encode("utf-8")
    sim = _jaro(p, t)
    prefix = 0
    for a, b in zip(p[:4], t[:4], strict=False):
        if a != b:
            break
        prefix += 1
    if sim > 0.7:
        # DuckDB's build fuses this multiply-add (one rounding): do the same, exactly.
        sim = float(Fraction(prefix * 0.1) * Fraction(1.0 - sim) + Fraction(sim))
    return sim
