"""Peak RSS of `aucli extract` on a clip and on the same clip repeated 10 times.

The frames/s figures include process start and model loading.

Memory must stay flat in video length (frames are streamed, rows written per row group): the
10x video may not raise peak RSS by more than 10 %. Each extraction runs in its own process so
each peak is its own; peaks vary from run to run (allocator and thread timing), so each video
is measured ``--runs`` times and the medians are compared.

    .venv/bin/python benchmarks/memory_flat.py [--video V] [--repeat 10] [--stride 1] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

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
    """``aucli extract`` as a user runs it, in its own process; its peak RSS from wait4."""
    cmd = [sys.executable, "-m", "aucli.cli", "extract", str(video), "-o", str(out), "-q",
           "--overwrite", "--stride", str(stride)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"aucli extract failed: {proc.stderr.read().decode()[-500:]}")
    frames = pq.read_metadata(out / (video.stem + ".parquet")).num_rows
    return {"frames": frames, "seconds": seconds, "fps": frames / seconds,
            "peak_rss_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=Path("sample_videos/WolfgangLanger_Pexels.mp4"))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, times in (("short", 1), ("long", args.repeat)):
            video = repeated(args.video, times, tmp / f"x{times}.mp4")
            runs = [measure(video, tmp / f"out{times}", args.stride) for _ in range(args.runs)]
            peaks = sorted(r["peak_rss_mb"] for r in runs)
            out[name] = {"frames": runs[0]["frames"], "peak_rss_mb": [round(p, 1) for p in peaks],
                         "median_peak_rss_mb": round(statistics.median(peaks), 1),
                         "fps": [round(r["fps"], 1) for r in runs]}
    ratio = out["long"]["median_peak_rss_mb"] / out["short"]["median_peak_rss_mb"]
    out.update(peak_rss_ratio=round(ratio, 3), flat=ratio <= 1.10)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
