"""``aucli convert``: aucli Parquet <-> other tools' per-frame CSVs (OpenFace, py-feat)."""

from __future__ import annotations

from pathlib import Path

import typer

CONVERT_HELP = """Convert per-frame results between aucli's Parquet and other tools' layouts.

--to openface writes OpenFace 2.2 FeatureExtraction's CSV (its 714 columns in its order; what
aucli does not estimate is left empty). --from openface / --from py-feat read those tools' CSVs
into aucli's schema, so `aucli score`, `plot` and `aucli.read` work on them.

Examples:\n
  aucli convert out/clip.parquet --to openface -o clip.csv\n
  aucli convert clip_openface.csv --from openface -o clip.parquet\n
  aucli convert fex.csv --from py-feat --fps 30 -o clip.parquet
"""


def register(app: typer.Typer) -> None:
    app.command("convert", help=CONVERT_HELP)(convert)


def convert(
    src: Path = typer.Argument(
        ..., metavar="INPUT", help="aucli Parquet (with --to) or a CSV (with --from)."),
    out: Path = typer.Option(..., "-o", "--out", help="Output file."),
    to: str | None = typer.Option(None, "--to", help="Write this format: openface."),
    source: str | None = typer.Option(None, "--from", help="Read this format: openface or py-feat."),
    fps: float | None = typer.Option(None, "--fps", help="--from py-feat: the video's frame rate."),
) -> None:
    from aucli import api
    from aucli.commands._common import fail_usage
    from aucli.errors import AucliError

    try:
        path = api.convert(src, out, to=to, source=source, fps=fps)
    except AucliError as exc:
        fail_usage(str(exc))
    typer.echo(f"wrote {path}", err=True)
