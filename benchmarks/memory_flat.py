"""Peak RSS of `aucli extract` on a clip and on the same clip repeated 10 times.

Memory must stay flat in video length (frames are streamed, rows written per row group): the
10x video may not raise peak RSS by more than 10 %. Each extraction runs in its own process so
each peak is its own.

    .venv/bin/python benchmarks/memory_flat.py [--video V] [--repeat 10] [--stride 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path
from aucli.pipeline import resolve, run_video
stats = run_video(Path(sys.argv[1]), Path(sys.argv[2]), resolve(overrides=[f"decode.stride={sys.argv[3]}"]))
stats["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(stats))
"""


def repeated(video: Path, times: int, dst: Path) -> Path:
    import cv2
    import decord

    reader = decord.VideoReader(str(video))
    h, w = reader[0].shape[:2]
    writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), reader.get_avg_fps(), (w, h))
    for _ in range(times):
        for i in range(0, len(reader), 32):
            for frame in reader.get_batch(list(range(i, min(i + 32, len(reader))))).asnumpy():
                writer.write(frame[..., ::-1])
    writer.release()
    return dst


def measure(video: Path, out: Path, stride: int) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(video), str(out), str(stride)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=Path("sample_videos/WolfgangLanger_Pexels.mp4"))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--stride", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        short = measure(repeated(args.video, 1, tmp / "x1.mp4"), tmp / "x1.parquet", args.stride)
        long = measure(repeated(args.video, args.repeat, tmp / "xN.mp4"), tmp / "xN.parquet", args.stride)
    ratio = long["peak_rss_mb"] / short["peak_rss_mb"]
    print(json.dumps({"short": short, "long": long, "peak_rss_ratio": round(ratio, 3),
                      "flat": ratio <= 1.10}, indent=2))


if __name__ == "__main__":
    main()
