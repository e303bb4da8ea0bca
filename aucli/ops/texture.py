"""Local binary patterns: LBP of an image (scikit-image) and LBP-TOP of a clip.

LBP-TOP (Zhao & Pietikäinen 2007) computes LBP codes on the three orthogonal planes of a
[T, H, W] volume: XY (each frame), XT (each row over time) and YT (each column over time), then
histograms the codes of each plane in each block of a spatial grid. Defaults are meb's
``LBPTOP(video, 0, 9, 3, 3, 3, [8, 8, 8], 3, 3, 8, 8, 0.7, 1, "u2")`` (DATASETS.md §5.3): radii
3/3/3, 8 neighbours per plane, an 8 x 8 grid with overlap 0.7, uniform-2 codes (59 bins).

Choices the papers leave open, made here:
- the radius is one per *plane* (circular neighbourhoods, as scikit-image samples them);
- codes are counted only where every plane's neighbourhood lies inside the volume: a margin of
  max(radius of the two planes containing the axis) is dropped on each axis;
- block b of n along an axis of length L spans ``size = L / (n - (n - 1) * overlap)`` pixels
  starting at ``round(b * size * (1 - overlap))``;
- each block/plane histogram is normalised to sum 1.
Feature layout: [grid_rows, grid_cols, 3 planes (XY, XT, YT), bins], flattened C-order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skimage.feature import local_binary_pattern

from aucli.ops.flow import to_gray

PLANES = ("xy", "xt", "yt")


def n_bins(points: int, method: str = "nri_uniform") -> int:
    """Number of distinct codes scikit-image's ``method`` produces for ``points`` neighbours."""
    counts = {"nri_uniform": points * (points - 1) + 3, "uniform": points + 2,
              "default": 2**points, "ror": 2**points}
    try:
        return counts[method]
    except KeyError:
        raise ValueError(f"unknown LBP method {method!r}; known: {sorted(counts)}") from None


def lbp(image: np.ndarray, points: int = 8, radius: float = 1,
        method: str = "nri_uniform") -> np.ndarray:
    """LBP code per pixel of a gray or RGB uint8 image, [H, W] int32 (scikit-image)."""
    codes = local_binary_pattern(to_gray(image), points, radius, method)
    return codes.astype(np.int32)


def lbp_histogram(codes: np.ndarray, bins: int) -> np.ndarray:
    """Normalised histogram of integer codes, [bins] float32 (zeros when empty)."""
    h = np.bincount(codes.ravel(), minlength=bins)[:bins].astype(np.float32)
    total = h.sum()
    return h / total if total > 0 else h


@dataclass(frozen=True)
class LBPTOPConfig:
    """LBP-TOP parameters; defaults are meb's (DATASETS.md §5.3)."""

    radii: tuple[int, int, int] = (3, 3, 3)
    """Neighbourhood radius on the XY, XT and YT planes."""
    points: tuple[int, int, int] = (8, 8, 8)
    """Neighbours sampled on the XY, XT and YT planes."""
    grid: tuple[int, int] = (8, 8)
    """Blocks along y (rows) and x (columns)."""
    overlap: float = 0.7
    """Fraction of a block shared with its neighbour."""
    method: str = "nri_uniform"
    """scikit-image code mapping; nri_uniform is the uniform-2 ('u2') mapping, 59 bins at P=8."""


def _margins(radii: tuple[int, int, int]) -> tuple[int, int, int]:
    r_xy, r_xt, r_yt = (int(np.ceil(r)) for r in radii)
    return max(r_xt, r_yt), max(r_xy, r_yt), max(r_xy, r_xt)  # t, y, x


def lbp_top_codes(clip: np.ndarray, config: LBPTOPConfig = LBPTOPConfig()
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LBP codes of a [T, H, W] uint8 clip on the XY, XT, YT planes, each [T', H', W'] over
    the valid volume (margins from :func:`_margins`)."""
    vol = np.asarray(clip)
    if vol.ndim == 4:
        vol = np.stack([to_gray(f) for f in vol])
    vol = to_gray(vol) if vol.dtype != np.uint8 else vol
    mt, my, mx = _margins(config.radii)
    t, h, w = vol.shape
    if t <= 2 * mt or h <= 2 * my or w <= 2 * mx:
        raise ValueError(f"clip {vol.shape} too small for LBP-TOP radii {config.radii}")
    (p_xy, p_xt, p_yt), (r_xy, r_xt, r_yt), m = config.points, config.radii, config.method
    xy = np.stack([local_binary_pattern(vol[i], p_xy, r_xy, m) for i in range(mt, t - mt)])
    xt = np.stack([local_binary_pattern(vol[:, y, :], p_xt, r_xt, m) for y in range(h)], 1)
    yt = np.stack([local_binary_pattern(vol[:, :, x], p_yt, r_yt, m) for x in range(w)], 2)
    xy = xy[:, my:h - my, mx:w - mx]
    xt = xt[mt:t - mt, my:h - my, mx:w - mx]
    yt = yt[mt:t - mt, my:h - my, mx:w - mx]
    return xy.astype(np.int32), xt.astype(np.int32), yt.astype(np.int32)


def block_ranges(length: int, n: int, overlap: float) -> list[tuple[int, int]]:
    """``n`` overlapping [start, stop) ranges covering ``length`` (see module docstring)."""
    size = length / (n - (n - 1) * overlap)
    stride = size * (1 - overlap)
    return [(int(round(b * stride)), min(length, int(round(b * stride + size)))) for b in range(n)]


def lbp_top(clip: np.ndarray, config: LBPTOPConfig = LBPTOPConfig()) -> np.ndarray:
    """LBP-TOP feature of a [T, H, W] clip, [rows * cols * 3 * bins] float32."""
    codes = lbp_top_codes(clip, config)
    bins = [n_bins(p, config.method) for p in config.points]
    _, h, w = codes[0].shape
    rows = block_ranges(h, config.grid[0], config.overlap)
    cols = block_ranges(w, config.grid[1], config.overlap)
    feats = []
    for y0, y1 in rows:
        for x0, x1 in cols:
            for plane, nb in zip(codes, bins):
                feats.append(lbp_histogram(plane[:, y0:y1, x0:x1], nb))
    return np.concatenate(feats)


def lbp_top_length(config: LBPTOPConfig = LBPTOPConfig()) -> int:
    """Length of :func:`lbp_top`'s output."""
    return config.grid[0] * config.grid[1] * sum(n_bins(p, config.method) for p in config.points)
