"""The Python API: extract, Extractor (video, frame, images), read, read_manifest, errors."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import aucli

FRAMES = 40


@pytest.fixture(scope="module")
def extracted(tmp_path_factory, pexels_video):
    out = tmp_path_factory.mktemp("api") / "out"
    df = aucli.extract(pexels_video, out, decode__max_frames=FRAMES, progress=False)
    return out, df


def test_import_is_light_and_exports_the_api():
    code = "import sys, aucli; print(sorted(m for m in ('pandas', 'torch', 'pyarrow', 'cv2', 'mediapipe') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    for name in ("extract", "Extractor", "read", "read_manifest", "convert",
                 "AucliError"):
        assert name in dir(aucli) and getattr(aucli, name) is not None
    with pytest.raises(AttributeError):
        _ = aucli.no_such_thing


def test_extract_returns_the_rows_it_writes(extracted, pexels_video):
    out, df = extracted
    assert isinstance(df, pd.DataFrame) and sorted(df.frame.unique()) == list(range(FRAMES))
    assert {"AU12_r", "gaze_angle_x", "pose_Ry", "video"} <= set(df.columns)
    assert df.groupby("face_id").AU12_r.mean().between(0, 1).all()
    written = pd.read_parquet(out / f"{pexels_video.stem}.parquet")
    pd.testing.assert_frame_equal(df.drop(columns="video"), written)
    manifest = aucli.read_manifest(out)
    assert manifest.status.tolist() == ["ok"] and manifest.frames.tolist() == [FRAMES]


def test_settings_follow_the_set_rules(pexels_video):
    with pytest.raises(aucli.AucliError, match="did you mean 'max_faces'"):
        aucli.extract(pexels_video, detect__max_face=1, progress=False)
    with pytest.raises(aucli.AucliError, match="expects int"):
        aucli.Extractor({"detect.max_faces": "two"})
    ex = aucli.Extractor({"detect": {"max_faces": 1}}, sets=["decode.stride=2"], align__size=112)
    assert ex.resolved.stage_configs["detect"].max_faces == 1
    assert ex.resolved.stage_configs["align"].size == 112
    assert ex.resolved.pipeline.decode.stride == 2


def test_missing_video_raises_the_cli_message(tmp_path):
    with pytest.raises(aucli.InputError, match="no such file or folder"):
        aucli.extract(tmp_path / "nope.mp4", progress=False)


def test_frame_by_frame_gives_the_rows_of_extract(extracted, pexels_video):
    """Frames fed one by one through Extractor.frame: same ids and values as extract."""
    from aucli.extract.video import iter_frames

    _, df = extracted
    rows = []
    with aucli.Extractor() as ex:
        for index, ts, image in iter_frames(pexels_video):
            if index >= FRAMES:
                break
            rows += ex.frame(image, ts).rows
    got = pd.DataFrame(rows)
    want = df.drop(columns="video")
    assert list(got.columns) == list(want.columns)
    assert got.face_id.tolist() == want.face_id.tolist() and got.frame.tolist() == want.frame.tolist()
    num = want.select_dtypes("number").columns
    np.testing.assert_allclose(got[num].to_numpy(float), want[num].to_numpy(float), atol=1e-4,
                               equal_nan=True)


def test_video_streams_and_images_detect_photos(extracted, pexels_video, tmp_path):
    import cv2

    from tests.media import sample_frames

    ex = aucli.Extractor(decode__max_frames=5)
    results = list(ex.video(pexels_video))
    assert [r.frame for r in results] == list(range(5)) and results[0].rows[0]["success"]
    frame = sample_frames(pexels_video, [10])[0]
    cv2.imwrite(str(tmp_path / "a.png"), frame[..., ::-1])
    cv2.imwrite(str(tmp_path / "b.png"), np.zeros((120, 160, 3), np.uint8))
    a, b = ex.images([tmp_path / "a.png", tmp_path / "b.png"])
    assert a.rows[0]["face_id"] == 0 and a.rows[0]["AU12_r"] is not None and a.path.endswith("a.png")
    assert b.rows == [b.rows[0]] and b.rows[0]["success"] is False
    with pytest.raises(aucli.InputError, match="cannot decode image"):
        (tmp_path / "c.png").write_text("not an image")
        list(ex.images([tmp_path / "c.png"]))
    with pytest.raises(aucli.InputError, match="RGB uint8"):
        ex.frame(np.zeros((4, 4), np.float32), 0.0)


def test_read_a_batch_with_a_video_column(extracted, tmp_path):
    out, df = extracted
    src = next(p for p in out.glob("*.parquet") if p.name != "manifest.parquet")
    batch = tmp_path / "batch"
    (batch / "sub").mkdir(parents=True)
    shutil.copy(src, batch / "a.parquet")
    shutil.copy(src, batch / "sub" / "b.parquet")
    shutil.copy(out / "manifest.parquet", batch / "manifest.parquet")
    table = aucli.read(batch / "a.parquet", columns=["frame", "AU12_r"])
    assert list(table.columns) == ["frame", "AU12_r", "video"] and len(table) == len(df)
    both = aucli.read(batch, columns=["frame", "AU12_r"])
    assert both.video.cat.categories.tolist() == ["a", "sub/b"]
    assert both.groupby("video", observed=True).frame.apply(list).tolist() == [df.frame.tolist()] * 2
    with pytest.raises(aucli.InputError, match="no column 'AU99_r'"):
        aucli.read(batch, columns=["AU99_r"])
