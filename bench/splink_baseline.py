"""The baseline a user would write: plain Splink 5 on DuckDB, tutorial style.

Run on demand (bench/scale.py runs it in a subprocess to measure its peak memory):
    .venv/bin/python bench/splink_baseline.py --data bench/.cache/scale-1000000-128000/data

It reads the generated master files and the request batch as they are (no legal checks, no
standardisation beyond Splink's own comparisons, no accounting), links every request to
the taxpayer-address records with a model built from Splink's comparison library, trains
it the tutorial way (λ from deterministic rules, u by random sampling, m by EM on two
blocking rules) and predicts with a match-probability threshold. It prints one JSON line:
seconds for loading, training and predicting, and the number of pairs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

MASTER_SQL = """
CREATE TABLE master AS
SELECT 'm' || row_number() OVER () AS unique_id,
       lower(trim(t.first_name)) AS first_name, lower(trim(t.last_name)) AS surname,
       try_cast(t.birth_date AS DATE) AS dob, lower(trim(a.street)) AS street,
       lower(trim(a.city)) AS city, left(trim(a.zip), 5) AS zip
FROM read_csv('{tp}', all_varchar = true) t
JOIN read_csv('{ad}', all_varchar = true) a USING (tin)
"""
REQUESTS_SQL = """
CREATE TABLE requests AS
SELECT 'r' || row_number() OVER () AS unique_id,
       lower(trim(first_name)) AS first_name, lower(trim(last_name)) AS surname,
       try_cast(birth_date AS DATE) AS dob, lower(trim(street)) AS street,
       lower(trim(city)) AS city, left(trim(zip), 5) AS zip
FROM read_csv('{rq}', all_varchar = true)
"""


def settings() -> object:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.LevenshteinAtThresholds("street", 2),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.ExactMatch("zip"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "zip"),
            block_on("street", "zip"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a `dgw generate` folder")
    parser.add_argument("--u-pairs", type=float, default=1e7)
    args = parser.parse_args()
    from splink import DuckDBAPI, Linker, block_on

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    started = time.monotonic()
    con.execute(MASTER_SQL.format(tp=args.data / "taxpayers.csv", ad=args.data / "addresses.csv"))
    con.execute(REQUESTS_SQL.format(rq=args.data / "requests.csv"))
    db_api = DuckDBAPI(connection=con)
    linker = Linker(
        [db_api.register("requests"), db_api.register("master")], settings(), log_level=None
    )
    loaded = time.monotonic()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=args.u_pairs, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("street", "zip"))
    trained = time.monotonic()
    predictions = linker.inference.predict(threshold_match_probability=0.9)
    pairs = con.execute(f"SELECT count(*) FROM {predictions.physical_name}").fetchall()[0][0]
    done = time.monotonic()
    print(
        json.dumps(
            {
                "load_s": round(loaded - started, 1),
                "train_s": round(trained - loaded, 1),
                "predict_s": round(done - trained, 1),
                "pairs": int(pairs),
            }
        )
    )


if __name__ == "__main__":
    main()
