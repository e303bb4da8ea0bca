"""The extract flow stage: per-AU-region flow versus the previous frame."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from aucli.config import from_dict
from aucli.ops.regions import REGIONS
from aucli.extract.stages import STAGES
from aucli.extract.stages.base import Face, FrameItem
from aucli.extract.stages.flow import FlowStage, FlowStageConfig, flow_columns


def texture(size=224, seed=0):
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.random((size, size)).astype(np.float32), (0, 0), 3.0)
    img = (img - img.min()) / (img.max() - img.min()) * 255
    return np.repeat(img.astype(np.uint8)[..., None], 3, -1)


def face_landmarks(size=224):
    """A plausible upright 68-point layout inside a size x size crop."""
    rng = np.random.default_rng(3)
    lm = rng.uniform(0.3, 0.7, (68, 2)) * size
    lm[36:42], lm[42:48] = [0.35 * size, 0.4 * size], [0.65 * size, 0.4 * size]
    lm[39], lm[42] = [0.42 * size, 0.4 * size], [0.58 * size, 0.4 * size]
    return lm


def make_face(crop, face_id=0):
    return Face(bbox=np.array([0, 0, 224, 224.0]), confidence=1.0, landmarks=np.zeros((478, 3)),
                lm68=face_landmarks(), face_id=face_id,
                align_matrix=np.array([[1.0, 0, 0], [0, 1.0, 0]]), aligned=crop)


def shifted(img, dx, dy):
    m = np.array([[1, 0, dx], [0, 1, dy]], dtype=np.float64)
    return cv2.warpAffine(img, m, img.shape[1::-1], flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REFLECT)


def test_registered_and_configurable():
    cls = STAGES.get("flow")
    assert cls is FlowStage and cls.config_class is FlowStageConfig
    stage = cls(from_dict(FlowStageConfig, {"method": "farneback", "size": 96}))
    assert stage.describe() == {}
    assert stage.output_columns() == flow_columns()
    assert len(flow_columns()) == 3 * len(REGIONS)
    assert "flow_AU12_mag" in flow_columns()


@pytest.mark.parametrize("method", ["dis", "farneback"])
def test_translation_shows_in_every_region(method):
    img = texture()
    frames = [img, shifted(img, 3.0, -2.0), shifted(img, 3.0, -2.0)]
    items = [FrameItem(i, i / 25, f, [make_face(f)]) for i, f in enumerate(frames)]
    out = list(FlowStage(FlowStageConfig(method=method))(items))
    first, moved, still = (it.faces[0].columns for it in out)
    assert all(math.isnan(v) for v in first.values()) and set(first) == set(flow_columns())
    for region in REGIONS:
        # 3, -2 px at 224 -> 1.5, -1 px on the 112 crop the flow is measured on
        assert moved[f"flow_{region}_dx"] == pytest.approx(1.5, abs=0.2)
        assert moved[f"flow_{region}_dy"] == pytest.approx(-1.0, abs=0.2)
        assert moved[f"flow_{region}_mag"] == pytest.approx(math.hypot(1.5, 1.0), abs=0.25)
        assert still[f"flow_{region}_mag"] < 0.1


def test_new_track_and_missing_crop_get_nan():
    img = texture()
    items = [FrameItem(0, 0.0, img, [make_face(img, 0)]),
             FrameItem(1, 0.04, img, [make_face(img, 1), make_face(None, 0)])]
    out = list(FlowStage(FlowStageConfig())(items))
    assert all(math.isnan(v) for f in out[1].faces for v in f.columns.values())


def test_extract_pipeline_with_flow_writes_columns(single_face_video, tmp_path):
    import pyarrow.parquet as pq

    from aucli.extract.pipeline import resolve, run_video

    resolved = resolve(extra={"stages": ["detect", "track", "align", "au", "flow"]})
    out = tmp_path / "single_face.parquet"
    run_video(single_face_video, out, resolved)
    table = pq.read_table(out, columns=["frame", "face_id", "flow_AU12_dx", "flow_AU12_mag"])
    assert table.schema.field("flow_AU12_mag").type == "float"
    rows = table.to_pydict()
    first = rows["frame"].index(min(rows["frame"]))
    assert math.isnan(rows["flow_AU12_mag"][first])  # first frame of the track
    later = [m for i, (f, m) in enumerate(zip(rows["face_id"], rows["flow_AU12_mag"]))
             if f is not None and i != first]
    assert later and all(math.isfinite(m) and m >= 0 for m in later)
