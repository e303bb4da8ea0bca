"""CK+, RAF-DB, RAF-AU and AffectNet fixtures in their release layouts (DATASETS.md 3, 6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.data_fixtures.common import ImageFn, default_image, write_image

CKPLUS_DEFAULT = (  # (subject, sequence, n frames, emotion code or None, FACS [(au, intensity)])
    ("S005", "001", 4, 3, [(1, 3.0), (4, 0.0), (9, 2.0)]),
    ("S010", "002", 3, 5, [(6, 4.0), (12, 1.0)]),
    ("S010", "004", 5, None, [(1, 2.0), (2, 2.0)]),
    ("S011", "001", 3, 7, [(1, 2.0), (2, 3.0), (26, 1.0)]),
)


def make_ckplus(root: Path, sequences=CKPLUS_DEFAULT, image_size=32,
                image_fn: ImageFn | None = None) -> dict:
    """A CK+ root: ``cohn-kanade-images/S/seq/S_seq_<n:08d>.png`` frames 1..n, emotion files
    (``   3.0000000e+00``) and FACS files (``   1.0000000e+00   3.0000000e+00``) for the last
    frame, and one sequence (S010/004) with no emotion file."""
    root = Path(root)
    draw = image_fn or default_image(image_size)
    info: dict = {"sequences": {}}
    for subject, seq, n, emotion, facs in sequences:
        stem = lambda k: f"{subject}_{seq}_{k:08d}"  # noqa: E731
        for k in range(1, n + 1):
            write_image(root / "cohn-kanade-images" / subject / seq / f"{stem(k)}.png",
                        draw(subject, k, np.zeros(0, np.int8)))
        if emotion is not None:
            path = root / "Emotion" / subject / seq / f"{stem(n)}_emotion.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"   {float(emotion):.7e}\n")
        path = root / "FACS" / subject / seq / f"{stem(n)}_facs.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"   {float(a):.7e}   {i:.7e}\n" for a, i in facs))
        info["sequences"][(subject, seq)] = dict(n=n, emotion=emotion, facs=facs)
    return info


def make_rafdb(root: Path, n_train=4, n_test=3, image_size=32, image_fn: ImageFn | None = None,
               missing=1) -> dict:
    """A RAF-DB root: ``EmoLabel/list_patition_label.txt`` (1-based codes) and
    ``Image/aligned/<name>_aligned.jpg``; the last ``missing`` listed images are not written."""
    root = Path(root)
    draw = image_fn or default_image(image_size)
    names = [f"train_{i:05d}.jpg" for i in range(1, n_train + 1)]
    names += [f"test_{i:04d}.jpg" for i in range(1, n_test + 1)]
    codes = [(i % 7) + 1 for i in range(len(names))]
    (root / "EmoLabel").mkdir(parents=True, exist_ok=True)
    (root / "EmoLabel" / "list_patition_label.txt").write_text(
        "".join(f"{n} {c}\n" for n, c in zip(names, codes)))
    for k, name in enumerate(names[: len(names) - missing]):
        write_image(root / "Image" / "aligned" / name.replace(".jpg", "_aligned.jpg"),
                    draw(name, k, np.zeros(0, np.int8)))
    return {"names": names, "codes": codes, "missing": names[len(names) - missing:]}


RAFAU_DEFAULT = (("0001.jpg", "1+2+25"), ("0002.jpg", "null"), ("0003.jpg", "L12+4"),
                 ("4.jpg", "6+12+R14+99"))


def make_rafau(root: Path, rows=RAFAU_DEFAULT, image_size=32, image_fn: ImageFn | None = None,
               ) -> dict:
    """A RAF-AU root: ``RAF-AU/RAFAU_label.txt`` (with a ``null`` line, side prefixes, an id not
    zero-filled) and ``RAF-AU/aligned/<id:04d>_aligned.jpg``."""
    root = Path(root) / "RAF-AU"
    draw = image_fn or default_image(image_size)
    (root / "aligned").mkdir(parents=True, exist_ok=True)
    (root / "RAFAU_label.txt").write_text("".join(f"{n} {c}\n" for n, c in rows))
    for k, (name, _) in enumerate(rows):
        stem = name.split(".")[0].zfill(4)
        write_image(root / "aligned" / f"{stem}_aligned.jpg", draw(stem, k, np.zeros(0, np.int8)))
    return {"rows": rows}


def make_affectnet(root: Path, n_train=5, n_val=3, image_size=32,
                   image_fn: ImageFn | None = None) -> dict:
    """An AffectNet root: ``Manually_Annotated_file_lists/{training,validation}.csv`` with the
    9-column header and ``;``-joined landmarks, images under ``Manually_Annotated/
    Manually_Annotated_Images/<dir>/<file>``; codes cycle 0..10 (8-10 are not expressions)."""
    root = Path(root)
    draw = image_fn or default_image(image_size)
    lists = root / "Manually_Annotated_file_lists"
    lists.mkdir(parents=True, exist_ok=True)
    header = ("subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,"
              "expression,valence,arousal")
    info: dict = {"rows": []}
    k = 0
    for name, n in (("training.csv", n_train), ("validation.csv", n_val)):
        lines = [header]
        for _ in range(n):
            rel = f"{k % 3 + 1}/img{k:04d}.jpg"
            code = (k * 3) % 11
            marks = ";".join(f"{v:.2f}" for v in np.linspace(10, 100, 136))
            lines.append(f"{rel},10,10,100,100,{marks},{code},0.1,-0.2")
            write_image(root / "Manually_Annotated" / "Manually_Annotated_Images" / rel,
                        draw(rel, k, np.zeros(0, np.int8)))
            info["rows"].append((name, rel, code))
            k += 1
        (lists / name).write_text("\n".join(lines) + "\n")
    return info
