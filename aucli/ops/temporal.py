"""Temporal interpolation of a clip to a fixed number of frames.

``tim``: the Temporal Interpolation Model (Zhou, Zhao & Pietikäinen, CVPR 2011), used before
LBP-TOP in the micro-expression baselines. The n frames are embedded on the curve of the path
graph's Laplacian eigenvectors, y_k(t) = sin(πkt + π(n − k)/(2n)), k = 1..n−1, at t = i/n; a
linear map M with X − mean = M·Y sends curve points back to frames, so new frames are
mean + M·y(t) for t evenly spaced on [1/n, 1]. The curve passes through every input frame.
``linear``: per-pixel linear interpolation in time (the simple alternative).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _curve(n: int, t: np.ndarray) -> np.ndarray:
    k = np.arange(1, n)[:, None]  # [n-1, 1]
    return np.sin(np.pi * k * t[None, :] + np.pi * (n - k) / (2 * n))  # [n-1, len(t)]


def tim(clip: np.ndarray, length: int) -> np.ndarray:
    """TIM-interpolate a [T, ...] clip to [length, ...] float32."""
    x = np.asarray(clip, dtype=np.float64)
    n = x.shape[0]
    if n == 1:
        return np.repeat(x, length, axis=0).astype(np.float32)
    flat = x.reshape(n, -1).T  # [D, n]
    mean = flat.mean(1, keepdims=True)
    y = _curve(n, np.arange(1, n + 1) / n)  # [n-1, n]
    m = (flat - mean) @ np.linalg.pinv(y)  # [D, n-1]
    new = mean + m @ _curve(n, np.linspace(1 / n, 1, length))  # [D, length]
    return new.T.reshape((length,) + x.shape[1:]).astype(np.float32)


def linear(clip: np.ndarray, length: int) -> np.ndarray:
    """Per-pixel linear interpolation of a [T, ...] clip to [length, ...] float32."""
    x = np.asarray(clip, dtype=np.float32)
    n = x.shape[0]
    pos = np.linspace(0, n - 1, length)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = (pos - lo).reshape((-1,) + (1,) * (x.ndim - 1)).astype(np.float32)
    return (1 - w) * x[lo] + w * x[hi]


INTERPOLATORS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {"tim": tim, "linear": linear}


def interpolate_clip(clip: np.ndarray, length: int = 10, method: str = "tim") -> np.ndarray:
    """A [T, ...] clip resampled to ``length`` frames (meb uses TIM to 10), float32."""
    try:
        fn = INTERPOLATORS[method]
    except KeyError:
        known = sorted(INTERPOLATORS)
        raise ValueError(f"unknown interpolation {method!r}; known: {known}") from None
    return fn(clip, length)
