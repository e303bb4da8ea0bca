"""Micro-expression recognition on a person's own video with a trained ME model (``aucli mer``).

``recognise(video, model, intervals)`` reads each interval's onset and apex frames, aligns both
with the onset face's map, computes the model's flow / apex inputs (its ``[input]`` settings)
and returns class probabilities per interval as an Arrow table; ``intervals`` None classifies
every interval ``aucli spot`` finds.
"""

from __future__ import annotations

from pathlib import Path


def load_model(path: Path, device: str):
    """(method, InputConfig, classes) from an ME checkpoint."""
    from aucli.config import from_dict
    from aucli.methods.checkpoint import build_method, load_checkpoint
    from aucli.engine.me_data import InputConfig
    from aucli.methods.runtime import resolve_device
    from aucli.errors import InputError

    ckpt = load_checkpoint(path)
    if ckpt["meta"].get("task") != "me":
        raise InputError(f"{path}: not a micro-expression model (task {ckpt['meta'].get('task')})")
    dev = resolve_device(device)
    method = build_method(ckpt, dev)
    return method, from_dict(InputConfig, ckpt["config"].get("input", {}), "input."), \
        list(ckpt["meta"]["classes"]), dev


def spotted(video: Path) -> list[tuple]:
    """(face_id, onset, apex, offset, kind) of every interval aucli spot finds.

    A spotted apex may equal its onset; the flow then runs to the next frame.
    """
    from aucli.spotting.spot import spot_video

    t = spot_video(video)[0].to_pydict()
    rows = zip(t["face_id"], t["onset"], t["apex"], t["offset"], t["kind"])
    return [(f, on, max(ap, on + 1), off, k) for f, on, ap, off, k in rows]


def interval_inputs(video: Path, onset: int, apex: int, cfg) -> tuple:
    """(flow [3, S, S], apex [1, S, S]) of one interval, aligned on its onset frame."""
    from aucli.motion.clips import load_video_clip
    from aucli.engine.me_data import aligned_pair, clip_inputs

    clip = load_video_clip(video, onset, apex)
    gray = aligned_pair(clip.frames[0], clip.frames[clip.apex], max(cfg.size, cfg.work_size))
    return clip_inputs(gray, 0, 1, cfg.size, cfg.flow, cfg.work_size, cfg.normalise)


def recognise(video: Path, model: Path, intervals: list[tuple] | None, device: str = "cpu"):
    """Class probabilities per interval as an Arrow table (``intervals`` None: spot them)."""
    import numpy as np
    import pyarrow as pa
    import torch

    from aucli.errors import InputError

    if not video.is_file():
        raise InputError(f"{video}: no such video file")
    method, cfg, classes, dev = load_model(model, device)
    intervals = spotted(video) if intervals is None else intervals
    rows, probs = [], []
    for face_id, onset, apex, offset, kind in intervals:
        flow, apex_img = interval_inputs(video, int(onset), int(apex), cfg)
        batch = {"flow": torch.from_numpy(flow)[None].to(dev),
                 "apex": torch.from_numpy(apex_img)[None].to(dev)}
        with torch.no_grad():
            probs.append(method.predict(batch).float().softmax(-1)[0].cpu().numpy())
        rows.append((face_id, onset, apex, offset, kind))
    p = np.stack(probs) if probs else np.zeros((0, len(classes)), np.float32)
    cols = {
        "video": [str(video)] * len(rows), "face_id": pa.array([r[0] for r in rows], pa.int32()),
        "onset": pa.array([r[1] for r in rows], pa.int32()),
        "apex": pa.array([r[2] for r in rows], pa.int32()),
        "offset": pa.array([r[3] for r in rows], pa.int32()),
        "kind": [r[4] for r in rows], "label": [classes[i] for i in p.argmax(1)],
        "confidence": pa.array(p.max(1) if len(p) else [], pa.float32()),
        **{f"p_{c}": pa.array(p[:, k], pa.float32()) for k, c in enumerate(classes)},
    }
    return pa.table(cols)
