"""Run the extract pipeline over image sources: a set of photos, or a numbered-frame sequence.

Photos are unrelated images: the detector runs on each afresh (``detect.mode = "image"``), no
tracking or flow across them, and faces are numbered 0, 1, ... within each image. A sequence is
one recording stored as frames: detected, tracked and timed like a video, at ``decode.fps``.
An unreadable image is left out with a one-line note; the other images are still processed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from aucli.errors import InputError
from aucli.data.files import read_image
from aucli.extract.inputs import Source
from aucli.extract.pipeline import Resolved, run_source
from aucli.extract.stages.base import FrameItem


def photo_recipe(resolved: Resolved) -> Resolved:
    """``resolved`` for unrelated images: detection afresh on each, faces numbered within each
    image (stage "number" where "track" was), nothing computed across images."""
    from aucli.extract.stages.track import NumberConfig

    names = ["number" if s == "track" else s for s in resolved.pipeline.stages if s != "flow"]
    if "number" not in names:
        names.insert(names.index("detect") + 1 if "detect" in names else 0, "number")
    configs = {name: cfg for name, cfg in resolved.stage_configs.items() if name in names}
    configs["number"] = NumberConfig()
    if "detect" in configs:
        configs["detect"] = replace(configs["detect"], mode="image")
    return Resolved(replace(resolved.pipeline, stages=tuple(names)), configs)


def image_items(files: Iterable[Path], fps: float, bad: list[str], stride: int = 1) -> Iterator[FrameItem]:
    """One item per readable image (every ``stride``-th); frame = the image's position in
    ``files``, timestamp = position / fps, so an unreadable frame leaves a gap, not a shift."""
    for index, path in enumerate(files):
        if index % stride:
            continue
        try:
            image = read_image(str(path))  # EXIF orientation honoured by OpenCV
        except InputError as exc:
            bad.append(str(exc))
            continue
        yield FrameItem(index=index, timestamp=index / fps if fps else 0.0, image=image, source=path.name)


def run_images(source: Source, out: Path, resolved: Resolved,
               on_frame: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Extract an image source into ``out``. Returns frames, faces, seconds, fps, decoder and
    ``bad``: one line per image that could not be read."""
    photos = source.kind == "photos"
    fps = 0.0 if photos else resolved.pipeline.decode.fps
    recipe = photo_recipe(resolved) if photos else resolved
    bad: list[str] = []
    stride = 1 if photos else resolved.pipeline.decode.stride
    items: Iterable[FrameItem] = image_items(source.files, fps, bad, stride)
    meta = {"path": str(source.path), "kind": source.kind, "images": len(source.files), "fps": fps}
    stats = run_source(items, out, recipe, {"aucli.images": json.dumps(meta)}, on_frame, files=True)
    if stats["frames"] == 0 and bad:
        out.unlink(missing_ok=True)
        raise InputError(bad[0] if len(bad) == 1 else f"{source.path}: no readable image ({bad[0]})")
    return {**stats, "decoder": "image", "bad": bad}
