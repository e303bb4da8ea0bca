"""``aucli render``: the video with its extraction drawn on it, written with PyAV (H.264, yuv420p).

Frames come from the extract wing's decoder (``iter_frames``), so frame indices, timestamps and
rotation are exactly those the Parquet was made from; rows are streamed from the Parquet one
batch at a time beside them, so memory does not grow with the video's length. The output is
upright (rotation applied, no rotation tag) at the input's average frame rate and size (rounded
to even, as 4:2:0 H.264 needs). With ``--stride`` extractions, a frame without rows shows the
last processed frame's faces.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from aucli.errors import InputError
from aucli.visual import draw
from aucli.visual.tracks import Track, au_number, read_extraction

NOSE_TIP = 30  # iBUG 68 index the pose axes start from
CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}


@dataclass(frozen=True)
class RenderConfig:
    aus: tuple[int, ...] = ()
    """AUs in each face's panel (empty: the ``top_k`` most variable AUs of that track)."""
    top_k: int = 8
    """Panel rows when ``aus`` is empty."""
    mesh: bool = False
    """Draw the 478-point mesh (the Parquet needs the ``mesh`` column) instead of the 68 points."""
    scale: float = 1.0
    """Output size relative to the input (0.5: half width and height)."""
    start: float = 0.0
    """First second to render."""
    end: float = 0.0
    """Last second to render (0: to the end)."""
    crf: int = 20
    """x264 constant rate factor (lower: better and larger)."""
    preset: str = "veryfast"
    """x264 speed preset."""


@dataclass
class FaceRow:
    face_id: int
    box: np.ndarray  # [4] x, y, w, h
    lm: np.ndarray  # [68, 2]
    pose: np.ndarray  # [3] pitch, yaw, roll
    values: dict[str, float]  # AU column -> value
    mesh: np.ndarray | None = None  # [478, 3]


def panel_rows(track: Track, cfg: RenderConfig) -> list[tuple[int, str | None, str | None]]:
    """(AU, its _r column, its _c column) for one track's panel, FACS order."""
    r_cols = track.chosen(cfg.aus, cfg.top_k, "r")
    c_cols = track.chosen(cfg.aus, cfg.top_k, "c")
    r_by, c_by = {au_number(c): c for c in r_cols}, {au_number(c): c for c in c_cols}
    return [(au, r_by.get(au), c_by.get(au)) for au in sorted(set(r_by) | set(c_by))]


def _rows_by_frame(parquet: Path, aus: list[str], mesh: bool) -> Iterator[tuple[int, list[FaceRow]]]:
    """(frame, faces) in file order, one Parquet batch in memory at a time."""
    import pyarrow.parquet as pq

    from aucli.extract.parquet import BOX_COLUMNS, LANDMARK_COLUMNS, POSE_COLUMNS

    cols = ["frame", "face_id", *BOX_COLUMNS, *LANDMARK_COLUMNS, *POSE_COLUMNS, *aus]
    cols += ["mesh"] if mesh else []
    frame, faces = -1, []
    for batch in pq.ParquetFile(parquet).iter_batches(batch_size=1024, columns=cols):
        arr = {c: batch.column(c).to_numpy(zero_copy_only=False) for c in cols if c != "mesh"}
        num = np.stack([arr[c].astype(np.float32) for c in cols[2:] if c != "mesh"], 1)  # [B, K]
        meshes = batch.column("mesh").to_pylist() if mesh else None
        for i in range(batch.num_rows):
            f = int(arr["frame"][i])
            if f != frame:
                if frame >= 0:
                    yield frame, faces
                frame, faces = f, []
            if arr["face_id"][i] is None or not np.isfinite(float(arr["face_id"][i])):
                continue
            row = num[i]
            m = np.asarray(meshes[i], np.float32).reshape(-1, 3) if mesh and meshes[i] is not None else None
            faces.append(FaceRow(int(arr["face_id"][i]), row[:4], row[4:140].reshape(2, 68).T,
                                 row[140:143], dict(zip(aus, row[143:].tolist())), m))
    if frame >= 0:
        yield frame, faces


