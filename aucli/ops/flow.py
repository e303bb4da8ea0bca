"""Dense optical flow between two frames: TV-L1, Farneback and DIS, all from OpenCV.

DATASETS.md §5.3: flows are computed on grayscale frames; ``u = flow[..., 0]`` is horizontal
(+x right) and ``v = flow[..., 1]`` vertical (+y down), so ``cur(x + u, y + v) ≈ prev(x, y)``.
Every function returns a float32 ``[H, W, 2]`` array and accepts uint8 gray or RGB frames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np


def to_gray(image: np.ndarray) -> np.ndarray:
    """uint8 grayscale of a [H, W] or [H, W, 3] RGB image (floats in [0, 255] are rounded)."""
    img = np.asarray(image)
    if img.dtype != np.uint8:
        img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    return img


@dataclass(frozen=True)
class TVL1Config:
    """TV-L1 (Zach et al. 2007) as ``cv2.optflow.DualTVL1OpticalFlow``; defaults = OpenCV's,
    which are the values MEAN passes explicitly (tau 0.25, theta 0.3, nscales 5)."""

    tau: float = 0.25
    """Time step of the numerical scheme."""
    lambda_: float = 0.15
    """Weight of the data term (smaller = smoother flow)."""
    theta: float = 0.3
    """Tightness of the coupling between the two variables."""
    nscales: int = 5
    """Pyramid levels."""
    warps: int = 5
    """Warpings per pyramid level."""
    epsilon: float = 0.01
    """Stopping threshold."""


@dataclass(frozen=True)
class FarnebackConfig:
    """Farneback (2003) polynomial-expansion flow; defaults are HTNet's call
    ``calcOpticalFlowFarneback(prev, next, None, 0.5, 3, 15, 3, 5, 1.2, 0)``."""

    pyr_scale: float = 0.5
    """Scale between pyramid levels."""
    levels: int = 3
    """Pyramid levels."""
    winsize: int = 15
    """Averaging window size."""
    iterations: int = 3
    """Iterations per level."""
    poly_n: int = 5
    """Neighbourhood of the polynomial expansion."""
    poly_sigma: float = 1.2
    """Gaussian sigma of the polynomial expansion."""


DIS_PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


@dataclass(frozen=True)
class DISConfig:
    """Dense Inverse Search (Kroeger et al. 2016) as ``cv2.DISOpticalFlow``."""

    preset: str = "medium"
    """OpenCV preset: ultrafast, fast or medium."""


def tvl1(prev: np.ndarray, cur: np.ndarray, config: TVL1Config = TVL1Config()) -> np.ndarray:
    """TV-L1 flow prev -> cur, [H, W, 2] float32."""
    algo = cv2.optflow.DualTVL1OpticalFlow_create(
        tau=config.tau, lambda_=config.lambda_, theta=config.theta, nscales=config.nscales,
        warps=config.warps, epsilon=config.epsilon,
    )
    return algo.calc(to_gray(prev), to_gray(cur), None)


def farneback(prev: np.ndarray, cur: np.ndarray,
              config: FarnebackConfig = FarnebackConfig()) -> np.ndarray:
    """Farneback flow prev -> cur, [H, W, 2] float32."""
    c = config
    return cv2.calcOpticalFlowFarneback(
        to_gray(prev), to_gray(cur), None, c.pyr_scale, c.levels, c.winsize, c.iterations,
        c.poly_n, c.poly_sigma, 0,
    )


def dis(prev: np.ndarray, cur: np.ndarray, config: DISConfig = DISConfig()) -> np.ndarray:
    """DIS flow prev -> cur, [H, W, 2] float32."""
    try:
        preset = DIS_PRESETS[config.preset]
    except KeyError:
        known = sorted(DIS_PRESETS)
        raise ValueError(f"unknown DIS preset {config.preset!r}; known: {known}") from None
    return cv2.DISOpticalFlow_create(preset).calc(to_gray(prev), to_gray(cur), None)


FlowFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
FLOW_METHODS: dict[str, tuple[Callable[..., np.ndarray], type]] = {
    "tvl1": (tvl1, TVL1Config),
    "farneback": (farneback, FarnebackConfig),
    "dis": (dis, DISConfig),
}


def flow_function(method: str, config: object | None = None, **params: object) -> FlowFn:
    """``f(prev, cur) -> [H, W, 2]`` for a method name and its config: an instance of the
    method's config class, or else its fields as keywords (defaults for the rest)."""
    try:
        fn, cfg_cls = FLOW_METHODS[method]
    except KeyError:
        raise ValueError(f"unknown flow method {method!r}; known: {sorted(FLOW_METHODS)}") from None
    if config is None:
        config = cfg_cls(**params)
    elif not isinstance(config, cfg_cls):
        raise TypeError(f"{method} flow takes a {cfg_cls.__name__}, not {type(config).__name__}")
    return lambda prev, cur: fn(prev, cur, config)


def optical_flow(prev: np.ndarray, cur: np.ndarray, method: str = "tvl1",
                 **params: object) -> np.ndarray:
    """Flow prev -> cur by ``method`` (tvl1, farneback, dis), [H, W, 2] float32."""
    return flow_function(method, **params)(prev, cur)
