"""The packaged model's SQL conditions (levels and blocking rules), compiled to Python.

A condition is DuckDB SQL over two linkage records (`col_l` / `col_r`, or `l.col` / `r.col`
in a blocking rule). Only what the packaged model uses is understood: the list and string
functions it calls (with DuckDB's meaning, NULLs included; Jaro-Winkler is DuckDB's own,
spark_sql.py), `left`, comparisons, IS [NOT] NULL, AND/OR/NOT under SQL's three-valued
logic. Anything else raises StoreError, so `LevelScorer` refuses a model it cannot
evaluate exactly.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from disclosure_gateway.adapters.linkage.features import LINKAGE_SCHEMA
from disclosure_gateway.adapters.linkage.spark_sql import jaro_winkler_similarity
from disclosure_gateway.domain.errors import StoreError

__all__ = ["COLUMNS", "Eval", "Row", "Value", "compile_condition", "compiled", "refuse"]

Row = tuple[Any, ...]
Value = Any  # None is SQL's NULL
Eval = Callable[[Row, Row], Value]
COLUMNS = tuple(LINKAGE_SCHEMA.names)


def refuse(what: str) -> StoreError:
    return StoreError(f"the model cannot be evaluated in Python: {what}")


# -- conditions: DuckDB SQL over two linkage records, compiled to closures ---------------
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')"
    r"|(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)|(?P<op><>|!=|>=|<=|[=<>(),]))"
)
_KEYWORDS = frozenset({"and", "or", "not", "is", "null"})


def _tokens(sql: str) -> list[tuple[str, str]]:
    out, at, sql = [], 0, sql.rstrip()
    while at < len(sql):
        m = _TOKEN.match(sql, at)
        if m is None or m.end() == at:
            raise refuse(f"unexpected text at character {at} of a condition")
        kind = str(m.lastgroup)
        text = m.group(kind)
        out.append(
            ("kw", text.lower()) if kind == "name" and text.lower() in _KEYWORDS else (kind, text)
        )
        at = m.end()
    return out


def _kind(field: pa.Field) -> str:
    if pa.types.is_string(field.type):
        return "text"
    if pa.types.is_date(field.type):
        return "date"
    if pa.types.is_list(field.type) and pa.types.is_string(field.type.value_type):
        return "list"
    raise refuse(f"column {field.name} has a type the evaluator does not compare")


def _three_valued(parts: list[Eval], decisive: bool) -> Eval:
    """SQL's AND (`decisive` False) or OR (True): the first part equal to `decisive` decides;
    otherwise NULL if any part is NULL, else `not decisive`."""

    def run(ml: Row, rq: Row) -> Value:
        unknown = False
        for part in parts:
            v = part(ml, rq)
            if v is decisive:
                return decisive
            unknown = unknown or v is None
        return None if unknown else not decisive

    return run


def _some(xs: list[Any]) -> set[Any]:
    return {x for x in xs if x is not None}  # DuckDB's list functions skip NULL elements


def _contains(xs: Value, x: Value) -> Value:
    return None if xs is None or x is None else x in _some(xs)


def _has_all(xs: Value, ys: Value) -> Value:
    return None if xs is None or ys is None else _some(ys) <= _some(xs)


def _has_any(xs: Value, ys: Value) -> Value:
    return None if xs is None or ys is None else bool(_some(xs) & _some(ys))


def _left(s: Value, n: Value) -> Value:
    return None if s is None or n is None else s[:n]


# name -> (argument kinds, result kind, function of the argument values)
_FUNCTIONS: dict[str, tuple[tuple[str, ...], str, Callable[..., Value]]] = {
    "list_contains": (("list", "text"), "bool", _contains),
    "list_has_all": (("list", "list"), "bool", _has_all),
    "list_has_any": (("list", "list"), "bool", _has_any),
    "jaro_winkler_similarity": (("text", "text"), "number", jaro_winkler_similarity),
    "left": (("text", "number"), "text", _left),
}
_ORDERED: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_EQUAL: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "!=": operator.ne,
}


class _Parser:
    """Recursive descent over one condition; each node is (kind, closure)."""

    def __init__(self, sql: str, qualified: bool) -> None:
        self.tokens = _tokens(sql)
        self.at = 0
        self.qualified = qualified  # blocking rules say l.col / r.col, levels col_l / col_r
        self.columns: set[str] = set()  # the linkage columns it reads

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, text: str) -> bool:
        if self.peek()[1].lower() == text:
            self.at += 1
            return True
        return False

    def need(self, text: str) -> None:
        if not self.take(text):
            raise refuse(f"expected {text!r} in a condition")

    def condition(self) -> Eval:
        kind, run = self.disjunction()
        if kind != "bool" or self.peek()[0] != "end":
            raise refuse("a condition is not one boolean expression")
        return run

    def disjunction(self) -> tuple[str, Eval]:
        parts = [self.conjunction()]
        while self.take("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else ("bool", _three_valued(_booleans(parts), True))

    def conjunction(self) -> tuple[str, Eval]:
        parts = [self.negation()]
        while self.take("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else ("bool", _three_valued(_booleans(parts), False))

    def negation(self) -> tuple[str, Eval]:
        if self.take("not"):
            [inner] = _booleans([self.negation()])
            return "bool", lambda ml, rq: None if (v := inner(ml, rq)) is None else not v
        return self.comparison()

    def comparison(self) -> tuple[str, Eval]:
        left = self.operand()
        if self.take("is"):
            negate = self.take("not")
            self.need("null")
            get = left[1]
            return "bool", lambda ml, rq: (get(ml, rq) is None) != negate
        op = self.peek()[1]
        if op not in _ORDERED and op not in _EQUAL:
            return left
        self.at += 1
        right = self.operand()
        kinds = {left[0], right[0]}
        if len(kinds) != 1 or "bool" in kinds or (op in _ORDERED and "list" in kinds):
            raise refuse(f"comparison {op} of {left[0]} and {right[0]}")
        test, a, b = (_ORDERED | _EQUAL)[op], left[1], right[1]

        def compare(ml: Row, rq: Row) -> Value:
            x, y = a(ml, rq), b(ml, rq)
            return None if x is None or y is None else test(x, y)

        return "bool", compare

    def operand(self) -> tuple[str, Eval]:
        kind, text = self.peek()
        self.at += 1
        if text == "(":
            inner = self.disjunction()
            self.need(")")
            return inner
        if kind == "num":
            value: float | int = float(text) if "." in text else int(text)
            return "number", lambda ml, rq: value
        if kind == "str":
            literal = text[1:-1].replace("''", "'")
            return "text", lambda ml, rq: literal
        if kind == "name" and self.peek()[1] == "(":
            return self.call(text.lower())
        if kind == "name":
            return self.column(text.lower())
        raise refuse(f"unexpected {text or 'end'!r} in a condition")

    def call(self, name: str) -> tuple[str, Eval]:
        if name not in _FUNCTIONS:
            raise refuse(f"function {name}")
        wants, result, function = _FUNCTIONS[name]
        self.need("(")
        args = [self.disjunction()]
        while self.take(","):
            args.append(self.disjunction())
        self.need(")")
        if tuple(k for k, _ in args) != wants:
            raise refuse(f"{name} with arguments of other kinds")
        runs = [run for _, run in args]
        return result, lambda ml, rq: function(*(run(ml, rq) for run in runs))

    def column(self, name: str) -> tuple[str, Eval]:
        if self.qualified:
            side, _, column = name.partition(".")
        else:
            column, _, side = name.rpartition("_")
        if side not in ("l", "r") or column not in COLUMNS:
            raise refuse(f"column {name}")
        at = COLUMNS.index(column)
        self.columns.add(column)
        kind = _kind(LINKAGE_SCHEMA.field(column))
        if side == "l":
            return kind, lambda ml, rq: ml[at]
        return kind, lambda ml, rq: rq[at]


def _booleans(parts: list[tuple[str, Eval]]) -> list[Eval]:
    if any(kind != "bool" for kind, _ in parts):
        raise refuse("AND, OR or NOT of something not boolean")
    return [run for _, run in parts]


def compile_condition(sql: str, qualified: bool = False) -> Eval:
    """A level's condition (`col_l`, `col_r`) or, `qualified`, a blocking rule (`l.col`):
    a function of (master record, request record) -> True, False or None (NULL)."""
    return _Parser(sql, qualified).condition()


def compiled(sql: str, qualified: bool, columns: set[str]) -> Eval:
    """As `compile_condition`, adding the columns the condition reads to `columns`."""
    parser = _Parser(sql, qualified)
    run = parser.condition()
    columns |= parser.columns
    return run
