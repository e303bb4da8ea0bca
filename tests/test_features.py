"""Clip features: values on synthetic clips, the file format, and `aucli features`."""

from __future__ import annotations

import cv2
import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from aucli.cli import app
from aucli.data.files import frame_number
from aucli.motion.clips import load_dir_clip
from aucli.motion.features import (
    ClipFeaturesConfig, box_matrix, clip_features, motion_stack, read_features, write_features,
)
from aucli.ops.texture import lbp_top_length

runner = CliRunner()


def texture(size=112, seed=0):
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.random((size, size)).astype(np.float32), (0, 0), 2.0)
    img = (img - img.min()) / (img.max() - img.min()) * 255
    return np.repeat(img.astype(np.uint8)[..., None], 3, -1)


def drifting_clip(n=12, step=0.25, size=112):
    """A texture translating right by ``step`` px per frame."""
    base = texture(size)
    return np.stack([
        cv2.warpAffine(base, np.float32([[1, 0, step * t], [0, 1, 0]]), (size, size),
                       flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
        for t in range(n)
    ])


@pytest.mark.parametrize("flow", ["dis", "farneback"])
def test_clip_features_of_a_translation(flow):
    crops = drifting_clip()
    f = clip_features(crops, apex=6, config=ClipFeaturesConfig(flow=flow))
    s = slice(16, -16)
    assert np.median(f["flow_u"][s, s]) == pytest.approx(1.5, abs=0.15)
    assert np.median(np.abs(f["flow_v"][s, s])) < 0.1
    assert np.median(f["strain"][s, s]) < 0.05
    assert f["lbp_top"].shape == (lbp_top_length(),)
    assert f["flow_u"].shape == f["strain"].shape == (112, 112)


def test_file_round_trip_and_channel_order(tmp_path):
    cfg = ClipFeaturesConfig(flow="dis", size=64)
    crops = drifting_clip(size=64)
    row = {"source": "x", "clip": "c1", "face_id": None, "onset": 3, "apex": 9, "offset": None,
           "size": 64, "flow_method": "dis", "align_matrix": box_matrix((0, 0, 64, 64), 64),
           **clip_features(crops, 6, cfg)}
    path = tmp_path / "f.parquet"
    write_features(path, [row, row], cfg)
    schema = pq.read_schema(path)
    assert schema.field("flow_u").type.list_size == 64 * 64
    assert schema.field("lbp_top").type.list_size == 8 * 8 * 3 * 59
    assert schema.metadata[b"aucli.features.format_version"] == b"1"
    data = read_features(path)
    assert data["flow_u"].shape == (2, 64, 64) and data["lbp_top"].shape == (2, 8, 8, 3, 59)
    np.testing.assert_allclose(data["flow_u"][0], row["flow_u"])
    assert data["offset"] == [None, None] and data["apex"] == [9, 9]
    st = motion_stack(data, ("strain", "flow_v", "flow_u"))
    np.testing.assert_allclose(st[:, 0], data["strain"])
    np.testing.assert_allclose(st[:, 2], data["flow_u"])


def write_frame_dir(folder, first=46, n=13, step=0.25):
    folder.mkdir(parents=True)
    for i, frame in enumerate(drifting_clip(n, step, size=96)):
        big = np.full((160, 200, 3), 128, np.uint8)
        big[30:126, 50:146] = frame
        cv2.imwrite(str(folder / f"img{first + i}.jpg"), big[..., ::-1])
    return folder


def test_frame_folder_sorted_by_number(tmp_path):
    folder = write_frame_dir(tmp_path / "sub01" / "EP02_01f", first=8, n=5)
    clip = load_dir_clip(folder)
    assert clip.numbers == [8, 9, 10, 11, 12]  # img10 after img9
    assert clip.numbers[clip.apex] == 10 and frame_number(folder / "reg_img46.jpg") == 46


def test_cli_clip_dir_with_box(tmp_path):
    folder = write_frame_dir(tmp_path / "sub01" / "EP02_01f")
    out = tmp_path / "out"
    res = runner.invoke(app, ["features", "--clip-dir", str(folder), "--apex", "52", "--flow",
                              "dis", "--size", "96", "--box", "50,30,96,96", "-o", str(out)])
    assert res.exit_code == 0, res.output
    data = read_features(out / "EP02_01f.features.parquet")
    assert (data["onset"], data["apex"], data["offset"]) == ([46], [52], [58])
    assert data["flow_u"].shape == (1, 96, 96)
    assert np.median(data["flow_u"][0, 16:-16, 16:-16]) == pytest.approx(1.5, abs=0.2)


def test_cli_rejects_bad_key_frames(tmp_path):
    folder = write_frame_dir(tmp_path / "c")
    res = runner.invoke(app, ["features", "--clip-dir", str(folder), "--onset", "50", "--apex",
                              "48", "--box", "0,0,10,10", "-o", str(tmp_path / "o.parquet")])
    assert res.exit_code == 2 and "onset < apex" in res.output
    res = runner.invoke(app, ["features", "-o", str(tmp_path / "o.parquet")])
    assert res.exit_code == 2 and "VIDEO or --clip-dir" in res.output


def test_cli_on_sample_video(single_face_video, tmp_path):
    out = tmp_path / "f.parquet"
    res = runner.invoke(app, ["features", str(single_face_video), "--onset", "10", "--apex", "20",
                              "--offset", "30", "--flow", "dis", "-o", str(out)])
    assert res.exit_code == 0, res.output
    data = read_features(out)
    assert data["face_id"] == [0] and data["onset"] == [10] and data["apex"] == [20]
    assert data["apex_time"][0] - data["onset_time"][0] == pytest.approx(10 / 30, abs=1e-3)
    assert np.isfinite(data["flow_u"]).all() and data["lbp_top"].shape == (1, 8, 8, 3, 59)
