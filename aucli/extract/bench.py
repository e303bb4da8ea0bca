"""``aucli bench``: per-stage and end-to-end frames/s next to references measured in the same run.

References: raw decoding with decord (``get_batch``, no aucli code) and the MediaPipe Face
Landmarker called directly on the same frames. Ratios against them are what targets are stated
in, since absolute speeds depend on the machine and its load.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def _rate(frames: int, seconds: float) -> float:
    return round(frames / seconds, 1) if seconds > 0 else float("inf")


def reference_decode(video: Path, n: int) -> float:
    import decord

    reader = decord.VideoReader(str(video), num_threads=1)
    n = min(n, len(reader))
    start = time.perf_counter()
    for i in range(0, n, 16):
        reader.get_batch(list(range(i, min(i + 16, n)))).asnumpy()
    return _rate(n, time.perf_counter() - start)


def reference_landmarker(frames: list[np.ndarray], stamps: list[float]) -> float:
    """The landmarker alone, as its documentation shows it: VIDEO mode, blendshapes + matrix."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from aucli.extract.model_files import landmarker_model_path
    from aucli.extract.stages.detect import native_stderr_silenced

    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(landmarker_model_path())),
        running_mode=vision.RunningMode.VIDEO, num_faces=4, output_face_blendshapes=True,
        output_facial_transformation_matrixes=True)
    with native_stderr_silenced():
        landmarker = vision.FaceLandmarker.create_from_options(options)
        landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB,
                                             data=np.zeros((64, 64, 3), np.uint8)), 0)
    try:
        start = time.perf_counter()
        for k, (frame, ts) in enumerate(zip(frames, stamps)):
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=frame)
            landmarker.detect_for_video(image, max(int(ts * 1000), k + 1))
        return _rate(len(frames), time.perf_counter() - start)
    finally:
        landmarker.close()


def stage_rates(frames: list[np.ndarray], stamps: list[float], resolved) -> dict[str, float]:
    """Each stage of the recipe timed alone over the same decoded frames, in pipeline order."""
    from aucli.extract.pipeline import build_stages
    from aucli.extract.stages.base import FrameItem

    items = [FrameItem(i, ts, f) for i, (f, ts) in enumerate(zip(frames, stamps))]
    rates = {}
    for name, stage in zip(resolved.pipeline.stages, build_stages(resolved)):
        start = time.perf_counter()
        items = list(stage(iter(items)))
        rates[name] = _rate(len(items), time.perf_counter() - start)
    return rates


def run_bench(video: Path, frames: int = 300, recipe: Path | None = None,
              overrides: list[str] | None = None, repeat: int = 3) -> dict[str, Any]:
    """Every figure once, except the two the headline ratio is made of (the landmarker alone and
    end to end): those run ``repeat`` times, interleaved, and the fastest run of each counts, as
    ``timeit`` does (the least disturbed by the rest of the machine)."""
    from aucli.extract.pipeline import resolve
    from aucli.extract.decoders import DecodeError
    from aucli.extract.video import FALLBACK, iter_frames, probe

    info = probe(video)
    n = min(frames, info.frames)
    resolved = resolve(recipe, overrides, {"decode": {"max_frames": n}})
    backend = info.decoder
    try:
        decoded = [(ts, f) for _, (_, ts, f) in zip(range(n), iter_frames(video, backend=backend))]
    except DecodeError:  # decord gave up part-way (phone HEVC): the pipeline would redo it with PyAV
        backend = FALLBACK
        decoded = [(ts, f) for _, (_, ts, f) in zip(range(n), iter_frames(video, backend=backend))]
    stamps, images = [d[0] for d in decoded], [d[1] for d in decoded]
    result: dict[str, Any] = {"video": str(video), "frames": n,
                              "width": info.width, "height": info.height}
    refs = {"decord_raw": reference_decode(video, n)}
    start = time.perf_counter()
    for _ in zip(range(n), iter_frames(video, backend=backend)):
        pass
    stages = {"decode": _rate(n, time.perf_counter() - start)}
    stages.update(stage_rates(images, stamps, resolved))
    runs = []
    for _ in range(max(1, repeat)):
        runs.append((reference_landmarker(images, stamps), end_to_end(video, resolved)))
    del decoded, images
    refs["landmarker_direct"] = max(r[0] for r in runs)
    stats = max((r[1] for r in runs), key=lambda s: s["fps"])
    result["repeat"] = len(runs)
    result["reference_fps"] = refs
    result["stage_fps"] = stages
    result["end_to_end_fps"] = round(stats["fps"], 1)
    result["startup_seconds"] = round(stats["startup_seconds"], 3)
    result["ratios"] = {
        "end_to_end_vs_landmarker": round(stats["fps"] / refs["landmarker_direct"], 3),
        "decode_vs_decord_raw": round(stages["decode"] / refs["decord_raw"], 3),
    }
    result["peak_rss_mb"] = {"end_to_end": max(r[1]["peak_rss_mb"] for r in runs),
                             "bench_process": _rss_mb(resource.RUSAGE_SELF)}
    return result


def _rss_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def _end_to_end_child(video: str, resolved) -> dict[str, Any]:
    from aucli.extract.pipeline import run_video

    with tempfile.TemporaryDirectory() as tmp:
        stats = run_video(Path(video), Path(tmp) / "bench.parquet", resolved)
    stats["peak_rss_mb"] = _rss_mb(resource.RUSAGE_SELF)
    return stats


def end_to_end(video: Path, resolved) -> dict[str, Any]:
    """``run_video`` in a fresh process, so its peak RSS is its own."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_end_to_end_child, str(video), resolved).result()
