"""Rich progress bars for long work: one for the batch, one per file, frames/s and ETA."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)


def make_progress(console: Console | None = None, unit: str = "frames") -> Progress:
    return Progress(
        TextColumn("{task.description}", justify="left"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
        transient=False,
    )


class BatchProgress:
    """Adapter from batch events (start/frames/done) to rich tasks."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.batch: Any = None
        self.files: dict[int, Any] = {}

    def begin(self, total: int, skipped: int) -> None:
        self.batch = self.progress.add_task("videos", total=total, rate="")
        self.progress.advance(self.batch, skipped)

    def event(self, key: int, job: Any, kind: str, value: Any) -> None:
        if kind == "start":
            self.files[key] = self.progress.add_task(_short(job.video.name), total=value, rate="")
        elif kind == "frames" and key in self.files:
            task = self.files[key]
            self.progress.advance(task, value)
            speed = self.progress._tasks[task].speed
            self.progress.update(task, rate=f"{speed:.0f} fr/s" if speed else "")

    def done(self, key: int, outcome: Any) -> None:
        task = self.files.pop(key, None)
        if task is not None:
            self.progress.remove_task(task)
        self.progress.advance(self.batch, 1)
        if outcome.status == "ok":  # failures are listed together in the closing summary
            detail = f"{outcome.frames} frames, {outcome.fps:.0f} fr/s"
            self.progress.console.print(f"[green]ok[/] {escape(outcome.path)}: {detail}", highlight=False)


def _short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1):]


def ticker(progress, label: str, unit: str = "fr/s") -> Callable[[int, int], None]:
    """An ``on_frame(done, total)`` callback driving one rich task with its rate (frames/s)."""
    tasks: list = []  # added on the first frame, so an input refused up front shows no bar

    def tick(done: int, total: int) -> None:
        if not tasks:
            tasks.append(progress.add_task(label, total=total, rate=""))
        task = tasks[0]
        progress.update(task, completed=done, total=total)
        speed = progress._tasks[task].speed
        progress.update(task, rate=f"{speed:.0f} {unit}" if speed else "")

    return tick
