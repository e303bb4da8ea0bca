"""CASME II, SAMM, SMIC, MEGC2019 and CAS(ME)3 fixtures in their release layouts (DATASETS.md 2).

``image_fn(subject, frame, info)`` receives, for these builders, a dict with the clip's
``label`` (the sheet emotion), ``clip``, ``onset``, ``apex`` and ``offset``, so a test can draw
class-dependent motion.
"""

from __future__ import annotations

from pathlib import Path

from tests.data_fixtures.common import ImageFn, default_image, write_image

CASME2_DEFAULT = (  # (subject, filename, onset, apex, offset, AU cell, emotion)
    (1, "EP02_01f", 46, 49, 50, "12", "happiness"),
    (1, "EP19_05f", 10, "/", 14, "4+L10", "disgust"),
    (2, "EP01_11f", 30, 32, 34, 12, "repression"),
    (2, "EP11_01", 5, 6, 8, "R12+L10", "surprise"),
    (2, "EP13_04", 70, 72, 74, "1+2", "fear"),
    (3, "EP07_04", 20, 21, 23, "14", "others"),
    (3, "EP09_03", 8, 10, 12, "4", "disgust"),
)
SAMM_DEFAULT = (  # (filename, onset, apex, offset, AUs, emotion)
    ("006_1_2", 5562, 5564, 5566, "R14", "Contempt"),
    ("006_1_3", 100, 102, 103, "12", "Happiness"),
    ("007_3_1", 40, 41, 43, "4+7 or 43", "Anger"),
    ("007_5_3", 200, 203, 204, "1+2", "Surprise"),
    ("009_2_1", 10, 11, 12, "4", "Other"),
    ("009_3_2", 30, 31, 33, "9", "Disgust"),
)
SMIC_DEFAULT = (  # (subject number, clip, label, first frame, n)
    (1, "s1_ne_01", "negative", 106720, 5),
    (1, "s1_po_01", "positive", 2000, 4),
    (2, "s2_sur_01", "surprise", 500, 6),
    (3, "s3_ne_02", "negative", 30, 3),
    (3, "s3_po_01", "positive", 77, 5),
)
CASME3_DEFAULT = (  # (Subject, Filename, Onset, Apex, Offset, AU, Objective class, emotion)
    ("spNO.1", "j", 28, 33, 36, "24", "VII", "happy"),
    ("spNO.1", "j", 102, 105, 106, "26+25", "II", "surprise"),
    ("spNO.1", "b", 166, 170, 171, 4, "III", "disgust"),
    ("spNO.10", "f", 278, 279, 280, "18", "VII", "fear"),
    ("spNO.10", "k", 735, 737, 739, "L2", "VII", "others"),
    ("spNO.11", "a", 26, 30, 31, "T28+14", "VII", "anger"),
)


def _draw_clip(folder: Path, name_fn, subject: str, clip: str, emotion: str, onset: int,
               apex, offset: int, draw: ImageFn, gray: bool = False) -> None:
    meta = {"label": emotion, "clip": clip, "onset": onset, "apex": apex, "offset": offset}
    for frame in range(onset, offset + 1):
        write_image(folder / name_fn(frame), draw(subject, frame, meta), gray=gray)


CASME2_EMOTIONS = ("happiness", "repression", "disgust", "surprise", "others")


def casme2_rows(n_subjects: int, clips_per_subject: int = 5, n_frames: int = 5,
                emotions=CASME2_EMOTIONS) -> list[tuple]:
    """Clean sheet rows for ``n_subjects`` x ``clips_per_subject`` clips, emotions cycling."""
    rows = []
    for s in range(1, n_subjects + 1):
        for c in range(clips_per_subject):
            onset = 10 + 3 * c
            offset = onset + n_frames - 1
            emotion = emotions[(s + c) % len(emotions)]
            rows.append((s, f"EP{c + 1:02d}_{s:02d}f", onset, onset + n_frames // 2, offset,
                         "4", emotion))
    return rows


