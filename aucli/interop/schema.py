"""Build an aucli-schema table from another tool's columns (pandas), with honest metadata."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from aucli import __version__
from aucli.extract.parquet import BOX_COLUMNS, SCHEMA_VERSION, build_schema
from aucli.ops.gaze import GAZE_COLUMNS
from aucli.ops.landmarks import box_from_points

FIXED = ["frame", "timestamp", "face_id", "success", "confidence"]


def boxes_from_landmarks(frame: pd.DataFrame) -> pd.DataFrame:
    """``face_x/y/w/h`` around each row's 68 landmarks (null where they are)."""
    xs = frame[[f"x_{i}" for i in range(68)]].to_numpy(np.float64)
    ys = frame[[f"y_{i}" for i in range(68)]].to_numpy(np.float64)
    out = np.full((len(frame), 4), np.nan)
    ok = np.isfinite(xs).all(1) & np.isfinite(ys).all(1)
    for k in np.flatnonzero(ok):
        out[k] = box_from_points(np.stack([xs[k], ys[k]], 1))
    return pd.DataFrame(out, columns=BOX_COLUMNS, index=frame.index)


def au_order(names: list[str]) -> list[str]:
    """AU columns sorted as aucli writes them: gaze, then ``_r`` by AU number, then ``_c``."""
    def key(name: str) -> tuple[int, int]:
        return (0 if name.endswith("_r") else 1, int(name[2:4]))
    return sorted(names, key=key)


def to_aucli_table(frame: pd.DataFrame, source: dict) -> pa.Table:
    """Rows with aucli's column names (any subset) -> a table in aucli's schema.

    Columns not in ``frame`` are null; faceless rows must already have ``face_id`` null and
    ``success`` false. ``source`` (format, path) goes into the ``aucli.source`` metadata.
    """
    aus = au_order([c for c in frame.columns if c.startswith("AU") and c.endswith(("_r", "_c"))])
    schema = build_schema([*GAZE_COLUMNS, *aus])
    frame = frame.sort_values(["frame", "face_id"], na_position="first", kind="stable")
    arrays = []
    for field in schema:
        if field.name in frame:
            values = frame[field.name]
            if pa.types.is_integer(field.type):
                values = values.astype("Int64")
            arrays.append(pa.array(values, type=field.type, from_pandas=True))
        else:
            arrays.append(pa.nulls(len(frame), field.type))
    times = np.unique(frame["timestamp"].to_numpy(np.float64))
    step = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    video = {"path": "", "frames": int(frame["frame"].max()) + 1 if len(frame) else 0,
             "fps": round(1.0 / step, 3) if step > 0 else None,
             "note": f"not probed: rows imported from {source['format']} ({source['path']})"}
    metadata = {
        "aucli.schema_version": SCHEMA_VERSION,
        "aucli.video": json.dumps(video),
        "aucli.version": __version__,
        "aucli.source": json.dumps({k: str(v) for k, v in source.items()}),
        "aucli.models": json.dumps([{"name": source["format"], "note": "imported by aucli convert"}]),
    }
    return pa.Table.from_arrays(arrays, schema=schema.with_metadata(metadata))


def source_of(path: Path, fmt: str) -> dict:
    return {"format": fmt, "path": str(path)}
