"""``aucli mer``: micro-expression class probabilities for intervals of a person's own video."""

from __future__ import annotations

from pathlib import Path

import typer

from aucli.commands._common import Device, fail_usage, threads_option, use_threads

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
    device: Device = typer.Option(Device.cpu, "--device", help="Where the model runs."),
    threads: int | None = threads_option(),
) -> None:
    from aucli.engine.mer import recognise
    from aucli.errors import AucliError

    if spot == (onset is not None or apex is not None) or (not spot and None in (onset, apex)):
        fail_usage("give either --onset I --apex J, or --spot")
    try:
        use_threads(threads)
        table = recognise(video, model, [(None, onset, apex, None, "given")] if not spot else None,
                          device.value)
        _write_and_print(table, out / f"{video.stem}.mer.parquet")
    except (AucliError, ValueError) as exc:
        fail_usage(str(exc))


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
