"""``aucli plot``: per face an AU heat-map and small multiples, so a person can look instead of read."""

from __future__ import annotations

from pathlib import Path

import typer

HELP = """Draw an extraction's AUs per face: a heat-map over small multiples.

Per face: a heat-map (AU x time, FACS order, one colour scale
0-1 for every face, grey where the face was not seen) and below it small multiples of the face's
most variable AUs, or exactly --aus. A --model run's AUxx_c probabilities get their own heat-map
and are shaded (>= 0.5, green) in the small multiples; intervals of a spotting run saved beside the
file (VIDEO.spot.parquet) are shaded too. PNG, SVG or PDF by the suffix of -o.

Given a VIDEO.spot_score.parquet from `aucli spot`, draws its scores with the intervals shaded.

Examples:\n
  aucli plot out/WolfgangLanger_Pexels.parquet -o pexels.png\n
  aucli plot out/clip.parquet -o clip.svg --aus 6,12,45\n
  aucli plot out/clip.spot_score.parquet -o spots.png --truth gt.csv
"""


def register(app: typer.Typer) -> None:
    app.command("plot", help=HELP)(plot)


def plot(
    parquet: Path = typer.Argument(
        ..., help="OUT/VIDEO.parquet from `aucli extract`, or VIDEO.spot_score.parquet."),
    out: Path = typer.Option(..., "-o", "--out", help="Figure to write: .png, .svg or .pdf."),
    aus: str = typer.Option("", "--aus", help="Exactly these AUs, e.g. 6,12,45 (default: all in "
                            "the heat-map, the 8 most variable below)."),
    truth: Path | None = typer.Option(
        None, "--truth", help="Spotting plots: ground-truth intervals to draw."),
) -> None:
    from aucli.commands._common import fail_usage, parse_aus
    from aucli.errors import AucliError
    from aucli.visual.plots import PlotConfig, plot_file

    if not parquet.is_file():
        fail_usage(f"{parquet}: no such file")
    try:
        plot_file(parquet, out, PlotConfig(aus=tuple(parse_aus(aus))), truth)
    except (AucliError, ValueError) as exc:
        fail_usage(str(exc))
    typer.echo(str(out))
