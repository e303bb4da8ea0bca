"""Build the extract pipeline from a TOML recipe and run it over one video.

A recipe lists its stages in order and gives each stage a table of settings (that stage's frozen
config). ``run_video`` is ``for stage in stages: items = stage(items)`` followed by the sink.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aucli import __version__
from aucli.config import apply_overrides, dumps, from_dict, load_toml, preset, to_dict
from aucli.extract.stages import STAGES
from aucli.extract.stages.base import Face, FrameItem, close_stages, open_stages

DEFAULT_RECIPE = "extract-au"  # pipelines/extract-au.toml, shipped as package data


@dataclass(frozen=True)
class DecodeConfig:
    stride: int = 1
    """Process every k-th frame (frame indices and timestamps stay the decoder's)."""
    chunk: int = 16
    """Frames decoded per batch; memory stays flat in video length."""
    max_frames: int = 0
    """Stop after this many processed frames (0: the whole video); for previews and benchmarks."""
    prefetch: int = 2
    """Decoded batches kept ready by a background thread while the models run (0: no thread)."""
    backend: str = "auto"
    """Video decoder: "auto" (decord, or PyAV where decord fails or mis-handles the stream; a
    mid-stream failure restarts the video from frame 0 with PyAV), "decord" or "pyav"."""
    fps: float = 30.0
    """Frame rate given to image sequences (numbered-frame folders), which carry no timestamps."""


@dataclass(frozen=True)
class OutputConfig:
    normalise: bool = False
    """Subtract each track's neutral baseline (a low percentile) from the AU intensities."""
    normalise_percentile: float = 5.0
    """Percentile of each AU over a track taken as that person's neutral baseline."""
    mesh: bool = False
    """Add the 478 x 3 MediaPipe mesh as a fixed-size list column ``mesh``."""
    save_crops: bool = False
    """Add the aligned face crop as PNG bytes in column ``aligned``."""
    row_group: int = 512
    """Rows per Parquet row group (memory bound while writing)."""


@dataclass(frozen=True)
class PipelineConfig:
    stages: tuple[str, ...] = ("detect", "track", "align", "gaze", "au")
    """Stages in order; each reads the table of its name."""
    device: str = "auto"
    """auto | cpu | cuda, for stages that run neural networks."""
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    output: OutputConfig = field(default_factory=OutputConfig)


@dataclass(frozen=True)
class Resolved:
    pipeline: PipelineConfig
    stage_configs: dict[str, Any]

    def to_toml(self) -> str:
        data = to_dict(self.pipeline)
        data.update({name: to_dict(cfg) for name, cfg in self.stage_configs.items()})
        return dumps(data)


def resolve(recipe: str | Path | None = None, overrides: list[str] | None = None,
            extra: dict[str, Any] | None = None) -> Resolved:
    """Recipe file (default: the bundled extract-au.toml) + ``extra`` + ``--set`` overrides."""
    data = load_toml(recipe or preset(DEFAULT_RECIPE))
    data = _merge(data, extra or {})
    data = apply_overrides(data, overrides or [])
    return _resolve_data(data)


def resolve_like(resolved: Resolved, extra: dict[str, Any]) -> Resolved:
    """``resolved`` with ``extra`` merged in, checked like ``resolve``."""
    import tomllib

    return _resolve_data(_merge(tomllib.loads(resolved.to_toml()), extra))


def _resolve_data(data: dict[str, Any]) -> Resolved:
    stage_names = tuple(data.get("stages", PipelineConfig.stages))
    top = {k: v for k, v in data.items() if k in ("stages", "device", "decode", "output")}
    for name in sorted(set(data) - set(top) - set(stage_names)):
        STAGES.get(name)  # a table for an unused stage is fine; a misspelt one is not
    pipeline = from_dict(PipelineConfig, top)
    configs = {}
    for name in stage_names:
        cls = STAGES.get(name)
        configs[name] = from_dict(cls.config_class, data.get(name, {}), f"{name}.")
    return Resolved(pipeline, configs)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def build_stages(resolved: Resolved) -> list[Any]:
    stages = []
    for name in resolved.pipeline.stages:
        cfg = resolved.stage_configs[name]
        stage_cls = STAGES.get(name)
        stages.append(stage_cls(cfg))
    return stages


def frame_items(video: Path, decode: DecodeConfig, backend: str | None = None) -> Iterator[FrameItem]:
    """Decoded frames as items; ``backend`` (default ``decode.backend``) picks the decoder."""
    from aucli.extract.prefetch import prefetched
    from aucli.extract.video import iter_frames

    frames = iter_frames(video, decode.stride, decode.chunk, backend or decode.backend)
    if decode.prefetch > 0:
        frames = prefetched(frames, decode.prefetch * decode.chunk)
    for n, (index, ts, image) in enumerate(frames):
        if decode.max_frames and n >= decode.max_frames:
            break
        yield FrameItem(index=index, timestamp=ts, image=image)


def run_stages(items: Iterable[FrameItem], stages: list[Any]) -> Iterator[FrameItem]:
    for stage in stages:
        items = stage(items)
    return iter(items)


class FrameFeed:
    """The stages built once and fed one frame at a time (live cameras, frames held in memory).

    Each stage keeps its state between frames (the tracker's ids, MediaPipe's landmark tracking,
    the previous crop for flow), so ``push`` on a video's frames gives what ``run_stages`` gives
    on the whole video. Every stage must yield a frame before it asks for the next one.
    """

    def __init__(self, stages: list[Any]) -> None:
        self._inbox: deque[FrameItem] = deque()
        self._chain = [self._source()]
        for stage in stages:
            self._chain.append(iter(stage(self._chain[-1])))

    def _source(self) -> Iterator[FrameItem]:
        while True:
            if not self._inbox:
                raise RuntimeError("a stage asked for the next frame before yielding this one")
            yield self._inbox.popleft()

    def push(self, item: FrameItem) -> FrameItem:
        self._inbox.append(item)
        return next(self._chain[-1])

    def close(self) -> None:
        for gen in reversed(self._chain):  # outermost first; stages release models in `finally`
            getattr(gen, "close", lambda: None)()


def output_columns(stages: list[Any]) -> list[str]:
    cols: list[str] = []
    for stage in stages:
        cols += [c for c in getattr(stage, "output_columns", list)() if c not in cols]
    return cols


def run_video(video: Path, out: Path, resolved: Resolved,
              on_frame: Callable[[int], None] | None = None, info: Any = None) -> dict[str, Any]:
    """Extract one video into ``out`` (atomic). Returns frames, faces, seconds, fps, decoder.

    ``info`` is the video's :class:`~aucli.extract.video.VideoInfo` when the caller already probed it.
    When ``decode.backend`` is "auto" and decord fails part-way, the video is redone from frame 0
    with PyAV (the half-written file is discarded), so rows never mix two decoders.
    """
    from aucli.extract.decoders import DecodeError
    from aucli.extract.video import FALLBACK, probe

    decode = resolved.pipeline.decode
    info = info or probe(video, decode.backend)
    try:
        return _run_video(video, out, resolved, on_frame, info)
    except DecodeError:
        if decode.backend != "auto" or info.decoder == FALLBACK:
            raise
    return _run_video(video, out, resolved, on_frame, probe(video, FALLBACK))


def _run_video(video: Path, out: Path, resolved: Resolved,
               on_frame: Callable[[int], None] | None, info: Any) -> dict[str, Any]:
    items = frame_items(video, resolved.pipeline.decode, info.decoder)
    stats = run_source(items, out, resolved, {"aucli.video": json.dumps(info.__dict__)}, on_frame)
    return {**stats, "video_fps": info.fps, "decoder": info.decoder}


def run_source(source: Iterable[FrameItem], out: Path, resolved: Resolved, source_meta: dict[str, str],
               on_frame: Callable[[int], None] | None = None, files: bool = False) -> dict[str, Any]:
    """Run the stages over decoded ``source`` frames (a video's or images') into ``out``, atomically.
    ``source_meta`` describes the input in the file metadata; ``files`` adds the ``file`` column.

    ``seconds`` and ``fps`` cover the frames (decoding included, as it overlaps the models);
    ``startup_seconds`` is what came before the first frame: building the stages, opening the
    output file and loading the models."""
    from aucli.extract.memory import pin_mmap_threshold
    from aucli.extract.normalise import normalise_file
    from aucli.extract.parquet import SCHEMA_VERSION, ParquetSink, build_schema

    began = time.perf_counter()
    pin_mmap_threshold()
    stages = build_stages(resolved)
    extra = output_columns(stages)
    opts = resolved.pipeline.output
    schema = build_schema(extra, mesh=opts.mesh, crops=opts.save_crops, files=files)
    au_cols = [c for c in extra if c.endswith("_r")]
    finish = (lambda p: normalise_file(p, au_cols, opts.normalise_percentile)) if opts.normalise else None
    metadata = {
        "aucli.schema_version": SCHEMA_VERSION,
        "aucli.version": __version__,
        "aucli.config": resolved.to_toml(),
        **source_meta,
        "aucli.models": json.dumps([m for m in (s.describe() for s in stages) if m]),
    }
    frames = faces = 0
    sink = ParquetSink(out, schema, metadata, opts.row_group, finish)
    try:
        with sink:
            open_stages(stages)  # models load here: a missing one fails before any frame
            start = time.perf_counter()
            for item in run_stages(source, stages):
                sink.write(item)
                frames += 1
                faces += len(item.faces)
                if on_frame is not None:
                    on_frame(1)
    finally:
        close_stages(stages)
    seconds = time.perf_counter() - start
    return {"frames": frames, "faces": faces, "seconds": seconds,
            "fps": frames / seconds if seconds > 0 else 0.0, "startup_seconds": start - began}


def iter_faces(video: str | Path, resolved: Resolved | None = None) -> Iterator[FrameItem]:
    """Decoded frames with detected, tracked and aligned faces (no AU stage, nothing written)."""
    resolved = resolved or resolve(extra={"stages": ["detect", "track", "align"]})
    stages = build_stages(resolved)
    yield from run_stages(frame_items(Path(video), resolved.pipeline.decode), stages)


def detect_images(images: Iterable[np.ndarray], resolved: Resolved | None = None) -> Iterator[list[Face]]:
    """Faces (landmarks, pose, alignment) in each of several unrelated RGB images, one model load."""
    resolved = resolved or resolve(extra={"stages": ["detect", "align"], "detect": {"mode": "image"}})
    items = (FrameItem(k, 0.0, np.ascontiguousarray(im)) for k, im in enumerate(images))
    for item in run_stages(items, build_stages(resolved)):
        yield item.faces


def detect_image(image: np.ndarray, resolved: Resolved | None = None) -> list[Face]:
    """Faces (landmarks, pose, alignment) in one RGB image."""
    return list(detect_images([image], resolved))[0]
