"""Pure pieces of the extract path: alignment, pose, AU mapping, video helpers, normalisation."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aucli.extract.normalise import normalise_file
from aucli.ops.align import (
    ARCFACE_5, alignment_matrix, five_points_68, transform_points, umeyama_similarity, warp)
from aucli.ops.blendshapes import (
    AU_FROM_BLENDSHAPES, AU_NUMBERS, BLENDSHAPE_NAMES, aus_from_blendshapes, mapping_table_markdown)
from aucli.ops.landmarks import MESH_TO_68, euler_from_matrix, mesh_to_68
from aucli.extract.inputs import find_videos
from aucli.extract.video import upright


def _similarity(angle, scale, t):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[scale * c, -scale * s, t[0]], [scale * s, scale * c, t[1]]])


def test_umeyama_recovers_a_known_similarity():
    m = _similarity(0.3, 1.7, (12.0, -4.0))
    src = np.random.default_rng(0).normal(size=(5, 2)) * 50
    dst = transform_points(src, m)
    assert np.allclose(umeyama_similarity(src, dst), m, atol=1e-9)


def _face68(angle=0.2, scale=2.0, shift=(300, 200)):
    """A 68-point face with the ArcFace anchor geometry, rotated, scaled and shifted."""
    rng = np.random.default_rng(1)
    lm = rng.uniform(30, 90, size=(68, 2))
    lm[36:42] = ARCFACE_5[0] + rng.normal(0, 0.5, (6, 2))
    lm[36:42] -= lm[36:42].mean(0) - ARCFACE_5[0]
    lm[42:48] = ARCFACE_5[1] + rng.normal(0, 0.5, (6, 2))
    lm[42:48] -= lm[42:48].mean(0) - ARCFACE_5[1]
    lm[30], lm[48], lm[54] = ARCFACE_5[2], ARCFACE_5[3], ARCFACE_5[4]
    return transform_points(lm, _similarity(angle, scale, shift)), lm


@pytest.mark.parametrize("template", ["jaanet", "arcface"])
def test_alignment_levels_the_eyes_and_fits_the_crop(template):
    lm, _ = _face68()
    size = 112
    m = alignment_matrix(lm, size, template)
    eyes = transform_points(five_points_68(lm)[:2], m)
    level = 1e-6 if template == "jaanet" else 0.5  # the ArcFace template's eyes differ by 0.2 px
    assert abs(eyes[0, 1] - eyes[1, 1]) < level and eyes[0, 0] < eyes[1, 0]
    assert transform_points(lm, m)[[36, 45, 30, 48, 54]].min() > 0
    assert transform_points(lm, m)[[36, 45, 30, 48, 54]].max() < size


def test_arcface_alignment_maps_anchors_onto_template():
    lm, _ = _face68()
    m = alignment_matrix(lm, 224, "arcface")
    assert np.allclose(transform_points(five_points_68(lm), m), ARCFACE_5 * 2, atol=1e-6)


def test_warp_shape_and_border():
    img = np.full((50, 60, 3), 200, np.uint8)
    out = warp(img, np.array([[1.0, 0, 100], [0, 1, 100]]), 64)
    assert out.shape == (64, 64, 3) and (out == 128).all()


def test_unknown_template_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown alignment template"):
        alignment_matrix(_face68()[0], 112, "square")


def test_euler_from_matrix_recovers_angles():
    pitch, yaw, roll = 0.2, -0.3, 0.1
    rx = np.array([[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)], [0, np.sin(pitch), np.cos(pitch)]])
    ry = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    rz = np.array([[np.cos(roll), -np.sin(roll), 0], [np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
    m = np.eye(4)
    m[:3, :3] = 1.3 * (rz @ ry @ rx)  # MediaPipe's matrix carries a scale
    assert np.allclose(euler_from_matrix(m), [pitch, yaw, roll])


def test_mesh_subset_and_au_table():
    assert len(MESH_TO_68) == 68 and len(set(MESH_TO_68.tolist())) == 68 and MESH_TO_68.max() < 478
    mesh = np.arange(478 * 3, dtype=float).reshape(478, 3)
    assert np.array_equal(mesh_to_68(mesh)[0], mesh[162, :2])
    assert len(BLENDSHAPE_NAMES) == 52
    for au, (_, shapes) in AU_FROM_BLENDSHAPES.items():
        assert set(shapes) <= set(BLENDSHAPE_NAMES), au
    scores = np.zeros(52, np.float32)
    scores[BLENDSHAPE_NAMES.index("mouthSmileLeft")] = 0.8
    scores[BLENDSHAPE_NAMES.index("mouthSmileRight")] = 0.6
    scores[BLENDSHAPE_NAMES.index("jawOpen")] = 0.5
    aus = dict(zip(AU_NUMBERS, aus_from_blendshapes(scores)))
    assert aus[12] == pytest.approx(0.7) and aus[26] == pytest.approx(0.5) and aus[1] == 0
    assert "AU12_r" in mapping_table_markdown()


def test_upright_turns_frames_like_a_player():
    frame = np.arange(6).reshape(2, 3)[..., None]
    assert upright(frame, 90).shape == (3, 2, 1)
    assert upright(frame, 90)[0, 0, 0] == frame[1, 0, 0]  # clockwise: bottom-left comes to top-left
    assert np.array_equal(upright(frame, 180), frame[::-1, ::-1])
    assert np.array_equal(upright(frame, 0), frame)


def test_find_videos_recurses_and_keeps_subfolders(tmp_path):
    for rel in ("a.mp4", "sub/a.MP4", "sub/deeper/b.mov", "notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    (tmp_path / "empty").mkdir()
    found, missing = find_videos([tmp_path, tmp_path / "gone.mp4", tmp_path / "empty"])
    assert sorted(str(rel) for _, rel in found) == ["a", "sub/a", "sub/deeper/b"]
    assert [str(p.name) for p, _ in missing] == ["gone.mp4", "empty"]
    assert "no video or image files" in missing[1][1]


def test_normalise_subtracts_each_tracks_low_percentile(tmp_path):
    path = tmp_path / "x.parquet"
    ids = [0] * 50 + [1] * 50 + [None]
    au = [0.3 + 0.01 * (i % 10) for i in range(50)] + [0.1] * 50 + [None]
    pq.write_table(pa.table({"face_id": pa.array(ids, pa.int32()), "AU12_r": pa.array(au, pa.float32())}), path)
    normalise_file(path, ["AU12_r"], percentile=0.0)
    table = pq.read_table(path)
    out = table.column("AU12_r").to_pylist()
    assert out[0] == pytest.approx(0.0) and max(out[:50]) == pytest.approx(0.09, abs=1e-6)
    assert out[50:100] == [0.0] * 50 and out[100] is None
    meta = json.loads(table.schema.metadata[b"aucli.normalise"])
    assert meta["baselines"]["0"] == pytest.approx([0.3]) and meta["percentile"] == 0.0


def rotated_copy(src, dst, degrees=90):
    """Copy an mp4, setting the video track's display matrix (the tkhd box) to ``degrees``."""
    import struct

    data = bytearray(src.read_bytes())
    i = data.find(b"tkhd")
    offset = i + 8 + (20 if data[i + 4] == 0 else 32) + 16
    c, s = {90: (0, 1), 180: (-1, 0), 270: (0, -1)}[degrees]
    data[offset:offset + 36] = struct.pack(">9i", c << 16, s << 16, 0, -s << 16, c << 16, 0, 0, 0, 1 << 30)
    dst.write_bytes(bytes(data))
    return dst


def test_rotation_tag_is_honoured_once(tmp_path, single_face_video):
    from aucli.extract.video import iter_frames, probe

    video = rotated_copy(single_face_video, tmp_path / "portrait.mp4", 90)
    info = probe(video)
    assert info.rotation == 90 and (info.width, info.height) == (360, 640)
    (_, _, frame), = [f for f in iter_frames(video, stride=100)]
    (_, _, plain), = [f for f in iter_frames(single_face_video, stride=100)]
    assert frame.shape == (640, 360, 3)
    assert np.abs(frame.astype(int) - upright(plain, 90)).mean() < 4  # turned clockwise, once
