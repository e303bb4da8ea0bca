"""Per-track neutral baseline (``--normalise``): subtract a low percentile of each AU per face.

Person-specific normalisation removes identity-caused offsets (a resting face that looks a little
like a frown). Runs as a second streaming pass over the finished temporary file; the baselines
go into the file metadata (``aucli.normalise``), so the raw values can be recovered.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def track_baselines(path: Path, columns: list[str], percentile: float) -> dict[int, list[float]]:
    """face_id -> per-column ``percentile`` over that track's frames (NaN-aware)."""
    table = pq.read_table(path, columns=["face_id", *columns])
    ids = table.column("face_id").to_numpy(zero_copy_only=False)
    values = np.column_stack(
        [table.column(c).to_numpy(zero_copy_only=False).astype(np.float64) for c in columns]
    ) if columns else np.zeros((len(ids), 0))
    out: dict[int, list[float]] = {}
    valid = ~np.isnan(ids.astype(np.float64))
    for face_id in np.unique(ids[valid]).astype(int):
        rows = values[ids == face_id]
        with np.errstate(all="ignore"):
            base = np.nanpercentile(rows, percentile, axis=0) if len(rows) else np.zeros(len(columns))
        out[int(face_id)] = np.nan_to_num(base).tolist()
    return out


def normalise_file(path: Path, columns: list[str], percentile: float = 5.0) -> None:
    """Rewrite ``path`` in place (via a sibling temp file) with baselines subtracted, clipped to [0, 1]."""
    baselines = track_baselines(path, columns, percentile)
    source = pq.ParquetFile(path)
    meta = dict(source.schema_arrow.metadata or {})
    meta[b"aucli.normalise"] = json.dumps(
        {"percentile": percentile, "columns": columns,
         "baselines": {str(k): v for k, v in baselines.items()}}
    ).encode()
    schema = source.schema_arrow.with_metadata(meta)
    temp = path.with_name(path.name + ".norm")
    try:
        with pq.ParquetWriter(temp, schema, compression="zstd") as writer:
            for i in range(source.num_row_groups):
                writer.write_table(_subtract(source.read_row_group(i), columns, baselines))
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


def _subtract(table: pa.Table, columns: list[str], baselines: dict[int, list[float]]) -> pa.Table:
    ids = table.column("face_id").to_numpy(zero_copy_only=False).astype(np.float64)
    base = np.zeros((len(ids), len(columns)))
    for face_id, values in baselines.items():
        base[ids == face_id] = values
    for j, name in enumerate(columns):
        col = table.column(name).to_numpy(zero_copy_only=False).astype(np.float64)
        new = pa.array(np.clip(col - base[:, j], 0.0, 1.0), type=pa.float32(),
                       mask=np.isnan(col))
        table = table.set_column(table.schema.get_field_index(name), name, new)
    return table
