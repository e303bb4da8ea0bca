"""``aucli render``: decode what it wrote with PyAV and compare it with the input, pixel by pixel."""

from __future__ import annotations

import av
import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner
from visual_media import two_faces  # noqa: F401

from aucli.cli import app
from aucli.errors import InputError
from aucli.extract.video import iter_frames
from aucli.visual.render import RenderConfig, render_video

runner = CliRunner()


def decode(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        return [f.to_ndarray(format="rgb24") for f in container.decode(stream)]


def boxes_by_frame(parquet):
    t = pq.read_table(parquet, columns=["frame", "face_id", "face_x", "face_y", "face_w", "face_h"]).to_pydict()
    out: dict[int, list] = {}
    for i, f in enumerate(t["frame"]):
        if t["face_id"][i] is not None:
            out.setdefault(f, []).append([t[c][i] for c in ("face_x", "face_y", "face_w", "face_h")])
    return out


def test_render_draws_on_faces_and_leaves_the_rest(two_faces, tmp_path):
    video, parquet = two_faces
    out = tmp_path / "annotated.mp4"
    stats = render_video(video, parquet, out, RenderConfig())
    frames_in = [f for _, _, f in iter_frames(video)]
    frames_out = decode(out)
    assert stats["frames"] == len(frames_out) == len(frames_in) == 27
    assert frames_out[0].shape == frames_in[0].shape == (360, 1280, 3)
    boxes = boxes_by_frame(parquet)
    assert all(len(boxes.get(k, [])) == 2 for k in range(24))  # both faces tracked in every frame
    for k in (0, 12, 23):
        a, b = frames_in[k].astype(int), frames_out[k].astype(int)
        diff = np.abs(a - b).max(2)
        near = np.zeros(diff.shape, bool)
        for x, y, w, h in boxes[k]:
            inside = diff[int(y):int(y + h), int(x):int(x + w)]
            assert (inside > 40).mean() > 0.02, "nothing drawn inside the face box"
            near[max(0, int(y) - 40):int(y + h) + 40, max(0, int(x) - 130):int(x + w) + 130] = True
        near[-30:, :] = True  # the timestamp line
        far = diff[~near]
        assert far.size > 10_000 and (far > 40).mean() < 0.002 and far.mean() < 4, "drawn far from faces"
    # the grey frames have no face: a red border marks them
    r, g, bl = frames_out[25][1:3, 300:900].reshape(-1, 3).mean(0)
    assert r > 150 and g < 90 and bl < 90


def test_render_range_scale_and_wrong_parquet(two_faces, tmp_path):
    video, parquet = two_faces
    out = tmp_path / "part.mp4"
    stats = render_video(video, parquet, out, RenderConfig(scale=0.5, start=0.25, end=0.5, aus=(12, 45)))
    frames = decode(out)
    assert len(frames) == stats["frames"] == 7  # t = 0.25 ... 0.5 at 24 fps
    assert frames[0].shape == (180, 640, 3)
    other = tmp_path / "other.mp4"
    from media import write_video

    write_video(other, [np.zeros((360, 1280, 3), np.uint8)] * 3, fps=24)
    with pytest.raises(InputError, match="was extracted from .*two_faces.mp4"):
        render_video(other, parquet, tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()
    res = runner.invoke(app, ["render", str(other), "-p", str(parquet), "-o", str(tmp_path / "y.mp4")])
    assert res.exit_code == 2 and "was extracted from" in res.output
    res = runner.invoke(app, ["render", str(video), "-p", str(parquet), "-o", str(tmp_path / "z.mp4"), "--mesh"])
    assert res.exit_code == 2 and "no mesh column" in res.output
    res = runner.invoke(app, ["render", str(video), "-p", str(parquet), "-o", str(tmp_path / "z.gif")])
    assert res.exit_code == 2 and ".mp4" in res.output


def test_render_extracts_first_when_the_parquet_is_missing(two_faces, tmp_path):
    video, _ = two_faces
    res = runner.invoke(app, ["render", str(video), "-o", str(tmp_path / "a.mp4"), "-q", "--end", "0.2"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "two_faces.parquet").is_file() and "extracted" in res.output
    assert len(decode(tmp_path / "a.mp4")) == 5


def test_panel_rows_follow_aus_and_add_model_columns():
    from aucli.visual.render import panel_rows
    from aucli.visual.tracks import Track

    rng = np.random.default_rng(0)
    au = {f"AU{a:02d}_r": rng.random(50) * (a / 45) for a in (1, 2, 4, 6, 12, 45)}
    au.update({"AU12_c": rng.random(50), "AU23_c": rng.random(50)})
    track = Track(0, np.arange(50), np.arange(50) / 25, au)
    rows = panel_rows(track, RenderConfig(top_k=3))
    assert [a for a, _, _ in rows] == [6, 12, 23, 45]  # 3 most variable _r, the model's _c, FACS order
    assert rows[1] == (12, "AU12_r", "AU12_c") and rows[2] == (23, None, "AU23_c")
    assert [a for a, _, _ in panel_rows(track, RenderConfig(aus=(45, 1)))] == [1, 45]
