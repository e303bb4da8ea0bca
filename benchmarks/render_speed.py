"""Frames/s of `aucli render` beside `aucli extract` on the same clip, in one run.

Both are timed in this process after a warm-up (models loaded, codecs opened), each ``--runs``
times alternately, so machine load hits both alike; the medians and their ratio are printed.
Render includes decoding, drawing and H.264 encoding; extract includes decoding, detection,
tracking, alignment and AUs.

    .venv/bin/python benchmarks/render_speed.py [--video V] [--runs 3] [--scale 1.0] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=ROOT / "sample_videos" / "WolfgangLanger_Pexels.mp4")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from aucli.extract.pipeline import resolve, run_video
    from aucli.visual.render import RenderConfig, render_video

    resolved = resolve()
    extract_fps, render_fps = [], []
    with tempfile.TemporaryDirectory() as tmp:
        parquet, out = Path(tmp) / "x.parquet", Path(tmp) / "x.mp4"
        run_video(args.video, parquet, resolved)  # warm-up: models and codecs loaded once
        for _ in range(args.runs):
            extract_fps.append(run_video(args.video, parquet, resolved)["fps"])
            render_fps.append(render_video(args.video, parquet, out, RenderConfig(scale=args.scale))["fps"])
        frames = render_video(args.video, parquet, out, RenderConfig(scale=args.scale))["frames"]
    result = {"video": str(args.video), "frames": frames, "runs": args.runs,
              "extract_fps": round(statistics.median(extract_fps), 1),
              "render_fps": round(statistics.median(render_fps), 1)}
    result["render_over_extract"] = round(result["render_fps"] / result["extract_fps"], 2)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['video']} ({frames} frames, median of {args.runs}): extract "
              f"{result['extract_fps']} frames/s, render {result['render_fps']} frames/s "
              f"({result['render_over_extract']}x)")


if __name__ == "__main__":
    main()
