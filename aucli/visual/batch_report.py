"""The report of an ``aucli extract`` folder: the batch from its manifest, then each video.

The index page holds the summary, the failures with their one-line reasons, the recipe and one
sortable table (a row per input). Each video's panels (faces over time, track durations and
thumbnails, a heat-map per track, mean and peak AU per track) go inline for a small batch and
into one linked page per video for a large one, so 500 videos stay one readable table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aucli.plotting import png_bytes, pyplot
from aucli.visual import html as H
from aucli.visual.draw import track_hex
from aucli.visual.tracks import Extraction, au_name, au_number, runs

MAX_TRACKS = 6  # heat-maps and AU columns for the longest tracks; every track is in the table
NOT_OUTPUTS = (".spot.parquet", ".spot_score.parquet", "manifest.parquet", "predictions.parquet")


@dataclass
class Entry:
    """One input of the batch: its manifest row (when there is one) and its Parquet."""

    name: str
    status: str
    row: dict[str, Any]
    parquet: Path | None


def outputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.parquet")
                  if not p.name.endswith(NOT_OUTPUTS) and not p.name.startswith("."))


def is_extraction(folder: Path) -> bool:
    """A manifest, or a Parquet with ``aucli.video`` metadata."""
    import pyarrow.parquet as pq

    if (folder / "manifest.parquet").is_file():
        return True
    for path in outputs(folder)[:20]:
        try:
            if b"aucli.video" in (pq.read_schema(path).metadata or {}):
                return True
        except Exception:  # not Parquet after all: not ours
            continue
    return False


def entries(folder: Path) -> list[Entry]:
    """Manifest rows matched to the Parquet files under ``folder``; files with no row join as ok."""
    import pyarrow.parquet as pq

    found = {p.relative_to(folder).as_posix(): p for p in outputs(folder)}
    manifest = folder / "manifest.parquet"
    rows = pq.read_table(manifest).to_pylist() if manifest.is_file() else []
    out, used = [], set()
    for row in rows:
        output = str(row.get("output") or "").replace("\\", "/")
        match = next((rel for rel in found if output and output.endswith(rel)), None)
        used.add(match)
        name = match.removesuffix(".parquet") if match else Path(row["path"]).stem
        out.append(Entry(name, row.get("status", "?"), row, found.get(match) if match else None))
    out += [Entry(rel.removesuffix(".parquet"), "ok", {}, p) for rel, p in found.items() if rel not in used]
    return out


def faces_figure(ex: Extraction) -> bytes:
    """Faces per frame over time, and below it one lane per track (the longest 20)."""
    plt = pyplot()
    tracks = sorted(ex.tracks, key=lambda t: -len(t.frame))[:20]
    fig, (top, lanes) = plt.subplots(2, 1, figsize=(7.5, 1.4 + 0.16 * len(tracks)), sharex=True,
                                     gridspec_kw={"height_ratios": [1.2, 0.3 + 0.16 * len(tracks)]})
    top.step(ex.times, ex.faces_per_frame, where="post", color="#333", lw=0.9)
    top.set_ylabel("faces", fontsize=8)
    top.set_ylim(-0.1, max(1, int(ex.faces_per_frame.max(initial=0))) + 0.3)
    step = float(np.median(np.diff(ex.times))) if len(ex.times) > 1 else 0.04
    for k, t in enumerate(tracks):
        lanes.broken_barh(segments(ex, t, step), (k - 0.35, 0.7), color=track_hex(t.face_id))
    lanes.set_yticks(range(len(tracks)), [f"face {t.face_id}" for t in tracks], fontsize=7)
    lanes.set_ylim(len(tracks) - 0.5, -0.5)
    lanes.set_xlabel("time (s)", fontsize=8)
    for ax in (top, lanes):
        ax.tick_params(labelsize=7)
    return png_bytes(fig, dpi=96)


def segments(ex: Extraction, track: Any, step: float) -> list[tuple[float, float]]:
    """(start, length) in seconds of each run of consecutive frames where the track was seen."""
    return [(float(track.time[a]), float(track.time[b] - track.time[a]) + step)
            for a, b in runs(ex.frames, track.frame)]


def heatmap_png(ex: Extraction, track: Any) -> bytes:
    from aucli.visual.plots import heatmap

    fig, ax = pyplot().subplots(figsize=(7.5, 0.5 + 0.13 * len(ex.au_r)))
    image = heatmap(ax, ex, track, ex.au_r, "")
    ax.set_title(f"face {track.face_id}", fontsize=9, loc="left", color=track_hex(track.face_id))
    bar = fig.colorbar(image, cax=ax.inset_axes((1.01, 0.0, 0.015, 1.0)))
    bar.ax.tick_params(labelsize=6)
    return png_bytes(fig, dpi=96)


def track_table(ex: Extraction, thumbs: dict[int, bytes]) -> str:
    rows = []
    for t in sorted(ex.tracks, key=lambda t: t.face_id):
        face = f'<span class="swatch" style="background:{track_hex(t.face_id)}"></span>face {t.face_id}'
        jpeg = thumbs.get(t.face_id)
        thumb = H.img(jpeg, f"face {t.face_id}", "image/jpeg", "thumb") if jpeg else ""
        rows.append(H.cell(face, True, raw=True, sort=t.face_id) + H.cell(thumb, raw=True)
                    + H.cell(float(t.time[0])) + H.cell(float(t.time[-1])) + H.cell(t.duration)
                    + H.cell(len(t.frame)))
    return H.table(["track", "aligned face", "first (s)", "last (s)", "duration (s)", "frames"], rows, True)


def au_table(ex: Extraction, tracks: list[Any]) -> str:
    """Mean and peak of every ``_r`` (and ``_c``) column for each of ``tracks``, FACS order."""
    heads = ["AU"] + [f"face {t.face_id} {s}" for t in tracks for s in ("mean", "peak")]
    rows = []
    for col in ex.au_r + ex.au_c:
        label = au_name(au_number(col)) + (" (P)" if col.endswith("_c") else "")
        vals = "".join(H.cell(_stat(np.nanmean, t.au[col])) + H.cell(_stat(np.nanmax, t.au[col]))
                       for t in tracks)
        rows.append(H.cell(label, True, sort=au_number(col)) + vals)
    return H.table(heads, rows, True)


def _stat(fn, values: np.ndarray) -> float | str:
    return float(fn(values)) if np.isfinite(values).any() else "-"


def video_section(entry: Entry, ex: Extraction, video: Path | None) -> str:
    from aucli.visual.thumbs import thumbnails

    named = entry.row.get("path") or (ex.metadata.get("aucli.video") or {}).get("path", "")
    thumbs, note = thumbnails(entry.parquet, video, named) if ex.tracks else ({}, "")
    top = sorted(ex.tracks, key=lambda t: -len(t.frame))[:MAX_TRACKS]
    parts = [f'<h2 id="{H.anchor(entry.name)}">{H.esc(entry.name)}</h2>',
             H.cards([("frames", len(ex.frames)), ("seconds", f"{_duration(ex):.1f}"),
                      ("tracks", len(ex.tracks)), ("frames with a face", f"{_coverage(ex):.0%}")])]
    if not ex.tracks:
        return "".join(parts) + "<p class=muted>No face was found in any frame.</p>"
    parts += ["<h3>Faces over time</h3>", H.img(faces_figure(ex), "faces over time"),
              "<h3>Tracks</h3>", track_table(ex, thumbs), f"<p class=muted>{H.esc(note)}</p>" if note else ""]
    if ex.au_r:
        more = f" (the {MAX_TRACKS} longest of {len(ex.tracks)})" if len(ex.tracks) > MAX_TRACKS else ""
        parts += [f"<h3>AU heat-map per track{more}</h3>",
                  "<p class=muted>Colour scale 0-1 for every track; grey: the face was not seen.</p>"]
        parts += [H.img(heatmap_png(ex, t), f"AU heat-map face {t.face_id}") for t in top]
        parts += [f"<h3>Mean and peak AU per track{more}</h3>", au_table(ex, top)]
    return "".join(parts)


def _duration(ex: Extraction) -> float:
    return float(ex.times[-1] - ex.times[0]) if len(ex.times) else 0.0


def _coverage(ex: Extraction) -> float:
    return float((ex.faces_per_frame > 0).mean()) if len(ex.frames) else 0.0


def video_path(entry: Entry, ex: Extraction, folder: Path) -> Path | None:
    """The input video: the manifest's path, else the Parquet's ``aucli.video`` path, as given
    or relative to the folder above OUT (where ``aucli extract`` usually ran)."""
    for raw in (entry.row.get("path"), (ex.metadata.get("aucli.video") or {}).get("path")):
        if raw:
            for candidate in (Path(raw), folder.parent / raw, folder / raw):
                if candidate.is_file():
                    return candidate
    return None


@dataclass
class Seen:
    """What the index needs from one readable Parquet."""

    frames: int
    seconds: float
    tracks: int
    coverage: float
    top: str  # the AUs with the highest mean over the video's faces
    version: str
    recipe: str


def seen(ex: Extraction) -> Seen:
    means = {c: np.nanmean(np.concatenate([t.au[c] for t in ex.tracks])) for c in ex.au_r if ex.tracks}
    top = sorted((c for c in means if np.isfinite(means[c])), key=lambda c: -means[c])[:3]
    return Seen(len(ex.frames), _duration(ex), len(ex.tracks), _coverage(ex),
                ", ".join(f"AU{au_number(c):02d} {means[c]:.2f}" for c in top),
                str(ex.metadata.get("aucli.version", "?")), str(ex.metadata.get("aucli.config", "")))


def summary(items: list[Entry], facts: dict[str, Seen]) -> str:
    """Counts, totals, the failures with their reasons, versions and recipes."""
    counts = {s: sum(e.status == s for e in items) for s in ("ok", "failed", "skipped-done")}
    fps = [float(e.row["fps"]) for e in items if e.row.get("fps")]
    parts = [H.cards([("inputs", len(items)), ("ok", counts["ok"]), ("failed", counts["failed"]),
                      ("skipped (done before)", counts["skipped-done"]),
                      ("frames", sum(f.frames for f in facts.values())),
                      ("face rows", sum(int(e.row.get("faces") or 0) for e in items)),
                      ("extract frames/s (mean)", f"{np.mean(fps):.1f}" if fps else "-")])]
    failed = [e for e in items if e.status == "failed"]
    if failed:
        rows = [H.cell(e.row.get("path", e.name), True) + H.cell(e.row.get("error", ""), True)
                for e in failed]
        parts += ["<h2>Failures</h2>", H.table(["input", "reason"], rows, True, left=2)]
    versions = sorted({f.version for f in facts.values()})
    recipes = sorted({f.recipe for f in facts.values() if f.recipe})
    parts.append(f"<p>aucli version{'s' if len(versions) > 1 else ''}: {H.esc(', '.join(versions) or '-')}"
                 + (f" &mdash; <b>{len(recipes)} different recipes</b>" if len(recipes) > 1 else "") + "</p>")
    parts += [H.details(f"recipe {k + 1}" if len(recipes) > 1 else "recipe (resolved pipeline TOML)",
                        f"<pre>{H.esc(r)}</pre>") for k, r in enumerate(recipes)]
    return "".join(parts)


def index_table(items: list[Entry], facts: dict[str, Seen], links: dict[str, str]) -> str:
    rows = []
    for e in items:
        f = facts.get(e.name)
        name = f'<a href="{links[e.name]}">{H.esc(e.name)}</a>' if e.name in links else H.esc(e.name)
        fps = e.row.get("fps") or ""
        status = f'<td class="l {e.status}">{H.esc(e.status)}</td>'
        if f:
            rest = (H.cell(f.frames) + H.cell(round(f.seconds, 1)) + H.cell(f.tracks)
                    + H.cell(f"{f.coverage:.0%}", sort=f.coverage) + H.cell(fps) + H.cell(f.top, True))
        else:
            rest = H.cell("", sort=-1) * 5 + H.cell(e.row.get("error", ""), True)
        rows.append(H.cell(name, True, raw=True, sort=e.name) + status + rest)
    heads = ["video", "status", "frames", "seconds", "tracks", "face seen", "extract fr/s",
             "highest mean AUs / error"]
    return H.table(heads, rows, True, left=2)
