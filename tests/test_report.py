"""``aucli report``: an extraction batch and a training-runs folder, each one self-contained page."""

from __future__ import annotations

import re
import shutil

import pyarrow.parquet as pq
from typer.testing import CliRunner
from visual_media import batch, runs, two_faces  # noqa: F401

from aucli.cli import app
from aucli.visual.report import write_report

runner = CliRunner()


def assert_self_contained(text: str) -> None:
    assert "<!DOCTYPE html>" in text
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', text), "fetches something at view time"
    assert "<link" not in text and "<script src" not in text and "@import" not in text
    for src in re.findall(r'<img[^>]* src="([^"]+)"', text):
        assert src.startswith("data:image/"), src


def test_batch_report_from_extract(batch):
    text = (batch / "report.html").read_text()
    assert_self_contained(text)
    manifest = {r["path"].rsplit("/", 1)[-1]: r for r in pq.read_table(batch / "manifest.parquet").to_pylist()}
    assert manifest["broken.mp4"]["status"] == "failed"
    assert manifest["broken.mp4"]["error"].split(":")[0].endswith("broken.mp4")
    assert manifest["broken.mp4"]["error"] in text.replace("&#x27;", "'")  # its one-line reason
    assert '<b>3</b>inputs' in text and '<b>2</b>ok' in text and '<b>1</b>failed' in text
    assert "aucli version" in text and "[detect]" in text  # version and the resolved recipe
    assert "No face was found in any frame" in text  # nobody.mp4
    assert text.count('class="thumb"') == 2  # a thumbnail per track of two_faces
    assert text.count('alt="AU heat-map face') == 2
    assert "face 0 mean" in text and "face 1 peak" in text and "AU12 lip corner puller" in text
    assert text.count('class="sortable"') >= 3
    index = text[text.index("<h2>Videos"):]
    index = index[:index.index("</table>")]
    heads = len(re.findall(r"<th[ >]", index))
    rows = index.split("<tr>")[2:]
    assert heads == 8 and len(rows) == 3 and all(row.count("<td") == heads for row in rows)


def test_large_batch_gets_one_page_per_video(batch, tmp_path):
    folder = tmp_path / "big"
    shutil.copytree(batch, folder)
    (folder / "report.html").unlink()
    for k in range(3):  # more outputs than inline_max: the index keeps only the table
        shutil.copy(folder / "two_faces.parquet", folder / f"copy{k}.parquet")
    res = runner.invoke(app, ["report", str(folder), "-q", "--inline-max", "2"])
    assert res.exit_code == 0, res.output
    index = (folder / "report.html").read_text()
    assert_self_contained(index)
    pages = sorted((folder / "report_videos").glob("*.html"))
    assert len(pages) == 5 and "<img" not in index
    for page in pages:
        assert f'href="report_videos/{page.name}"' in index
        assert_self_contained(page.read_text())
    per_video = sum(p.stat().st_size for p in pages) / len(pages) + index.__len__() / 6
    assert per_video < 100_000, f"{per_video:.0f} bytes per video: 500 videos would pass 50 MB"


def test_runs_report(runs, tmp_path):
    out = write_report(runs, tmp_path / "runs.html")
    text = out.read_text()
    assert_self_contained(text)
    assert "Training runs (2)" in text
    assert "baseline-au-synthetic-au-fold2" in text and "baseline-me-synthetic-me-loso" in text
    assert 'alt="training curves"' in text and 'alt="per-AU F1"' in text and 'alt="confusion matrix"' in text
    assert "all-positive F1" in text and "majority-class accuracy" in text
    assert text.count("<summary>config.toml</summary>") == 2
    assert "per-fold scores (3 folds)" in text
    assert "Videos (" not in text  # a runs folder is not taken for an extraction


def test_report_errors_are_one_line(tmp_path):
    res = runner.invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 2 and "nothing to report" in res.output
    res = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert res.exit_code == 2 and "not a folder" in res.output


def test_thumbnail_frames_are_the_extract_decoders_frames(pexels_video):
    import numpy as np

    from aucli.extract.video import iter_frames
    from aucli.visual.thumbs import grab_frames

    wanted = [0, 7, 50, 301, 471]
    grabbed = grab_frames(pexels_video, wanted + [9999])
    assert sorted(grabbed) == wanted
    decoded = {i: f for i, _, f in iter_frames(pexels_video) if i in grabbed}
    for i in wanted:
        assert np.abs(grabbed[i].astype(int) - decoded[i]).mean() < 1.0, i
