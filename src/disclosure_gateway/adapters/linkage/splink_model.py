"""The Splink 5 model: its settings, offline training, and the frozen model file.

Link only, between request records and the master's linkage records (see features.py).
Four comparisons, one per kind of evidence, so correlated columns never count twice (one
combined address comparison; the unit counts only where house number and ZIP agree):

- `name`: exact, nickname, surname subset, middle name used as first, swapped, typos,
  shared surname only, else;
- `birth_date`: exact / else (null neutral);
- `address`: exact house+street+ZIP, street typo, house+street, house+ZIP, ZIP only, else;
- `unit`: equal / one missing / different (null unless the house and ZIP agree).

Training is offline (training.py). The saved file is Splink's settings JSON plus
our `dgw` metadata key, which `load_model` takes off before Splink sees the settings.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from disclosure_gateway.adapters.linkage.features import LINKAGE_TABLE
from disclosure_gateway.domain.errors import BadInput, StoreError

__all__ = [
    "MODEL_VERSION",
    "ModelFile",
    "attach_master",
    "create_tf_tables",
    "load_model",
    "model_settings",
    "register_tf_tables",
    "save_model",
    "settings_digest",
    "store_tf_table",
]

MODEL_VERSION = "dgw-splink-1"
META_KEY = "dgw"
MASTER_VIEW = "dgw_master_records"
MASTER_DB = "master.duckdb"
TF_COLUMN = "name_tf_key"

_SUBSET = (
    "(list_has_all(surname_tokens_l, surname_tokens_r) "
    "OR list_has_all(surname_tokens_r, surname_tokens_l))"
)
_NICK = "list_contains(given_nick_l, first_given_r)"
_SAME_SURNAMES = "surname_tokens_l = surname_tokens_r"


def _level(sql: str, label: str, tf: str | None = None, null: bool = False) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    if tf:
        # The level's own u is the baseline: the exact level compares several columns.
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
        level["disable_tf_exact_match_detection"] = True
    return level


def _name_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "name",
        "comparison_description": "given name and surnames, one comparison",
        "comparison_levels": [
            _level(
                "first_given_l IS NULL OR first_given_r IS NULL "
                "OR first_surname_l IS NULL OR first_surname_r IS NULL",
                "null",
                null=True,
            ),
            _level(f"first_given_l = first_given_r AND {_SAME_SURNAMES}", "exact", TF_COLUMN),
            _level(f"{_NICK} AND {_SAME_SURNAMES}", "nickname"),
            _level(f"{_NICK} AND {_SUBSET}", "surname_subset"),
            _level(
                "(list_contains(given_rest_r, first_given_l) "
                f"OR list_contains(given_rest_l, first_given_r)) AND {_SUBSET}",
                "middle_as_first",
            ),
            _level(
                "list_contains(surname_tokens_r, first_given_l) "
                "AND list_contains(surname_tokens_l, first_given_r)",
                "swapped",
            ),
            _level(
                f"jaro_winkler_similarity(first_given_l, first_given_r) >= 0.9 AND {_SUBSET}",
                "given_typo",
            ),
            _level(
                f"{_NICK} AND jaro_winkler_similarity(first_surname_l, first_surname_r) >= 0.9",
                "surname_typo",
            ),
            _level("list_has_any(surname_tokens_l, surname_tokens_r)", "surname_only"),
            _level("ELSE", "else"),
        ],
    }


def _birth_date_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "birth_date",
        "comparison_description": "date of birth",
        "comparison_levels": [
            _level("birth_date_l IS NULL OR birth_date_r IS NULL", "null", null=True),
            _level("birth_date_l = birth_date_r", "exact"),
            _level("ELSE", "else"),
        ],
    }


def _address_comparison() -> dict[str, Any]:
    same_hz = "house_l = house_r AND zip5_l = zip5_r"
    return {
        "output_column_name": "address",
        "comparison_description": "house number, street and ZIP5, one comparison",
        "comparison_levels": [
            _level(
                "house_l IS NULL OR house_r IS NULL OR zip5_l IS NULL OR zip5_r IS NULL",
                "null",
                null=True,
            ),
            _level(f"{same_hz} AND street_l = street_r", "exact"),
            _level(
                f"{same_hz} AND jaro_winkler_similarity(street_l, street_r) >= 0.9",
                "street_typo",
            ),
            _level("house_l = house_r AND street_l = street_r", "house_street"),
            _level(same_hz, "house_zip"),
            _level("zip5_l = zip5_r", "zip_only"),
            _level("ELSE", "else"),
        ],
    }


def _unit_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "unit",
        "comparison_description": "unit, only where house number and ZIP5 agree",
        "comparison_levels": [
            _level(
                "(unit_no_l IS NULL AND unit_no_r IS NULL) OR house_l IS NULL OR house_r IS NULL "
                "OR zip5_l IS NULL OR zip5_r IS NULL OR house_l <> house_r OR zip5_l <> zip5_r",
                "null",
                null=True,
            ),
            _level("unit_no_l = unit_no_r", "equal"),
            _level("unit_no_l IS NULL OR unit_no_r IS NULL", "one_missing"),
            _level("ELSE", "different"),
        ],
    }


BLOCKING_RULES = (
    "l.tin = r.tin",
    "l.first_surname_phonetic = r.first_surname_phonetic AND l.zip5 = r.zip5",
    "l.house = r.house AND l.zip5 = r.zip5",
    "l.house = r.house AND l.street = r.street",
    "l.birth_date = r.birth_date AND left(l.first_given, 1) = left(r.first_given, 1)",
    "l.given_phonetic = r.given_phonetic AND l.zip5 = r.zip5",
)


def model_settings(link_type: str = "link_only") -> dict[str, Any]:
    """The untrained Splink settings dictionary."""
    return {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 1e-6,
        "comparisons": [
            _name_comparison(),
            _birth_date_comparison(),
            _address_comparison(),
            _unit_comparison(),
        ],
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule} for rule in BLOCKING_RULES
        ],
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": ["tin"],
        "em_convergence": 0.0001,
        "max_iterations": 25,
    }


@dataclass(frozen=True, slots=True)
class ModelFile:
    """A trained model read from disk: Splink's settings and our metadata."""

    settings: dict[str, Any]
    meta: dict[str, Any]

    @property
    def label(self) -> str:
        """What a decision records as its model: version and the settings digest."""
        return f"{self.meta.get('version', '?')}+{str(self.meta.get('settings_sha256', ''))[:12]}"


