"""Faces at every scale: real face crops (from the sample videos) pasted at known positions and
sizes 24-160 px on a 1280 x 720 background; the detect stage with its full-range pass must find
>= 90 % of them, nothing on a face-free frame, and keep one face_id per face through a still clip."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from aucli.extract.pipeline import build_stages, resolve
from aucli.extract.stages.base import FrameItem
from tests.media import sample_frames

SIZES = [24, 28, 32, 40, 48, 64, 80, 96, 128, 160]


@pytest.fixture(scope="module")
def face_crops(pexels_video, single_face_video):
    """(crop, face box inside the crop) from real frames, the box found by the landmarker."""
    from aucli.extract.pipeline import detect_image

    crops = []
    for video, index in ((pexels_video, 0), (pexels_video, 200), (single_face_video, 30), (single_face_video, 60)):
        frame = sample_frames(video, [index])[0]
        face = max(detect_image(frame), key=lambda f: f.bbox[2])
        x, y, w, h = face.bbox
        side = 1.8 * max(w, h)
        x0, y0 = int(x + w / 2 - side / 2), int(y + h / 2 - side / 2)
        crop = frame[max(y0, 0): y0 + int(side), max(x0, 0): x0 + int(side)]
        crops.append((crop, max(w, h) / crop.shape[1]))
    return crops


@pytest.fixture(scope="module")
def half_profile():
    """The half-profile face (yaw about -49 degrees) of insightface's t1.jpg, which the
    .ci/install'ed insightface wheel ships; (crop, face fraction) like ``face_crops``."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("insightface")
    path = Path(spec.origin).parent / "data/images/t1.jpg" if spec and spec.origin else None
    if path is None or not path.is_file():
        pytest.skip("insightface's t1.jpg is not installed")
    image = cv2.imread(str(path))[..., ::-1]
    x, y, w, h = 908, 80, 108, 127  # that face's landmark box
    side = int(1.8 * h)
    x0, y0 = x + w // 2 - side // 2, max(y + h // 2 - side // 2, 0)
    crop = np.ascontiguousarray(image[y0: y0 + side, x0: x0 + side])
    return crop, h / crop.shape[0]


def background(seed: int = 0) -> np.ndarray:
    """A textured, face-free 1280 x 720 frame (smooth noise and stripes)."""
    rng = np.random.default_rng(seed)
    noise = cv2.resize(rng.integers(0, 255, (18, 32, 3), dtype=np.uint8), (1280, 720), interpolation=cv2.INTER_CUBIC)
    stripes = (np.sin(np.arange(1280) / 23.0) * 30 + 60).astype(np.uint8)[None, :, None]
    return cv2.addWeighted(noise, 0.7, np.broadcast_to(stripes, noise.shape).copy(), 0.3, 0)


def canvas(crops, sizes=SIZES) -> tuple[np.ndarray, list[tuple[float, float, int]]]:
    """Faces of ``sizes`` px laid out in a grid; returns the image and (cx, cy, size) per face."""
    image = background()
    placed = []
    for k, size in enumerate(sizes):
        crop, fraction = crops[k % len(crops)] if k < len(SIZES) else crops[-1]
        side = int(round(size / fraction))
        patch = cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA if side < crop.shape[0] else cv2.INTER_CUBIC)
        col, row = k % 5, k // 5
        cx, cy = (150 + col * 245, 180 + row * 360) if row < 2 else (640, 360)
        x0, y0 = cx - side // 2, cy - side // 2
        image[y0: y0 + side, x0: x0 + side] = patch
        placed.append((cx, cy, size))
    return image, placed


def detect(image: np.ndarray, mode: str = "image"):
    resolved = resolve(extra={"stages": ["detect"], "detect": {"mode": mode, "max_faces": 12}})
    (stage,) = build_stages(resolved)
    return list(stage([FrameItem(0, 0.0, image)]))[0].faces


def found(faces, placed) -> list[bool]:
    hits = []
    for cx, cy, size in placed:
        hits.append(any(abs(f.bbox[0] + f.bbox[2] / 2 - cx) < size * 0.6
                        and abs(f.bbox[1] + f.bbox[3] / 2 - cy) < size * 0.6 for f in faces))
    return hits


def test_faces_of_24_px_and_up_are_found(face_crops, half_profile):
    image, placed = canvas(face_crops + [half_profile], SIZES + [72])
    faces = detect(image)
    hits = found(faces, placed)
    assert sum(hits) >= 0.9 * len(placed), list(zip([p[2] for p in placed], hits))
    assert hits[-1], "the half-profile face"
    assert len(faces) <= len(placed)  # nothing found on the background
    assert all(f.confidence is None or 0 < f.confidence <= 1 for f in faces)
    assert sum(f.confidence is not None for f in faces) >= 5  # the small ones came from the box detector
    assert all(np.isfinite(f.lm68).all() for f in faces)


def test_the_landmarker_alone_misses_small_faces(face_crops):
    """The reason for the full-range pass: without it the small faces go unseen."""
    image, placed = canvas(face_crops, [24, 32, 40, 48])
    resolved = resolve(extra={"stages": ["detect"], "detect": {"mode": "image", "full_range": "none"}})
    (stage,) = build_stages(resolved)
    faces = list(stage([FrameItem(0, 0.0, image)]))[0].faces
    assert sum(found(faces, placed)) < 4 <= sum(found(detect(image), placed))


def test_no_face_on_face_free_frames():
    for seed in range(3):
        assert detect(background(seed)) == []


def test_still_faces_keep_one_id_each(face_crops):
    image, placed = canvas(face_crops, [40, 64, 96, 160])
    resolved = resolve(extra={"stages": ["detect", "track"], "detect": {"max_faces": 8, "full_range_every": 4}})
    items = [FrameItem(k, k / 25, image.copy()) for k in range(10)]
    for stage in build_stages(resolved):
        items = stage(items)
    ids_per_face: dict[int, set] = {k: set() for k in range(len(placed))}
    for item in items:
        for k, (cx, cy, size) in enumerate(placed):
            ids_per_face[k] |= {f.face_id for f in item.faces
                                if abs(f.bbox[0] + f.bbox[2] / 2 - cx) < size * 0.6
                                and abs(f.bbox[1] + f.bbox[3] / 2 - cy) < size * 0.6}
    assert all(len(ids) == 1 for ids in ids_per_face.values()), ids_per_face
    assert len(set().union(*ids_per_face.values())) == len(placed)


def test_crop_landmarks_come_back_in_frame_pixels(pexels_video):
    """The crop landmarker (used for faces found by box only) lands on the landmarker's own
    full-frame landmarks, whether the crop is enlarged or shrunk."""
    from aucli.extract.model_files import landmarker_model_path
    from aucli.extract.pipeline import detect_image
    from aucli.extract.stages.detect_fullrange import CropLandmarker

    frame = sample_frames(pexels_video, [100])[0]
    (face,) = detect_image(frame, resolve(extra={"stages": ["detect"], "detect": {"mode": "image", "full_range": "none"}}))
    for size in (96, 512):
        crop = CropLandmarker(str(landmarker_model_path()), size=size)
        try:
            again = crop(frame, face.bbox, 0.9)
        finally:
            crop.close()
        assert again is not None and again.confidence == 0.9
        error = np.linalg.norm(again.lm68 - face.lm68, axis=1).mean()
        assert error < 0.05 * face.bbox[2], (size, error)
