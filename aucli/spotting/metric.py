"""``aucli score --task spot``: the MEGC spotting metric over interval files.

The pure metric is :func:`aucli.ops.spotting_metric.score_spotting`; this module reads files,
groups intervals by video (and by kind when both sides have one) and pools the counts.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from aucli.errors import InputError
from aucli.ops.spotting_metric import match_intervals, prf

REQUIRED = ("video", "onset", "offset")


def _columns(source: Any, what: str) -> dict[str, list]:
    """A Parquet/CSV path, a dict of columns, or a DataFrame -> dict of lists."""
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        files = sorted(Path(source).glob("*.spot.parquet"))
        if not files:
            raise InputError(f"{source}: no *.spot.parquet files in this folder")
        parts = [_columns(f, what) for f in files]
        return {c: [v for part in parts for v in part[c]] for c in parts[0]}
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"{path}: no such {what} file")
        if path.suffix.lower() == ".csv":
            import pyarrow.csv as pcsv

            table = pcsv.read_csv(path)
        else:
            import pyarrow.parquet as pq

            table = pq.read_table(path)
        data = table.to_pydict()
    elif hasattr(source, "to_dict") and hasattr(source, "columns"):
        data = {c: list(source[c]) for c in source.columns}
    else:
        data = {k: list(v) for k, v in dict(source).items()}
    missing = [c for c in REQUIRED if c not in data]
    if missing:
        raise InputError(f"{what} intervals lack column(s) {missing}; need {list(REQUIRED)}")
    return data


def _groups(data: dict[str, list], by_kind: bool) -> dict[tuple[str, str], list[tuple[int, int]]]:
    out: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    kinds = data.get("kind") if by_kind else None
    for i, (video, on, off) in enumerate(zip(data["video"], data["onset"], data["offset"])):
        key = (Path(str(video)).stem, str(kinds[i]) if kinds else "")
        out[key].append((int(on), int(off)))
    return out


def score_spot_file(pred_path: Any, true_path_or_columns: Any, iou: float = 0.5) -> dict:
    """MEGC spotting scores of predicted against ground-truth intervals.

    Both inputs: a Parquet or CSV file, a folder of ``*.spot.parquet`` files (what ``aucli
    spot -o OUT`` writes, all videos together), a dict of columns or a DataFrame, with columns
    ``video`` (matched by file stem, so ``clips/s15_0101.mp4`` matches ``s15_0101``), ``onset``
    and ``offset`` (inclusive frame indices, the same numbering on both sides) and optionally
    ``kind`` (``micro`` / ``macro``). The predictions are what ``aucli spot`` writes
    (OUT/<video>.spot.parquet). When both sides have ``kind``, intervals only match within a
    kind and per-kind scores are added. Counts are pooled over videos, then P, R, F1.
    Returns dict(precision, recall, f1, tp, fp, fn, by_kind={kind: dict(...)}).
    """
    pred = _columns(pred_path, "predicted")
    true = _columns(true_path_or_columns, "ground-truth")
    by_kind = "kind" in pred and "kind" in true
    p_groups, t_groups = _groups(pred, by_kind), _groups(true, by_kind)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for key in set(p_groups) | set(t_groups):
        p, t = p_groups.get(key, []), t_groups.get(key, [])
        tp = len(match_intervals(p, t, iou))
        for k in ("", key[1]) if key[1] else ("",):
            c = counts[k]
            c[0], c[1], c[2] = c[0] + tp, c[1] + len(p) - tp, c[2] + len(t) - tp
    result = prf(*counts[""])
    result["by_kind"] = {k: prf(*v) for k, v in sorted(counts.items()) if k}
    return result
