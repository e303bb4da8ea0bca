"""Run the extract pipeline over many videos: resumable, parallel, with a manifest.

Every input ends as one manifest row (``ok``, ``failed`` or ``skipped-done``); one bad file never
stops the others. Outputs are atomic, so a finished file is never redone unless ``overwrite``.
"""

from __future__ import annotations

import datetime as dt
import os
import queue as queue_mod
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from aucli.errors import AucliError
from aucli.extract.pipeline import Resolved

MANIFEST = "manifest.parquet"


@dataclass(frozen=True)
class Job:
    video: Path  # the input: a video, an image, or a folder of images
    out: Path
    kind: str = "video"  # video | photos | sequence (aucli.extract.inputs)
    files: tuple[Path, ...] = ()  # the images of a photos / sequence input, in row order


@dataclass
class Outcome:
    path: str
    status: str  # ok | failed | skipped-done
    error: str = ""
    frames: int = 0
    faces: int = 0
    seconds: float = 0.0
    fps: float = 0.0
    output: str = ""
    output_sha256: str = ""
    finished_at: str = ""
    decoder: str = ""  # backend that produced the rows (decord, pyav, image)


def plan(inputs: list[str | Path], out_dir: Path,
         sequence: bool = False) -> tuple[list[Job], list[Outcome]]:
    """Jobs for every video, image and image folder found (rules: aucli.extract.inputs), and
    failed outcomes for inputs that do not exist. ``sequence``: image folders are sequences."""
    from aucli.extract.inputs import find_inputs

    found, missing = find_inputs(list(inputs), sequence)
    jobs: list[Job] = []
    taken: set[Path] = set()
    for source in found:
        out = out_dir / f"{source.rel}.parquet"
        if out in taken:  # two inputs with one name: keep their folder name
            out = out_dir / source.path.parent.name / f"{source.rel}.parquet"
        taken.add(out)
        jobs.append(Job(source.path, out, source.kind, source.files))
    failed = [Outcome(str(p), "failed", error=reason) for p, reason in missing]
    return jobs, failed


