"""AU figures that can be read: per face a heat-map (AU x time) and small multiples below it.

Every heat-map uses one colour scale, [0, 1] (the output contract's range for ``_r`` and
``_c``), so faces and videos compare by eye; rows are in FACS order. The time axis is the whole
video, so a face that appears late starts late. Small multiples show the most variable AUs of the
face (or exactly ``--aus``); a trained model's ``_c`` probability >= 0.5 and a spotting run's
intervals are shaded on the same axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aucli.errors import InputError
from aucli.plotting import pyplot
from aucli.visual.draw import track_hex
from aucli.visual.tracks import Extraction, Track, au_name, au_number, pick_aus, runs

MAX_COLUMNS = 1200  # heat-map time bins: more would not show on a page, and files stay small
SPOT_COLOURS = {"micro": "tab:orange", "macro": "tab:blue"}


@dataclass(frozen=True)
class PlotConfig:
    aus: tuple[int, ...] = ()
    """Exactly these AUs in the heat-map and the small multiples (empty: all / most variable)."""
    top_k: int = 8
    """Small multiples per face when ``aus`` is empty."""
    columns: int = 4
    """Small multiples per row."""


def binned(values: np.ndarray, n: int = MAX_COLUMNS) -> np.ndarray:
    """[R, T] -> [R, <=n]: the maximum of each time bin, so a one-frame peak stays visible."""
    if values.shape[1] <= n:
        return values
    edges = np.linspace(0, values.shape[1], n + 1).astype(int)
    out = np.full((values.shape[0], n), np.nan, np.float32)
    for j, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        chunk = values[:, a:max(b, a + 1)]
        seen = np.isfinite(chunk).any(1)
        out[seen, j] = np.nanmax(chunk[seen], 1)
    return out


def au_matrix(ex: Extraction, track: Track, cols: list[str]) -> np.ndarray:
    """[len(cols), frames of the video]; NaN where this face was not seen."""
    out = np.full((len(cols), len(ex.frames)), np.nan, np.float32)
    where = np.searchsorted(ex.frames, track.frame)
    for i, c in enumerate(cols):
        out[i, where] = track.au[c]
    return out


def heatmap(ax: Any, ex: Extraction, track: Track, cols: list[str], label: str) -> Any:
    """One face's AU x time image on ``ax``; returns the image for a colour bar."""
    cmap = pyplot().get_cmap("magma").with_extremes(bad="#d9d9d9")
    t0, t1 = (float(ex.times[0]), float(ex.times[-1])) if len(ex.times) else (0.0, 1.0)
    image = ax.imshow(binned(au_matrix(ex, track, cols)), aspect="auto", cmap=cmap, vmin=0, vmax=1,
                      interpolation="nearest", extent=(t0, max(t1, t0 + 1e-3), len(cols) - 0.5, -0.5))
    ax.set_yticks(range(len(cols)), [f"AU{au_number(c):02d}" for c in cols], fontsize=7)
    ax.set_ylabel(label, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    return image


def spans_above(times: np.ndarray, values: np.ndarray, threshold: float = 0.5) -> list[tuple[float, float]]:
    """Time spans where ``values >= threshold`` (runs of consecutive samples)."""
    on = np.concatenate([[False], np.nan_to_num(values, nan=0.0) >= threshold, [False]])
    starts, ends = np.flatnonzero(on[1:] & ~on[:-1]), np.flatnonzero(~on[1:] & on[:-1])
    return [(float(times[a]), float(times[b - 1])) for a, b in zip(starts, ends)]


def spotting_spans(parquet: Path, ex: Extraction) -> dict[int, list[tuple[float, float, str]]]:
    """A spotting run's intervals beside ``parquet`` (``<stem>.spot.parquet``), by face, in seconds."""
    import pyarrow.parquet as pq

    path = parquet.with_name(parquet.name.removesuffix(".parquet") + ".spot.parquet")
    if not path.is_file():
        return {}
    data = pq.read_table(path).to_pydict()
    if not data.get("onset"):
        return {}
    times = {k: data.get(f"{k}_time") or np.interp(data[k], ex.frames, ex.times).tolist()
             for k in ("onset", "offset")}
    out: dict[int, list[tuple[float, float, str]]] = {}
    for i, fid in enumerate(data.get("face_id") or [None] * len(data["onset"])):
        kind = data["kind"][i] if "kind" in data else "micro"
        for track_id in ([fid] if fid is not None else [t.face_id for t in ex.tracks]):
            out.setdefault(int(track_id), []).append((times["onset"][i], times["offset"][i], kind))
    return out


def broken_line(ex: Extraction, track: Track, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(times, values) with a NaN between stretches, so a line is not drawn across an absence."""
    parts = runs(ex.frames, track.frame)
    t = [np.r_[track.time[a:b + 1], np.nan] for a, b in parts]
    v = [np.r_[values[a:b + 1], np.nan] for a, b in parts]
    return np.concatenate(t), np.concatenate(v)


def _multiple(ax: Any, ex: Extraction, track: Track, col: str, spots: list, colour: str) -> None:
    c_col = col[:-1] + "c"
    if c_col in track.au:
        for a, b in spans_above(track.time, track.au[c_col]):
            ax.axvspan(a, b, color="tab:green", alpha=0.2, lw=0)
    for a, b, kind in spots:
        ax.axvspan(a, b, color=SPOT_COLOURS.get(kind, "grey"), alpha=0.25, lw=0)
    ax.plot(*broken_line(ex, track, track.au[col]), color=colour, lw=0.9)
    ax.set_ylim(0, 1)
    ax.set_title(au_name(au_number(col)), fontsize=8)
    ax.tick_params(labelsize=6)


def _colour_bar(fig: Any, ax: Any, image: Any) -> None:
    """A colour bar just right of ``ax`` that does not narrow it (time axes stay aligned)."""
    bar = fig.colorbar(image, cax=ax.inset_axes((1.005, 0.0, 0.012, 1.0)))
    bar.ax.tick_params(labelsize=6)


def _face_block(fig: Any, spec: Any, ex: Extraction, track: Track, cfg: PlotConfig,
                spots: list) -> None:
    """One face: the heat-map (and a ``_c`` heat-map) over its small multiples, one time axis."""
    r_cols = pick_aus(ex.au_r, cfg.aus, ex.path.name) if cfg.aus else ex.au_r
    c_cols = [c for c in ex.au_c if not cfg.aus or au_number(c) in cfg.aus]
    multiples = r_cols if cfg.aus else track.chosen((), cfg.top_k, "r")
    rows = -(-len(multiples) // cfg.columns)
    heights = [max(len(r_cols), 3) * 0.16] + ([max(len(c_cols), 3) * 0.16] if c_cols else []) + [1.1] * rows
    grid = spec.subgridspec(len(heights), cfg.columns, height_ratios=heights, hspace=0.55, wspace=0.25)
    colour = track_hex(track.face_id)
    label = f"face {track.face_id}  ({track.duration:.1f} s, {len(track.frame)} frames)"
    ax = fig.add_subplot(grid[0, :])
    image = heatmap(ax, ex, track, r_cols, "AU intensity")
    ax.set_title(label, fontsize=10, color=colour, loc="left", fontweight="bold")
    _colour_bar(fig, ax, image)
    for a, b, kind in spots:
        ax.axvspan(a, b, ymin=0.97, color=SPOT_COLOURS.get(kind, "grey"), alpha=0.9)
    shared = ax
    if c_cols:
        ax = fig.add_subplot(grid[1, :], sharex=shared)
        _colour_bar(fig, ax, heatmap(ax, ex, track, c_cols, "P(occurrence)"))
    first = len(heights) - rows
    for k, col in enumerate(multiples):
        ax = fig.add_subplot(grid[first + k // cfg.columns, k % cfg.columns], sharex=shared)
        _multiple(ax, ex, track, col, spots, colour)
    shared.set_xlim(float(ex.times[0]), float(max(ex.times[-1], ex.times[0] + 1e-3)))


def au_figure(parquet: str | Path, cfg: PlotConfig = PlotConfig(), width: float = 11.0) -> Any:
    """The figure for one extraction: a block per face (heat-map above small multiples)."""
    from aucli.visual.tracks import read_extraction

    ex = read_extraction(parquet)
    if not ex.au_r:
        raise InputError(f"{ex.path}: no AU columns to plot")
    if cfg.aus:
        pick_aus(ex.au_r, cfg.aus, ex.path.name)  # fail before drawing anything
    if not ex.tracks:
        raise InputError(f"{ex.path}: no face was found in any frame, so there is nothing to plot")
    spots = spotting_spans(Path(parquet), ex)
    plt = pyplot()
    heights = [_block_height(ex, cfg)] * len(ex.tracks)
    gap, top, bottom = 0.9, 0.95, 0.7  # inches: between faces, above (titles), below (axis label)
    total = sum(heights) + gap * (len(heights) - 1) + top + bottom
    fig = plt.figure(figsize=(width, total))
    outer = fig.add_gridspec(len(heights), 1, height_ratios=heights, hspace=gap * len(heights) / sum(heights),
                             top=1 - top / total, bottom=bottom / total)
    for k, track in enumerate(ex.tracks):
        _face_block(fig, outer[k], ex, track, cfg, spots.get(track.face_id, []))
    fig.supxlabel("time (s)", fontsize=9)
    fig.suptitle(f"{ex.path.name}: AU intensities per face (colour scale 0-1, grey: face not seen)",
                 fontsize=10)
    return fig


def _block_height(ex: Extraction, cfg: PlotConfig) -> float:
    n = len(cfg.aus) if cfg.aus else min(cfg.top_k, len(ex.au_r))
    rows = -(-n // cfg.columns)
    r = len(cfg.aus) if cfg.aus else len(ex.au_r)
    return 0.8 + 0.16 * r + (0.16 * len(ex.au_c) + 0.4 if ex.au_c else 0) + 1.5 * rows


def plot_file(parquet: Path, out: Path, cfg: PlotConfig = PlotConfig(), truth: Path | None = None) -> Path:
    """``aucli plot``: an extraction's AU figure, or a ``.spot_score.parquet``'s scores."""
    from aucli.plotting import check_suffix, save_figure

    check_suffix(out)
    if parquet.name.endswith(".spot_score.parquet"):
        from aucli.spotting.plot import plot_spotting

        intervals = parquet.with_name(parquet.name.replace(".spot_score.", ".spot."))
        return plot_spotting(parquet, intervals if intervals.exists() else None, out, truth)
    return save_figure(au_figure(parquet, cfg), out)
