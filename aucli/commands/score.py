"""``aucli score PRED --task au|me``: score any tool's predictions file under the benchmark rules.

Input is CSV or Parquet. AU: ``subject``, optional ``fold``, then ``AUxx_true`` / ``AUxx_pred``
pairs (``_pred`` a probability or 0/1, thresholded at ``--threshold``; null, 9 or -1 in
``_true`` is unknown and left out for that AU). ME: ``subject``, ``y_true``, ``y_pred`` (strings
or ints), optional ``dataset``; scores come from the predictions pooled over all subjects.

Tasks are a registry: ``TASKS["name"] = ScoreTask(score_fn, render_fn)`` adds one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer


@dataclass(frozen=True)
class ScoreOptions:
    """What the scorers may be told from the command line."""

    intensity: bool = False
    """AU columns are intensities (0-5): report ICC(3,1) and MAE too."""
    threshold: float = 0.5
    """AU occurrence decision: pred >= threshold."""
    occurrence_threshold: float = 2.0
    """With --intensity, labels and predictions >= this count as occurrences for F1."""
    round_predictions: bool = False
    """With --intensity, round predictions to integers first (as ARL's evaluation does)."""
    truth: str = ""
    """spot: ground-truth intervals file (video, onset, offset[, kind])."""
    iou: float = 0.5
    """spot: intersection over union at which a predicted interval matches (MEGC: 0.5)."""


@dataclass(frozen=True)
class ScoreTask:
    """A scorer: ``score(table, options) -> JSON-ready dict`` and a rich ``render(result)``."""

    score: Callable[[Any, ScoreOptions], dict[str, Any]]
    render: Callable[[dict[str, Any]], None]


def register(app: typer.Typer) -> None:
    app.command("score")(score)


def score(
    pred: Path = typer.Argument(..., help="Predictions file (.csv or .parquet)."),
    task: str = typer.Option(..., "--task", help="What is scored: au, me or spot."),
    intensity: bool = typer.Option(False, "--intensity", help="AU intensities: add ICC and MAE."),
    threshold: float = typer.Option(0.5, help="AU decision threshold on _pred."),
    occurrence_threshold: float = typer.Option(
        2.0, help="With --intensity: intensity >= this is an occurrence (DISFA benchmark: 2)."),
    round_predictions: bool = typer.Option(False, "--round", help="Round intensity predictions."),
    truth: Path | None = typer.Option(None, "--truth", help="spot: ground-truth intervals (.csv/.parquet)."),
    iou: float = typer.Option(0.5, "--iou", help="spot: IoU needed for a match (MEGC: 0.5)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Score a predictions file under the protocol (per-AU F1, ICC, MAE; ME accuracy, UF1, UAR;
    spotting precision, recall, F1 at IoU >= 0.5 against --truth)."""
    from aucli.errors import AucliError

    if task not in TASKS:
        typer.echo(f"error: unknown task {task!r} (known: {', '.join(sorted(TASKS))})", err=True)
        raise typer.Exit(2)
    options = ScoreOptions(intensity, threshold, occurrence_threshold, round_predictions,
                           str(truth or ""), iou)
    try:
        result = TASKS[task].score(read_table(pred), options)
    except AucliError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result, allow_nan=False, default=_jsonable))
    else:
        TASKS[task].render(result)


def _jsonable(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)


def read_table(path: Path):  # -> pyarrow.Table
    """A CSV or Parquet file as a pyarrow Table; a one-line error when it cannot be read."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from aucli.errors import InputError

    if not path.is_file():
        raise InputError(f"predictions file not found: {path}")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pq.read_table(path)
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            strings_can_be_null=True, column_types={"subject": pa.string(), "fold": pa.string()}))
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def column(table, name: str, kind: str = "float"):
    """One column as numpy: float64 (null -> NaN) or a list of str (null -> "")."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from aucli.errors import InputError

    if name not in table.column_names:
        raise InputError(f"predictions file has no column {name!r} "
                         f"(columns: {', '.join(table.column_names)})")
    col = table.column(name)
    if kind == "float":
        try:
            return pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:
            raise InputError(f"column {name!r} is not numeric") from None
    values = col.to_pylist()
    return np.array(["" if v is None else _text(v) for v in values], dtype=object)


def _text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


# --------------------------------------------------------------------------- AU


def au_columns(table) -> list[str]:
    """The AU names that have both ``_true`` and ``_pred`` columns, by AU number."""
    names = set(table.column_names)
    found = [m.group(1) for c in names if (m := re.fullmatch(r"(AU\d+)_true", c))]
    aus = sorted((a for a in found if f"{a}_pred" in names), key=lambda a: int(a[2:]))
    if not aus:
        from aucli.errors import InputError

        raise InputError("no AUxx_true / AUxx_pred column pairs found")
    return aus


def score_au(table, options: ScoreOptions) -> dict[str, Any]:
    """Pooled per-AU scores, plus per-fold scores and their mean when a ``fold`` column exists."""
    import numpy as np

    aus = au_columns(table)
    y = np.stack([column(table, f"{a}_true") for a in aus], axis=1)  # [N, C]
    p = np.stack([column(table, f"{a}_pred") for a in aus], axis=1)  # [N, C]
    result = _au_block(aus, y, p, options)
    if "fold" in table.column_names:
        folds = column(table, "fold", "str")
        result["folds"] = {f: _au_block(aus, y[folds == f], p[folds == f], options)
                           for f in sorted(set(folds), key=_fold_key)}
        result["f1_mean_over_folds"] = _mean([b["f1_mean"] for b in result["folds"].values()])
    return result


def _au_block(aus: list[str], y, p, options: ScoreOptions) -> dict[str, Any]:
    import numpy as np

    from aucli import metrics

    label_ok = np.isfinite(y) & (y != 9) & (y >= 0)
    valid = label_ok & np.isfinite(p)
    if options.intensity:
        pred = np.round(p) if options.round_predictions else p
        occ_true = np.where(label_ok, y >= options.occurrence_threshold, -1)
        decisions = pred >= options.occurrence_threshold
    else:
        occ_true = np.where(label_ok, y, -1)
        decisions = p >= options.threshold
    f1 = metrics.au_f1(occ_true, decisions, valid)
    acc = metrics.au_accuracy(occ_true, decisions, valid)
    out = {"f1": _per_au(aus, f1), "f1_mean": _mean(f1), "accuracy": _per_au(aus, acc),
           "accuracy_mean": _mean(acc), "n": {a: int(n) for a, n in zip(aus, valid.sum(0))}}
    if options.intensity:
        icc = metrics.icc31(y, pred, valid)
        err = metrics.mae(y, pred, valid)
        out.update(icc=_per_au(aus, icc), icc_mean=_mean(icc), mae=_per_au(aus, err),
                   mae_mean=_mean(err))
    return out


def _per_au(aus: list[str], values) -> dict[str, float | None]:
    return {a: _num(v) for a, v in zip(aus, values)}


def _num(value: float) -> float | None:
    value = float(value)
    return value if value == value else None  # NaN -> null in JSON


def _mean(values) -> float | None:
    import numpy as np

    arr = np.asarray([np.nan if v is None else v for v in values], np.float64)
    return _num(np.nanmean(arr)) if np.isfinite(arr).any() else None


def _fold_key(name: str) -> tuple[int, float | str]:
    digits = re.sub(r"\D", "", name)
    return (0, float(digits)) if digits else (1, name)


def render_au(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    keys = [k for k in ("f1", "accuracy", "icc", "mae") if k in result]
    table = Table("AU", *keys, "n", title="AU scores (all rows pooled)")
    for au in result["f1"]:
        table.add_row(au, *[_fmt(result[k][au]) for k in keys], str(result["n"][au]))
    table.add_row("mean", *[_fmt(result[f"{k}_mean"]) for k in keys], "", style="bold")
    console = Console()
    console.print(table)
    if "folds" in result:
        folds = Table("fold", *[f"{k} mean" for k in keys], title="per fold")
        for name, block in result["folds"].items():
            folds.add_row(name, *[_fmt(block[f"{k}_mean"]) for k in keys])
        folds.add_row("mean over folds", _fmt(result["f1_mean_over_folds"]), style="bold")
        console.print(folds)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


# --------------------------------------------------------------------------- ME


def score_me(table, options: ScoreOptions) -> dict[str, Any]:
    """Accuracy, UF1, UAR on predictions pooled over all subjects (LOSO folds), and per source."""
    from aucli import metrics

    from aucli.errors import InputError

    y_true, y_pred = column(table, "y_true", "str"), column(table, "y_pred", "str")
    subjects = column(table, "subject", "str")
    empty = int(((y_true == "") | (y_pred == "")).sum())
    if empty:
        raise InputError(f"{empty} rows have an empty y_true or y_pred")
    result = metrics.me_scores(list(y_true), list(y_pred))
    result["subjects"] = len(set(subjects))
    if "dataset" in table.column_names:
        groups = column(table, "dataset", "str")
        result["per_dataset"] = metrics.me_scores_by(list(y_true), list(y_pred), list(groups),
                                                     result["classes"])
    return result


def render_me(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("set", "n", "accuracy", "UF1", "UAR", title="ME scores (pooled over subjects)")
    rows = {"all": result, **result.get("per_dataset", {})}
    for name, block in rows.items():
        table.add_row(name, str(block["n"]), _fmt(block["accuracy"]), _fmt(block["uf1"]),
                      _fmt(block["uar"]))
    conf = Table("true \\ pred", *result["classes"], title="confusion (all)")
    for name, row in zip(result["classes"], result["confusion"]):
        conf.add_row(name, *map(str, row))
    console = Console()
    console.print(table)
    console.print(conf)


def score_spot(table: Any, options: ScoreOptions) -> dict[str, Any]:
    from aucli.errors import InputError
    from aucli.spotting.metric import score_spot_file

    if not options.truth:
        raise InputError("--task spot needs --truth FILE with the ground-truth intervals")
    return score_spot_file(table.to_pydict(), options.truth, options.iou)


def render_spot(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("kind", "TP", "FP", "FN", "precision", "recall", "F1", title="spotting (MEGC)")
    for name, block in {"all": result, **result.get("by_kind", {})}.items():
        table.add_row(name, *(str(block[k]) for k in ("tp", "fp", "fn")),
                      *(_fmt(block[k]) for k in ("precision", "recall", "f1")))
    Console().print(table)


TASKS: dict[str, ScoreTask] = {
    "au": ScoreTask(score_au, render_au),
    "me": ScoreTask(score_me, render_me),
    "spot": ScoreTask(score_spot, render_spot),
}
