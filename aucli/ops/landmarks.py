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


def _rx(a: np.ndarray) -> np.ndarray:
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack([o, z, z, z, c, -s, z, s, c], -1).reshape(*a.shape, 3, 3)


def _ry(a: np.ndarray) -> np.ndarray:
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack([c, z, s, z, o, z, -s, z, c], -1).reshape(*a.shape, 3, 3)


def _rz(a: np.ndarray) -> np.ndarray:
    c, s, o, z = np.cos(a), np.sin(a), np.ones_like(a), np.zeros_like(a)
    return np.stack([c, -s, z, s, c, z, z, z, o], -1).reshape(*a.shape, 3, 3)


# MediaPipe's frame (y up, z towards the viewer) <-> OpenFace's camera frame (y down, z away).
_FLIP = np.diag([1.0, -1.0, -1.0])


def pose_to_openface(pose: np.ndarray) -> np.ndarray:
    """aucli ``pose_R*`` [N, 3] -> OpenFace ``pose_Rx/Ry/Rz`` [N, 3], radians.

    aucli's angles are the Z-Y-X Euler angles of MediaPipe's head rotation (``euler_from_matrix``);
    OpenFace's are X-Y-Z Euler angles of the same rotation in its camera frame (y down, z away;
    ``Euler2RotationMatrix`` in OpenFace's RotationHelpers.h). NaN rows stay NaN.
    """
    p = np.asarray(pose, dtype=np.float64).reshape(-1, 3)
    rot = _FLIP @ (_rz(p[:, 2]) @ _ry(p[:, 1]) @ _rx(p[:, 0])) @ _FLIP
    return np.stack([np.arctan2(-rot[:, 1, 2], rot[:, 2, 2]),
                     np.arcsin(np.clip(rot[:, 0, 2], -1, 1)),
                     np.arctan2(-rot[:, 0, 1], rot[:, 0, 0])], -1)


def pose_from_openface(angles: np.ndarray) -> np.ndarray:
    """OpenFace ``pose_Rx/Ry/Rz`` [N, 3] -> aucli ``pose_R*`` [N, 3] (the inverse of ``pose_to_openface``)."""
    a = np.asarray(angles, dtype=np.float64).reshape(-1, 3)
    rot = _FLIP @ (_rx(a[:, 0]) @ _ry(a[:, 1]) @ _rz(a[:, 2])) @ _FLIP
    return np.stack([np.arctan2(rot[:, 2, 1], rot[:, 2, 2]),
                     np.arcsin(np.clip(-rot[:, 2, 0], -1, 1)),
                     np.arctan2(rot[:, 1, 0], rot[:, 0, 0])], -1)
