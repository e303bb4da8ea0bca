"""Decoding conformance: clips written at test time with PyAV's encoders, decoded by aucli's
``auto`` backend choice, compared with a plain PyAV decode (count, presentation times, pixels),
and run through the extract sink (a Parquet row per frame). Plus the decord->PyAV fallback."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

av = pytest.importorskip("av")

from aucli.extract.decoders import DecodeError, DecordDecoder  # noqa: E402
from aucli.extract.pipeline import resolve, run_video  # noqa: E402
from aucli.extract.video import iter_frames, probe  # noqa: E402


def pattern(k: int, width: int, height: int) -> np.ndarray:
    """A frame that differs per frame and is asymmetric (so a wrong rotation shows)."""
    y, x = np.mgrid[0:height, 0:width]
    img = np.stack([(x * 255 // max(width - 1, 1)), (y * 255 // max(height - 1, 1)),
                    np.full_like(x, (k * 37) % 256)], -1).astype(np.uint8)
    img[: height // 4, : width // 4] = 255  # bright top-left block
    return img


def encode(path: Path, codec: str, size=(128, 96), frames: int = 8, pix_fmt: str = "yuv420p",
           options: dict | None = None, tag: str | None = None, rotate_ccw: int | None = None,
           pts_ms: list[int] | None = None, profile: str | None = None) -> Path:
    width, height = size
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=25, options=options or {})
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if profile:
            stream.profile = profile
        if tag:
            stream.codec_tag = tag
        if pts_ms is not None:
            stream.time_base = Fraction(1, 1000)
            stream.codec_context.time_base = Fraction(1, 1000)
        if rotate_ccw is not None:
            stream.set_display_rotation(rotate_ccw)
        for k in range(frames):
            frame = av.VideoFrame.from_ndarray(pattern(k, width, height), format="rgb24")
            if pts_ms is not None:
                frame.pts, frame.time_base = pts_ms[k], Fraction(1, 1000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def reference(path: Path) -> tuple[list[float], list[np.ndarray], int]:
    """Plain PyAV: presentation times, RGB frames (stored orientation), rotation (clockwise)."""
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    rotation = int(-(frames[0].rotation or 0)) % 360
    return [f.time for f in frames], [f.to_ndarray(format="rgb24") for f in frames], rotation


CLIPS = {
    "h264-main-bframes.mp4": dict(codec="libx264", profile="main", options={"bf": "2", "g": "8"}),
    "h264-high-bframes.mp4": dict(codec="libx264", profile="high", options={"bf": "3"}),
    "hevc-8bit-hvc1.mov": dict(codec="libx265", tag="hvc1", options={"x265-params": "bframes=4:log-level=error"}),
    "hevc-10bit-hvc1.mov": dict(codec="libx265", tag="hvc1", pix_fmt="yuv420p10le",
                                options={"x265-params": "bframes=4:b-pyramid=1:log-level=error"}),
    "vp9.webm": dict(codec="libvpx-vp9", options={"deadline": "realtime", "cpu-used": "8"}),
    "av1.mp4": dict(codec="libsvtav1", options={"preset": "12"}, size=(128, 96)),
    "mjpeg.avi": dict(codec="mjpeg", pix_fmt="yuvj420p"),
    "mpeg4-part2.avi": dict(codec="mpeg4"),
    "odd-642x362.mp4": dict(codec="libx264", size=(642, 362), frames=4),
    "portrait-1080x1920.mp4": dict(codec="libx264", size=(1080, 1920), frames=2,
                                   options={"preset": "ultrafast"}),
    "rot90.mp4": dict(codec="libx264", rotate_ccw=-90),
    "rot180.mp4": dict(codec="libx264", rotate_ccw=180),
    "rot270.mp4": dict(codec="libx264", rotate_ccw=90),
    "vfr.mp4": dict(codec="libx264", pts_ms=[0, 40, 70, 150, 160, 300, 330, 400]),
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {name: encode(folder / name, **spec) for name, spec in CLIPS.items()}


@pytest.mark.parametrize("name", list(CLIPS))
def test_auto_decoding_matches_pyav(clips, name):
    from aucli.extract.video import upright

    times, frames, rotation = reference(clips[name])
    ours = list(iter_frames(clips[name]))
    assert len(ours) == len(frames)
    assert [i for i, _, _ in ours] == list(range(len(frames)))
    assert np.allclose([t for _, t, _ in ours], times, atol=1e-3)
    for (_, _, got), want in zip(ours, frames):
        want = upright(want, rotation)
        assert got.shape == want.shape
        assert np.abs(got.astype(int) - want).mean() < 3
    info = probe(clips[name])
    assert (info.width, info.height) == ours[0][2].shape[1::-1] and info.rotation == rotation


def test_rotation_and_vfr_are_what_a_player_shows(clips):
    _, _, frame = next(iter(iter_frames(clips["rot90.mp4"])))
    assert frame.shape[:2] == (128, 96)
    assert frame[:10, -10:].mean() > 240  # the top-left block, turned clockwise, is top-right
    stamps = [t for _, t, _ in iter_frames(clips["vfr.mp4"])]
    assert np.allclose(stamps, [0, 0.04, 0.07, 0.15, 0.16, 0.3, 0.33, 0.4], atol=1e-3)


def sink_only():
    return resolve(extra={"stages": [], "decode": {"prefetch": 0}})


@pytest.mark.parametrize("name", list(CLIPS))
def test_parquet_has_a_row_per_frame(clips, name, tmp_path):
    times, _, _ = reference(clips[name])
    stats = run_video(clips[name], tmp_path / "x.parquet", sink_only())
    table = pq.read_table(tmp_path / "x.parquet")
    assert table.num_rows == stats["frames"] == len(times)
    assert np.allclose(table.column("timestamp").to_numpy(), times, atol=1e-3)


def test_decord_failure_mid_stream_restarts_with_pyav(clips, tmp_path, monkeypatch):
    clip = clips["h264-high-bframes.mp4"]
    assert probe(clip).decoder == "decord"
    pure = run_video(clip, tmp_path / "pyav.parquet", resolve(extra={"stages": [], "decode": {"backend": "pyav"}}))
    real = DecordDecoder.frames

    def fails_at_frame_4(self, stride=1, chunk=16):
        for n, frame in enumerate(real(self, stride, 2)):
            if n == 4:
                raise DecodeError(f"{self.path}: decord failed near frame 4 (forced)")
            yield frame

    monkeypatch.setattr(DecordDecoder, "frames", fails_at_frame_4)
    with pytest.raises(DecodeError):
        run_video(clip, tmp_path / "d.parquet", resolve(extra={"stages": [], "decode": {"backend": "decord"}}))
    assert not (tmp_path / "d.parquet").exists()
    stats = run_video(clip, tmp_path / "auto.parquet", sink_only())
    assert stats["decoder"] == "pyav" and stats["frames"] == pure["frames"]
    auto, alone = pq.read_table(tmp_path / "auto.parquet"), pq.read_table(tmp_path / "pyav.parquet")
    assert auto.drop(["frame"]).equals(alone.drop(["frame"])) and auto.column("frame").equals(alone.column("frame"))
    assert '"decoder": "pyav"' in auto.schema.metadata[b"aucli.video"].decode()


def test_auto_picks_pyav_where_decord_is_known_to_fail(clips):
    expected = {"h264-main-bframes.mp4": "decord", "rot180.mp4": "decord", "odd-642x362.mp4": "pyav",
                "rot90.mp4": "pyav", "hevc-10bit-hvc1.mov": "pyav", "vp9.webm": "decord"}
    assert {name: probe(clips[name]).decoder for name in expected} == expected


def test_doctor_lists_both_decoders():
    import json

    from typer.testing import CliRunner

    from aucli.cli import app

    result = CliRunner().invoke(app, ["doctor", "--json"])
    decoder = json.loads(result.output)["decoder"]
    assert decoder["pyav"] == f"av {av.__version__} (ok)" and decoder["decord"].endswith("(ok)")
