"""AU attention maps from AU centres (JAA-Net rules, DATASETS.md §5.2), in torch.

Centres come from 68 crop-space landmarks; without landmarks they come from a canonical face:
the mean 68-point dlib shape (as published with OpenFace's ``align_dlib.TEMPLATE``) aligned by
the JAA-Net similarity (aucli.ops.align, box_enlarge 2.9) and centre-cropped like the data
pipeline. NOTE for deduplication: aucli/ops/regions.py (motion branch) computes the same JAA-Net
centres in numpy for flow regions; this module is the batched torch version the AU networks use.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

# Mean 68-point face shape (x, y in a unit face box), OpenFace align_dlib TEMPLATE.
MEAN_SHAPE_68 = np.array([
    (0.0792, 0.3392), (0.0829, 0.4570), (0.0968, 0.5756), (0.1221, 0.6919), (0.1687, 0.8003),
    (0.2398, 0.8957), (0.3257, 0.9771), (0.4223, 1.0433), (0.5318, 1.0608), (0.6413, 1.0398),
    (0.7381, 0.9723), (0.8244, 0.8896), (0.8948, 0.7925), (0.9394, 0.6815), (0.9611, 0.5622),
    (0.9706, 0.4418), (0.9712, 0.3221), (0.1638, 0.2492), (0.2178, 0.2043), (0.2913, 0.1924),
    (0.3675, 0.2036), (0.4393, 0.2331), (0.5864, 0.2281), (0.6602, 0.1959), (0.7375, 0.1824),
    (0.8132, 0.1928), (0.8708, 0.2353), (0.5153, 0.3186), (0.5162, 0.3962), (0.5171, 0.4738),
    (0.5182, 0.5532), (0.4337, 0.6041), (0.4755, 0.6208), (0.5207, 0.6343), (0.5659, 0.6188),
    (0.6071, 0.6016), (0.2524, 0.3311), (0.2987, 0.3026), (0.3557, 0.3030), (0.4037, 0.3387),
    (0.3525, 0.3500), (0.2968, 0.3505), (0.6313, 0.3341), (0.6791, 0.2965), (0.7360, 0.2947),
    (0.7829, 0.3213), (0.7403, 0.3418), (0.6850, 0.3437), (0.3532, 0.7462), (0.4146, 0.7191),
    (0.4777, 0.7068), (0.5227, 0.7171), (0.5698, 0.7054), (0.6352, 0.7157), (0.6995, 0.7394),
    (0.6394, 0.8052), (0.5764, 0.8354), (0.5254, 0.8417), (0.4764, 0.8375), (0.4138, 0.8100),
    (0.3801, 0.7500), (0.4780, 0.7451), (0.5234, 0.7489), (0.5711, 0.7433), (0.6724, 0.7442),
    (0.5725, 0.7766), (0.5240, 0.7834), (0.4776, 0.7785),
])

# AU -> ((landmark, y offset in rulers), (landmark, y offset)); 68-point indices, y down.
JAANET_CENTRES: dict[int, tuple[tuple[int, float], tuple[int, float]]] = {
    1: ((21, -0.5), (22, -0.5)), 2: ((18, -1 / 3), (25, -1 / 3)), 4: ((19, 1 / 3), (24, 1 / 3)),
    6: ((41, 1.0), (46, 1.0)), 7: ((38, 0.0), (43, 0.0)), 9: ((32, -0.5), (34, -0.5)),
    10: ((61, 0.0), (63, 0.0)), 12: ((48, 0.0), (54, 0.0)), 14: ((48, 0.0), (54, 0.0)),
    15: ((48, 0.0), (54, 0.0)), 17: ((56, 0.5), (58, 0.5)), 26: ((56, 0.5), (58, 0.5)),
    23: ((51, 0.0), (57, 0.0)), 24: ((51, 0.0), (57, 0.0)), 25: ((51, 0.0), (57, 0.0)),
}
# aucli's choice for AUs JAA-Net has no rule for (DISFA 5 and 20): upper lids, mouth corners.
EXTRA_CENTRES = {5: ((37, 0.0), (44, 0.0)), 20: ((48, 0.0), (54, 0.0))}


def au_centres(lm68: torch.Tensor, aus: tuple[int, ...]) -> torch.Tensor:
    """[B, 68, 2] landmarks -> [B, C, 2, 2] (two centres per AU, x/y in the landmarks' units).

    An AU without a rule gets both centres at the face centre (nose ridge, landmark 29)."""
    ruler = (lm68[:, 39, 0] - lm68[:, 42, 0]).abs()  # [B] inner-eye-corner distance
    out = []
    for au in aus:
        rule = JAANET_CENTRES.get(au) or EXTRA_CENTRES.get(au) or ((29, 0.0), (29, 0.0))
        pts = [lm68[:, i] + torch.stack([torch.zeros_like(ruler), dy * ruler], -1)
               for i, dy in rule]
        out.append(torch.stack(pts, 1))
    return torch.stack(out, 1)


@lru_cache(maxsize=8)
def canonical_landmarks(crop_ratio: float = 0.875, box_enlarge: float = 2.9) -> np.ndarray:
    """The mean face's 68 points in a centre-cropped aligned face, normalised to [0, 1]."""
    from aucli.ops.align import jaanet_matrix, transform_points

    size = 1000
    pts = transform_points(MEAN_SHAPE_68 * 100, jaanet_matrix(MEAN_SHAPE_68 * 100, size, box_enlarge))
    offset = size * (1 - crop_ratio) / 2
    return ((pts - offset) / (size * crop_ratio)).astype(np.float32)


def attention_maps(centres: torch.Tensor, map_size: int, spatial_ratio: float = 0.14,
                   fill_coeff: float = 0.56) -> torch.Tensor:
    """JAA-Net attention maps. centres: [B, C, K, 2] in map cells -> [B, C, map, map] in [0, 1].

    Each centre paints a square of half-size round((map - 1) / 2 * ratio) with
    1 - (|dy| + |dx|) * fill / (map * ratio); overlapping values keep the max.
    """
    half = max(round((map_size - 1) / 2 * spatial_ratio), 1)
    grid = torch.arange(map_size, device=centres.device, dtype=centres.dtype)
    cx = centres[..., 0].round()[..., None, None]  # [B, C, K, 1, 1]
    cy = centres[..., 1].round()[..., None, None]
    dx = (grid.view(1, 1, 1, 1, -1) - cx).abs()
    dy = (grid.view(1, 1, 1, -1, 1) - cy).abs()
    value = 1 - (dx + dy) * fill_coeff / (map_size * spatial_ratio)
    inside = (dx <= half) & (dy <= half)
    return torch.where(inside, value.clamp(min=0), torch.zeros_like(value)).amax(2)


def au_maps(aus: tuple[int, ...], map_size: int, landmarks: torch.Tensor | None = None,
            image_size: int | None = None, crop_ratio: float = 0.875) -> torch.Tensor:
    """AU attention maps [B, C, m, m] from crop-pixel landmarks [B, 68, 2] (``image_size`` the
    crop side), or [1, C, m, m] from the canonical face when ``landmarks`` is None."""
    if landmarks is None:
        lm = torch.from_numpy(canonical_landmarks(crop_ratio))[None]
    else:
        lm = landmarks.float() / float(image_size)
    return attention_maps(au_centres(lm, aus) * map_size, map_size)
