"""Synthetic eye rotations on real frames: move each iris sideways inside its eye by a known
amount, re-run detection + gaze, and compare the measured change of gaze with the change the
eye-ball model predicts for that iris displacement.

The "render" is a 2-D cut-and-paste inside each eye opening: the iris disk (radius from mesh
points 469-477) is moved by ``dx`` pixels, the uncovered part is filled with the eye's sclera
colour, and the eyelids stay where they were. So it
measures how faithfully the landmarker's iris follows a known iris displacement and what that
does to the gaze angle; it does not test the eye-ball geometry itself (tests/test_gaze.py does).

Run: .venv/bin/python benchmarks/gaze_iris_shift.py [--frames 0,100,300,400] [--shifts -4,-2,2,4]
"""

from __future__ import annotations

import argparse
import json

import cv2
import numpy as np

from aucli.extract.pipeline import build_stages, resolve, run_stages
from aucli.extract.stages.base import FrameItem
from aucli.ops.gaze import EYEBALL_RADIUS_MM, EYES, IPD_MM

IRIS_RING = {0: range(469, 473), 1: range(474, 478)}
CONTOUR = {  # MediaPipe's eye-opening outlines, eye 0 then eye 1
    0: [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246],
    1: [362, 382, 381, 380, 374, 373, 390, 249, 263, 466, 388, 387, 386, 385, 384, 398],
}


def _faces(images):
    resolved = resolve(extra={"stages": ["detect", "gaze"], "detect": {"mode": "image", "max_faces": 1}})
    items = (FrameItem(k, 0.0, im) for k, im in enumerate(images))
    return [item.faces[0] if item.faces else None for item in run_stages(items, build_stages(resolved))]


def shift_irises(image: np.ndarray, mesh: np.ndarray, dx: float) -> np.ndarray:
    out = image.copy()
    for eye, (_, _, centre) in enumerate(EYES):
        c = mesh[centre, :2]
        radius = np.mean([np.linalg.norm(mesh[i, :2] - c) for i in IRIS_RING[eye]]) * 1.1
        aperture = np.zeros(image.shape[:2], np.uint8)
        cv2.fillPoly(aperture, [np.round(mesh[CONTOUR[eye], :2]).astype(np.int32)], 1)
        aperture = aperture.astype(bool)
        yy, xx = np.mgrid[: image.shape[0], : image.shape[1]]
        disk = (xx - c[0]) ** 2 + (yy - c[1]) ** 2 <= radius**2
        white = image[aperture & ~disk].astype(np.float32)
        sclera = np.median(white[white.mean(1) >= np.percentile(white.mean(1), 70)], 0)
        moved = cv2.warpAffine(image, np.float32([[1, 0, dx], [0, 1, 0]]), image.shape[1::-1])
        moved_disk = (xx - c[0] - dx) ** 2 + (yy - c[1]) ** 2 <= radius**2
        out[aperture & disk] = sclera.astype(np.uint8)
        out[aperture & moved_disk] = moved[aperture & moved_disk]  # the lids stay where they were
    return out


def predicted_dx_angle(face, dx: float) -> float:
    """Change of gaze_angle_x the eye-ball model gives for both irises moved by dx pixels."""
    mesh = face.landmarks.astype(np.float64)
    mids = np.stack([(mesh[a] + mesh[b]) / 2 for a, b, _ in EYES])
    r = np.linalg.norm(mids[0] - mids[1]) / IPD_MM * EYEBALL_RADIUS_MM
    g = np.array([[face.columns[f"gaze_{e}_{k}"] for k in "xyz"] for e in (0, 1)])
    ux = np.clip(g[:, 0] + dx / r, -0.99, 0.99)  # x component of each unit gaze moves by dx / r
    uz = -np.sqrt(np.clip(1 - ux**2 - g[:, 1] ** 2, 1e-6, None))
    new = np.stack([ux, g[:, 1], uz], 1).mean(0)
    old = g.mean(0)
    return float(np.arctan2(new[0], -new[2]) - np.arctan2(old[0], -old[2]))


def main() -> None:
    from tests.media import sample_frames

    parser = argparse.ArgumentParser()
    parser.add_argument("--video", default="sample_videos/WolfgangLanger_Pexels.mp4")
    parser.add_argument("--frames", default="250,280,300,320,360,400")
    parser.add_argument("--shifts", default="-3,-1.5,1.5,3")
    args = parser.parse_args()
    frames = sample_frames(__import__("pathlib").Path(args.video), [int(f) for f in args.frames.split(",")])
    base = _faces(frames)
    shifts = [float(s) for s in args.shifts.split(",")]
    rows = []
    for dx in shifts:
        moved = [shift_irises(f, face.landmarks, dx) for f, face in zip(frames, base)]
        for face, new in zip(base, _faces(moved)):
            got = new.columns["gaze_angle_x"] - face.columns["gaze_angle_x"]
            rows.append((dx, np.degrees(predicted_dx_angle(face, dx)), np.degrees(got)))
    rows = np.array(rows)
    err = rows[:, 2] - rows[:, 1]
    print(json.dumps({
        "cases": len(rows),
        "predicted_deg_by_shift": {f"{s:g}px": float(rows[rows[:, 0] == s, 1].mean()) for s in shifts},
        "measured_deg_by_shift": {f"{s:g}px": float(rows[rows[:, 0] == s, 2].mean()) for s in shifts},
        "abs_err_deg_median": float(np.median(np.abs(err))),
        "abs_err_deg_p90": float(np.percentile(np.abs(err), 90)),
        "slope_measured_vs_predicted": float(np.polyfit(rows[:, 1], rows[:, 2], 1)[0]),
    }, indent=1))


if __name__ == "__main__":
    main()
