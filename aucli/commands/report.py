"""``aucli report``: one self-contained HTML page for an extraction batch or a folder of training runs."""

from __future__ import annotations

from pathlib import Path

import typer

HELP = """Write one HTML report that opens offline (images and styles inline, nothing fetched).

For an `aucli extract` folder: inputs ok / failed / skipped with each failure's reason, frames,
faces, frames/s, the aucli version and recipe; per video the faces over time, each track's
duration and aligned-face thumbnail, an AU heat-map per track and a table of mean and peak AU.
Batches above --inline-max videos get one sortable table plus a linked page per video
(REPORT_videos/).

For a folder of training runs (`aucli train -o RUNS/`): loss and validation curves from log.csv,
per-AU F1 bars (with the all-positive F1 beside them) or the ME confusion matrix, and each run's
config. The folder's content decides which; a folder holding both gets both.

Examples:\n
  aucli report out/\n
  aucli report runs/ -o runs.html
"""


def register(app: typer.Typer) -> None:
    app.command("report", help=HELP)(report)


def report(
    folder: Path = typer.Argument(..., help="An `aucli extract` output folder or a training-runs folder."),
    out: Path | None = typer.Option(None, "-o", "--out", help="HTML to write (default: FOLDER/report.html)."),
    inline_max: int = typer.Option(20, "--inline-max", min=0,
                                   help="Up to this many videos inline; more get a page each."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    import contextlib

    from aucli.commands._common import fail_usage
    from aucli.errors import AucliError
    from aucli.progress import make_progress, ticker
    from aucli.visual.report import write_report

    try:
        with contextlib.nullcontext(None) if quiet else make_progress(unit="videos") as bars:
            tick = ticker(bars, "report", "videos/s") if bars else None
            path = write_report(folder, out, inline_max, tick)
    except AucliError as exc:
        fail_usage(str(exc))
    typer.echo(f"{path} ({path.stat().st_size / 1e6:.2f} MB)")
