"""Which engine scores a batch's candidate pairs: Splink on DuckDB (default) or on Spark.

Every engine gives the same `PairScore`s for the same requests and candidates, so the
decisions never depend on the engine; only where the work runs does.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Protocol

from disclosure_gateway.adapters.linkage.splink_model import ModelFile
from disclosure_gateway.adapters.linkage.splink_scorer import SplinkScorer
from disclosure_gateway.domain.errors import BadInput
from disclosure_gateway.domain.evidence import PairScore
from disclosure_gateway.domain.rules import RowCheck

__all__ = ["ENGINES", "Scorer", "open_scorer"]

ENGINES = ("duckdb", "spark")


class Scorer(Protocol):
    """What the pipeline asks of an engine."""

    model: ModelFile

    def score(
        self, checks: Sequence[RowCheck], tins: Collection[str] | None = None
    ) -> dict[int, list[PairScore]]: ...

    def close(self) -> None: ...


def open_scorer(engine: str, home: Path) -> Scorer:
    """A scorer of the packaged model over the master file in `home`, on `engine`."""
    if engine == "duckdb":
        return SplinkScorer(home)
    if engine == "spark":
        raise BadInput("the Spark engine is not available in this build")
    raise BadInput(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
