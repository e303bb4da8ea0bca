"""Streaming, atomic Parquet output: the schema of spec/OUTPUT.md and ``read_results``.

Rows are buffered per row group and written as they fill, so memory does not grow with video
length. The file is written under a temporary name in the destination folder and renamed when
complete: a file under its final name is always whole.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from aucli.ops.blendshapes import BLENDSHAPE_NAMES
from aucli.extract.stages.base import FrameItem

SCHEMA_VERSION = "2"  # 2: gaze_* columns (OpenFace conventions)
JSON_KEYS = ("aucli.models", "aucli.video", "aucli.images", "aucli.normalise", "aucli.au_model",
             "aucli.source")
LANDMARK_COLUMNS = [f"x_{i}" for i in range(68)] + [f"y_{i}" for i in range(68)]
BOX_COLUMNS = ["face_x", "face_y", "face_w", "face_h"]
POSE_COLUMNS = ["pose_Rx", "pose_Ry", "pose_Rz"]
BLENDSHAPE_COLUMNS = [f"bs_{n}" for n in BLENDSHAPE_NAMES]


def build_schema(extra: list[str], mesh: bool = False, crops: bool = False,
                 files: bool = False) -> pa.Schema:
    """The output schema: fixed columns, then ``extra`` float32 columns (AUs, flow, ...).
    ``files`` adds the ``file`` column (the image each row came from) for image inputs."""
    fields = [
        pa.field("frame", pa.int32(), nullable=False),
        pa.field("timestamp", pa.float64(), nullable=False),
        *([pa.field("file", pa.string(), nullable=False)] if files else []),
        pa.field("face_id", pa.int32()),
        pa.field("success", pa.bool_(), nullable=False),
        pa.field("confidence", pa.float32()),
    ]
    floats = BOX_COLUMNS + LANDMARK_COLUMNS + POSE_COLUMNS + list(extra) + BLENDSHAPE_COLUMNS
    fields += [pa.field(name, pa.float32()) for name in floats]
    if mesh:
        fields.append(pa.field("mesh", pa.list_(pa.float32(), 478 * 3)))
    if crops:
        fields.append(pa.field("aligned", pa.binary()))
    return pa.schema(fields)


class RowBuffer:
    """Column buffers for one row group; ``add(item)`` appends the rows of one frame."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.names = schema.names
        self.float_names = [f.name for f in schema if f.type == pa.float32() and f.name != "confidence"]
        self.clear()

    def clear(self) -> None:
        self.cols: dict[str, list[Any]] = {n: [] for n in self.names}
        self.rows = 0

    def add(self, item: FrameItem) -> None:
        cols = self.cols
        faces = item.faces or [None]
        for face in faces:
            cols["frame"].append(item.index)
            cols["timestamp"].append(item.timestamp)
            if "file" in cols:
                cols["file"].append(item.source)
            self.rows += 1
            if face is None:
                cols["face_id"].append(None)
                cols["success"].append(False)
                cols["confidence"].append(None)
                for name in self.float_names:
                    cols[name].append(None)
                for name in ("mesh", "aligned"):
                    if name in cols:
                        cols[name].append(None)
                continue
            cols["face_id"].append(face.face_id)
            cols["success"].append(True)
            cols["confidence"].append(face.confidence)
            values = _face_values(face)
            for name in self.float_names:
                cols[name].append(values.get(name, face.columns.get(name)))
            if "mesh" in cols:
                cols["mesh"].append(np.asarray(face.landmarks, np.float32)[:478].ravel())
            if "aligned" in cols:
                cols["aligned"].append(_png(face.aligned))

    def table(self) -> pa.Table:
        return pa.Table.from_pydict(self.cols, schema=self.schema)


def _face_values(face) -> dict[str, float]:
    out = dict(zip(BOX_COLUMNS, np.asarray(face.bbox, dtype=float).tolist()))
    lm = np.asarray(face.lm68, dtype=float)
    out.update(zip(LANDMARK_COLUMNS, lm[:, 0].tolist() + lm[:, 1].tolist()))
    if face.pose is not None:
        out.update(zip(POSE_COLUMNS, np.asarray(face.pose, dtype=float).tolist()))
    if face.blendshapes is not None and len(face.blendshapes) == len(BLENDSHAPE_COLUMNS):
        out.update(zip(BLENDSHAPE_COLUMNS, np.asarray(face.blendshapes, dtype=float).tolist()))
    return out


def _png(image: np.ndarray | None) -> bytes | None:
    if image is None:
        return None
    import cv2

    ok, buf = cv2.imencode(".png", np.ascontiguousarray(image[..., ::-1]))
    return buf.tobytes() if ok else None


def temp_path_for(final: Path) -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}.tmp")


class ParquetSink:
    """Write FrameItems to ``final`` atomically, one row group every ``row_group`` rows."""

    def __init__(self, final: Path, schema: pa.Schema, metadata: dict[str, str],
                 row_group: int = 512, finish: Callable[[Path], None] | None = None) -> None:
        self.final = Path(final)
        self.temp = temp_path_for(self.final)
        self.schema = schema.with_metadata({k: v for k, v in metadata.items()})
        self.row_group = row_group
        self.buffer = RowBuffer(self.schema)
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0
        self.finish = finish  # runs on the complete temporary file before the rename

    def __enter__(self) -> ParquetSink:
        # pyarrow imports pandas (~50 MB) on its first array conversion; doing it now, before the
        # frames flow, keeps peak memory the same for a short clip and a long video.
        pa.array([0.0])
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(self.temp, self.schema, compression="zstd")
        return self

    def write(self, item: FrameItem) -> None:
        self.buffer.add(item)
        if self.buffer.rows >= self.row_group:
            self.flush()

    def flush(self) -> None:
        if self.buffer.rows and self.writer is not None:
            self.writer.write_table(self.buffer.table())
            self.rows += self.buffer.rows
            self.buffer.clear()

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.flush()
            if self.writer is not None:
                self.writer.close()
            if exc_type is None:
                if self.finish is not None:
                    self.finish(self.temp)
                os.replace(self.temp, self.final)
        finally:
            if self.temp.exists():
                self.temp.unlink()


def write_table_atomic(table: pa.Table, final: Path) -> None:
    """Write a whole small table (manifest, intervals) under a temporary name, then rename."""
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(final)
    try:
        pq.write_table(table, temp)
        os.replace(temp, final)
    finally:
        if temp.exists():
            temp.unlink()


def read_results(path: str | Path, columns: list[str] | None = None):
    """Read an aucli Parquet file into pandas if available, else a pyarrow Table."""
    table = pq.read_table(path, columns=columns)
    try:
        return table.to_pandas()
    except ImportError:
        return table


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The ``aucli.*`` key-value metadata, JSON values decoded."""
    raw = pq.read_schema(path).metadata or {}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        k, v = key.decode(), value.decode()
        if k in JSON_KEYS:
            out[k] = json.loads(v)
        elif k.startswith("aucli."):
            out[k] = v
    return out
