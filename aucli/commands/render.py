"""``aucli render``: the video with its extraction drawn on it, to check the tracker by watching."""

from __future__ import annotations

from pathlib import Path

import typer

HELP = """Draw the extraction onto the video, to check the tracker by watching.

Per face: its box and face_id (one colour per id,
the same in plots and reports), the 68 landmarks (or the mesh with --mesh), head-pose axes
(x red, y green, z blue) and a bar panel of AU intensities (--aus, default the 8 most variable
AUs of that track; AUxx_c probabilities of a --model run as white ticks). Every frame carries its
timestamp; frames without a face get a red border.

Written with PyAV as H.264 (yuv420p) at the input's frame rate and size, upright. Without -p, the
Parquet is OUT's folder/VIDEO.parquet, and when it does not exist the video is extracted first.
A Parquet made from another video is refused.

Examples:\n
  aucli render sample_videos/WolfgangLanger_Pexels.mp4 -o pexels.mp4\n
  aucli render clip.mp4 -p out/clip.parquet -o clip_annotated.mp4 --aus 6,12,45\n
  aucli render long.mov -p out/long.parquet -o part.mp4 --start 60 --end 75 --scale 0.5
"""


def register(app: typer.Typer) -> None:
    app.command("render", help=HELP)(render)


def render(
    video: Path = typer.Argument(..., help="The input video."),
    out: Path = typer.Option(..., "-o", "--out", help="The annotated video to write (.mp4)."),
    parquet: Path | None = typer.Option(
        None, "-p", "--parquet", help="Its extraction (default: OUT's folder/VIDEO.parquet)."),
    aus: str = typer.Option("", "--aus", help="AUs in the panel, e.g. 6,12,45 (default: 8 most variable)."),
    mesh: bool = typer.Option(False, "--mesh", help="Draw the 478-point mesh instead of 68 points."),
    scale: float = typer.Option(1.0, "--scale", help="Output size relative to the input."),
    start: float = typer.Option(0.0, "--start", min=0, help="First second to render."),
    end: float = typer.Option(0.0, "--end", min=0, help="Last second to render (0: the end)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    import contextlib

    from aucli.commands._common import fail_usage, parse_aus
    from aucli.errors import AucliError
    from aucli.progress import make_progress
    from aucli.visual.render import RenderConfig, render_file

    cfg = RenderConfig(aus=tuple(parse_aus(aus)), mesh=mesh, scale=scale, start=start, end=end)
    try:
        with contextlib.nullcontext(None) if quiet else make_progress() as bars:
            stats, used, extracted = render_file(video, out, parquet, cfg, bars)
    except AucliError as exc:
        fail_usage(str(exc))
    if extracted:
        typer.echo(f"extracted {video} -> {used}", err=True)
    typer.echo(f"{out}: {stats['frames']} frames {stats['width']}x{stats['height']}, "
               f"{stats['fps']:.0f} frames/s", err=True)
