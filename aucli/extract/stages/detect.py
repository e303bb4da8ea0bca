"""Face detection + landmarks. Detectors are registered in DETECTORS; the stage picks one by name."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from aucli.errors import ModelNotFoundError
from aucli.ops.landmarks import box_from_points, euler_from_matrix, mesh_to_68
from aucli.registry import Registry
from aucli.extract.stages import STAGES
from aucli.extract.stages.base import Face, FrameItem

DETECTORS: Registry = Registry(
    "detector", modules=("aucli.extract.stages.detect", "aucli.extract.stages.detect_insightface")
)


@contextlib.contextmanager
def native_stderr_silenced():
    """Hide what native libraries (glog, TFLite) print on fd 2 while a model starts up."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@dataclass(frozen=True)
class DetectConfig:
    detector: str = "mediapipe"
    """Face detector + landmarker: "mediapipe" (bundled, offline) or "insightface" (your models)."""
    max_faces: int = 8
    """Most faces reported per frame."""
    min_detection_confidence: float = 0.5
    """Detector score below which a face is ignored."""
    min_presence_confidence: float = 0.5
    """MediaPipe face-presence score below which a tracked face is dropped."""
    min_tracking_confidence: float = 0.5
    """MediaPipe landmark-tracking score below which the detector runs again."""
    mode: str = "video"
    """MediaPipe: "video" tracks landmarks between frames of one video; "image" detects every
    image afresh (unrelated images, e.g. dataset frames)."""
    model_path: str = ""
    """MediaPipe: a face_landmarker.task to use instead of the installed one (sha256 logged)."""
    insightface_root: str = "~/.insightface/models"
    """insightface: folder holding model packs."""
    insightface_pack: str = "buffalo_l"
    """insightface: pack folder name (needs a detector det_*.onnx and 1k3d68.onnx)."""
    det_size: int = 640
    """insightface: detector input size in pixels."""
    full_range: str = "yuface"
    """Full-range box detector run in front of the MediaPipe landmarker, for the small, far and
    half-profile faces it misses ("none": off). See aucli.extract.stages.detect_fullrange."""
    full_range_every: int = 30
    """Run the full-range detector every k-th frame (and whenever fewer faces are found than in
    the frame before; on every photo)."""
    full_range_max_side: int = 1280
    """Frames are shrunk to this longer side for the full-range detector (cost grows with area)."""
    crop_size: int = 256
    """Side in pixels of the upscaled crop the landmarker runs on for a face found by box only."""
    min_face: int = 20
    """Smallest face kept, in pixels (the longer side of its box)."""


