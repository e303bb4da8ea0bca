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
