"""``aucli datasets prepare``: detect and align a benchmark once; training reads the cache.

Frames go through the extract pipeline's own ``detect`` (image mode) and ``align`` stages, so a
model trained on the cache sees faces aligned exactly as ``aucli extract`` aligns them. Clips
(micro-expressions) are aligned on their onset frame and that transform is reused for every frame
of the clip, which avoids jitter (meb ``crop_and_align.py``).

Cache layout:
- ``CACHE/crops/...``: aligned crops (PNG, or JPEG with ``image_format = "jpg"``);
- ``CACHE/parts/part-NNNNN.parquet``: the index of one chunk, written atomically after its crops,
  so an interrupted run resumes chunk by chunk;
- ``CACHE/index.parquet``: all parts, written at the end, with ``aucli.prepare`` metadata (dataset,
  kind, AUs or classes, the resolved alignment config).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aucli.data.prepared import INDEX, META_KEY, part_path as _part_path, read_index  # noqa: F401  (re-exported)


@dataclass(frozen=True)
class PrepareConfig:
    size: int = 256
    """Aligned crop size; AU methods crop 224 from 256 (METHODS.md)."""
    template: str = "jaanet"
    """Alignment template, as ``align.template`` in extract."""
    box_enlarge: float = 2.9
    """Margin of the jaanet template, as ``align.box_enlarge`` in extract."""
    image_format: str = "png"
    """png (lossless) or jpg (quality 95, about 5x smaller)."""
    chunk: int = 256
    """Items per index part (the unit of resume and of parallel work)."""


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text) or "_"


def _resolved(config: PrepareConfig):
    from aucli.extract.pipeline import resolve

    return resolve(extra={
        "stages": ["detect", "align"], "detect": {"mode": "image", "max_faces": 1},
        "align": {"size": config.size, "template": config.template,
                  "box_enlarge": config.box_enlarge}})


def _write_image(path: Path, rgb: np.ndarray) -> None:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, 95] if path.suffix == ".jpg" else []
    if not cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]), params):
        raise OSError(f"cannot write {path}")


def _fallback_crop(image: np.ndarray, size: int) -> np.ndarray:
    """No face found: the centre square, resized, so the index stays complete (success = false)."""
    import cv2

    h, w = image.shape[:2]
    s = min(h, w)
    y, x = (h - s) // 2, (w - s) // 2
    return cv2.resize(image[y:y + s, x:x + s], (size, size), interpolation=cv2.INTER_AREA)


def _aligned(face: Any) -> tuple[np.ndarray, list[float]]:
    from aucli.ops.align import transform_points

    lm = transform_points(face.lm68, face.align_matrix).astype(np.float32)
    return face.aligned, lm.ravel().tolist()


def prepare_frames(loader: Any, samples: list[Any], cache: Path,
                   config: PrepareConfig) -> list[dict[str, Any]]:
    """Detect + align one chunk of AU / expression samples; returns its index rows."""
    from aucli.extract.pipeline import detect_images

    ext = config.image_format
    images = (loader.read_image(s) for s in samples)
    rows = []
    for sample, faces in zip(samples, detect_images(images, _resolved(config))):
        rel = Path("crops") / _safe(sample.subject) / _safe(sample.sequence) / f"{sample.frame}.{ext}"
        if faces:
            crop, lm = _aligned(faces[0])
        else:
            crop, lm = _fallback_crop(loader.read_image(sample), config.size), None
        _write_image(cache / rel, crop)
        rows.append({
            "subject": sample.subject, "sequence": sample.sequence, "frame": int(sample.frame),
            "split": getattr(sample, "split", ""), "source": sample.image, "crop": str(rel),
            "success": bool(faces), "landmarks": lm,
            "labels": np.asarray(sample.labels, np.int8).tolist(),
            "intensity": None if sample.intensity is None
            else np.asarray(sample.intensity, np.float32).tolist(),
            "expression": int(sample.expression),
        })
    return rows


def prepare_clips(loader: Any, clips: list[Any], cache: Path,
                  config: PrepareConfig) -> list[dict[str, Any]]:
    """Align each clip on its onset frame and warp every frame with that one transform."""
    from aucli.ops.align import warp
    from aucli.extract.pipeline import detect_images

    ext = config.image_format
    onsets = (loader.read_image(c.frames[0]) for c in clips)
    rows = []
    for clip, faces in zip(clips, detect_images(onsets, _resolved(config))):
        folder = Path("clips") / _safe(clip.dataset) / _safe(clip.subject) / _safe(clip.clip)
        rels = []
        for path in clip.frames:
            image = loader.read_image(path)
            crop = warp(image, faces[0].align_matrix, config.size) if faces else \
                _fallback_crop(image, config.size)
            rel = folder / f"{Path(path).stem}.{ext}"
            _write_image(cache / rel, crop)
            rels.append(str(rel))
        rows.append({
            "dataset": clip.dataset, "subject": clip.subject, "clip": clip.clip, "label": clip.label,
            "onset": int(clip.onset), "apex": int(clip.apex), "offset": int(clip.offset),
            "apex_index": int(clip.apex_index), "frames": rels, "success": bool(faces),
            "landmarks": _aligned(faces[0])[1] if faces else None,
        })
    return rows


WORK: dict[str, tuple[str, Callable[..., list[dict[str, Any]]]]] = {
    "au": ("samples", prepare_frames),
    "expression": ("samples", prepare_frames),
    "me": ("clips", prepare_clips),
}


def _run_part(name: str, root: str, options: dict[str, Any], cache: str, config: PrepareConfig,
              part: int, items: list[Any]) -> int:
    """One chunk, in whichever process runs it: prepare its items, write the part."""
    import pyarrow as pa

    from aucli.data import DATASETS
    from aucli.extract.parquet import write_table_atomic

    loader = DATASETS.get(name)(root, **options)  # constructors store paths only
    rows = WORK[loader.kind][1](loader, items, Path(cache), config)
    write_table_atomic(pa.Table.from_pylist(rows), _part_path(Path(cache), part))
    return len(rows)


def prepare(name: str, root: Path, cache: Path, options: dict[str, Any] | None = None,
            config: PrepareConfig = PrepareConfig(), workers: int = 1,
            on_part: Callable[[int, int], None] | None = None,
            ray_address: str = "") -> dict[str, Any]:
    """Prepare a dataset into ``cache``; finished parts are kept, so a re-run resumes.

    The dataset is scanned once here; each chunk gets its own items. ``on_part(done, total)``
    reports chunks finished (the ones already on disk first) out of all chunks.

    ``ray_address`` ("local", "auto" or HOST:PORT) runs each chunk as a Ray task instead of in
    local processes; ``root`` and ``cache`` must then be paths every node sees.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from aucli.data import DATASETS
    from aucli.extract.parquet import write_table_atomic

    options = options or {}
    loader = DATASETS.get(name)(root, **options)
    items = getattr(loader, WORK[loader.kind][0])()
    total = len(items)
    parts = range((total + config.chunk - 1) // config.chunk)
    todo = {p: items[p * config.chunk:(p + 1) * config.chunk]
            for p in parts if not _part_path(cache, p).exists()}
    report = (lambda n: on_part(n, len(parts))) if on_part else None
    if report:
        report(len(parts) - len(todo))
    if ray_address:
        _map_parts_ray(todo, ray_address, report, name, str(root), options, str(cache), config)
    else:
        _map_parts(todo, workers, report, name, str(root), options, str(cache), config)
    tables = [pq.read_table(_part_path(cache, p)) for p in parts]
    table = pa.concat_tables(tables) if tables else pa.table({})
    meta = {"dataset": name, "kind": loader.kind, "root": str(root), "options": options,
            "aus": list(getattr(loader, "aus", ())), "classes": list(getattr(loader, "classes", ())),
            "config": asdict(config), "items": total}
    write_table_atomic(table.replace_schema_metadata({META_KEY: json.dumps(meta)}), cache / INDEX)
    found = int(np.sum(table.column("success").to_numpy(zero_copy_only=False))) if total else 0
    return {**meta, "faces_found": found}


def _map_parts(todo: dict[int, list[Any]], workers: int, on_part, *args: Any) -> None:
    if workers <= 1 or len(todo) <= 1:
        for p, items in todo.items():
            _run_part(*args, p, items)
            if on_part:
                on_part(1)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(_run_part, *args, p, items) for p, items in todo.items()]
        for future in as_completed(futures):
            future.result()
            if on_part:
                on_part(1)


def _map_parts_ray(todo: dict[int, list[Any]], address: str, on_part, *args: Any) -> None:
    from aucli.extract.ray import RayOptions, connect

    ray = connect(RayOptions(address=address))
    task = ray.remote(_run_part).options(num_cpus=1, max_retries=1)
    pending = [task.remote(*args, p, items) for p, items in todo.items()]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        ray.get(done[0])  # a failed chunk raises here; finished chunks stay on disk for a re-run
        if on_part:
            on_part(1)
