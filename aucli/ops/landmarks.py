"""Landmark subsets and head pose from MediaPipe's face mesh."""

from __future__ import annotations

import numpy as np

# MediaPipe 478-point mesh index of each iBUG 68 point (jaw 0-16, brows 17-26, nose 27-35,
# eyes 36-47, mouth 48-67): the mapping used across the MediaPipe community to feed 68-point
# tools from the mesh.
MESH_TO_68 = np.array([
    162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389,
    71, 63, 105, 66, 107, 336, 296, 334, 293, 301,
    168, 197, 5, 4, 75, 97, 2, 326, 305,
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
    61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181, 78, 82, 13, 312, 308, 317, 14, 87,
])


def mesh_to_68(mesh: np.ndarray) -> np.ndarray:
    """[478, >=2] mesh -> [68, 2] iBUG subset."""
    return np.asarray(mesh)[MESH_TO_68, :2]


def euler_from_matrix(matrix: np.ndarray) -> np.ndarray:
    """Pitch, yaw, roll (radians, X-Y-Z intrinsic) of the rotation in a [4, 4] or [3, 3] matrix.

    The rotation part is orthonormalised first (MediaPipe's matrix carries a uniform scale).
    """
    rot = np.asarray(matrix, dtype=np.float64)[:3, :3]
    u, _, vt = np.linalg.svd(rot)
    rot = u @ vt
    pitch = np.arctan2(rot[2, 1], rot[2, 2])
    yaw = np.arcsin(np.clip(-rot[2, 0], -1.0, 1.0))
    roll = np.arctan2(rot[1, 0], rot[0, 0])
    return np.array([pitch, yaw, roll])


def box_from_points(points: np.ndarray) -> np.ndarray:
    """Tight [x, y, w, h] box around [N, >=2] points."""
    pts = np.asarray(points)[:, :2]
    lo, hi = pts.min(0), pts.max(0)
    return np.array([lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]], dtype=np.float64)
