"""The report of a training-runs folder: curves, per-AU F1 or the ME confusion matrix, the config.

A run is a folder with ``config.toml`` (or, without one, a folder with ``log.csv`` or
``metrics.json`` that no run folder above holds). Everything below a run (LOSO ``folds/<s>/``,
``fold*/``, ``eval-*/``) belongs to it. Files are read defensively: a missing or odd file leaves
its panel out and says so, and never stops the report. Beside each score stands a trivial
predictor's on the same labels (all-positive F1 per AU, majority-class accuracy for ME), since a
score means nothing until it beats that.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aucli.plotting import png_bytes, pyplot
from aucli.visual import html as H

RUN_FILES = ("log.csv", "metrics.json", "config.toml")


@dataclass
class Run:
    path: Path
    logs: list[Path] = field(default_factory=list)  # every log.csv at or below the run
    metrics: dict[str, Any] = field(default_factory=dict)  # the run's own metrics.json
    config: str = ""

    @property
    def scores(self) -> dict[str, Any]:
        """The test scores: LOSO's ``pooled`` block when there is one, else the file's top level."""
        pooled = self.metrics.get("pooled")
        return pooled if isinstance(pooled, dict) else self.metrics


def is_runs(folder: Path) -> bool:
    return any(next(folder.rglob(name), None) for name in ("log.csv", "metrics.json"))


def find_runs(folder: Path) -> list[Run]:
    marked = sorted({p.parent for name in RUN_FILES for p in folder.rglob(name)})
    with_config = [d for d in marked if (d / "config.toml").is_file()]
    roots = [d for d in marked if not any(r != d and r in d.parents for r in with_config)]
    roots = [d for d in roots if not any(r != d and r in d.parents for r in roots)]
    return [_load(d) for d in roots]


def _load(path: Path) -> Run:
    run = Run(path, sorted(path.rglob("log.csv")))
    try:
        run.metrics = json.loads((path / "metrics.json").read_text())
    except (OSError, ValueError):
        run.metrics = {}
    try:
        run.config = (path / "config.toml").read_text()
    except OSError:
        run.config = ""
    return run


def read_log(path: Path) -> dict[str, np.ndarray]:
    """Numeric columns of a ``log.csv`` (non-numbers become NaN)."""
    try:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError:
        return {}
    cols: dict[str, np.ndarray] = {}
    for key in (rows[0] if rows else {}):
        vals = [_num(r.get(key)) for r in rows]
        if np.isfinite(vals).any():
            cols[key] = np.array(vals, np.float64)
    return cols


def _num(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def curves_png(run: Run) -> bytes | None:
    """Training losses (left) and validation metrics (right) per epoch, one line per log."""
    logs = [(p, read_log(p)) for p in run.logs]
    logs = [(p, c) for p, c in logs if c]
    if not logs:
        return None
    from matplotlib.ticker import MaxNLocator

    panels = [(prefix, title) for prefix, title in (("train_", "training"), ("val_", "validation"))
              if any(k.startswith(prefix) for _, cols in logs for k in cols)]
    if not panels:
        return None
    fig, axes = pyplot().subplots(1, len(panels), figsize=(4.5 * len(panels), 2.8), squeeze=False)
    for ax, (prefix, title) in zip(axes[0], panels):
        for p, cols in logs:
            x = cols.get("epoch", np.arange(1, len(next(iter(cols.values()))) + 1))
            tag = "" if p.parent == run.path else p.parent.relative_to(run.path).as_posix() + " "
            for key in (k for k in cols if k.startswith(prefix)):
                ax.plot(x, cols[key], lw=1, marker="." if len(x) < 30 else None,
                        label=f"{tag}{key.removeprefix(prefix)}", alpha=0.9 if len(logs) < 4 else 0.5)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("epoch", fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
        handles = ax.get_legend_handles_labels()[0]
        if 0 < len(handles) <= 10:
            ax.legend(fontsize=6)
    fig.tight_layout()
    return png_bytes(fig, dpi=80)


def all_positive_f1(run: Run) -> dict[str, float]:
    """Per AU, the F1 of predicting 'present' everywhere: 2p / (1 + p), p the positive rate."""
    path = run.path / "predictions.parquet"
    if not path.is_file():
        return {}
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception:  # an unreadable file leaves the baseline out
        return {}
    out = {}
    for col in (c for c in table.column_names if c.endswith("_true") and c.startswith("AU")):
        y = table.column(col).to_numpy(zero_copy_only=False).astype(np.float64)
        known = y[(y == 0) | (y == 1)]
        p = float(known.mean()) if len(known) else float("nan")
        out[col.removesuffix("_true")] = 2 * p / (1 + p) if p == p else float("nan")
    return out


def f1_png(run: Run, baseline: dict[str, float]) -> bytes | None:
    """Per-AU F1 bars, with the all-positive F1 as a grey tick on each."""
    f1 = {k.removeprefix("f1_"): v for k, v in run.scores.items()
          if k.startswith("f1_AU") and isinstance(v, int | float)}
    if not f1:
        return None
    names = sorted(f1, key=lambda n: int(n[2:]))
    fig, ax = pyplot().subplots(figsize=(max(4, 0.45 * len(names) + 1.5), 2.6))
    ax.bar(range(len(names)), [f1[n] for n in names], color="tab:blue", label="F1 (test)")
    base = [baseline.get(n, np.nan) for n in names]
    if np.isfinite(base).any():
        ax.scatter(range(len(names)), base, marker="_", s=300, color="black", label="all-positive F1")
        ax.legend(fontsize=7)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_title(f"per-AU F1 (mean {_num(run.scores.get('f1')):.3f})", fontsize=9)
    fig.tight_layout()
    return png_bytes(fig, dpi=80)


def read_confusion(run: Run) -> tuple[list[str], np.ndarray] | None:
    try:
        with open(run.path / "confusion.csv", newline="") as fh:
            rows = list(csv.reader(fh))
        classes = rows[0][1:]
        return classes, np.array([[int(v) for v in r[1:]] for r in rows[1:]], np.int64)
    except (OSError, ValueError, IndexError):
        return None


def confusion_png(classes: list[str], cm: np.ndarray) -> bytes:
    """The engine's own confusion-matrix figure (``me_report.plot_confusion``), made small."""
    import io

    from aucli.engine.me_report import plot_confusion
    from aucli.plotting import compress_png

    raw = io.BytesIO()
    plot_confusion(cm, classes, raw, "")
    return compress_png(raw.getvalue(), 96, width=480)


