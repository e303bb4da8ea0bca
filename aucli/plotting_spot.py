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

    from aucli.spotting_metric import _columns

    sc = pq.read_table(score_parquet).to_pydict()
    ivs = _columns(intervals, "spotted") if intervals is not None else {}
    ids = sorted({f for f in sc["face_id"] if f is not None}) or [None]
    fig, axes = plt.subplots(len(ids), 1, figsize=(12, 2.6 * len(ids)), squeeze=False)
    for ax, fid in zip(axes[:, 0], ids):
        rows = [i for i, f in enumerate(sc["face_id"]) if f == fid]
        t = [sc["timestamp"][i] for i in rows]
        for col, colour in (("score_micro", "tab:orange"), ("score_macro", "tab:blue")):
            ax.plot(t, [sc[col][i] for i in rows], color=colour, lw=1, label=col)
        _shade(ax, ivs, fid)
        if truth is not None:
            gt = _columns(truth, "ground-truth")
            for on, off in zip(gt.get("onset_time", gt["onset"]), gt.get("offset_time", gt["offset"])):
                ax.plot([on, off], [0, 0], color="black", lw=4, solid_capstyle="butt")
        ax.set_ylabel(f"face {fid}")
        ax.legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("time (s)")
    fig.tight_layout()
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_png, dpi=100)
    plt.close(fig)
    return out_png


def _shade(ax, ivs: dict, face_id) -> None:
    colours = {"micro": "tab:orange", "macro": "tab:blue"}
    for i, fid in enumerate(ivs.get("face_id", [])):
        if fid != face_id:
            continue
        kind = ivs["kind"][i] if "kind" in ivs else "micro"
        ax.axvspan(ivs["onset_time"][i], ivs["offset_time"][i], alpha=0.25,
                   color=colours.get(kind, "grey"))
        ax.annotate(ivs["region"][i] if "region" in ivs else "", (ivs["apex_time"][i], 0),
                    fontsize=7, rotation=90, va="bottom")
