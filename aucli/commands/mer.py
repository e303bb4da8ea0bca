"""``aucli mer``: micro-expression class probabilities for intervals of a person's own video."""

from __future__ import annotations

from pathlib import Path

import typer

HELP = (
    "Recognise micro-expressions in a video with a trained ME model (mmmst, lightman, "
    "baseline-me), e.g. OUT/final/best.pt of an `aucli train ... --protocol loso` run.\n\n"
    "Give one interval with --onset/--apex (0-based decoded frame indices), or --spot to "
    "classify every interval `aucli spot` finds. The face is found on each interval's onset "
    "frame and one alignment map is used for onset and apex (no jitter); flow, strain and apex "
    "inputs follow the model's [input] settings. Writes OUT/VIDEO.mer.parquet "
    "(video, face_id, onset, apex, offset, kind, label, confidence, p_CLASS) and prints it.\n\n"
    "Examples:\n\n"
    "  aucli mer clip.mp4 --model runs/mmmst-casme2-loso/final --onset 10 --apex 24\n\n"
    "  aucli mer interview.mp4 --model runs/lightman-megc2019-loso/final --spot -o out/"
)


def register(app: typer.Typer) -> None:
    app.command("mer", help=HELP)(mer)


def mer(
    video: Path = typer.Argument(..., help="Video file."),
    model: Path = typer.Option(..., "--model", help="ME checkpoint (.pt) or run folder."),
    onset: int | None = typer.Option(None, "--onset", help="Onset frame index (0-based)."),
    apex: int | None = typer.Option(None, "--apex", help="Apex frame index (0-based)."),
    spot: bool = typer.Option(False, "--spot", help="Classify every interval aucli spot finds."),
    out: Path = typer.Option(Path("."), "-o", "--out", help="Output folder."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda or auto."),
) -> None:
    from aucli.commands._common import fail_usage
    from aucli.errors import AucliError

    if spot == (onset is not None or apex is not None) or (not spot and None in (onset, apex)):
        fail_usage("give either --onset I --apex J, or --spot")
    try:
        table = recognise(video, model, [(None, onset, apex, None, "given")] if not spot else None,
                          device)
        _write_and_print(table, out / f"{video.stem}.mer.parquet")
    except (AucliError, ValueError) as exc:
        fail_usage(str(exc))


def load_model(path: Path, device: str):
    """(method, InputConfig, classes) from an ME checkpoint."""
    from aucli.config import from_dict
    from aucli.methods.checkpoint import build_method, load_checkpoint
    from aucli.engine.me_data import InputConfig
    from aucli.methods.runtime import resolve_device
    from aucli.errors import InputError

    ckpt = load_checkpoint(path)
    if ckpt["meta"].get("task") != "me":
        raise InputError(f"{path}: not a micro-expression model (task {ckpt['meta'].get('task')})")
    dev = resolve_device(device)
    method = build_method(ckpt, dev)
    return method, from_dict(InputConfig, ckpt["config"].get("input", {}), "input."), \
        list(ckpt["meta"]["classes"]), dev


def spotted(video: Path) -> list[tuple]:
    """(face_id, onset, apex, offset, kind) of every interval aucli spot finds.

    A spotted apex may equal its onset; the flow then runs to the next frame.
    """
    from aucli.spotting.spot import spot_video

    t = spot_video(video)[0].to_pydict()
    rows = zip(t["face_id"], t["onset"], t["apex"], t["offset"], t["kind"])
    return [(f, on, max(ap, on + 1), off, k) for f, on, ap, off, k in rows]


def interval_inputs(video: Path, onset: int, apex: int, cfg) -> tuple:
    """(flow [3, S, S], apex [1, S, S]) of one interval, aligned on its onset frame."""
    from aucli.motion.clips import load_video_clip
    from aucli.engine.me_data import aligned_pair, clip_inputs

    clip = load_video_clip(video, onset, apex)
    gray = aligned_pair(clip.frames[0], clip.frames[clip.apex], max(cfg.size, cfg.work_size))
    return clip_inputs(gray, 0, 1, cfg.size, cfg.flow, cfg.work_size, cfg.normalise)


def recognise(video: Path, model: Path, intervals: list[tuple] | None, device: str = "cpu"):
    """Class probabilities per interval as an Arrow table (``intervals`` None: spot them)."""
    import numpy as np
    import pyarrow as pa
    import torch

    from aucli.errors import InputError

    if not video.is_file():
        raise InputError(f"{video}: no such video file")
    method, cfg, classes, dev = load_model(model, device)
    intervals = spotted(video) if intervals is None else intervals
    rows, probs = [], []
    for face_id, onset, apex, offset, kind in intervals:
        flow, apex_img = interval_inputs(video, int(onset), int(apex), cfg)
        batch = {"flow": torch.from_numpy(flow)[None].to(dev),
                 "apex": torch.from_numpy(apex_img)[None].to(dev)}
        with torch.no_grad():
            probs.append(method.predict(batch).float().softmax(-1)[0].cpu().numpy())
        rows.append((face_id, onset, apex, offset, kind))
    p = np.stack(probs) if probs else np.zeros((0, len(classes)), np.float32)
    cols = {
        "video": [str(video)] * len(rows), "face_id": pa.array([r[0] for r in rows], pa.int32()),
        "onset": pa.array([r[1] for r in rows], pa.int32()),
        "apex": pa.array([r[2] for r in rows], pa.int32()),
        "offset": pa.array([r[3] for r in rows], pa.int32()),
        "kind": [r[4] for r in rows], "label": [classes[i] for i in p.argmax(1)],
        "confidence": pa.array(p.max(1) if len(p) else [], pa.float32()),
        **{f"p_{c}": pa.array(p[:, k], pa.float32()) for k, c in enumerate(classes)},
    }
    return pa.table(cols)


def _write_and_print(table, path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from aucli.extract.parquet import write_table_atomic

    write_table_atomic(table, path)
    view = Table(title=f"{path.name}: {table.num_rows} intervals")
    shown = [c for c in table.column_names if c != "video"]
    for name in shown:
        view.add_column(name)
    for row in table.select(shown).to_pylist():
        view.add_row(*("" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
                       for v in row.values()))
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # files and pipes get the whole table, not 80 columns
    console.print(view)
    typer.echo(f"wrote {path}", err=True)