def clear_stale_temps(out: Path) -> None:
    """Remove temporary files of ``out`` left by processes that no longer exist."""
    if not out.parent.is_dir():
        return
    for temp in out.parent.glob(f".{out.name}.*.tmp"):
        pid = temp.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not _alive(int(pid)):
            temp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_video_job(job: Job, resolved: Resolved, report: Callable[[str, Any], None]) -> dict[str, Any]:
    from aucli.extract.pipeline import run_video
    from aucli.extract.video import probe

    decode = resolved.pipeline.decode
    info = probe(job.video, decode.backend)
    report("start", info.frames // decode.stride + 1)
    return run_video(job.video, job.out, resolved, lambda n: report("frames", n), info)


def _run_image_job(job: Job, resolved: Resolved, report: Callable[[str, Any], None]) -> dict[str, Any]:
    from aucli.extract.images import run_images
    from aucli.extract.inputs import Source

    report("start", len(job.files))
    source = Source(job.kind, job.video, job.out, job.files)
    return run_images(source, job.out, resolved, lambda n: report("frames", n))


RUNNERS = {"video": _run_video_job, "photos": _run_image_job, "sequence": _run_image_job}


def extract_one(job: Job, resolved: Resolved, report: Callable[[str, Any], None]) -> Outcome:
    """Run one input; every failure becomes a one-line error in the outcome."""
    from aucli.extract.model_files import sha256_file

    now = lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")  # noqa: E731
    try:
        clear_stale_temps(job.out)
        stats = RUNNERS[job.kind](job, resolved, report)
    except AucliError as exc:
        return Outcome(str(job.video), "failed", error=str(exc), finished_at=now())
    except Exception as exc:  # a decoder or model failure on one file must not stop the batch
        message = f"{job.video}: {type(exc).__name__}: {exc}".splitlines()[0][:300]
        return Outcome(str(job.video), "failed", error=message, finished_at=now())
    bad = stats.get("bad", [])
    note = f"{len(bad)} unreadable image(s) left out: {bad[0]}"[:300] if bad else ""
    return Outcome(
        str(job.video), "ok", error=note, frames=stats["frames"], faces=stats["faces"],
        seconds=round(stats["seconds"], 3), fps=round(stats["fps"], 2), output=str(job.out),
        output_sha256=sha256_file(job.out), finished_at=now(), decoder=stats.get("decoder", ""),
    )


def _worker(job: Job, resolved: Resolved, events: Any, key: int) -> Outcome:
    buffered = [0]

    def report(kind: str, value: Any) -> None:
        if kind == "frames":  # batch frame ticks: one queue message per 8 frames
            buffered[0] += value
            if buffered[0] < 8:
                return
            value, buffered[0] = buffered[0], 0
        events.put((key, kind, value))

    outcome = extract_one(job, resolved, report)
    if buffered[0]:
        events.put((key, "frames", buffered[0]))
    return outcome


def write_manifest(out_dir: Path, outcomes: list[Outcome]) -> Path:
    """Merge ``outcomes`` into ``out_dir/manifest.parquet`` (keyed by input path), atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from aucli.extract.parquet import write_table_atomic

    path = out_dir / MANIFEST
    rows: dict[str, dict[str, Any]] = {}
    if path.exists():
        for row in pq.read_table(path).to_pylist():
            rows[row["path"]] = row
    for outcome in outcomes:
        row = asdict(outcome)
        previous = rows.get(outcome.path)
        if outcome.status == "skipped-done" and previous:  # keep what the finished run measured
            row.update({k: previous.get(k, row[k]) for k in ("frames", "faces", "seconds", "fps",
                                                             "output_sha256", "finished_at", "decoder")})
        rows[outcome.path] = row
    write_table_atomic(pa.Table.from_pylist(list(rows.values())), path)
    return path


def skip_done(jobs: list[Job], out_dir: Path, overwrite: bool,
              progress: Any = None) -> tuple[list[Job], list[Outcome]]:
    """Jobs still to run, and ``skipped-done`` outcomes (already in the manifest) for the rest."""
    todo = [job for job in jobs if overwrite or not job.out.exists()]
    skipped = [Outcome(str(j.video), "skipped-done", output=str(j.out)) for j in jobs if j not in todo]
    if skipped:
        write_manifest(out_dir, skipped)
    if progress:
        progress.begin(len(jobs), len(skipped))
    return todo, skipped


def run_batch(jobs: list[Job], out_dir: Path, resolved: Resolved, workers: int = 1,
              overwrite: bool = False, progress: Any = None) -> list[Outcome]:
    """Run ``jobs``; ``progress`` (a :class:`BatchProgress` or None) shows bars."""
    todo, outcomes = skip_done(jobs, out_dir, overwrite, progress)
    if workers <= 1 or len(todo) <= 1:
        for key, job in enumerate(todo):
            def report(kind: str, value: Any, key: int = key, job: Job = job) -> None:
                if progress:
                    progress.event(key, job, kind, value)
            outcomes.append(_finish(extract_one(job, resolved, report), out_dir, progress, key))
        return outcomes
    return outcomes + _run_parallel(todo, out_dir, resolved, workers, progress)


def _finish(outcome: Outcome, out_dir: Path, progress: Any, key: int) -> Outcome:
    write_manifest(out_dir, [outcome])
    if progress:
        progress.done(key, outcome)
    return outcome


def _run_parallel(todo: list[Job], out_dir: Path, resolved: Resolved, workers: int,
                  progress: Any) -> list[Outcome]:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # MediaPipe and torch are not fork-safe
    outcomes: list[Outcome] = []
    with ctx.Manager() as manager, ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        events = manager.Queue()
        futures = {pool.submit(_worker, job, resolved, events, k): k for k, job in enumerate(todo)}
        pending = set(futures)
        while pending:
            _drain(events, todo, progress)
            finished = [f for f in pending if f.done()]
            for future in finished:
                pending.discard(future)
                key = futures[future]
                _drain(events, todo, progress)
                try:
                    outcome = future.result()
                except Exception as exc:  # a worker that died (killed, out of memory)
                    outcome = Outcome(str(todo[key].video), "failed", error=f"worker died: {exc}")
                outcomes.append(_finish(outcome, out_dir, progress, key))
            if pending and not finished:
                try:
                    key, kind, value = events.get(timeout=0.2)
                    if progress:
                        progress.event(key, todo[key], kind, value)
                except queue_mod.Empty:
                    pass
    return outcomes


def _drain(events: Any, todo: list[Job], progress: Any) -> None:
    while True:
        try:
            key, kind, value = events.get_nowait()
        except queue_mod.Empty:
            return
        if progress:
            progress.event(key, todo[key], kind, value)
