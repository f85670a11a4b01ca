"""`dgw model train` and `dgw model info`: the probabilistic linkage model (offline only)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from disclosure_gateway.cli import apps

model_app = typer.Typer(help="The probabilistic linkage model (Splink).", no_args_is_help=True)
apps.app.add_typer(model_app, name="model")


@model_app.command("train")
def model_train(
    master_home: Annotated[
        Path, typer.Option("--master-home", help="Store directory holding master.duckdb.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Where to write the model JSON.")],
    calibration: Annotated[
        Path | None,
        typer.Option("--calibration", help="Requests file of a `--noise hard` batch (no labels)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the u sampling.")] = 7,
) -> None:
    """Train u on the master and lambda and m by EM on a calibration batch; save the model."""
    from disclosure_gateway.adapters.linkage.splink_model import META_KEY, save_model
    from disclosure_gateway.adapters.linkage.training import train_model

    with apps.err.status("training the linkage model…"):
        trained = train_model(master_home / "master.duckdb", calibration, seed)
    meta = trained.pop(META_KEY)
    save_model(trained, meta, out)
    apps.out.print(f"model written to {out}", markup=False)


@model_app.command("info")
def model_info(
    path: Annotated[
        Path | None, typer.Argument(help="Model JSON (default: the packaged model).")
    ] = None,
) -> None:
    """Show a model's metadata, prior and comparison levels (m, u and weight)."""
    import math

    from disclosure_gateway.adapters.linkage.splink_model import load_model
    from disclosure_gateway.adapters.linkage.splink_scorer import packaged_model_path

    model = load_model(path or packaged_model_path())
    for key, value in sorted(model.meta.items()):
        apps.out.print(f"{key}: {value}", markup=False)
    lam = float(model.settings["probability_two_random_records_match"])
    apps.out.print(f"lambda: {lam:.3g} (prior weight {math.log2(lam / (1 - lam)):.2f})")
    for comparison in model.settings["comparisons"]:
        apps.out.print(f"[{comparison['output_column_name']}]", markup=False)
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = float(level["m_probability"]), float(level["u_probability"])
            tf = " +tf" if level.get("tf_adjustment_column") else ""
            apps.out.print(
                f"  {level['label_for_charts']:<16} m={m:.3g} u={u:.3g} "
                f"weight={math.log2(m / u):+.2f}{tf}",
                markup=False,
            )