def make_casme2(root: Path, rows=None, image_size=32, image_fn: ImageFn | None = None,
                cropped=True, raw=True, sheet="CASME2-coding-20190701.xlsx",
                n_subjects: int | None = None, clips_per_subject: int = 5,
                n_frames: int = 5) -> dict:
    """A CASME II root: the coding xlsx as the real one looks (columns 2 and 6 unnamed, an apex
    of ``/``, an int AU cell), ``CASME2_RAW_selected/subXX/<clip>/img<n>.jpg`` and
    ``Cropped/subXX/<clip>/reg_img<n>.jpg``.

    ``rows`` defaults to the quirky ``CASME2_DEFAULT``; with ``n_subjects`` the rows are
    ``casme2_rows(n_subjects, clips_per_subject, n_frames)`` instead (for learnability tests).
    """
    import openpyxl

    if rows is None:
        rows = CASME2_DEFAULT if n_subjects is None else casme2_rows(
            n_subjects, clips_per_subject, n_frames)
    root = Path(root)
    draw = image_fn or default_image(image_size)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Subject", "Filename", None, "OnsetFrame", "ApexFrame", "OffsetFrame", None,
               "Action Units", "Estimated Emotion"])
    info: dict = {"clips": {}}
    for k, (subject, clip, onset, apex, offset, aus, emotion) in enumerate(rows):
        ws.append([subject, clip, k + 1, onset, apex, offset, None, aus, emotion])
        sub = f"sub{subject:02d}"
        info["clips"][(sub, clip)] = dict(onset=onset, apex=apex, offset=offset, emotion=emotion,
                                          aus=aus)
        if raw:
            _draw_clip(root / "CASME2_RAW_selected" / sub / clip, lambda n: f"img{n}.jpg", sub,
                       clip, emotion, onset, apex, offset, draw)
        if cropped:
            _draw_clip(root / "Cropped" / sub / clip, lambda n: f"reg_img{n}.jpg", sub, clip,
                       emotion, onset, apex, offset, draw)
    root.mkdir(parents=True, exist_ok=True)
    book.save(root / sheet)
    return info


def make_samm(root: Path, rows=SAMM_DEFAULT, image_size=32, image_fn: ImageFn | None = None,
              preamble_rows=13) -> dict:
    """A SAMM root: ``SAMM_Micro_FACS_Codes_v2.xlsx`` with a text preamble of ``preamble_rows``
    rows before the header row, and grayscale frames ``SAMM/<sub>/<clip>/<sub>_<n:05d>.jpg``."""
    import openpyxl

    root = Path(root)
    draw = image_fn or default_image(image_size)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["SAMM - Spontaneous Actions and Micro-Movements"])
    for i in range(1, preamble_rows):
        ws.append([f"Note {i}: the coding below uses FACS" if i % 3 else None])
    ws.append(["Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame",
               "Offset Frame", "Duration", "Type", "Action Units", "Estimated Emotion",
               "Objective Classes", "Notes"])
    info: dict = {"clips": {}, "header_row": preamble_rows + 1}
    for filename, onset, apex, offset, aus, emotion in rows:
        subject = filename.split("_")[0]
        ws.append([int(subject), filename, 1, onset, apex, offset, offset - onset + 1,
                   "Micro - 1/2", aus, emotion, "IV", None])
        info["clips"][(subject, filename)] = dict(onset=onset, apex=apex, offset=offset,
                                                  emotion=emotion.lower(), aus=aus)
        _draw_clip(root / "SAMM" / subject / filename, lambda n, s=subject: f"{s}_{n:05d}.jpg",
                   subject, filename, emotion, onset, apex, offset, draw, gray=True)
    book.save(root / "SAMM_Micro_FACS_Codes_v2.xlsx")
    return info


