"""DISFA, GFT and Aff-Wild2 fixtures in their release layouts (DATASETS.md 1.3-1.5, 6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.data_fixtures.common import ImageFn, default_image, rng_for, write_image

DISFA_CODED = (1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26)
DISFA_AUS = (1, 2, 4, 6, 9, 12, 25, 26)
# per-subject frame naming: ME-GraphAU 0-based png, JAA-Net 0-based jpg, others 1-based frame-k
DISFA_NAMINGS = ("{t}.png", "{t}.jpg", "frame-{k}.jpg")
GFT_AUS = (1, 2, 4, 6, 10, 12, 14, 15, 23, 24)
AFFWILD2_AUS = (1, 2, 4, 6, 7, 10, 12, 15, 23, 24, 25, 26)


def make_disfa(root: Path, subjects=("SN001", "SN013", "SN003"), n_frames=8, image_size=32,
               image_fn: ImageFn | None = None, seed=0, video: bool = False, threshold=2) -> dict:
    """A DISFA root: 1-based ``frameIdx,intensity`` label files for the 12 coded AUs and frames
    per subject, named by turns ``<t>.png`` (0-based), ``<t>.jpg`` (0-based), ``frame-<k>.jpg``
    (1-based) -- or, with ``video``, ``Videos_LeftCamera/LeftVideo<SN>_comp.avi`` instead.

    ``image_fn(subject, frame, labels)`` gets the 1-based label frame. Returns ``{"labels":
    {(sn, frame): int8[8]}, "intensity": {(sn, frame): float32[12]}}``.
    """
    root = Path(root)
    draw = image_fn or default_image(image_size)
    info: dict = {"labels": {}, "intensity": {}}
    for s, sn in enumerate(subjects):
        rng = rng_for(sn, seed)
        values = rng.integers(0, 6, size=(n_frames, len(DISFA_CODED)))
        folder = root / "ActionUnit_Labels" / sn
        folder.mkdir(parents=True, exist_ok=True)
        for j, au in enumerate(DISFA_CODED):
            lines = [f"{i + 1},{values[i, j]}" for i in range(n_frames)]
            (folder / f"{sn}_au{au}.txt").write_text("\n".join(lines) + "\n")
        cols = [DISFA_CODED.index(a) for a in DISFA_AUS]
        images = []
        for i in range(n_frames):
            frame = i + 1
            labels = (values[i, cols] >= threshold).astype(np.int8)
            info["labels"][(sn, frame)] = labels
            info["intensity"][(sn, frame)] = values[i].astype(np.float32)
            images.append(draw(sn, frame, labels))
        if video:
            _write_video(root / "Videos_LeftCamera" / f"LeftVideo{sn}_comp.avi", images)
        else:
            naming = DISFA_NAMINGS[s % len(DISFA_NAMINGS)]
            for i, image in enumerate(images):
                write_image(root / sn / naming.format(t=i, k=i + 1), image)
    return info


def _write_video(path: Path, frames: list[np.ndarray]) -> None:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 20.0, (w, h))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()


def make_gft(root: Path, videos=("001A", "001B", "002C"), test=("002C",), n_frames=5,
             image_size=32, image_fn: ImageFn | None = None, seed=0) -> dict:
    """A GFT root: ``partition.csv``, ``AU_OCC/<video>.csv`` (``frame,AU1,...`` header, 0/1/9)
    and ``images/<video>/<n>.jpg``; one extra video missing from the partition file."""
    root = Path(root)
    draw = image_fn or default_image(image_size)
    info: dict = {"labels": {}, "split": {}}
    (root / "AU_OCC").mkdir(parents=True, exist_ok=True)
    rows = [f"{v},{'test' if v in test else 'train'}" for v in videos]
    (root / "partition.csv").write_text("subject,split\n" + "\n".join(rows) + "\n")
    for video in (*videos, "099X"):
        rng = rng_for(video, seed)
        codes = rng.integers(0, 2, size=(n_frames, len(GFT_AUS)))
        codes[1, 2] = 9
        lines = ["frame," + ",".join(f"AU{a}" for a in GFT_AUS)]
        for i in range(n_frames):
            frame = 100 + i
            lines.append(f"{frame}," + ",".join(str(v) for v in codes[i]))
            labels = np.where(codes[i] == 9, -1, codes[i]).astype(np.int8)
            info["labels"][(video, frame)] = labels
            info["split"][video] = "test" if video in test else ("train" if video in videos else "")
            write_image(root / "images" / video / f"{frame}.jpg", draw(video, frame, labels))
        (root / "AU_OCC" / f"{video}.csv").write_text("\n".join(lines) + "\n")
    return info


def make_affwild2(root: Path, videos=(("Train_Set", "vid_left"), ("Train_Set", "12-24-1920x1080"),
                                      ("Validation_Set", "118")),
                  n_frames=6, image_size=32, image_fn: ImageFn | None = None, seed=0) -> dict:
    """An Aff-Wild2 root: ``AU_Detection_Challenge/<Set>/<video>.txt`` with the header line,
    one all -1 row and one partial -1 row per video, ``cropped_aligned/<video>/<j:05d>.jpg``
    with one image of the first video deliberately missing."""
    root = Path(root)
    draw = image_fn or default_image(image_size)
    info: dict = {"labels": {}, "missing": [], "all_unknown": [], "split": {}}
    header = ",".join(f"AU{a}" for a in AFFWILD2_AUS)
    for v, (split, video) in enumerate(videos):
        rng = rng_for(video, seed)
        codes = rng.integers(0, 2, size=(n_frames, len(AFFWILD2_AUS)))
        codes[1, :] = -1
        codes[3, 4] = -1
        info["all_unknown"].append((video, 2))
        info["split"][video] = "train" if split == "Train_Set" else "validation"
        path = root / "AU_Detection_Challenge" / split / f"{video}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in codes) + "\n")
        for i in range(n_frames):
            frame = i + 1
            labels = codes[i].astype(np.int8)
            if (labels < 0).all():
                continue
            if v == 0 and frame == 5:
                info["missing"].append((video, frame))
                continue
            info["labels"][(video, frame)] = labels
            write_image(root / "cropped_aligned" / video / f"{frame:05d}.jpg",
                        draw(video, frame, labels))
    return info
