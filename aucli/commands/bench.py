"""``aucli bench``: where the time goes, as ratios against references measured in the same run."""

from __future__ import annotations

from pathlib import Path

import typer

DEFAULT_VIDEO = Path("sample_videos/WolfgangLanger_Pexels.mp4")


def register(app: typer.Typer) -> None:
    app.command("bench")(bench)


def bench(
    video: Path = typer.Option(DEFAULT_VIDEO, "--video", help="Video to measure on."),
    frames: int = typer.Option(300, "--frames", min=1, help="Frames to use (from the start)."),
    pipeline: Path | None = typer.Option(None, "--pipeline", help="Recipe TOML to measure."),
    sets: list[str] = typer.Option([], "--set", help="Recipe override a.b=value."),
    repeat: int = typer.Option(3, "--repeat", min=1,
                               help="Runs of the landmarker alone and of end to end; the fastest of each counts."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Measure decode, each stage and end-to-end frames/s, next to raw decord decoding and the
    MediaPipe landmarker called directly on the same frames; print the ratios and peak RSS.

    Frames/s count from the first frame on, with models loaded, for the references and for
    aucli alike; the one-off start-up of the end-to-end run is printed on its own line."""
    import json

    from aucli.extract.bench import run_bench
    from aucli.commands._common import fail_usage
    from aucli.errors import AucliError

    try:
        result = run_bench(video, frames, pipeline, sets, repeat)
    except (AucliError, ValueError) as exc:
        fail_usage(str(exc))
    if json_out:
        typer.echo(json.dumps(result, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"aucli bench: {result['frames']} frames of {video.name} "
                        f"(best of {result['repeat']} for the landmarker and end to end)")
    table.add_column("what")
    table.add_column("value", justify="right")
    for group in ("reference_fps", "stage_fps"):
        for name, fps in result[group].items():
            table.add_row(f"{group.split('_')[0]}: {name}", f"{fps:,.1f} fps")
    table.add_row("end to end (aucli extract)", f"{result['end_to_end_fps']:,.1f} fps")
    table.add_row("start-up before the first frame (models, output file)",
                  f"{result['startup_seconds']:.2f} s")
    for name, ratio in result["ratios"].items():
        table.add_row(f"ratio {name}", f"{ratio:.2f}x")
    for name, mb in result["peak_rss_mb"].items():
        table.add_row(f"peak RSS {name}", f"{mb:,.0f} MB")
    Console().print(table)
