"""Plot of a spotting run: per-frame scores with the spotted intervals shaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_spotting(score_parquet: str | Path, intervals: Any, out_png: str | Path,
                  truth: Any = None) -> Path:
    """Write a PNG of ``score_micro``/``score_macro`` over time per face, with the spotted
    ``intervals`` (a .spot.parquet path, a dict of columns or a DataFrame) shaded (micro
    orange, macro blue) and optional ground-truth intervals (same columns) as black bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pyarrow.parquet as pq

    from aucli.spotting.metric import _columns

    sc = pq.read_table(score_parquet).to_pydict()
    ivs = _columns(intervals, "spotted") if intervals is not None else {}
    ids = sorted({f for f in sc["face_id"] if f is not None}) or [None]
    fig, axes = plt.subplots(len(ids), 1, figsize=(12, 2.6 * len(ids)), squeeze=False)
    for ax, fid in zip(axes[:, 0], ids):
        rows = [i for i, f in enumerate(sc["face_id"]) if f == fid]
        t = [sc["timestamp"][i] for i in rows]
        for col, colour in (("score_micro", "tab:orange"), ("score_macro", "tab:blue")):
            ax.plot(t, [sc[col][i] for i in rows], color=colour, lw=1, label=col)
        _shade(ax, ivs, fid, sc["frame"], sc["timestamp"])
        if truth is not None:
            _truth(ax, _columns(truth, "ground-truth"), sc["frame"], sc["timestamp"])
        ax.set_ylabel(f"face {fid}")
        ax.legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("time (s)")
    fig.tight_layout()
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_png, dpi=100)
    plt.close(fig)
    return out_png


def _seconds(ivs: dict, key: str, frames: list, times: list):
    """``<key>_time`` when the intervals carry it, else frame numbers mapped through the scores."""
    import numpy as np

    if f"{key}_time" in ivs:
        return ivs[f"{key}_time"]
    order = np.argsort(frames)
    return np.interp(ivs[key], np.asarray(frames)[order], np.asarray(times)[order])


def _shade(ax, ivs: dict, face_id, frames: list, times: list) -> None:
    colours = {"micro": "tab:orange", "macro": "tab:blue"}
    if not ivs:
        return
    on, off = _seconds(ivs, "onset", frames, times), _seconds(ivs, "offset", frames, times)
    apex = _seconds(ivs, "apex", frames, times) if "apex" in ivs else on
    for i, fid in enumerate(ivs.get("face_id", [face_id] * len(on))):
        if fid != face_id:
            continue
        kind = ivs["kind"][i] if "kind" in ivs else "micro"
        ax.axvspan(on[i], off[i], alpha=0.25, color=colours.get(kind, "grey"))
        ax.annotate(ivs["region"][i] if "region" in ivs else "", (apex[i], 0),
                    fontsize=7, rotation=90, va="bottom")


def _truth(ax, gt: dict, frames: list, times: list) -> None:
    """Ground-truth bars; frame numbers are turned into seconds through the score table."""
    on, off = _seconds(gt, "onset", frames, times), _seconds(gt, "offset", frames, times)
    for a, b in zip(on, off):
        ax.plot([a, b], [0, 0], color="black", lw=4, solid_capstyle="butt")
