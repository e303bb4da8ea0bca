"""Spotting micro- and macro-expressions in long videos from per-region optical flow.

For each face track, the aligned crops are resized to ``size`` and, for each window k (one for
micro-, one for macro-expressions), DIS flow from frame i − k to frame i is computed; the
crop's median flow is subtracted (residual head motion) and the mean flow length in each AU
region gives D_k[i, r]. The difference of frame i against its head (i − k) and tail (i + k)
frames is ½(D_k[i] + D_k[i + k]) (flow i → i + k stands in for the tail flow i + k → i), and
:func:`aucli.ops.spotting.spot_signal` turns it into intervals (merged at the macro
scale), labelled micro or macro by their duration. Only a ring of k + 1 crops is
kept, so memory does not grow with the video.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pyarrow as pa

from aucli import __version__
from aucli.config import dumps, to_dict
from aucli.ops.flow import flow_function, to_gray
from aucli.ops.regions import crop_region_boxes, grid_boxes, region_flow, region_masks
from aucli.ops.spotting import Interval, PeakConfig, merge_close, spot_signal, suppress
from aucli.extract.stages.base import FrameItem


@dataclass(frozen=True)
class SpotConfig:
    """Training-free spotting (MEGC baseline idea on flow); see pipelines/me-features.toml."""

    size: int = 112
    """Side of the aligned crop the flow is computed on (px)."""
    dis_preset: str = "medium"
    """DIS preset for the flow (ultrafast, fast, medium)."""
    micro_window_s: float = 0.15
    """k for micro-expressions: half of a typical ME duration (MEGC: k = (N + 1) / 2)."""
    macro_window_s: float = 0.5
    """k for macro-expressions (s)."""
    micro_max_s: float = 0.5
    """Longest micro-expression (s); longer intervals are macro."""
    macro_max_s: float = 4.0
    """Longest macro-expression (s); longer intervals are dropped."""
    regions: str = "au"
    """Regions: "au" (landmark AU regions) or "grid" (a grid over the crop, no landmarks)."""
    grid: int = 6
    """Blocks per side when regions = "grid"."""
    region_half: float = 0.4
    """Half side of an AU region square, in inner-eye-corner distances."""
    nms_overlap: float = 0.5
    """An interval sharing this fraction of the shorter one with a longer one is dropped."""
    peaks: PeakConfig = field(default_factory=PeakConfig)
    """Peak picking on the contrast signal."""


def crop_regions(face, crop_size: int, config: SpotConfig) -> dict[str, np.ndarray]:
    """Region boxes in the resized crop of one face."""
    if config.regions == "grid" or face.lm68 is None or face.align_matrix is None:
        return grid_boxes(config.size, config.grid)
    return crop_region_boxes(face.lm68, face.align_matrix, config.size / crop_size,
                             config.region_half)


@dataclass
class TrackSignal:
    """Streaming per-region motion of one face track at windows ``ks``."""

    ks: tuple[int, ...]
    preset: str
    frames: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    rows: dict[int, list[np.ndarray]] = field(default_factory=dict)
    ring: deque = field(default_factory=deque)
    names: list[str] = field(default_factory=list)

    def add(self, frame: int, time: float, gray: np.ndarray, boxes: dict[str, np.ndarray]) -> None:
        self.names = self.names or list(boxes)
        self.frames.append(frame)
        self.times.append(time)
        self.ring.append(gray)
        if len(self.ring) > max(self.ks) + 1:
            self.ring.popleft()
        masks = region_masks(gray.shape, boxes)  # once for all windows
        flow = flow_function("dis", preset=self.preset)
        for k in self.ks:
            row = np.full(len(self.names), np.nan)
            if len(self.ring) > k:
                f = flow(self.ring[-1 - k], gray)
                f = f - np.median(f.reshape(-1, 2), axis=0)  # residual head motion
                row = np.array([m[2] for m in region_flow(f, masks).values()])  # mean length
            self.rows.setdefault(k, []).append(row)

    def difference(self, k: int) -> np.ndarray:
        """½(D_k[i] + D_k[i + k]), [T, R]; NaN where a side is missing."""
        d = np.array(self.rows[k]).reshape(len(self.frames), len(self.names))
        tail = np.full_like(d, np.nan)
        tail[: len(d) - k] = d[k:]
        return 0.5 * (d + tail)


def window_frames(seconds: float, fps: float) -> int:
    return max(1, int(round(seconds * fps)))


def spot_track(sig: TrackSignal, fps: float, config: SpotConfig) -> tuple[list[Interval], dict]:
    """Intervals of one track and its per-frame contrast per kind."""
    scales = {"micro": window_frames(config.micro_window_s, fps),
              "macro": window_frames(config.macro_window_s, fps)}
    found, curves = [], {}
    times = np.asarray(sig.times)
    for kind, k in scales.items():
        ivs, c = spot_signal(sig.difference(k), k, sig.names, config.peaks)
        ivs = merge_close(ivs, k) if kind == "macro" else ivs
        curves[kind] = c
        for it in ivs:
            dur = times[it.offset] - times[it.onset] + 1.0 / fps
            label = "micro" if dur <= config.micro_max_s else "macro"
            if dur <= config.macro_max_s:
                found.append(Interval(sig.frames[it.onset], sig.frames[it.apex],
                                      sig.frames[it.offset], it.score, it.region, label))
    return suppress(found, config.nms_overlap), curves


def spot_items(items: Iterable[FrameItem], fps: float, config: SpotConfig = SpotConfig()
               ) -> tuple[list[dict], list[dict]]:
    """Spot every face track of a stream of frames with aligned faces (``face.aligned``).

    ``fps`` (the video's nominal rate) turns the windows into frames. Returns (interval rows,
    per-frame score rows); score rows are ``frame, timestamp, face_id, score, score_micro,
    score_macro`` with ``score`` the larger of the two contrasts.
    """
    ks = (window_frames(config.micro_window_s, fps), window_frames(config.macro_window_s, fps))
    tracks: dict[int, TrackSignal] = {}
    for item in items:
        for face in item.faces:
            if face.aligned is None:
                continue
            sig = tracks.setdefault(face.face_id, TrackSignal(ks, config.dis_preset))
            gray = cv2.resize(to_gray(face.aligned), (config.size, config.size),
                              interpolation=cv2.INTER_AREA)
            boxes = crop_regions(face, face.aligned.shape[0], config)
            sig.add(item.index, item.timestamp, gray, boxes)
    intervals, scores = [], []
    for face_id, sig in tracks.items():
        ivs, curves = spot_track(sig, fps, config)
        intervals += interval_rows(face_id, sig, ivs)
        for i, (f, t) in enumerate(zip(sig.frames, sig.times)):
            mi, ma = float(curves["micro"][i]), float(curves["macro"][i])
            scores.append({"frame": f, "timestamp": t, "face_id": face_id,
                           "score": max(mi, ma), "score_micro": mi, "score_macro": ma})
    return intervals, scores


def interval_rows(face_id: int | None, sig: TrackSignal, ivs: list[Interval]) -> list[dict]:
    pos = {f: i for i, f in enumerate(sig.frames)}
    return [{
        "face_id": face_id, "onset": it.onset, "apex": it.apex, "offset": it.offset,
        "onset_time": sig.times[pos[it.onset]], "apex_time": sig.times[pos[it.apex]],
        "offset_time": sig.times[pos[it.offset]], "score": it.score, "region": it.region,
        "kind": it.kind,
    } for it in ivs]


INTERVAL_SCHEMA = pa.schema([
    pa.field("video", pa.string()), pa.field("face_id", pa.int32()),
    pa.field("onset", pa.int32()), pa.field("apex", pa.int32()), pa.field("offset", pa.int32()),
    pa.field("onset_time", pa.float64()), pa.field("apex_time", pa.float64()),
    pa.field("offset_time", pa.float64()), pa.field("score", pa.float32()),
    pa.field("region", pa.string()), pa.field("kind", pa.string()),
])
SCORE_SCHEMA = pa.schema([
    pa.field("frame", pa.int32()), pa.field("timestamp", pa.float64()),
    pa.field("face_id", pa.int32()), pa.field("score", pa.float32()),
    pa.field("score_micro", pa.float32()), pa.field("score_macro", pa.float32()),
])


def spot_tables(video: str, intervals: list[dict], scores: list[dict], metadata: dict[str, str]
                ) -> tuple[pa.Table, pa.Table]:
    """(intervals, per-frame scores) as Arrow tables with ``metadata``."""
    rows = [{"video": video, **r} for r in intervals]
    ivs = pa.Table.from_pylist(rows, INTERVAL_SCHEMA) if rows else INTERVAL_SCHEMA.empty_table()
    sc = pa.Table.from_pylist(scores, SCORE_SCHEMA) if scores else SCORE_SCHEMA.empty_table()
    return ivs.replace_schema_metadata(metadata), sc.replace_schema_metadata(metadata)


def spot_video(video: Path, config: SpotConfig = SpotConfig(), faces_recipe=None
               ) -> tuple[pa.Table, pa.Table]:
    """Detect, track and align faces in ``video`` (aucli.extract.pipeline.iter_faces; ``faces_recipe``
    a resolved recipe, default detect + track + align) and spot them."""
    from aucli.extract.pipeline import iter_faces
    from aucli.extract.video import probe

    info = probe(video)
    intervals, scores = spot_items(iter_faces(video, faces_recipe), info.fps, config)
    meta = {"aucli.version": __version__, "aucli.config": dumps(to_dict(config)),
            "aucli.video": json.dumps(info.__dict__)}
    return spot_tables(str(video), intervals, scores, meta)


def spot_paths(out: Path, stem: str) -> tuple[Path, Path]:
    """OUT/<stem>.spot.parquet (intervals) and OUT/<stem>.spot_score.parquet (per frame)."""
    return out / f"{stem}.spot.parquet", out / f"{stem}.spot_score.parquet"
