"""AU region centres from 68 iBUG landmarks (JAA-Net, adapted from EAC-Net; DATASETS.md §5.2).

Each AU has two centres (left, right): a landmark, optionally shifted by a multiple of the
*ruler*, the inner-eye-corner distance (points 39 and 42). Two choices made here for faces that
are not upright: the ruler is the Euclidean distance (JAA-Net's |Δx| on its aligned crops) and
the shift runs along the face's downward axis (perpendicular to the eye line) instead of the
image y-axis; both equal JAA-Net's rule on an upright face.

Regions group AUs that share a map (12/14/15, 17/26, 23/24/25) and are named by their first AU;
they are what ``flow_<region>_*`` columns and spotting report.
"""

from __future__ import annotations

import numpy as np

from aucli.ops.align import transform_points

# AU -> ((landmark, shift in rulers along "down"), (landmark, shift)); negative = upwards.
AU_CENTRES: dict[int, tuple[tuple[int, float], tuple[int, float]]] = {
    1: ((21, -1 / 2), (22, -1 / 2)),
    2: ((18, -1 / 3), (25, -1 / 3)),
    4: ((19, 1 / 3), (24, 1 / 3)),
    6: ((41, 1.0), (46, 1.0)),
    7: ((38, 0.0), (43, 0.0)),
    9: ((32, -1 / 2), (34, -1 / 2)),
    10: ((61, 0.0), (63, 0.0)),
    12: ((48, 0.0), (54, 0.0)),
    14: ((48, 0.0), (54, 0.0)),
    15: ((48, 0.0), (54, 0.0)),
    17: ((56, 1 / 2), (58, 1 / 2)),
    26: ((56, 1 / 2), (58, 1 / 2)),
    23: ((51, 0.0), (57, 0.0)),
    24: ((51, 0.0), (57, 0.0)),
    25: ((51, 0.0), (57, 0.0)),
}

# region name -> the AUs it covers (one shared centre pair per region).
REGIONS: dict[str, tuple[int, ...]] = {
    "AU01": (1,), "AU02": (2,), "AU04": (4,), "AU06": (6,), "AU07": (7,), "AU09": (9,),
    "AU10": (10,), "AU12": (12, 14, 15), "AU17": (17, 26), "AU23": (23, 24, 25),
}


def face_axes(lm68: np.ndarray) -> tuple[float, np.ndarray]:
    """(ruler, unit 'down' vector) of a face from its 68 landmarks."""
    lm = np.asarray(lm68, dtype=np.float64)[:, :2]
    ruler = float(np.linalg.norm(lm[42] - lm[39]))
    eye = lm[42:48].mean(0) - lm[36:42].mean(0)
    norm = np.linalg.norm(eye)
    right = eye / norm if norm > 0 else np.array([1.0, 0.0])
    return ruler, np.array([-right[1], right[0]])


def au_centres(lm68: np.ndarray) -> dict[int, np.ndarray]:
    """AU number -> its two centres [2, 2] (x, y) in the landmarks' coordinates."""
    lm = np.asarray(lm68, dtype=np.float64)[:, :2]
    ruler, down = face_axes(lm)
    return {
        au: np.stack([lm[i] + k * ruler * down for i, k in pair])
        for au, pair in AU_CENTRES.items()
    }


def region_boxes(lm68: np.ndarray, half: float = 0.4,
                 regions: dict[str, tuple[int, ...]] = REGIONS) -> dict[str, np.ndarray]:
    """Region name -> two squares [2, 4] (x0, y0, x1, y1) of half-side ``half`` rulers.

    0.4 rulers ≈ JAA-Net's attention square (map 44, spatial ratio 0.14) on its 176 crop.
    """
    centres = au_centres(lm68)
    ruler, _ = face_axes(lm68)
    r = half * ruler
    return {name: np.hstack([centres[aus[0]] - r, centres[aus[0]] + r])
            for name, aus in regions.items()}


def box_mask(shape: tuple[int, int], boxes: np.ndarray) -> np.ndarray:
    """Boolean [H, W] mask of pixels whose centre lies in any of the [N, 4] boxes."""
    h, w = shape
    ys, xs = np.arange(h)[:, None], np.arange(w)[None, :]
    mask = np.zeros((h, w), dtype=bool)
    for x0, y0, x1, y1 in np.asarray(boxes, dtype=np.float64).reshape(-1, 4):
        mask |= (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
    return mask


def grid_boxes(size: int, n: int) -> dict[str, np.ndarray]:
    """An n x n grid of blocks over a size x size crop: name "r<i>c<j>" -> [1, 4]."""
    edges = np.linspace(0, size - 1, n + 1)
    return {f"r{i}c{j}": np.array([[edges[j], edges[i], edges[j + 1], edges[i + 1]]])
            for i in range(n) for j in range(n)}


def crop_region_boxes(lm68: np.ndarray, matrix: np.ndarray, scale: float, half: float = 0.4
                      ) -> dict[str, np.ndarray]:
    """:func:`region_boxes` in an aligned crop: image landmarks mapped by the crop's [2, 3]
    ``matrix``, then scaled by ``scale`` (the crop resized before the flow)."""
    return region_boxes(transform_points(lm68, matrix) * scale, half)


def region_masks(shape: tuple[int, int], boxes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Region name -> boolean [H, W] mask of its boxes (compute once, reuse for every field)."""
    return {name: box_mask(shape, b) for name, b in boxes.items()}


def region_flow(flow: np.ndarray, masks: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Mean (dx, dy, length) of a [H, W, 2] flow over each region -> name -> [3]; NaN for an
    empty mask. The length is averaged per pixel, so opposite motions in a region do not cancel."""
    field = np.dstack([flow, np.hypot(flow[..., 0], flow[..., 1])]).astype(np.float64)  # [H, W, 3]
    return {name: field[m].mean(0) if m.any() else np.full(3, np.nan) for name, m in masks.items()}