class _Cursor:
    """Faces of frame ``i`` from the streamed rows (the last earlier frame's when it has none)."""

    def __init__(self, rows: Iterator[tuple[int, list[FaceRow]]]) -> None:
        self.rows, self.pending = rows, next(rows, None)
        self.current: tuple[int, list[FaceRow]] | None = None

    def at(self, index: int) -> tuple[bool, list[FaceRow]]:
        """(this frame has rows of its own, faces)."""
        while self.pending is not None and self.pending[0] <= index:
            self.current, self.pending = self.pending, next(self.rows, None)
        if self.current is None:
            return False, []
        return self.current[0] == index, self.current[1]


def annotate(img: np.ndarray, faces: list[FaceRow], panels: dict, scale: float, mesh: bool) -> None:
    """Draw every face (box, id, points, pose axes, AU panel) onto ``img`` (already scaled)."""
    style = draw.Style.for_height(img.shape[0])
    for face in faces:
        colour = draw.track_colour(face.face_id)
        bx = face.box * scale
        draw.box(img, bx, f"face {face.face_id}", colour, style)
        if mesh and face.mesh is not None:
            draw.points(img, face.mesh[:, :2] * scale, (235, 235, 235), 0)
        else:
            draw.points(img, face.lm * scale, (255, 255, 255), max(1, round(style.unit)))
        draw.pose_axes(img, face.lm[NOSE_TIP] * scale, face.pose, 0.45 * bx[2], style)
        rows = [(f"AU{au:02d}", face.values.get(r, np.nan) if r else None,
                 face.values.get(c, np.nan) if c else None) for au, r, c in panels.get(face.face_id, [])]
        right_room = img.shape[1] - (bx[0] + bx[2])
        left = right_room < 80 * style.unit and bx[0] > right_room
        anchor = (int(bx[0] - 4) if left else int(bx[0] + bx[2] + 4), int(bx[1]))
        draw.au_panel(img, anchor, rows, colour, style, left=left)


def _even(n: float) -> int:
    return max(2, int(round(n / 2)) * 2)