@DETECTORS.register("mediapipe")
class MediaPipeDetector:
    """MediaPipe Face Landmarker (detector + 478-point mesh + 52 blendshapes + pose matrix).

    Runs in VIDEO mode: landmarks are tracked between frames and the detector reruns only
    when tracking is lost. Model: Apache-2.0 ``face_landmarker.task`` from an installed package.
    Its detector is short-range, so the stage puts a full-range pass in front (``short_range``).
    """

    short_range = True

    def __init__(self, config: DetectConfig) -> None:
        if config.mode not in ("video", "image"):
            raise ValueError(f"detect.mode must be 'video' or 'image', got {config.mode!r}")
        self.config = config
        self.image_mode = config.mode == "image"
        self._landmarker: Any = None
        self._last_ms = -1

    def open(self) -> None:
        if self._landmarker is not None:
            return
        from mediapipe.tasks.python import BaseOptions, vision

        from aucli.extract.model_files import landmarker_model_path

        self.model_path = landmarker_model_path(self.config.model_path or None)
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.IMAGE if self.image_mode else vision.RunningMode.VIDEO,
            num_faces=self.config.max_faces,
            min_face_detection_confidence=self.config.min_detection_confidence,
            min_face_presence_confidence=self.config.min_presence_confidence,
            min_tracking_confidence=self.config.min_tracking_confidence,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        with native_stderr_silenced():
            try:
                self._landmarker = vision.FaceLandmarker.create_from_options(options)
            except RuntimeError as exc:
                raise ModelNotFoundError(f"{self.model_path} is not a usable face_landmarker.task "
                                         f"({exc})") from exc
            # the first call builds the blendshape graph, which logs too
            blank = _mp_image(np.zeros((64, 64, 3), np.uint8))
            if self.image_mode:
                self._landmarker.detect(blank)
            else:
                self._landmarker.detect_for_video(blank, 0)

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def describe(self) -> dict[str, Any]:
        from aucli.extract.model_files import LANDMARKER, sha256_file

        from aucli.extract.model_files import landmarker_model_path

        path = landmarker_model_path(self.config.model_path or None)
        return {"name": LANDMARKER.name, "licence": LANDMARKER.licence,
                "path": str(path), "sha256": sha256_file(path)}

    def detect(self, image: np.ndarray, timestamp: float) -> list[Face]:
        self.open()
        if self.image_mode:
            result = self._landmarker.detect(_mp_image(image))
        else:
            # VIDEO mode needs strictly increasing integer milliseconds (0 went to the warm-up).
            ms = max(int(round(timestamp * 1000)), self._last_ms + 1, 1)
            self._last_ms = ms
            result = self._landmarker.detect_for_video(_mp_image(image), ms)
        h, w = image.shape[:2]
        faces = []
        for k, points in enumerate(result.face_landmarks):
            mesh = np.array([(p.x * w, p.y * h, p.z * w) for p in points], dtype=np.float32)
            shapes = np.array([c.score for c in result.face_blendshapes[k]], dtype=np.float32)
            matrix = np.asarray(result.facial_transformation_matrixes[k], dtype=np.float64)
            faces.append(Face(
                bbox=box_from_points(mesh), confidence=None, landmarks=mesh,
                lm68=mesh_to_68(mesh).astype(np.float64), blendshapes=shapes, transform=matrix,
                pose=euler_from_matrix(matrix),
            ))
        return faces


def _mp_image(image: np.ndarray):
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image))


@STAGES.register("detect")
class DetectStage:
    """Find faces and landmarks in every frame with the configured detector."""

    config_class = DetectConfig

    def __init__(self, config: DetectConfig) -> None:
        from aucli.extract.stages.detect_fullrange import BOX_DETECTORS

        self.config = config
        self.detector = DETECTORS.get(config.detector)(config)
        self._extra: Any = None  # the FullRangePass while open
        self.full_range = config.full_range != "none" and getattr(self.detector, "short_range", False)
        if self.full_range:
            BOX_DETECTORS.get(config.full_range)  # a misspelt name fails before any frame

    def describe(self) -> dict[str, Any]:
        from aucli.extract.stages.detect_fullrange import BOX_DETECTORS

        info = self.detector.describe()
        if self.full_range:
            info["full_range"] = {"name": self.config.full_range,
                                  "licence": BOX_DETECTORS.get(self.config.full_range).licence}
        return info

    def open(self) -> None:
        """Load the landmarker (and the full-range pass's detector and crop landmarker)."""
        from aucli.extract.model_files import landmarker_model_path
        from aucli.extract.stages.detect_fullrange import FullRangePass

        self.detector.open()
        if self.full_range and self._extra is None:
            model = landmarker_model_path(self.config.model_path or None)
            self._extra = FullRangePass(self.config, str(model))
            self._extra.open()

    def close(self) -> None:
        self.detector.close()
        if self._extra is not None:
            self._extra.close()
            self._extra = None

    def __call__(self, items: Iterable[FrameItem]) -> Iterator[FrameItem]:
        photos = self.config.mode == "image"
        try:
            self.open()
            for item in items:
                item.faces = self.detector.detect(item.image, item.timestamp)
                if self._extra is not None:
                    item.faces = self._extra(item.image, item.faces, every_frame=photos)
                yield item
        finally:
            self.close()
