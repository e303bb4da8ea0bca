"""Gaze checks on real frames with answers known without a gaze annotation.

1. Mirror symmetry: each frame and its left-right mirror image must give mirrored gaze
   (angle_x negated, angle_y equal; eye 0 and eye 1 swap). Reports the median |error| in degrees.
2. Eye-in-head rotation (gaze angle minus head angle) against MediaPipe's eyeLook* blendshapes,
   an independent estimate of where the eyes turn in the head: their correlation per axis.
3. gaze_angle_x and head yaw over the clip, and their correlation (gaze partly follows the head).

Run: .venv/bin/python benchmarks/gaze_validation.py [VIDEO] [--frames N]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from aucli.extract.pipeline import build_stages, frame_items, resolve, run_stages
from aucli.ops.blendshapes import BLENDSHAPE_NAMES


def _run(images, stride_ts):
    resolved = resolve(extra={"stages": ["detect", "gaze"], "detect": {"max_faces": 1}})
    from aucli.extract.stages.base import FrameItem

    items = (FrameItem(k, t, im) for k, (t, im) in enumerate(zip(stride_ts, images)))
    out = []
    for item in run_stages(items, build_stages(resolved)):
        f = item.faces[0] if item.faces else None
        out.append(None if f is None or "gaze_angle_x" not in f.columns else
                   (f.columns, f.pose.copy(), dict(zip(BLENDSHAPE_NAMES, f.blendshapes))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("video", nargs="?", default="sample_videos/WolfgangLanger_Pexels.mp4")
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    decode = resolve().pipeline.decode
    items = list(frame_items(__import__("pathlib").Path(args.video), decode))[: args.frames]
    ts = [i.timestamp for i in items]
    plain = _run([i.image for i in items], ts)
    mirror = _run([np.ascontiguousarray(i.image[:, ::-1]) for i in items], ts)
    dx, dy, ax, yaw, inhead, looks = [], [], [], [], [], []
    for a, b in zip(plain, mirror):
        if a is None or b is None:
            continue
        ca, cb = a[0], b[0]
        dx.append(ca["gaze_angle_x"] + cb["gaze_angle_x"])
        dy.append(ca["gaze_angle_y"] - cb["gaze_angle_y"])
        ax.append(ca["gaze_angle_x"])
        yaw.append(a[1][1])
        bs = a[2]
        inhead.append((ca["gaze_angle_x"] - a[1][1], ca["gaze_angle_y"] - a[1][0]))
        looks.append(((bs["eyeLookInRight"] - bs["eyeLookOutRight"] + bs["eyeLookOutLeft"]
                       - bs["eyeLookInLeft"]) / 2,
                      (bs["eyeLookDownRight"] + bs["eyeLookDownLeft"] - bs["eyeLookUpRight"]
                       - bs["eyeLookUpLeft"]) / 2))
    dx, dy, ax, yaw = map(np.degrees, map(np.asarray, (dx, dy, ax, yaw)))
    report = {
        "frames": len(items), "faces_both": len(dx),
        "mirror_abs_err_x_deg_median": float(np.median(np.abs(dx))) / 2,
        "mirror_abs_err_x_deg_p90": float(np.percentile(np.abs(dx), 90)) / 2,
        "mirror_abs_err_y_deg_median": float(np.median(np.abs(dy))) / 2,
        "gaze_angle_x_deg_mean_sd": [float(ax.mean()), float(ax.std())],
        "head_yaw_deg_mean_sd": [float(yaw.mean()), float(yaw.std())],
        "corr_gaze_x_head_yaw": float(np.corrcoef(ax, yaw)[0, 1]),
        "corr_eye_in_head_vs_eyeLook_blendshapes_x_y": [
            float(np.corrcoef(np.asarray(inhead)[:, k], np.asarray(looks)[:, k])[0, 1]) for k in (0, 1)],
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
