"""``aucli plot``: AU intensity time series per face, so a person can look instead of read."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("plot")(plot)


def plot(
    parquet: Path = typer.Argument(
        ..., help="An aucli output: OUT/VIDEO.parquet, or VIDEO.spot_score.parquet "
        "from `aucli spot`."),
    out: Path = typer.Option(..., "-o", "--out", help="PNG to write."),
    aus: str = typer.Option("", "--aus", help="Comma-separated AUs to show, e.g. 6,12,45 (default: all)."),
    truth: Path | None = typer.Option(
        None, "--truth", help="Spotting plots: ground-truth intervals to draw."),
) -> None:
    """Plot each face's AU intensities over time, or a spotting run's scores with its intervals
    shaded (one panel per face)."""
    from aucli.commands._common import fail_usage
    from aucli.plotting import plot_aus

    if not parquet.is_file():
        fail_usage(f"{parquet}: no such file")
    try:
        wanted = [int(a) for a in aus.split(",") if a.strip()]
    except ValueError:
        fail_usage(f"--aus expects numbers like 6,12,45, got {aus!r}")
    try:
        if parquet.name.endswith(".spot_score.parquet"):
            from aucli.spotting.plot import plot_spotting

            intervals = parquet.with_name(parquet.name.replace(".spot_score.", ".spot."))
            plot_spotting(parquet, intervals if intervals.exists() else None, out, truth)
        else:
            plot_aus(parquet, out, wanted)
    except ValueError as exc:
        fail_usage(str(exc))
    typer.echo(str(out))
