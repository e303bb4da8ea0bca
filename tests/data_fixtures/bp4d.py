"""BP4D and BP4D+ fixtures in the release layout (DATASETS.md 1.1, 1.2, 6)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from tests.data_fixtures.common import ImageFn, default_image, encode_image, rng_for, write_image

BP4D_AUS = (1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24)
BP4DPLUS_CSV_AUS = (1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 23, 24,
                    27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39)


def make_bp4d(root: Path, subjects=("F001", "M011", "F007"), tasks=("T1", "T2"), n_frames=6,
              start=643, image_size=32, image_fn: ImageFn | None = None, seed=0,
              zipped=("F007",), unpadded=("M011",), missing_image=True, intensity=True,
              unknown_rate=0.1) -> dict:
    """A BP4D root: AU_OCC CSVs (frames from ``start``, some 9s), frames padded (``0643.jpg``),
    unpadded (``643.jpg``, subjects in ``unpadded``) or zipped (``2D+3D/<S>.zip``), intensity
    CSVs for AU06/10/12/14/17, and one labelled frame without an image when ``missing_image``.

    Returns ``{"labels": {(subject, task, frame): int8[12]}, "intensity": {...: float32[5]},
    "missing": [(subject, task, frame)]}`` with 9 already mapped to -1.
    """
    root = Path(root)
    draw = image_fn or default_image(image_size)
    info: dict = {"labels": {}, "intensity": {}, "missing": []}
    for subject in subjects:
        members: dict[str, bytes] = {}
        for task in tasks:
            rng = rng_for(f"{subject}_{task}", seed)
            frames = list(range(start, start + n_frames))
            full = rng.integers(0, 2, size=(n_frames, 39))  # AU columns 1..39
            full[rng.random(full.shape) < unknown_rate] = 9
            _write_occ(root / "AUCoding/AU_OCC" / f"{subject}_{task}.csv", frames, full)
            bench = full[:, [au - 1 for au in BP4D_AUS]]
            for i, frame in enumerate(frames):
                labels = np.where(bench[i] == 9, -1, bench[i]).astype(np.int8)
                info["labels"][(subject, task, frame)] = labels
                if missing_image and subject == subjects[0] and task == tasks[0] and i == 2:
                    info["missing"].append((subject, task, frame))
                    continue
                image = draw(subject, frame, labels)
                name = f"{frame:04d}.jpg" if subject not in unpadded else f"{frame}.jpg"
                if subject in zipped:
                    members[f"{subject}/{task}/{name}"] = encode_image(image)
                else:
                    write_image(root / subject / task / name, image)
            if intensity:
                _write_intensity(root / "AU Intensity Codes3.0", subject, task, frames, rng, info)
        if members:
            (root / "2D+3D").mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(root / "2D+3D" / f"{subject}.zip", "w") as zf:
                for member, data in members.items():
                    zf.writestr(member, data)
    return info


def _write_occ(path: Path, frames: list[int], codes: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(str(c) for c in range(40))]
    lines += [",".join([str(f)] + [str(v) for v in row]) for f, row in zip(frames, codes)]
    path.write_text("\n".join(lines) + "\n")


def _write_intensity(folder: Path, subject: str, task: str, frames: list[int],
                     rng: np.random.Generator, info: dict, aus=(6, 10, 12, 14, 17)) -> None:
    values = rng.integers(0, 6, size=(len(frames), len(aus))).astype(np.float32)
    values[0, 0] = 9  # invalid
    for j, au in enumerate(aus):
        path = folder / f"AU{au:02d}" / f"{subject}_{task}_AU{au:02d}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{f},{int(v)}\n" for f, v in zip(frames, values[:, j])))
    for i, frame in enumerate(frames):
        info["intensity"][(subject, task, frame)] = np.where(values[i] == 9, np.nan, values[i])


def make_bp4dplus(root: Path, subjects=("F001", "M002"), tasks=("T1", "T6"), n_frames=5,
                  start=1, image_size=32, image_fn: ImageFn | None = None, seed=0) -> dict:
    """A BP4D+ root: ``2D+3D/<S>.zip`` frames, ``AUCoding/AU_OCC`` CSVs whose 34 AU columns are
    read by position (the header here is deliberately not AU numbers) with a 9 and a blank."""
    root = Path(root)
    draw = image_fn or default_image(image_size)
    info: dict = {"labels": {}, "intensity": {}}
    for subject in subjects:
        with zipfile.ZipFile(_mkzip(root, subject), "w") as zf:
            for task in tasks:
                rng = rng_for(f"plus_{subject}_{task}", seed)
                codes = rng.integers(0, 2, size=(n_frames, len(BP4DPLUS_CSV_AUS)))
                codes[0, 0] = 9
                frames = list(range(start, start + n_frames))
                header = ["Frame"] + [f"c{j}" for j in range(len(BP4DPLUS_CSV_AUS))]
                lines = [",".join(header)]
                lines += [",".join([str(f)] + [str(v) for v in row])
                          for f, row in zip(frames, codes)]
                path = root / "AUCoding/AU_OCC" / f"{subject}_{task}.csv"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("\n".join(lines) + "\n")
                bench = codes[:, [BP4DPLUS_CSV_AUS.index(a) for a in BP4D_AUS]]
                for i, frame in enumerate(frames):
                    labels = np.where(bench[i] > 1, -1, bench[i]).astype(np.int8)
                    info["labels"][(subject, task, frame)] = labels
                    zf.writestr(f"{subject}/{task}/{frame:04d}.jpg",
                                encode_image(draw(subject, frame, labels)))
                _write_intensity(root / "AUCoding/AU_INT", subject, task, frames, rng, info)
    return info


def _mkzip(root: Path, subject: str) -> Path:
    (root / "2D+3D").mkdir(parents=True, exist_ok=True)
    return root / "2D+3D" / f"{subject}.zip"


def make_prepared(root: Path, **bp4d_options) -> dict:
    """A ``datasets prepare`` cache of a BP4D fixture (the real prepare code, faces or not)."""
    from aucli.extract.prepare import PrepareConfig, prepare

    source = Path(root) / "source-bp4d"
    info = make_bp4d(source, **bp4d_options)
    prepare("bp4d", source, Path(root), config=PrepareConfig(size=32))
    return info