def make_smic(root: Path, rows=SMIC_DEFAULT, modalities=("HS", "VIS", "NIR"), image_size=32,
              image_fn: ImageFn | None = None) -> dict:
    """A SMIC root: ``SMIC/<modality>/sN/micro/<label>/<clip>/image<n:06d>.bmp`` plus a
    ``non_micro/`` folder per subject that must be ignored."""
    root = Path(root)
    draw = image_fn or default_image(image_size)
    info: dict = {"clips": {}}
    for modality in modalities:
        for number, clip, label, first, n in rows:
            base = root / "SMIC" / modality / f"s{number}"
            onset, offset = first, first + n - 1
            _draw_clip(base / "micro" / label / clip, lambda k: f"image{k:06d}.bmp", f"s{number}",
                       clip, label, onset, onset + (offset - onset) // 2, offset, draw)
            _draw_clip(base / "non_micro" / f"s{number}_no_01", lambda k: f"image{k:06d}.bmp",
                       f"s{number}", "non", "non_micro", 1, 2, 3, draw)
            info["clips"][(modality, f"s{number:02d}", clip)] = dict(
                label=label, onset=onset, apex=onset + (offset - onset) // 2, offset=offset)
    return info


MEGC_ROWS = {  # clips of the real 442 list, with an emotion that maps to the list's label
    "casme2": ((1, "EP02_01f", 46, 48, 50, "12", "happiness", "positive"),
               (9, "EP02_01f", 60, 61, 63, "12", "happiness", "positive"),  # same clip name
               (1, "EP19_05f", 10, 12, 14, "4+L10", "disgust", "negative"),
               (2, "EP11_01", 5, 6, 8, "1+2", "surprise", "surprise"),
               (2, "EP01_11f", 30, 32, 34, "4", "repression", "negative")),
    "samm": (("006_1_2", 10, 12, 13, "R14", "Contempt", "negative"),
             ("007_6_1", 100, 102, 103, "12", "Happiness", "positive"),
             ("007_5_3", 40, 41, 43, "1+2", "Surprise", "surprise")),
    "smic": ((1, "s1_ne_01", "negative", 106720, 4, "s01_ne_01"),
             (1, "s1_po_01", "positive", 2000, 4, "s01_po_01"),
             (2, "s2_sur_01", "surprise", 500, 5, "s02_sur_01")),
}


def make_megc2019(root: Path, image_size=32, image_fn: ImageFn | None = None) -> dict:
    """A composite root ``CASME2/``, ``SAMM/``, ``SMIC/`` plus ``megc_list.csv`` in HTNet's
    columns (``dataset,sub,filename_o,label,apex,imagename,sub_filename``, labels 0/1/2); the
    CASME II fear clip is in the sheet but not in the list."""
    root = Path(root)
    codes = {"negative": 0, "positive": 1, "surprise": 2}
    kw = dict(image_size=image_size, image_fn=image_fn)
    casme = [r[:7] for r in MEGC_ROWS["casme2"]] + [(2, "EP13_04", 70, 72, 74, "1+2", "fear")]
    make_casme2(root / "CASME2", rows=casme, raw=False, **kw)
    make_samm(root / "SAMM", rows=[r[:6] for r in MEGC_ROWS["samm"]], **kw)
    make_smic(root / "SMIC", rows=[r[:5] for r in MEGC_ROWS["smic"]], modalities=("HS",), **kw)
    lines = ["dataset,sub,filename_o,label,apex,imagename,sub_filename"]
    expected = []
    for r in MEGC_ROWS["casme2"]:
        expected.append(("casme2", f"sub{r[0]:02d}", r[1], r[7]))
    for r in MEGC_ROWS["smic"]:
        expected.append(("smic", f"s{r[0]:02d}", r[5], r[2]))
    for r in MEGC_ROWS["samm"]:
        expected.append(("samm", r[0].split("_")[0], r[0], r[6]))
    for dataset, sub, clip, label in expected:
        lines.append(f"{dataset},{sub},{clip},{codes[label]},,{sub}_{clip}.jpg,")
    (root / "megc_list.csv").write_text("\n".join(lines) + "\n")
    return {"sample_list": "megc_list.csv", "expected": expected}


def make_casme3(root: Path, rows=CASME3_DEFAULT, image_size=32,
                image_fn: ImageFn | None = None) -> dict:
    """A CAS(ME)3 part A root: ``cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx`` and frames
    ``<Subject>/<Filename>/color/<n>.jpg``; take ``spNO.1/j`` holds two clips."""
    import openpyxl

    root = Path(root)
    draw = image_fn or default_image(image_size)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Objective class",
               "emotion"])
    info: dict = {"clips": {}}
    for row in rows:
        ws.append(list(row))
        subject, take, onset, apex, offset, aus, _, emotion = row
        info["clips"][(subject, f"{take}_{onset}")] = dict(onset=onset, apex=apex, offset=offset,
                                                           emotion=emotion)
        _draw_clip(root / subject / take / "color", lambda n: f"{n}.jpg", subject, take, emotion,
                   onset, apex, offset, draw)
    book.save(root / "cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx")
    return info
