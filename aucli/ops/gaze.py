"""Eye gaze from the 478-point MediaPipe mesh and the head pose, in OpenFace's conventions.

Method (OpenFace 2, Baltrusaitis et al. 2018, ``GazeEstimation.cpp``, on MediaPipe's points):

1. The eye-ball centre of each eye is the midpoint of its two eye corners (the eye contour's
   ends) moved by a fixed offset given in the head's frame, ``EYEBALL_OFFSET_MM`` = (0, -3.5, 7)
   mm (3.5 mm up, 7 mm into the head; OpenFace's values), turned by the head rotation.
2. The iris centre (mesh points 468 and 473) is a point on the eye-ball sphere
   (radius ``EYEBALL_RADIUS_MM`` = 12 mm): the viewing ray through the iris pixel meets the sphere
   on the side facing the camera.
3. The gaze of that eye is the unit vector from the eye-ball centre to that point.

Millimetres become pixels through the 3-D distance between the two eye-corner midpoints,
taken as ``IPD_MM`` = 63 mm (the adult mean). Locally each eye is treated as seen along its own
viewing ray (weak perspective around the eye); with ``focal_px`` the result is turned from that
ray into the camera frame, so a face off the optical axis that looks into the lens gets a gaze
pointing at the camera centre, as in OpenFace.

Conventions (OpenFace): camera space, x right, y down, z away from the camera; a person looking
straight into the camera has gaze (0, 0, -1). Eye 0 is the leftmost eye in the image (the
person's right eye for a face towards the camera; mesh corners 33/133, iris 468), eye 1 the
other (corners 362/263, iris 473). ``gaze_angle_x = atan2(g.x, -g.z)`` and
``gaze_angle_y = atan2(g.y, -g.z)`` of the mean of both eyes' vectors, in radians: positive x
when the person looks to the image's right, positive y when looking down.

Limits: the eye-ball geometry and the IPD are population averages (a face with a 58 or 70 mm
IPD scales the angles by about ±10 %); the MediaPipe iris is a 2-D fit, unreliable on closed
eyes (blinks), strong yaw (the far eye) and low resolution (an eye under ~15 px wide); there
is no per-person calibration.
"""

from __future__ import annotations

import numpy as np

EYES = (  # (corner, corner, iris centre) in the 478-point mesh; eye 0 first
    (33, 133, 468),
    (362, 263, 473),
)
IPD_MM = 63.0
EYEBALL_RADIUS_MM = 12.0
EYEBALL_OFFSET_MM = np.array([0.0, -3.5, 7.0])  # head frame: x right, y down, z into the head
GAZE_COLUMNS = [f"gaze_{e}_{c}" for e in (0, 1) for c in "xyz"] + ["gaze_angle_x", "gaze_angle_y"]

# MediaPipe's matrices use x right, y up, z towards the viewer; OpenFace's camera y down, z away.
_FLIP = np.diag([1.0, -1.0, -1.0])


def rotation_from_mediapipe(matrix: np.ndarray) -> np.ndarray:
    """The head rotation of MediaPipe's [4, 4] facial transform, in OpenFace's camera frame [3, 3]."""
    rot = np.asarray(matrix, dtype=np.float64)[:3, :3]
    u, _, vt = np.linalg.svd(rot)  # drop any uniform scale
    return _FLIP @ (u @ vt) @ _FLIP


def ray_rotation(pixel: np.ndarray, centre: np.ndarray, focal_px: float) -> np.ndarray:
    """The rotation [3, 3] that turns the optical axis (0, 0, 1) onto the viewing ray of ``pixel``."""
    ray = np.array([pixel[0] - centre[0], pixel[1] - centre[1], focal_px], dtype=np.float64)
    ray /= np.linalg.norm(ray)
    axis = np.cross([0.0, 0.0, 1.0], ray)
    s, c = np.linalg.norm(axis), ray[2]
    if s < 1e-12:
        return np.eye(3)
    k = axis / s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * kx + (1 - c) * kx @ kx  # Rodrigues


def eye_gaze(iris_xy: np.ndarray, eyeball: np.ndarray, radius: float) -> np.ndarray:
    """Unit vector from ``eyeball`` [3] to where the ray along +z through ``iris_xy`` meets the sphere.

    Coordinates are local (orthographic: x, y pixels, z depth in pixels, away from the viewer).
    An iris outside the sphere's outline (a landmark error) is put on the outline.
    """
    d = np.asarray(iris_xy, dtype=np.float64)[:2] - eyeball[:2]
    inside = radius**2 - float(d @ d)
    if inside <= 0:
        return np.append(d / max(np.linalg.norm(d), 1e-12), 0.0)
    vec = np.array([d[0], d[1], -np.sqrt(inside)])  # the front of the ball faces the viewer (-z)
    return vec / np.linalg.norm(vec)


def gaze_vectors(mesh: np.ndarray, rotation: np.ndarray, focal_px: float | None = None,
                 centre: np.ndarray | None = None) -> np.ndarray:
    """Gaze of eye 0 and eye 1 as unit vectors in camera space, [2, 3].

    ``mesh`` [478, 3]: x, y in pixels, z depth in pixel units (MediaPipe's scale, away from the
    camera); ``rotation`` [3, 3]: head rotation in the camera frame (``rotation_from_mediapipe``).
    ``focal_px`` and ``centre`` (the principal point, pixels) turn each eye's local result from
    its viewing ray into the camera frame; without them the view is taken as orthographic.
    """
    mesh = np.asarray(mesh, dtype=np.float64)
    mids = np.stack([(mesh[a] + mesh[b]) / 2 for a, b, _ in EYES])  # [2, 3]
    px_per_mm = np.linalg.norm(mids[0] - mids[1]) / IPD_MM
    out = np.zeros((2, 3))
    for k, (_, _, iris) in enumerate(EYES):
        turn = np.eye(3) if focal_px is None else ray_rotation(mesh[iris], centre, focal_px)
        local_rot = turn.T @ rotation  # the head as seen along this eye's viewing ray
        eyeball = mids[k] + px_per_mm * local_rot @ EYEBALL_OFFSET_MM
        out[k] = turn @ eye_gaze(mesh[iris, :2], eyeball, px_per_mm * EYEBALL_RADIUS_MM)
    return out


def gaze_angles(vectors: np.ndarray) -> np.ndarray:
    """OpenFace's ``gaze_angle_x``, ``gaze_angle_y`` (radians) from the two eyes' vectors [2, 3]."""
    g = np.asarray(vectors, dtype=np.float64).mean(0)
    return np.array([np.arctan2(g[0], -g[2]), np.arctan2(g[1], -g[2])])


def gaze_columns(mesh: np.ndarray, rotation: np.ndarray, focal_px: float | None = None,
                 centre: np.ndarray | None = None) -> dict[str, float]:
    """The eight OpenFace gaze columns for one face."""
    vectors = gaze_vectors(mesh, rotation, focal_px, centre)
    values = [*vectors.ravel().tolist(), *gaze_angles(vectors).tolist()]
    return dict(zip(GAZE_COLUMNS, values))
