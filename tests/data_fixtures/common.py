"""Helpers the fixture builders share: writing images, default image content."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

ImageFn = Callable[[str, int, np.ndarray], np.ndarray]


def default_image(size: int) -> ImageFn:
    """A smooth image seeded by subject and frame, so different frames differ."""

    def draw(subject: str, frame: int, labels: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(zlib.crc32(f"{subject}/{frame}".encode()))
        base = rng.integers(0, 256, size=(4, 4, 3)).astype(np.uint8)
        import cv2

        return cv2.resize(base, (size, size), interpolation=cv2.INTER_LINEAR)

    return draw


def write_image(path: Path, rgb: np.ndarray, gray: bool = False) -> None:
    """Write an RGB array as an image file (grayscale when ``gray``), creating folders."""
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    image = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if gray else cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    if not cv2.imwrite(str(path), image):
        raise OSError(f"could not write {path}")


def encode_image(rgb: np.ndarray, suffix: str = ".jpg") -> bytes:
    """The bytes of an image file (for zip members)."""
    import cv2

    ok, buf = cv2.imencode(suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return buf.tobytes()


def rng_for(name: str, seed: int) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(f"{name}:{seed}".encode()))