class _Writer:
    """H.264 yuv420p MP4 through PyAV, written to a temporary name and renamed when complete."""

    def __init__(self, out: Path, fps: float, size: tuple[int, int], cfg: RenderConfig) -> None:
        import av

        from aucli.extract.parquet import temp_path_for

        self.final, self.temp = out, temp_path_for(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        self.container = av.open(str(self.temp), "w", format=CONTAINERS[out.suffix.lower()])
        self.stream = self.container.add_stream(
            "libx264", rate=Fraction(fps).limit_denominator(1001) if fps > 0 else 25,
            options={"crf": str(cfg.crf), "preset": cfg.preset})
        self.stream.width, self.stream.height = size
        self.stream.pix_fmt = "yuv420p"
        self.n = 0

    def write(self, rgb: np.ndarray) -> None:
        import av

        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = self.n
        self.n += 1
        self.container.mux(self.stream.encode(frame))

    def close(self, ok: bool) -> None:
        try:
            if ok:
                self.container.mux(self.stream.encode(None))
            self.container.close()
            if ok:
                os.replace(self.temp, self.final)
        finally:
            self.temp.unlink(missing_ok=True)


def check_options(out: Path, cfg: RenderConfig) -> None:
    """Refuse bad options before any work (an extraction included)."""
    if out.suffix.lower() not in CONTAINERS:
        raise InputError(f"{out}: render writes H.264 into {', '.join(CONTAINERS)}; choose one of those")
    if cfg.scale <= 0 or cfg.scale > 4:
        raise InputError(f"--scale must be in (0, 4], got {cfg.scale}")
    if cfg.end and cfg.end <= cfg.start:
        raise InputError(f"--end ({cfg.end} s) must come after --start ({cfg.start} s)")


def render_video(video: Path, parquet: Path, out: Path, cfg: RenderConfig = RenderConfig(),
                 on_frame: Callable[[int, int], None] | None = None) -> dict[str, float]:
    """Write ``out``: ``video`` with ``parquet``'s faces drawn on it. Returns frames, seconds, fps.

    ``on_frame(done, total)`` is called after each written frame (progress bars).
    """
    from aucli.extract.video import iter_frames, probe
    from aucli.visual.tracks import check_same_video

    check_options(out, cfg)
    backend = decoder_of(parquet)
    info = probe(video, backend)
    check_same_video(parquet, info)
    extraction = read_extraction(parquet)
    if cfg.mesh and "mesh" not in _names(parquet):
        raise InputError(f"{parquet} has no mesh column: extract with --mesh (or give render "
                         "another -p path and --mesh, and it extracts one)")
    panels = {t.face_id: panel_rows(t, cfg) for t in extraction.tracks}
    aus = extraction.au_r + extraction.au_c
    cursor = _Cursor(_rows_by_frame(parquet, aus, cfg.mesh))
    size = (_even(info.width * cfg.scale), _even(info.height * cfg.scale))
    last = cfg.end or info.frames / max(info.fps, 1e-6)
    total = max(1, min(info.frames, round((last - cfg.start) * info.fps)))
    writer, ok, start = _Writer(out, info.fps, size, cfg), False, time.perf_counter()
    try:
        for index, ts, image in iter_frames(video, backend=backend):
            if ts < cfg.start - 1e-6:
                continue
            if cfg.end and ts > cfg.end + 1e-6:
                break
            writer.write(_frame(image, cursor.at(index), panels, size, cfg, ts, index))
            if on_frame is not None:
                on_frame(writer.n, total)
        ok = writer.n > 0
    finally:
        writer.close(ok)
    if not ok:
        raise InputError(f"{video}: no frames between {cfg.start} s and {cfg.end or 'the end'}")
    seconds = time.perf_counter() - start
    return {"frames": writer.n, "seconds": seconds, "fps": writer.n / seconds, "width": size[0],
            "height": size[1]}


def _frame(image: np.ndarray, at: tuple[bool, list[FaceRow]], panels: dict, size: tuple[int, int],
           cfg: RenderConfig, ts: float, index: int) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    shrink = size[0] < w
    img = image if (w, h) == size else cv2.resize(
        image, size, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    img = np.array(img, copy=True)
    own, faces = at
    annotate(img, faces, panels, size[0] / w, cfg.mesh)
    style = draw.Style.for_height(img.shape[0])
    if not faces and own:
        draw.no_face(img, style)
    draw.stamp(img, ts, index, style)
    return img


def decoder_of(parquet: Path) -> str:
    """The decoder the extraction used (``aucli.video`` -> ``decoder``), so frame numbers match."""
    from aucli.extract.parquet import read_metadata
    from aucli.extract.video import BACKENDS

    name = (read_metadata(parquet).get("aucli.video") or {}).get("decoder", "auto")
    return name if name in BACKENDS else "auto"


def _names(parquet: Path) -> list[str]:
    import pyarrow.parquet as pq

    return pq.read_schema(parquet).names


def render_file(video: Path, out: Path, parquet: Path | None = None, cfg: RenderConfig = RenderConfig(),
                progress=None) -> tuple[dict[str, float], Path, bool]:
    """Render ``video``; extract it first (into ``parquet``, default beside ``out``) when the
    Parquet does not exist. Returns (render stats, the Parquet used, whether it was extracted)."""
    from aucli.extract.video import check_readable
    from aucli.progress import ticker

    check_readable(video)
    check_options(out, cfg)
    parquet = parquet or out.parent / f"{video.stem}.parquet"
    extracted = not parquet.exists()
    if extracted:
        from aucli.extract.pipeline import resolve, run_video
        from aucli.extract.video import probe

        info = probe(video)
        resolved = resolve(extra={"output": {"mesh": True}} if cfg.mesh else None)
        tick = ticker(progress, f"extract {video.name}") if progress else None
        count = [0]

        def on_extracted(n: int) -> None:
            count[0] += n
            if tick:
                tick(count[0], -(-info.frames // resolved.pipeline.decode.stride))

        run_video(video, parquet, resolved, on_extracted, info)
    tick = ticker(progress, f"render {video.name}") if progress else None
    return render_video(video, parquet, out, cfg, tick), parquet, extracted
