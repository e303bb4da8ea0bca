"""Matplotlib figures of aucli outputs (Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def plot_aus(parquet: Path, out: Path, aus: list[int] | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pyarrow.parquet as pq

    table = pq.read_table(parquet)
    cols = [c for c in table.column_names if c.startswith("AU") and c.endswith(("_r", "_c"))]
    if aus:
        cols = [c for c in cols if int(c[2:4]) in aus]
    if not cols:
        raise ValueError(f"{parquet}: no AU columns to plot")
    ts = table.column("timestamp").to_numpy()
    ids = table.column("face_id").to_numpy(zero_copy_only=False).astype(float)
    faces = [int(f) for f in np.unique(ids[~np.isnan(ids)])] or [None]
    fig, axes = plt.subplots(len(faces), 1, figsize=(12, 3.2 * len(faces)), squeeze=False)
    cmap = plt.get_cmap("tab20")
    for ax, face in zip(axes[:, 0], faces):
        rows = ids == face if face is not None else np.zeros(len(ids), bool)
        for k, col in enumerate(cols):
            values = table.column(col).to_numpy(zero_copy_only=False).astype(float)
            ax.plot(ts[rows], values[rows], lw=1, color=cmap(k % 20), label=col)
        ax.set_title(f"face {face}" if face is not None else "no face found")
        ax.set_ylim(0, 1)
        ax.set_ylabel("intensity")
    axes[-1, 0].set_xlabel("time (s)")
    axes[0, 0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(Path(parquet).name, y=1.0)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return out