def _config_field(run: Run, *keys: str) -> str:
    """A value from config.toml (first of ``keys`` found, dotted), '' when absent."""
    import tomllib

    try:
        data = tomllib.loads(run.config) if run.config else {}
    except tomllib.TOMLDecodeError:
        return ""
    for key in keys:
        node: Any = data
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node not in (None, ""):
            return str(node)
    return ""


def facts(run: Run, folder: Path) -> dict[str, Any]:
    """One row of the runs table: what was trained, and its test scores beside a trivial one."""
    scores = run.scores
    confusion = read_confusion(run)
    epochs = [read_log(p).get("epoch", np.array([])) for p in run.logs]
    row = {"run": run.path.relative_to(folder).as_posix() or ".",
           "method": _config_field(run, "method_name", "run.method") or str(run.metrics.get("method", "")),
           "dataset": _config_field(run, "dataset.name", "run.dataset"),
           "task": "AU" if "f1" in scores else ("ME" if "uf1" in scores or confusion else "-"),
           "epochs": int(max((e.max() for e in epochs if len(e)), default=0)), "logs": len(run.logs)}
    if "uf1" in scores:
        row.update({"accuracy": scores.get("accuracy"), "UF1": scores.get("uf1"), "UAR": scores.get("uar")})
    if confusion:
        cm = confusion[1]
        row["trivial"] = f"majority-class accuracy {cm.sum(1).max() / max(cm.sum(), 1):.3f}"
    if "f1" in scores:
        base = [v for v in all_positive_f1(run).values() if v == v]
        row.update({"F1": scores.get("f1"), "accuracy": scores.get("acc")})
        row["trivial"] = f"all-positive F1 {np.mean(base):.3f}" if base else ""
    return row


COLUMNS = ("run", "method", "dataset", "task", "epochs", "F1", "accuracy", "UF1", "UAR", "trivial")


def run_section(run: Run, row: dict[str, Any]) -> str:
    parts = [f'<h2 id="{H.anchor(row["run"], "r")}">{H.esc(row["run"])}</h2>']
    curves = curves_png(run)
    parts.append(H.img(curves, "training curves") if curves else
                 "<p class=muted>No log.csv with numbers here.</p>")
    f1 = f1_png(run, all_positive_f1(run))
    if f1:
        parts += ["<h3>Per-AU F1 on the test subjects</h3>", H.img(f1, "per-AU F1")]
    confusion = read_confusion(run)
    if confusion:
        parts += ["<h3>Confusion matrix (pooled over folds; rows: truth)</h3>",
                  H.img(confusion_png(*confusion), "confusion matrix")]
    folds = run.metrics.get("folds")
    if isinstance(folds, dict) and folds:
        rows = [H.cell(k, True) + "".join(H.cell(v.get(m, "")) for m in ("n", "accuracy", "uf1", "uar"))
                for k, v in folds.items() if isinstance(v, dict)]
        parts.append(H.details(f"per-fold scores ({len(rows)} folds)",
                               H.table(["held-out subject", "n", "accuracy", "UF1", "UAR"], rows, True)))
    if run.config:
        parts.append(H.details("config.toml", f"<pre>{H.esc(run.config)}</pre>"))
    return "".join(parts)


def runs_body(folder: Path) -> str:
    runs = find_runs(folder)
    rows = [facts(r, folder) for r in runs]
    table_rows = [
        "".join(H.cell(f'<a href="#{H.anchor(row["run"], "r")}">{H.esc(row["run"])}</a>', True, raw=True,
                       sort=row["run"]) if c == "run" else H.cell(_fmt(row.get(c)), c in ("method", "dataset",
                                                                                         "task", "trivial"))
                for c in COLUMNS) for row in rows]
    return (f"<h2>Training runs ({len(runs)})</h2>" + H.table(COLUMNS, table_rows, True)
            + "".join(run_section(r, row) for r, row in zip(runs, rows)))


def _fmt(value: Any) -> Any:
    return "" if value is None else (float(value) if isinstance(value, float) else value)
