"""``aucli extract``: videos or folders -> one Parquet per video + manifest."""

from __future__ import annotations

from pathlib import Path

import typer

EXTRACT_HELP = """Detect, track and align faces, estimate AUs and head pose: one Parquet row per frame
and face in OUT/VIDEO.parquet, plus OUT/manifest.parquet with one row per input.

INPUT may be videos (anything FFmpeg decodes: .mp4 .mov .avi .mkv .webm ...), images (.jpg .png
.bmp .tiff .webp) or folders (searched recursively). In a folder, videos are videos; the images of
one folder become OUT/FOLDER.parquet: a sequence when numbered (0001.jpg ...) or with --sequence
(timestamps from --fps), otherwise independent photos (column `file`, a row per image and face).
Finished videos are skipped on a re-run (use --overwrite to redo); an interrupted run leaves no
partial file under a final name. Exit status: 0 all inputs succeeded, 1 some failed (the rest
were processed and are listed in the manifest), 2 usage error.

Examples:\n
  aucli extract sample_videos -o out/\n
  aucli extract clip.mp4 -o out/ --stride 2 --normalise --save-crops --flow\n
  aucli extract videos/ -o out/ --set detect.max_faces=2 --workers 2\n
  aucli extract videos/ -o out/ --model runs/baseline-au-bp4d-fold1/best.pt\n
  aucli extract group.jpg photos/ -o out/\n
  aucli extract BP4D/F001/T1/ -o out/ --sequence --fps 25
"""


def register(app: typer.Typer) -> None:
    app.command("extract", help=EXTRACT_HELP)(extract)


def extract(
    inputs: list[Path] = typer.Argument(
        ..., metavar="INPUT...", readable=False, help="Video files or folders."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder."),
    pipeline: Path | None = typer.Option(
        None, "--pipeline", help="Recipe TOML (default: pipelines/extract-au.toml)."),
    sets: list[str] = typer.Option([], "--set", help="Override a recipe value: a.b=value (TOML)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Videos processed in parallel."),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda for model stages."),
    stride: int | None = typer.Option(None, "--stride", min=1, help="Process every k-th frame."),
    normalise: bool = typer.Option(False, "--normalise", help="Subtract each track's neutral AU baseline."),
    save_crops: bool = typer.Option(
        False, "--save-crops", help="Store aligned crops (PNG) in column `aligned`."),
    mesh: bool = typer.Option(False, "--mesh", help="Store the 478-point mesh in column `mesh`."),
    flow: bool = typer.Option(False, "--flow", help="Add per-AU-region optical flow vs the previous frame."),
    model: Path | None = typer.Option(
        None, "--model", help="A trained AU checkpoint (aucli train): adds AUxx_c probabilities."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Redo videos whose output exists."),
    sequence: bool = typer.Option(
        False, "--sequence", help="Treat each folder of images as the frames of one recording."),
    fps: float | None = typer.Option(
        None, "--fps", min=0.001, help="Frame rate of image sequences (default 30; sets decode.fps)."),
    engine: str = typer.Option("local", "--engine", help="local (this machine) or ray (a Ray cluster)."),
    address: str = typer.Option(
        "local", "--address",
        help="--engine ray: 'local' (start one here), 'auto' (running cluster) or HOST:PORT."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    report: bool = typer.Option(False, "--report", help="Write OUT/report.html at the end (aucli report)."),
) -> None:
    from aucli import api
    from aucli.commands._common import fail_usage, summarise
    from aucli.errors import AucliError

    if device not in ("auto", "cpu", "cuda"):
        fail_usage(f"--device must be auto, cpu or cuda, not {device!r}")
    if engine not in ("local", "ray"):
        fail_usage(f"--engine must be local or ray, not {engine!r}")
    settings: dict = {"device": device}
    for key, value in (("stride", stride), ("fps", fps)):
        if value is not None:
            settings[f"decode.{key}"] = value
    for flag, key in ((normalise, "normalise"), (save_crops, "save_crops"), (mesh, "mesh")):
        if flag:
            settings[f"output.{key}"] = True
    try:
        resolved = api.configure(pipeline, sets, settings, flow=flow, model=model)
        outcomes = api.run_batch(inputs, out, resolved, workers, overwrite, not quiet, engine, address,
                                 sequence)
    except AucliError as exc:
        fail_usage(str(exc))
    status = summarise(outcomes, out)
    if report:
        from aucli.visual.report import write_report

        typer.echo(f"report: {write_report(out)}", err=True)
    raise typer.Exit(status)
