"""Small real media made at test time: videos written with OpenCV from real sample frames."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import cv2
import numpy as np


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float = 25.0,
                fourcc: str = "mp4v") -> Path:
    """Write RGB (or grayscale 2-D) frames to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    for frame in frames:
        if writer is None:
            h, w = frame.shape[:2]
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h),
                                     frame.ndim == 3)
        writer.write(frame[..., ::-1] if frame.ndim == 3 else frame)
    assert writer is not None, "no frames"
    writer.release()
    return path


def sample_frames(video: Path, indices: Iterable[int]) -> list[np.ndarray]:
    import decord

    reader = decord.VideoReader(str(video))
    return [reader[i].asnumpy() for i in indices]


def two_face_frames(video: Path, n: int, gap: tuple[int, int] | None = None,
                    transform: Callable[[np.ndarray], np.ndarray] | None = None) -> list[np.ndarray]:
    """Frames with two people side by side, made from a one-face clip.

    The left copy is the clip, the right copy the same clip mirrored and ``n`` frames later,
    so the two faces move differently. ``gap=(a, b)`` blanks the right face in frames a..b-1.
    """
    left = sample_frames(video, range(n))
    right = sample_frames(video, range(n, 2 * n))
    out = []
    for i, (a, b) in enumerate(zip(left, right)):
        b = b[:, ::-1]
        if gap and gap[0] <= i < gap[1]:
            b = np.full_like(b, 90)
        out.append(np.ascontiguousarray(np.concatenate([a, b], axis=1)))
    return out


def planted_smile(video: Path, n: int, onset: int, offset: int, peak: float = 0.15,
                  seed: int = 0) -> list[np.ndarray]:
    """``n`` copies of ``video``'s first frame (a still face, sensor noise added) in which the
    mouth corners move up and outward from ``onset`` to ``offset`` (apex in the middle), by
    ``peak`` inner-eye-corner distances at the apex: an expression of known time and place."""
    from aucli.extract.pipeline import detect_image

    base = sample_frames(video, [0])[0].astype(np.float32)
    lm = max(detect_image(base.astype(np.uint8)), key=lambda f: f.bbox[2] * f.bbox[3]).lm68
    ruler = float(np.linalg.norm(lm[42] - lm[39]))
    ys, xs = np.mgrid[0:base.shape[0], 0:base.shape[1]].astype(np.float32)
    bumps = [np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * (0.35 * ruler) ** 2)).astype(np.float32)
             for x, y in (lm[48], lm[54])]  # left and right mouth corner
    rng = np.random.default_rng(seed)
    mid, half = (onset + offset) / 2, (offset - onset) / 2 + 1
    frames = []
    for t in range(n):
        a = np.float32(peak * ruler * max(0.0, 1 - abs(t - mid) / half))
        dx, dy = a * (bumps[1] - bumps[0]), -a * (bumps[0] + bumps[1])
        img = cv2.remap(base, xs - dx, ys - dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        frames.append(np.clip(img + rng.normal(0, 1.0, img.shape), 0, 255).astype(np.uint8))
    return frames
