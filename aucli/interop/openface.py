"""OpenFace 2.2 FeatureExtraction CSV <-> aucli (``aucli convert --to/--from openface``).

Layout (OpenFace's RecorderCSV.cpp and its wiki page "Output Format"): ``frame`` (1-based),
``face_id``, ``timestamp``, ``confidence``, ``success``, 8 gaze columns, 56 x 5 eye landmarks
(``eye_lmk_x/y/X/Y/Z_i``), ``pose_Tx..Tz`` (mm) and ``pose_Rx..Rz`` (radians), 68 x 2 pixel
landmarks, 68 x 3 landmarks in mm, 6 + 34 shape parameters, 17 ``AUxx_r`` (0-5) and 18
``AUxx_c`` (0/1); fields are separated by ", ".

Written from aucli: frame + 1; gaze as is (same conventions); ``pose_R*`` turned into OpenFace's
camera frame and Euler order (:func:`aucli.ops.landmarks.pose_to_openface`); ``AUxx_r`` x 5;
``AUxx_c`` = probability >= 0.5 where a trained occurrence model ran. What aucli does not
estimate (eye-region landmarks, 3-D landmarks, translation, shape parameters, AU23/AU25
intensity, ``confidence`` from MediaPipe) is left empty, never 0. Read back, the same mapping is
inverted; OpenFace's extra columns are dropped and the face box is taken around the 68 points.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from aucli.errors import InputError
from aucli.interop import FORMATS, ReadOptions
from aucli.interop.schema import boxes_from_landmarks, source_of, to_aucli_table
from aucli.ops.gaze import GAZE_COLUMNS
from aucli.ops.landmarks import pose_from_openface, pose_to_openface

AU_R = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 45]
AU_C = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 28, 45]
EYE_POINTS, SHAPE_MODES = 56, 34
POSE_R = ["pose_Rx", "pose_Ry", "pose_Rz"]
LANDMARKS = [f"x_{i}" for i in range(68)] + [f"y_{i}" for i in range(68)]


def openface_columns() -> list[str]:
    """The 714 column names of OpenFace 2.2 FeatureExtraction's CSV, in order."""
    cols = ["frame", "face_id", "timestamp", "confidence", "success", *GAZE_COLUMNS]
    cols += [f"eye_lmk_{a}_{i}" for a in "xyXYZ" for i in range(EYE_POINTS)]
    cols += ["pose_Tx", "pose_Ty", "pose_Tz", *POSE_R, *LANDMARKS]
    cols += [f"{a}_{i}" for a in "XYZ" for i in range(68)]
    cols += ["p_scale", "p_rx", "p_ry", "p_rz", "p_tx", "p_ty", *(f"p_{i}" for i in range(SHAPE_MODES))]
    return cols + [f"AU{a:02d}_r" for a in AU_R] + [f"AU{a:02d}_c" for a in AU_C]


# OpenFace's own precision per column (RecorderCSV::WriteLine): digits after the point.
def _digits(name: str) -> int:
    if name.startswith("gaze_angle") or name.startswith("pose_R") or name == "timestamp":
        return 3
    if name.startswith("gaze_"):
        return 6
    if name.endswith("_r") or name == "confidence":
        return 2
    return 1


def _rows_for_openface(table: pa.Table) -> pd.DataFrame:
    df = table.to_pandas()
    nan = np.full(len(df), np.nan)
    col = lambda name: df[name].to_numpy(np.float64) if name in df else nan  # noqa: E731
    cols: dict[str, object] = {
        "frame": df["frame"].astype("Int64") + 1,
        "face_id": df["face_id"].astype("Int64"),
        "timestamp": df["timestamp"],
        "confidence": col("confidence"),
        "success": df["success"].astype(int),
    }
    cols.update({name: col(name) for name in [*GAZE_COLUMNS, *LANDMARKS]})
    cols.update(zip(POSE_R, pose_to_openface(df[["pose_Rx", "pose_Ry", "pose_Rz"]].to_numpy(np.float64)).T))
    cols.update({f"AU{a:02d}_r": col(f"AU{a:02d}_r") * 5.0 for a in AU_R})
    for a in AU_C:
        prob = col(f"AU{a:02d}_c")
        cols[f"AU{a:02d}_c"] = np.where(np.isnan(prob), np.nan, (prob >= 0.5).astype(float))
    for name, values in cols.items():
        if isinstance(values, np.ndarray):
            cols[name] = values.round(_digits(name))
    return pd.DataFrame(cols, index=df.index).reindex(columns=openface_columns())


@FORMATS.register("openface")
class OpenFace:
    """OpenFace 2.2 FeatureExtraction / FaceLandmarkVidMulti CSV."""

    def write(self, table: pa.Table, path: Path) -> None:
        import os

        from aucli.extract.parquet import temp_path_for

        rows = _rows_for_openface(table)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = temp_path_for(path)
        try:
            body = rows.to_csv(header=False, index=False, na_rep="", lineterminator="\n")
            with open(temp, "w", encoding="utf-8") as fh:
                fh.write(", ".join(rows.columns) + "\n")
                fh.write(body.replace(",", ", "))  # OpenFace separates fields with ", "
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)

    def read(self, path: Path, options: ReadOptions) -> pa.Table:  # noqa: ARG002 (the format contract)
        try:
            df = pd.read_csv(path, skipinitialspace=True, low_memory=False)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise InputError(f"{path}: not a CSV file ({str(exc).splitlines()[0][:120]})") from None
        df.columns = [c.strip() for c in df.columns]
        missing = [c for c in ("frame", "timestamp", "success") if c not in df]
        if missing:
            raise InputError(f"{path}: not an OpenFace CSV (no {', '.join(missing)} column)")
        return to_aucli_table(_aucli_rows(df), source_of(path, "openface"))


def _aucli_rows(df: pd.DataFrame) -> pd.DataFrame:
    ok = (df["success"].astype(float) > 0).to_numpy()
    nan = np.full(len(df), np.nan)
    face = lambda values: np.where(ok, values, np.nan)  # noqa: E731
    col = lambda name: face(df[name].to_numpy(np.float64)) if name in df else nan  # noqa: E731
    face_id = df["face_id"] if "face_id" in df else pd.Series(0, index=df.index)
    cols: dict[str, object] = {
        "frame": df["frame"].astype(int).to_numpy() - 1,
        "timestamp": df["timestamp"].to_numpy(np.float64),
        "face_id": face_id.astype("Int64").where(ok).to_numpy(),
        "success": ok,
        "confidence": col("confidence"),
    }
    cols.update({name: col(name) for name in [*GAZE_COLUMNS, *LANDMARKS]})
    if all(c in df for c in POSE_R):
        pose = pose_from_openface(df[POSE_R].to_numpy(np.float64))
        cols.update(zip(["pose_Rx", "pose_Ry", "pose_Rz"], face(pose.T)))
    for name in [c for c in df if c.startswith("AU") and c.endswith(("_r", "_c"))]:
        scale = 5.0 if name.endswith("_r") else 1.0
        cols[name] = np.clip(col(name) / scale, 0.0, 1.0)
    out = pd.DataFrame(cols, index=df.index)
    out = pd.concat([out, boxes_from_landmarks(out)], axis=1)
    # a frame keeps one faceless row only when no face was tracked in it
    has_face = out.groupby("frame")["success"].transform("any")
    return out[ok | (~has_face & ~out.duplicated(subset=["frame"]))]
