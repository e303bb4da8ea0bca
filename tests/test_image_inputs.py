"""Photos and frame folders as inputs: the rules of aucli.extract.inputs and one real batch."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pyarrow.parquet as pq
from typer.testing import CliRunner

from aucli.cli import app
from aucli.extract.inputs import find_inputs, numbered_order
from tests.media import sample_frames


def touch(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x")


def test_numbered_frames_are_recognised():
    order = numbered_order([Path(f"{n:04d}.jpg") for n in (3, 1, 2, 10, 4, 5, 6, 7, 8, 9)])
    assert [p.stem for p in order] == [f"{n:04d}" for n in range(1, 11)]
    ck = [Path(f"S005_001_{n:08d}.png") for n in range(1, 12)]
    assert numbered_order(ck) == ck
    assert numbered_order([Path("IMG_0001.jpg"), Path("IMG_0420.jpg")]) is None  # camera photos
    assert numbered_order([Path("alice.jpg"), Path("bob.jpg")]) is None
    assert numbered_order([Path("a1.jpg"), Path("b2.jpg")]) is None  # two name patterns
    assert numbered_order([Path("0001.jpg")]) is None


def test_folder_rules(tmp_path):
    touch(tmp_path, "talk.mp4", "group.jpg", "party.png",
          "frames/0001.jpg", "frames/0002.jpg", "frames/0003.jpg",
          "trip/beach.jpg", "trip/IMG_0420.jpg", "trip/sub/clip.mov", "notes.txt")
    found, missing = find_inputs([tmp_path, tmp_path / "gone.jpg"])
    kinds = {str(s.rel): (s.kind, [f.name for f in s.files]) for s in found}
    assert kinds == {
        "talk": ("video", []),
        tmp_path.name: ("photos", ["group.jpg", "party.png"]),
        "frames": ("sequence", ["0001.jpg", "0002.jpg", "0003.jpg"]),
        "trip": ("photos", ["IMG_0420.jpg", "beach.jpg"]),
        "trip/sub/clip": ("video", []),
    }
    assert [p.name for p, _ in missing] == ["gone.jpg"]
    forced, _ = find_inputs([tmp_path / "trip"], sequence=True)
    assert {s.kind for s in forced if s.files} == {"sequence"}
    single, _ = find_inputs([tmp_path / "group.jpg"])
    assert [(s.kind, s.rel, s.files) for s in single] == [("photos", Path("group"), (tmp_path / "group.jpg",))]


def test_photos_frames_and_videos_in_one_batch(tmp_path, single_face_video):
    src = tmp_path / "in"
    frames = sample_frames(single_face_video, range(0, 12, 3))
    (src / "seq").mkdir(parents=True)
    for k, frame in enumerate(frames):
        cv2.imwrite(str(src / "seq" / f"{k + 1:03d}.png"), frame[..., ::-1])
    two = np.concatenate([frames[0], frames[2][:, ::-1]], axis=1)
    cv2.imwrite(str(src / "two.jpg"), two[..., ::-1])
    cv2.imwrite(str(src / "wall.jpg"), np.full((240, 320, 3), 128, np.uint8))
    (src / "broken.jpg").write_bytes(b"not a jpeg")
    (src / "clip.mp4").write_bytes(single_face_video.read_bytes())
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", str(src), "-o", str(out), "-q", "--fps", "10"])
    assert result.exit_code == 0, result.output
    manifest = {Path(r["path"]).name: r for r in pq.read_table(out / "manifest.parquet").to_pylist()}
    assert set(manifest) == {"in", "seq", "clip.mp4"}
    assert manifest["in"]["status"] == "ok" and "broken.jpg" in manifest["in"]["error"]
    assert manifest["clip.mp4"]["decoder"] == "decord" and manifest["seq"]["decoder"] == "image"

    photos = pq.read_table(out / "in.parquet")
    rows = photos.to_pylist()
    assert sorted({r["file"] for r in rows}) == ["two.jpg", "wall.jpg"]
    assert [r["success"] for r in rows if r["file"] == "wall.jpg"] == [False]  # a row, no face
    assert sorted(r["face_id"] for r in rows if r["file"] == "two.jpg") == [0, 1]
    assert json.loads(photos.schema.metadata[b"aucli.images"])["kind"] == "photos"

    seq = pq.read_table(out / "seq.parquet").to_pylist()
    assert [r["file"] for r in seq] == ["001.png", "002.png", "003.png", "004.png"]
    assert [r["timestamp"] for r in seq] == [0.0, 0.1, 0.2, 0.3]
    assert all(r["success"] for r in seq) and len({r["face_id"] for r in seq}) == 1
    assert pq.read_table(out / "clip.parquet").num_rows == 72


def test_a_bad_image_alone_fails_with_one_line(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"\x89PNG broken")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "bad.png"), "-o", str(out), "-q"])
    assert result.exit_code == 1
    (row,) = pq.read_table(out / "manifest.parquet").to_pylist()
    assert row["status"] == "failed" and "cannot decode image" in row["error"] and "\n" not in row["error"]
    assert not (out / "bad.parquet").exists()
