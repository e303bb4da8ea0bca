"""Scoring any tool's predictions file under the benchmark rules (what ``aucli score`` runs).

Input is CSV or Parquet. AU: ``subject``, optional ``fold``, then ``AUxx_true`` / ``AUxx_pred``
pairs (``_pred`` a probability or 0/1, thresholded at ``threshold``; null, 9 or -1 in ``_true``
is unknown and left out for that AU). An AU with no known label in the scored rows is null in
every per-AU table and left out of each mean; ``<metric>_n`` says how many AUs a mean averages.
An AU with labels but no positive keeps F1 0 (sklearn's ``zero_division=0``). ME: ``subject``,
``y_true``, ``y_pred`` (strings or ints), optional ``dataset``; scores come from the predictions
pooled over all subjects (DATASETS.md §4.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aucli import metrics
from aucli.errors import InputError


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



def read_table(path: Path):  # -> pyarrow.Table
    """A CSV or Parquet file as a pyarrow Table; a one-line error when it cannot be read."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

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
    import pyarrow as pa
    import pyarrow.compute as pc

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



def au_columns(table) -> list[str]:
    """The AU names that have both ``_true`` and ``_pred`` columns, by AU number."""
    names = set(table.column_names)
    found = [m.group(1) for c in names if (m := re.fullmatch(r"(AU\d+)_true", c))]
    aus = sorted((a for a in found if f"{a}_pred" in names), key=lambda a: int(a[2:]))
    if not aus:
        raise InputError("no AUxx_true / AUxx_pred column pairs found")
    return aus


def score_au(table, options: ScoreOptions) -> dict[str, Any]:
    """Pooled per-AU scores, plus per-fold scores and their mean when a ``fold`` column exists."""
    aus = au_columns(table)
    y = np.stack([column(table, f"{a}_true") for a in aus], axis=1)  # [N, C]
    p = np.stack([column(table, f"{a}_pred") for a in aus], axis=1)  # [N, C]
    result = _au_block(aus, y, p, options)
    if "fold" in table.column_names:
        folds = column(table, "fold", "str")
        result["folds"] = {f: _au_block(aus, y[folds == f], p[folds == f], options)
                           for f in sorted(set(folds), key=_fold_key)}
        result["f1_mean_over_folds"], result["f1_mean_over_folds_n"] = metrics.mean_and_count(
            [b["f1_mean"] for b in result["folds"].values()])
    return result


def _au_block(aus: list[str], y, p, options: ScoreOptions) -> dict[str, Any]:
    label_ok = np.isfinite(y) & (y != 9) & (y >= 0)
    valid = label_ok & np.isfinite(p)
    if options.intensity:
        pred = np.round(p) if options.round_predictions else p
        occ_true = np.where(label_ok, y >= options.occurrence_threshold, -1)
        decisions = pred >= options.occurrence_threshold
    else:
        occ_true = np.where(label_ok, y, -1)
        decisions = p >= options.threshold
    per = {"f1": metrics.au_f1(occ_true, decisions, valid),
           "accuracy": metrics.au_accuracy(occ_true, decisions, valid)}
    if options.intensity:
        per.update(icc=metrics.icc31(y, pred, valid), mae=metrics.mae(y, pred, valid))
    coded = valid.sum(0) > 0
    out: dict[str, Any] = {}
    for name, values in per.items():
        values = np.where(coded, np.asarray(values, np.float64), np.nan)  # uncoded: null
        out[name] = _per_au(aus, values)
        out[f"{name}_mean"], out[f"{name}_n"] = metrics.mean_and_count(values)
    out["n"] = {a: int(n) for a, n in zip(aus, valid.sum(0))}
    return out


def _per_au(aus: list[str], values) -> dict[str, float | None]:
    return {a: (float(v) if np.isfinite(v) else None) for a, v in zip(aus, values)}


def _fold_key(name: str) -> tuple[int, float | str]:
    digits = re.sub(r"\D", "", name)
    return (0, float(digits)) if digits else (1, name)



def score_me(table, options: ScoreOptions) -> dict[str, Any]:
    """Accuracy, UF1, UAR on predictions pooled over all subjects (LOSO folds), and per source."""
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
