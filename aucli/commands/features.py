"""``aucli features``: onset-aligned micro-expression clip features (flow, strain, LBP-TOP)."""

from __future__ import annotations

from pathlib import Path

import typer

HELP = """Micro-expression features of one clip: onset->apex optical flow (u, v), \
optical strain and \
LBP-TOP, in one Parquet row (format: aucli/features.py docstring; defaults: \
pipelines/me-features.toml).

The face is aligned once on the onset frame and that transform is reused for the whole clip. \
For a video, --onset/--apex/--offset are 0-based frame indices; for --clip-dir (a folder of \
frame images, as ME datasets ship) they are the numbers in the file names (defaults: first, \
middle, last). LBP-TOP covers onset..offset (onset..apex without --offset).

Examples:\n
  aucli features clip.mp4 --onset 120 --apex 131 --offset 140 -o feats.parquet\n
  aucli features --clip-dir CASME2/sub01/EP02_01f --apex 59 -o out/ --flow farneback
"""


def register(app: typer.Typer) -> None:
    app.command("features", help=HELP)(features)


def features(
    video: Path | None = typer.Argument(None, metavar="[VIDEO]", help="Video file."),
    out: Path = typer.Option(..., "-o", "--out", help="Output .parquet file, or a folder."),
    onset: int | None = typer.Option(None, "--onset", help="Onset frame."),
    apex: int | None = typer.Option(None, "--apex", help="Apex frame."),
    offset: int | None = typer.Option(None, "--offset", help="Offset frame (optional)."),
    clip_dir: Path | None = typer.Option(None, "--clip-dir", help="Folder of frame images."),
    flow: str | None = typer.Option(None, "--flow", help="tvl1 | farneback | dis."),
    size: int | None = typer.Option(None, "--size", min=16, help="Crop side in pixels."),
    config: Path | None = typer.Option(
        None, "--config",
        help="TOML with a \\[features] table (pipelines/me-features.toml)."),
    sets: list[str] = typer.Option([], "--set", help="Override a setting: a.b=value (TOML)."),
    box: str | None = typer.Option(
        None, "--box", help="X,Y,W,H face box: skip detection and alignment."),
) -> None:
    from aucli.commands._common import fail_usage
    from aucli.errors import AucliError

    try:
        cfg = _config(config, sets, flow, size)
        clip = _clip(video, clip_dir, onset, apex, offset)
        path = _out_path(out, clip.name)
        from aucli.motion.features import clip_row, write_features

        write_features(path, [clip_row(clip, cfg, _box(box))], cfg)
    except (AucliError, ValueError) as exc:
        fail_usage(str(exc))
    typer.echo(f"wrote {path}", err=True)


def _config(path: Path | None, sets: list[str], flow: str | None, size: int | None):
    from aucli.config import apply_overrides, from_dict, load_toml
    from aucli.motion.features import ClipFeaturesConfig
    from aucli.ops.flow import FLOW_METHODS

    data = apply_overrides(load_toml(path).get("features", {}) if path else {}, sets)
    data.update({k: v for k, v in (("flow", flow), ("size", size)) if v is not None})
    cfg = from_dict(ClipFeaturesConfig, data)
    if cfg.flow not in FLOW_METHODS:
        raise ValueError(f"--flow must be one of {', '.join(sorted(FLOW_METHODS))}, not {cfg.flow!r}")
    return cfg


def _clip(video, clip_dir, onset, apex, offset):
    from aucli.motion.clips import load_dir_clip, load_video_clip
    from aucli.errors import InputError

    if (video is None) == (clip_dir is None):
        raise InputError("give either a VIDEO or --clip-dir DIR")
    if clip_dir is not None:
        return load_dir_clip(clip_dir, onset, apex, offset)
    if onset is None or apex is None:
        raise InputError("a VIDEO needs --onset and --apex")
    return load_video_clip(video, onset, apex, offset)


def _box(text: str | None):
    if text is None:
        return None
    parts = text.split(",")
    try:
        box = [float(p) for p in parts]
    except ValueError:
        box = []
    if len(box) != 4 or box[2] <= 0 or box[3] <= 0:
        raise ValueError(f"--box must be X,Y,W,H with W, H > 0, not {text!r}")
    return box


def _out_path(out: Path, name: str) -> Path:
    return out if out.suffix == ".parquet" else out / f"{name}.features.parquet"
