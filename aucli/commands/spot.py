"""``aucli spot``: find micro- and macro-expression intervals in long videos, no training."""

from __future__ import annotations

from pathlib import Path

import typer

HELP = """Spot candidate micro- and macro-expressions in videos without training: \
per-AU-region optical \
flow of each face against a sliding window (MEGC baseline idea), peaks above an adaptive \
threshold, merged into onset/apex/offset intervals with a duration filter.

Writes OUT/VIDEO.spot.parquet (video, face_id, onset, apex, offset, *_time, score, region, \
kind) and OUT/VIDEO.spot_score.parquet (per-frame score); --plot adds OUT/VIDEO.spot.png. \
Settings: \\[spot] of pipelines/me-features.toml. Score against ground truth with `aucli score \
--task spot`.

Examples:\n
  aucli spot sample_videos/WolfgangLanger_Pexels.mp4 -o out/ --plot\n
  aucli spot long.mp4 -o out/ --set peaks.p=0.5 --set micro_window_s=0.1
"""


def register(app: typer.Typer) -> None:
    app.command("spot", help=HELP)(spot)


def spot(
    videos: list[Path] = typer.Argument(..., metavar="VIDEO...", help="Video files."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder."),
    config: Path | None = typer.Option(None, "--config", help="TOML with a \\[spot] table."),
    sets: list[str] = typer.Option([], "--set", help="Override a \\[spot] setting: a.b=value."),
    plot: bool = typer.Option(False, "--plot", help="Also write OUT/VIDEO.spot.png."),
) -> None:
    from aucli.commands._common import fail_usage
    from aucli.errors import AucliError

    try:
        cfg = _config(config, sets)
        for video in videos:
            _one(video, out, cfg, plot)
    except (AucliError, ValueError) as exc:
        fail_usage(str(exc))


def _config(path: Path | None, sets: list[str]):
    from aucli.config import apply_overrides, from_dict, load_toml
    from aucli.spotting.spot import SpotConfig

    data = load_toml(path).get("spot", {}) if path else {}
    return from_dict(SpotConfig, apply_overrides(data, sets))


def _one(video: Path, out: Path, cfg, plot: bool) -> None:
    from aucli.extract.parquet import write_table_atomic
    from aucli.spotting.spot import spot_paths, spot_video

    intervals, scores = spot_video(video, cfg)
    iv_path, sc_path = spot_paths(out, video.stem)
    write_table_atomic(scores, sc_path)
    write_table_atomic(intervals, iv_path)
    typer.echo(f"{video}: {intervals.num_rows} intervals -> {iv_path}", err=True)
    if plot:
        from aucli.spotting.plot import plot_spotting

        plot_spotting(sc_path, iv_path, out / f"{video.stem}.spot.png")
