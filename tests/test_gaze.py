"""Gaze (aucli.ops.gaze): directions with known answers, and mirror symmetry on real frames."""

from __future__ import annotations

import numpy as np
import pytest

from aucli.ops.gaze import (
    EYEBALL_OFFSET_MM, EYEBALL_RADIUS_MM, EYES, IPD_MM, gaze_angles, gaze_vectors, ray_rotation,
)

PX_PER_MM = 2.0


def _rot_y(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])


def _rot_x(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


def _mesh(head: np.ndarray, gaze: np.ndarray, origin=(320.0, 240.0, 0.0)) -> np.ndarray:
    """A 478-point mesh whose eyes look along ``gaze`` (camera frame, orthographic view)."""
    mesh = np.zeros((478, 3))
    s = PX_PER_MM
    for k, (a, b, iris) in enumerate(EYES):
        side = -1 if k == 0 else 1  # eye 0 is on the image's left
        mid = np.asarray(origin) + s * head @ np.array([side * IPD_MM / 2, 0.0, 0.0])
        mesh[a] = mid + s * head @ np.array([-14.0, 0, 0])
        mesh[b] = mid + s * head @ np.array([14.0, 0, 0])
        ball = mid + s * head @ EYEBALL_OFFSET_MM
        mesh[iris] = ball + s * EYEBALL_RADIUS_MM * gaze / np.linalg.norm(gaze)
    return mesh


@pytest.mark.parametrize("head_yaw, head_pitch", [(0, 0), (25, 0), (-30, 10), (10, -15)])
@pytest.mark.parametrize("gaze", [(0, 0, -1), (0.3, 0, -1), (-0.2, 0.25, -1), (0.1, -0.3, -1)])
def test_known_eye_rotation_is_recovered(head_yaw, head_pitch, gaze):
    head = _rot_y(head_yaw) @ _rot_x(head_pitch)
    want = np.asarray(gaze, float) / np.linalg.norm(gaze)
    got = gaze_vectors(_mesh(head, want), head)
    np.testing.assert_allclose(got, [want, want], atol=1e-9)


def test_angles_follow_openface_signs():
    right_down = np.array([[0.3, 0.2, -1.0], [0.3, 0.2, -1.0]])
    ax, ay = gaze_angles(right_down)
    assert ax > 0 and ay > 0  # looking to the image's right and down
    np.testing.assert_allclose([ax, ay], [np.arctan2(0.3, 1.0), np.arctan2(0.2, 1.0)])
    np.testing.assert_allclose(gaze_angles(np.array([[0, 0, -1.0]] * 2)), [0, 0], atol=1e-12)


def test_eyes_on_the_lens_off_axis_point_at_the_camera():
    """A face in the image corner looking into the lens: gaze is the ray back to the camera."""
    focal, centre = 500.0, np.array([320.0, 240.0])
    origin = np.array([560.0, 80.0, 0.0])
    turn = ray_rotation(origin, centre, focal)
    head = turn @ _rot_y(15)  # head turned 15 degrees away from its own viewing ray
    local = _mesh(turn.T @ head, np.array([0.0, 0.0, -1.0]), origin)
    got = gaze_vectors(local, head, focal, centre)
    to_camera = -np.array([origin[0] - centre[0], origin[1] - centre[1], focal])
    to_camera /= np.linalg.norm(to_camera)
    # each eye is seen along its own ray, the mesh was made along the face's: within 3 degrees
    assert np.degrees(np.arccos(np.clip(got @ to_camera, -1, 1))).max() < 3.0
    np.testing.assert_allclose(got.mean(0) / np.linalg.norm(got.mean(0)), to_camera, atol=0.01)


def test_mirrored_frames_give_mirrored_gaze(pexels_video):
    """Real frames and their mirror images: angle_x flips sign, angle_y stays (median < 5 deg)."""
    from aucli.extract.pipeline import build_stages, resolve, run_stages
    from aucli.extract.stages.base import FrameItem
    from tests.media import sample_frames

    frames = sample_frames(pexels_video, range(0, 400, 20))
    resolved = resolve(extra={"stages": ["detect", "gaze"], "detect": {"mode": "image"}})

    def angles(images):
        items = (FrameItem(k, k / 25, im) for k, im in enumerate(images))
        out = []
        for item in run_stages(items, build_stages(resolved)):
            c = item.faces[0].columns
            out.append((c["gaze_angle_x"], c["gaze_angle_y"]))
        return np.degrees(np.array(out))

    plain = angles(frames)
    mirror = angles([np.ascontiguousarray(f[:, ::-1]) for f in frames])
    assert np.median(np.abs(plain[:, 0] + mirror[:, 0])) / 2 < 5.0
    assert np.median(np.abs(plain[:, 1] - mirror[:, 1])) / 2 < 5.0
    assert np.ptp(plain[:, 0]) > 10.0  # the gaze moves over the clip (not a constant)
