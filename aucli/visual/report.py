"""``aucli report FOLDER``: one self-contained HTML page for an extraction batch or training runs.

What the folder holds decides the sections: a manifest or aucli Parquet files make the batch
report, ``log.csv`` / ``metrics.json`` files make the training-runs report; a folder with both gets
both. A batch above ``inline_max`` videos keeps one sortable table on the index page and writes one
self-contained page per video into ``<report>_videos/``, linked from the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aucli import __version__
from aucli.errors import InputError
from aucli.visual import html as H



@dataclass(frozen=True)
class Job:
    folder: Path
    """The folder reported on."""
    out: Path
    """The HTML file written."""
    inline_max: int = 20
    """Up to this many videos inline; more get a page each."""
    tick: Callable[[int, int], None] | None = None
    """Progress callback (done, total)."""


def extraction_body(job: Job) -> str:
    from aucli.visual import batch_report as B
    from aucli.visual.tracks import read_extraction

    folder, out = job.folder, job.out
    items = B.entries(folder)
    facts, sections, links = {}, [], {}
    pages = out.with_name(out.stem + "_videos")
    inline = sum(e.parquet is not None for e in items) <= job.inline_max
    for k, entry in enumerate(items):
        if entry.parquet is not None:
            try:
                ex = read_extraction(entry.parquet)
            except InputError as exc:
                entry.status, entry.row = "unreadable", {**entry.row, "error": str(exc)}
            else:
                facts[entry.name] = B.seen(ex)
                section = B.video_section(entry, ex, B.video_path(entry, ex, folder))
                if inline:
                    sections.append(section)
                    links[entry.name] = f"#{H.anchor(entry.name)}"
                else:
                    page = pages / (entry.name.replace("/", "__") + ".html")
                    H.write_atomic(page, H.page(entry.name, f'<p><a href="../{H.esc(out.name)}">'
                                                f"&larr; batch report</a></p>{section}"))
                    links[entry.name] = f"{pages.name}/{page.name}"
        if job.tick:
            job.tick(k + 1, len(items))
    return (B.summary(items, facts) + f"<h2>Videos ({len(items)})</h2>"
            + B.index_table(items, facts, links) + "".join(sections))


def runs_body(job: Job) -> str:
    from aucli.visual.runs_report import runs_body as body

    return body(job.folder)


def _is_extraction(folder: Path) -> bool:
    from aucli.visual.batch_report import is_extraction

    return is_extraction(folder)


def _is_runs(folder: Path) -> bool:
    from aucli.visual.runs_report import is_runs

    return is_runs(folder)


# (what the folder must hold, section builder), in page order
KINDS = ((_is_extraction, extraction_body), (_is_runs, runs_body))


def write_report(folder: str | Path, out: str | Path | None = None, inline_max: int = 20,
                 tick: Callable[[int, int], None] | None = None) -> Path:
    """Write the report of ``folder`` (default ``folder/report.html``) and return its path."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder (give an `aucli extract` output folder or a "
                         "folder of training runs)")
    out = Path(out) if out else folder / "report.html"
    job = Job(folder, out, inline_max, tick)
    bodies = [build(job) for holds, build in KINDS if holds(folder)]
    if not bodies:
        raise InputError(f"{folder}: nothing to report: no manifest.parquet or aucli Parquet files "
                         "(from `aucli extract`) and no log.csv / metrics.json (from `aucli train`)")
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = (f"<h1>aucli report: {H.esc(folder.resolve().name)}</h1><p class=muted>{H.esc(str(folder))}"
            f" &mdash; made {when} by aucli {H.esc(__version__)}</p>")
    return H.write_atomic(out, H.page(f"aucli report: {folder.name}", head + "".join(bodies)))
