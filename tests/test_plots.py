"""``aucli plot``: per face a heat-map over small multiples; --aus exact; _c and spotting shaded."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from matplotlib.patches import Rectangle
from typer.testing import CliRunner
from visual_media import two_faces  # noqa: F401

from aucli.cli import app
from aucli.visual.plots import PlotConfig, au_figure, binned

runner = CliRunner()


def layout(fig):
    """Heat-map axes (y tick labels) and small-multiple titles, in figure order."""
    heat = [[t.get_text() for t in ax.get_yticklabels()] for ax in fig.axes if ax.get_images()
            and ax.get_ylabel()]
    titles = [ax.get_title() for ax in fig.axes if ax.get_lines()]
    return heat, titles


def test_one_block_per_face_in_facs_order(two_faces):
    fig = au_figure(two_faces[1])
    heat, titles = layout(fig)
    assert len(heat) == 2  # two faces, one AU heat-map each
    numbers = [int(t[2:]) for t in heat[0]]
    assert numbers == sorted(numbers) and len(numbers) == 20
    assert len(titles) == 16  # 8 most variable AUs per face
    images = [ax.get_images()[0] for ax in fig.axes if ax.get_images() and ax.get_ylabel()]
    assert all(im.get_clim() == (0, 1) for im in images)  # one colour scale for every face


def test_aus_are_exact_and_model_and_spotting_are_shaded(two_faces, tmp_path):
    heat, titles = layout(au_figure(two_faces[1], PlotConfig(aus=(45, 12))))
    assert heat == [["AU45", "AU12"]] * 2
    assert [t.split()[0] for t in titles] == ["AU45", "AU12"] * 2
    # a --model run's AU12_c and a spotting run's interval beside the file
    table = pq.read_table(two_faces[1])
    on = (table.column("frame").to_numpy() >= 5) & (table.column("frame").to_numpy() <= 10)
    prob = pa.array(np.where(on, 0.9, 0.1).astype(np.float32))
    path = tmp_path / "clip.parquet"
    pq.write_table(table.append_column("AU12_c", prob), path)
    pq.write_table(pa.table({"face_id": [0], "onset": [15], "apex": [17], "offset": [20],
                             "onset_time": [15 / 24], "offset_time": [20 / 24], "kind": ["micro"]}),
                   tmp_path / "clip.spot.parquet")
    fig = au_figure(path, PlotConfig(aus=(12,)))
    heat, _ = layout(fig)
    assert heat == [["AU12"], ["AU12"], ["AU12"], ["AU12"]]  # intensity and P(occurrence), per face
    faces = [[p.get_x() for p in ax.patches if isinstance(p, Rectangle)] for ax in fig.axes if ax.get_lines()]
    assert len(faces) == 2 and all(any(abs(x - 5 / 24) < 1e-6 for x in f) for f in faces)  # AU12_c >= 0.5
    assert any(abs(x - 15 / 24) < 1e-6 for x in faces[0])  # the interval spotted on face 0 only
    assert not any(abs(x - 15 / 24) < 1e-6 for x in faces[1])


def test_cli_formats_by_suffix(two_faces, tmp_path):
    for name, magic in (("a.png", b"\x89PNG"), ("a.svg", b"<?xml")):
        res = runner.invoke(app, ["plot", str(two_faces[1]), "-o", str(tmp_path / name), "--aus", "6,12"])
        assert res.exit_code == 0, res.output
        assert (tmp_path / name).read_bytes()[:5].startswith(magic)
    res = runner.invoke(app, ["plot", str(two_faces[1]), "-o", str(tmp_path / "a.gif")])
    assert res.exit_code == 2 and ".png, .svg" in res.output
    res = runner.invoke(app, ["plot", str(two_faces[1]), "-o", str(tmp_path / "b.png"), "--aus", "6,x"])
    assert res.exit_code == 2 and "--aus" in res.output


def test_long_videos_keep_peaks_when_binned():
    values = np.zeros((2, 10_000), np.float32)
    values[0, 4321] = 1.0
    values[1, :] = np.nan
    out = binned(values, 100)
    assert out.shape == (2, 100) and out[0].max() == 1.0 and np.isnan(out[1]).all()


def test_lines_break_where_the_face_was_absent():
    from pathlib import Path

    from aucli.visual.plots import broken_line
    from aucli.visual.tracks import Extraction, Track

    frames = np.arange(10)
    seen = np.array([0, 1, 2, 6, 7, 9])
    track = Track(0, seen, seen / 10, {"AU12_r": np.linspace(0, 1, 6)})
    ex = Extraction(Path("x.parquet"), frames, frames / 10, np.isin(frames, seen).astype(int), [track], {})
    t, v = broken_line(ex, track, track.au["AU12_r"])
    assert np.isnan(v).sum() == 3 and len(v) == 9  # three stretches: 0-2, 6-7, 9
    assert np.array_equal(t[~np.isnan(t)], seen / 10)
