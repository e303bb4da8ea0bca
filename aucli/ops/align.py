"""Similarity alignment of faces to a canonical template.

Two templates, both from DATASETS.md §5.1:
- ``jaanet``: the JAA-Net / py-feat eye-nose-mouth box alignment on 68 points (rotation from the
  eye line, box of five rotated anchors enlarged by ``box_enlarge``), the AU-method default;
- ``arcface``: least-squares similarity to the 5-point insightface template (112 px, scaled).
"""

from __future__ import annotations

import cv2
import numpy as np

# insightface / ArcFace 5-point template for a 112 x 112 crop.
ARCFACE_5 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655],
     [70.7299, 92.2041]],
    dtype=np.float64,
)


def five_points_68(lm68: np.ndarray) -> np.ndarray:
    """Eye centres, nose tip and mouth corners from 68 iBUG points -> [5, 2]."""
    lm = np.asarray(lm68, dtype=np.float64)[:, :2]
    return np.stack([lm[36:42].mean(0), lm[42:48].mean(0), lm[30], lm[48], lm[54]])


def umeyama_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (rotation, uniform scale, translation) mapping src -> dst, [2, 3]."""
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    rot = u @ sign @ vt
    var = (s**2).sum() / len(src)
    scale = (sig * np.diag(sign)).sum() / var if var > 0 else 1.0
    t = mu_d - scale * rot @ mu_s
    return np.hstack([scale * rot, t[:, None]])


def jaanet_matrix(lm68: np.ndarray, size: int, box_enlarge: float = 2.9) -> np.ndarray:
    """JAA-Net similarity map from 68 landmarks to a ``size`` square crop, [2, 3].

    PyTorch-JAANet ``dataset/face_transform.py`` with the 49->68 index map; py-feat uses the same
    algorithm with ``box_enlarge = 2.5`` and ``size = 112``.
    """
    anchors = five_points_68(lm68)
    e_l, e_r = anchors[0], anchors[1]
    dx, dy = e_r - e_l
    length = float(np.hypot(dx, dy)) or 1.0
    cos, sin = dx / length, dy / length
    rot = np.array([[cos, sin], [-sin, cos]])
    rotated = anchors @ rot.T
    lo, hi = rotated.min(0), rotated.max(0)
    cx, cy = (lo + hi) / 2
    half = 0.5 * box_enlarge * max(hi[0] - lo[0], hi[1] - lo[1])
    half = half or 1.0
    scale = (size - 1) / 2 / half
    shift = np.array([[scale, 0, scale * (half - cx)], [0, scale, scale * (half - cy)]])
    return shift @ np.vstack([np.hstack([rot, np.zeros((2, 1))]), [0, 0, 1]])


def arcface_matrix(lm68: np.ndarray, size: int,
                   box_enlarge: float = 0.0) -> np.ndarray:  # noqa: ARG001 - TEMPLATES signature
    """Similarity from the five 68-point anchors to the ArcFace template scaled to ``size``, [2, 3].

    ``box_enlarge`` is unused: the template fixes the margin.
    """
    return umeyama_similarity(five_points_68(lm68), ARCFACE_5 * (size / 112.0))


TEMPLATES = {"jaanet": jaanet_matrix, "arcface": arcface_matrix}


def alignment_matrix(lm68: np.ndarray, size: int, template: str = "jaanet",
                     box_enlarge: float = 2.9) -> np.ndarray:
    """The [2, 3] map from frame pixels to an aligned ``size`` crop for one face."""
    try:
        make = TEMPLATES[template]
    except KeyError:
        raise ValueError(f"unknown alignment template {template!r}; known: {sorted(TEMPLATES)}") from None
    return make(lm68, size, box_enlarge)


def warp(image: np.ndarray, matrix: np.ndarray, size: int, border: int = 128) -> np.ndarray:
    """Apply a [2, 3] map to an image (bilinear, grey border as JAA-Net) -> [size, size, C]."""
    return cv2.warpAffine(
        image, matrix, (size, size), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=(border,) * 3,
    )


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Map [N, 2] points with a [2, 3] affine matrix."""
    pts = np.asarray(points, dtype=np.float64)[:, :2]
    return pts @ matrix[:, :2].T + matrix[:, 2]
