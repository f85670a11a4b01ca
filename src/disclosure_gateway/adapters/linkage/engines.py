"""Which engine scores a batch's candidate pairs: Splink on DuckDB (default) or on Spark.

Every engine gives the same `PairScore`s for the same requests and candidates, so the
decisions never depend on the engine; only where the work runs does. The Spark engine
(spark_scorer.py) imports pyspark, and starts a JVM, only when it is chosen.
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
        try:  # pyspark (and its JVM) only when asked for
            from disclosure_gateway.adapters.linkage.spark_scorer import SparkScorer
        except ImportError as exc:
            raise BadInput(
                f"the Spark engine needs pyspark, which cannot be imported: {exc}"
            ) from exc
        return SparkScorer(home)
    raise BadInput(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
