"""Progress bars for long work, one layout everywhere: what, bar, done/total, %, a note, ETA.

``progress_bar(what, total)`` is a single bar (clip inputs, LOSO folds, dataset preparation);
``Bar.reset`` reuses it for the next pass (the trainer keeps one bar per run across epochs, so an
epoch costs the same at the end of a run as at its start). ``BatchProgress`` adapts the extract
batch's events (one bar for the batch, one per file) to the same layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def make_progress(console: Console | None = None, enabled: bool = True,
                  transient: bool = False) -> Progress:
    """A rich Progress on stderr with the one aucli layout; tasks carry a ``note`` field."""
    return Progress(
        TextColumn("{task.description}", justify="left"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
        disable=not enabled,
        transient=transient,
    )


class Bar:
    """One task of a Progress: update it, advance it, or reset it for the next pass."""

    def __init__(self, progress: Progress, description: str, total: float | None,
                 note: str = "") -> None:
        self.progress = progress
        self.task = progress.add_task(description, total=total, note=note)

    def update(self, **fields: Any) -> None:
        self.progress.update(self.task, **fields)

    def advance(self, n: float = 1, **fields: Any) -> None:
        self.progress.update(self.task, advance=n, **fields)

    def reset(self, total: float | None, description: str, note: str = "") -> None:
        self.progress.reset(self.task, total=total, description=description, note=note)

    @property
    def speed(self) -> float | None:
        """Items per second over rich's recent samples (None before two samples)."""
        return next((t.speed for t in self.progress.tasks if t.id == self.task), None)

    def remove(self) -> None:
        self.progress.remove_task(self.task)


@contextmanager
def progress_bar(description: str, total: float | None, *, note: str = "",
                 enabled: bool = True, transient: bool = False,
                 progress: Progress | None = None) -> Iterator[Bar]:
    """A bar on its own Progress display, or a new task on ``progress`` (removed at the end)."""
    if progress is not None:
        bar = Bar(progress, description, total, note)
        try:
            yield bar
        finally:
            bar.remove()
        return
    with make_progress(enabled=enabled, transient=transient) as own:
        yield Bar(own, description, total, note)


class BatchProgress:
    """Adapter from batch events (start/frames/done) to rich tasks."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.batch: Bar | None = None
        self.files: dict[int, Bar] = {}

    def begin(self, total: int, skipped: int) -> None:
        self.batch = Bar(self.progress, "videos", total)
        self.batch.advance(skipped)

    def event(self, key: int, job: Any, kind: str, value: Any) -> None:
        if kind == "start":
            self.files[key] = Bar(self.progress, _short(job.video.name), value)
        elif kind == "frames" and key in self.files:
            bar = self.files[key]
            bar.advance(value)
            speed = bar.speed
            bar.update(note=f"{speed:.0f} fr/s" if speed else "")

    def done(self, key: int, outcome: Any) -> None:
        bar = self.files.pop(key, None)
        if bar is not None:
            bar.remove()
        if self.batch is not None:
            self.batch.advance(1)
        if outcome.status == "ok":  # failures are listed together in the closing summary
            detail = f"{outcome.frames} frames, {outcome.fps:.0f} fr/s"
            self.progress.console.print(f"[green]ok[/] {escape(outcome.path)}: {detail}", highlight=False)


def _short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1):]
