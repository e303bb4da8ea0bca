"""insightface backend: the user's own ONNX model pack (SCRFD detector + 1k3d68 landmarks).

insightface ships no weights offline (its packs download at run time), so this backend only
loads models a user already has, from ``<insightface_root>/<pack>/``: a detector (``det_*.onnx``
or ``scrfd*.onnx``) and the 68-point 3D landmark model (``1k3d68.onnx``). Nothing is fetched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from aucli.errors import ModelNotFoundError
from aucli.extract.model_files import sha256_file
from aucli.extract.stages.base import Face
from aucli.extract.stages.detect import DETECTORS, DetectConfig

DETECTOR_PATTERNS = ("det_*.onnx", "scrfd*.onnx", "retinaface*.onnx")
LANDMARK_FILE = "1k3d68.onnx"


def find_pack_models(root: str, pack: str) -> tuple[Path, Path]:
    """Detector and landmark model paths in the pack, or an error saying what is missing."""
    folder = Path(root).expanduser() / pack
    if not folder.is_dir():
        raise ModelNotFoundError(
            f"insightface pack folder {folder} not found: put your models there (a detector "
            f"det_*.onnx and {LANDMARK_FILE}) or set detect.insightface_root / insightface_pack"
        )
    detectors = sorted(p for pat in DETECTOR_PATTERNS for p in folder.glob(pat))
    landmark = folder / LANDMARK_FILE
    missing = ([] if detectors else ["a detector (det_*.onnx or scrfd*.onnx)"]) + (
        [] if landmark.is_file() else [LANDMARK_FILE])
    if missing:
        raise ModelNotFoundError(f"insightface pack {folder} lacks {' and '.join(missing)}")
    return detectors[0], landmark


@DETECTORS.register("insightface")
class InsightFaceDetector:
    """SCRFD boxes + 1k3d68 landmarks (68 points, iBUG order) through insightface's model zoo."""

    def __init__(self, config: DetectConfig) -> None:
        self.config = config
        self._det: Any = None
        self._lmk: Any = None

    def open(self) -> None:
        if self._det is not None:
            return
        from insightface.model_zoo import get_model

        det_path, lmk_path = find_pack_models(self.config.insightface_root, self.config.insightface_pack)
        providers = ["CPUExecutionProvider"]
        self._det = get_model(str(det_path), providers=providers)
        self._lmk = get_model(str(lmk_path), providers=providers)
        size = (self.config.det_size, self.config.det_size)
        self._det.prepare(-1, input_size=size, det_thresh=self.config.min_detection_confidence)
        self._lmk.prepare(-1)
        self.paths = (det_path, lmk_path)

    def close(self) -> None:
        self._det = self._lmk = None

    def describe(self) -> dict[str, Any]:
        det, lmk = find_pack_models(self.config.insightface_root, self.config.insightface_pack)
        return {"name": f"insightface:{self.config.insightface_pack}", "licence": "user-supplied",
                "files": {p.name: sha256_file(p) for p in (det, lmk)}}

    def detect(self, image: np.ndarray, timestamp: float) -> list[Face]:  # noqa: ARG002 - per image
        from insightface.app.common import Face as InsightFace

        self.open()
        bgr = np.ascontiguousarray(image[..., ::-1])
        boxes, kps = self._det.detect(bgr, max_num=self.config.max_faces)
        faces = []
        for k, box in enumerate(boxes):
            record = InsightFace(bbox=box[:4], kps=None if kps is None else kps[k], det_score=box[4])
            self._lmk.get(bgr, record)
            points = np.asarray(record[self._lmk.taskname], dtype=np.float32)  # [68, 3]
            x1, y1, x2, y2 = box[:4]
            pose = record.get("pose")
            faces.append(Face(
                bbox=np.array([x1, y1, x2 - x1, y2 - y1], dtype=np.float64),
                confidence=float(box[4]), landmarks=points, lm68=points[:, :2].astype(np.float64),
                pose=None if pose is None else np.deg2rad(np.asarray(pose, dtype=np.float64)),
            ))
        return faces
