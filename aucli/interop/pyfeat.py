"""py-feat ``Fex`` CSV -> aucli (``aucli convert --from py-feat``).

py-feat (2.x, ``Detector.detect(...).to_csv``) writes one row per face with ``frame``
(0-based), ``FaceRectX/Y/Width/Height``, ``FaceScore``, ``x_0..x_67``, ``y_0..y_67``,
``Pitch``, ``Roll``, ``Yaw`` (degrees; +pitch up, +yaw towards the person's right, +roll towards
the person's right), AU columns ``AU01``... (detection probabilities in [0, 1]), emotions and
``input`` (the file). Frames without a face have an empty face box.

Mapping: AUxx -> ``AUxx_c`` (a probability of occurrence, not an intensity); pose -> radians in
aucli's convention (pitch and yaw change sign; see aucli.ops.landmarks); ``Identity``
("Person_3") -> ``face_id`` 3, else the face's place in its frame. py-feat stores only a
whole-second ``approx_time``, so the timestamp needs ``--fps``. Emotions, gaze and identity
embeddings are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from aucli.errors import InputError
from aucli.interop import FORMATS, ReadOptions
from aucli.interop.schema import source_of, to_aucli_table
from aucli.extract.parquet import BOX_COLUMNS, LANDMARK_COLUMNS

BOX = ["FaceRectX", "FaceRectY", "FaceRectWidth", "FaceRectHeight"]
AU = re.compile(r"^AU\d\d$")


@FORMATS.register("py-feat")
class PyFeat:
    """py-feat's Fex CSV (Detector output saved with ``to_csv``)."""

    def read(self, path: Path, options: ReadOptions) -> pa.Table:
        try:
            df = pd.read_csv(path, low_memory=False)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise InputError(f"{path}: not a CSV file ({str(exc).splitlines()[0][:120]})") from None
        missing = [c for c in ["frame", *BOX, "x_0"] if c not in df]
        if missing:
            raise InputError(f"{path}: not a py-feat Fex CSV (no {', '.join(missing)} column)")
        if "input" in df and df["input"].nunique() > 1:
            raise InputError(f"{path}: holds {df['input'].nunique()} inputs; split it by `input` first")
        if options.fps is None or options.fps <= 0:
            raise InputError(f"{path}: py-feat rows carry no exact time; pass --fps (the video's frame rate)")
        return to_aucli_table(_aucli_rows(df, options.fps), source_of(path, "py-feat"))


def _face_ids(df: pd.DataFrame, ok: pd.Series) -> pd.Series:
    if "Identity" in df and df["Identity"].notna().any():
        ids = df["Identity"].astype(str).str.extract(r"(\d+)$")[0]
        return pd.to_numeric(ids, errors="coerce").astype("Int64").where(ok)
    return df.groupby("frame").cumcount().astype("Int64").where(ok)


def _aucli_rows(df: pd.DataFrame, fps: float) -> pd.DataFrame:
    ok = df[BOX].notna().all(axis=1).to_numpy()
    face = lambda values: np.where(ok, values, np.nan)  # noqa: E731
    frames = df["frame"].astype(int).to_numpy()
    cols: dict[str, object] = {
        "frame": frames,
        "timestamp": frames / float(fps),
        "face_id": _face_ids(df, pd.Series(ok, index=df.index)).to_numpy(),
        "success": ok,
        "confidence": face(df["FaceScore"].to_numpy(np.float64)) if "FaceScore" in df else np.nan,
    }
    cols.update(zip(BOX_COLUMNS, face(df[BOX].to_numpy(np.float64).T)))
    cols.update(zip(LANDMARK_COLUMNS, face(df.reindex(columns=LANDMARK_COLUMNS).to_numpy(np.float64).T)))
    if all(c in df for c in ("Pitch", "Yaw", "Roll")):
        cols["pose_Rx"] = face(-np.radians(df["Pitch"].to_numpy(np.float64)))
        cols["pose_Ry"] = face(-np.radians(df["Yaw"].to_numpy(np.float64)))
        cols["pose_Rz"] = face(np.radians(df["Roll"].to_numpy(np.float64)))
    for name in [c for c in df if AU.match(c)]:
        cols[f"{name}_c"] = face(np.clip(df[name].to_numpy(np.float64), 0.0, 1.0))
    out = pd.DataFrame(cols, index=df.index)
    has_face = out.groupby("frame")["success"].transform("any")
    return out[ok | (~has_face & ~out.duplicated(subset=["frame"]))]