def settings_digest(settings: dict[str, Any]) -> str:
    """sha256 of the settings as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save_model(settings: dict[str, Any], meta: dict[str, Any], out: Path) -> None:
    """Write the settings with our metadata key (settings digest filled in)."""
    body = {k: v for k, v in settings.items() if k != META_KEY}
    full_meta = {**meta, "version": MODEL_VERSION, "settings_sha256": settings_digest(body)}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**body, META_KEY: full_meta}, indent=1, sort_keys=True) + "\n")


def load_model(path: Path) -> ModelFile:
    """Read a model file; BadInput if it is unreadable, not ours or altered since training."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(f"model file {path.name} cannot be read: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get(META_KEY), dict):
        raise BadInput(f"model file {path.name} has no {META_KEY!r} metadata")
    meta = raw.pop(META_KEY)
    if meta.get("version") != MODEL_VERSION:
        raise BadInput(f"model file {path.name} is version {meta.get('version')!r}, not ours")
    if meta.get("settings_sha256") != settings_digest(raw):
        raise BadInput(f"model file {path.name}: settings do not match their recorded digest")
    return ModelFile(raw, meta)


def attach_master(con: duckdb.DuckDBPyConnection, master_db: Path) -> None:
    """ATTACH the master database read-only as `master` (it must hold linkage records)."""
    if not master_db.is_file():
        raise StoreError(f"no master database at {master_db}")
    try:
        con.execute(f"ATTACH '{master_db.as_posix()}' AS master (READ_ONLY)")
        rows = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'master' "
            "AND table_name = ?",
            [LINKAGE_TABLE],
        ).fetchall()
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the master database read-only: {exc}") from exc
    if not rows[0][0]:
        raise StoreError("the master database has no linkage records (reload the master file)")
    # Splink reads a table's columns by its bare name: give it a view in the main catalog.
    con.execute(f"CREATE TEMP VIEW {MASTER_VIEW} AS SELECT * FROM master.{LINKAGE_TABLE}")


_TF_SELECT = f"""
    WITH people AS (SELECT DISTINCT tin, first_given, first_surname, {TF_COLUMN}
                    FROM {{source}} WHERE {TF_COLUMN} IS NOT NULL),
    g AS (SELECT first_given, count(*) / sum(count(*)) OVER () AS p
          FROM people GROUP BY first_given),
    s AS (SELECT first_surname, count(*) / sum(count(*)) OVER () AS p
          FROM people GROUP BY first_surname)
    SELECT DISTINCT k.{TF_COLUMN}, g.p * s.p AS tf_{TF_COLUMN}
    FROM people k JOIN g USING (first_given) JOIN s USING (first_surname)
    ORDER BY 1"""


def store_tf_table(con: duckdb.DuckDBPyConnection) -> None:
    """At load time, in the master database: the term-frequency table `create_tf_tables`
    would otherwise compute at the start of every run."""
    con.execute(
        f"CREATE OR REPLACE TABLE tf_{TF_COLUMN} AS {_TF_SELECT.format(source=LINKAGE_TABLE)}"
    )


def create_tf_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Term frequency of each master name key: the share of taxpayers with that first given
    name times the share with that first surname (smoother than the joint count).
    Copied from the master database when it was stored at load, else computed."""
    stored = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'master' AND table_name = ?",
        [f"tf_{TF_COLUMN}"],
    ).fetchall()[0][0]
    source = (
        f"SELECT * FROM master.tf_{TF_COLUMN}"
        if stored
        else (_TF_SELECT.format(source=f"master.{LINKAGE_TABLE}"))
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE tf_{TF_COLUMN} AS {source}")


@contextmanager
def quiet_splink() -> Iterator[None]:
    """Splink logs at INFO; keep it to warnings while we work."""
    logger = logging.getLogger("splink")
    before = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(before)


def register_tf_tables(linker: Any, db_api: Any) -> None:
    """Hand Splink the master's term-frequency tables (so scores never depend on a chunk)."""
    frame = db_api.register(f"tf_{TF_COLUMN}", table_name=f"dgw_tf_{TF_COLUMN}")
    linker.table_management.register_term_frequency_lookup(frame, TF_COLUMN)
