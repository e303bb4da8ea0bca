"""The insightface backend, run on small ONNX models with the real SCRFD / 1k3d68 signatures.

No insightface weights can be had offline, so the test builds a detector with SCRFD's nine
outputs (scores, boxes, keypoints at strides 8/16/32, two anchors) and a landmark model with
1k3d68's [1, 3, 192, 192] -> [1, 3309] signature, both answering for a face whose box and
landmarks MediaPipe found in the sample frame. The backend must route them through
insightface's model zoo, decode them, and put that face in the Parquet file.
"""

from __future__ import annotations

import numpy as np
import onnx
import pyarrow.parquet as pq
import pytest
from onnx import TensorProto, helper, numpy_helper
from typer.testing import CliRunner

from aucli.cli import app
from aucli.errors import ModelNotFoundError
from aucli.extract.stages.detect_insightface import find_pack_models
from tests.media import sample_frames

SIZE = 640


def _graph_model(name: str, input_shape: list[int], outputs: list[np.ndarray]) -> onnx.ModelProto:
    """A graph whose outputs are constants plus 0 x mean(input), so the input is really used."""
    nodes = [helper.make_node("ReduceMean", ["input.1"], ["m"], keepdims=0),
             helper.make_node("Mul", ["m", "zero"], ["z"])]
    inits = [numpy_helper.from_array(np.zeros((), np.float32), "zero")]
    outs = []
    for k, value in enumerate(outputs):
        inits.append(numpy_helper.from_array(value.astype(np.float32), f"c{k}"))
        nodes.append(helper.make_node("Add", [f"c{k}", "z"], [f"out{k}"]))
        outs.append(helper.make_tensor_value_info(f"out{k}", TensorProto.FLOAT, list(value.shape)))
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info(
        "input.1", TensorProto.FLOAT, input_shape)], outs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def scrfd_model(box: np.ndarray, kps: np.ndarray, score: float = 0.9) -> onnx.ModelProto:
    scores, boxes, points = [], [], []
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    for stride in (8, 16, 32):
        n = SIZE // stride
        centres = np.stack(np.mgrid[:n, :n][::-1], -1).reshape(-1, 2) * stride
        centres = np.repeat(centres, 2, axis=0)  # two anchors per cell
        s = np.full((len(centres), 1), 0.01)
        b = np.zeros((len(centres), 4))
        p = np.zeros((len(centres), 10))
        if stride == 32:
            k = int(np.argmin(np.linalg.norm(centres - [cx, cy], axis=1)))
            ax, ay = centres[k]
            s[k] = score
            b[k] = np.array([ax - box[0], ay - box[1], box[2] - ax, box[3] - ay]) / stride
            p[k] = ((kps - [ax, ay]) / stride).ravel()
        scores.append(s), boxes.append(b), points.append(p)
    return _graph_model("scrfd", [1, 3, SIZE, SIZE], scores + boxes + points)


def landmark_model(box: np.ndarray, lm68: np.ndarray) -> onnx.ModelProto:
    """1k3d68-shaped output that decodes (insightface Landmark.get) to ``lm68`` for ``box``."""
    w, h = box[2] - box[0], box[3] - box[1]
    centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
    scale = 192 / (max(w, h) * 1.5)
    crop = (lm68 - centre) * scale + 96
    pred = np.zeros((1103, 3))
    pred[-68:, :2] = crop / 96 - 1
    pred[-68:, 2] = np.linspace(-0.1, 0.1, 68)
    return _graph_model("lmk", [1, 3, 192, 192], [pred.reshape(1, -1)])


@pytest.fixture(scope="module")
def pack(tmp_path_factory, single_face_video):
    from aucli.ops.align import five_points_68
    from aucli.extract.pipeline import detect_image

    frame = sample_frames(single_face_video, [0])[0]
    (face,) = detect_image(frame)
    x, y, w, h = face.bbox
    box = np.array([x, y, x + w, y + h])
    root = tmp_path_factory.mktemp("insightface") / "models"
    folder = root / "testpack"
    folder.mkdir(parents=True)
    onnx.save(scrfd_model(box, five_points_68(face.lm68)), folder / "det_test.onnx")
    onnx.save(landmark_model(box, face.lm68), folder / "1k3d68.onnx")
    return root, box, face.lm68


def test_extract_with_insightface_backend(pack, single_face_video, tmp_path):
    root, box, lm68 = pack
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [
        "extract", str(single_face_video), "-o", str(out), "-q", "--stride", "24",
        "--set", "detect.detector=insightface", "--set", f"detect.insightface_root='{root}'",
        "--set", "detect.insightface_pack=testpack"])
    assert result.exit_code == 0, result.output
    rows = pq.read_table(out / "single_face.parquet").to_pylist()
    assert [r["frame"] for r in rows] == [0, 24, 48]
    first = rows[0]
    assert first["success"] and first["face_id"] == 0
    assert first["confidence"] == pytest.approx(0.9, abs=1e-3)
    assert [first["face_x"], first["face_y"]] == pytest.approx(list(box[:2]), abs=0.5)
    got = np.array([[first[f"x_{i}"], first[f"y_{i}"]] for i in range(68)])
    assert np.abs(got - lm68).max() < 1.0
    assert first["pose_Rx"] is not None and first["AU12_r"] is None  # no blendshapes here


def test_missing_pack_and_missing_model_say_what_is_missing(pack, tmp_path, single_face_video):
    root, _, _ = pack
    with pytest.raises(ModelNotFoundError, match="not found"):
        find_pack_models(str(tmp_path), "nothere")
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "det_10g.onnx").write_bytes((root / "testpack" / "det_test.onnx").read_bytes())
    with pytest.raises(ModelNotFoundError, match="lacks 1k3d68.onnx"):
        find_pack_models(str(tmp_path), "partial")
    result = CliRunner().invoke(app, [
        "extract", str(single_face_video), "-o", str(tmp_path / "o"),
        "--set", "detect.detector=insightface", "--set", f"detect.insightface_root='{tmp_path}'",
        "--set", "detect.insightface_pack=nothere"])
    assert result.exit_code == 2
    assert "insightface pack folder" in result.output and "nothere" in result.output
