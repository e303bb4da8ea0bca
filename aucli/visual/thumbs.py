"""One small aligned-face thumbnail per track, for the report.

The crop saved by ``--save-crops`` (column ``aligned``) is used when the Parquet has it;
otherwise the frame is decoded from the video and aligned with the row's 68 landmarks (the same
similarity transform as the extract ``align`` stage). Each track's most frontal frame is chosen.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aucli.extract.parquet import LANDMARK_COLUMNS, POSE_COLUMNS

SIZE = 72  # pixels; a JPEG of this size is ~2-3 kB


def best_rows(parquet: Path) -> dict[int, tuple[int, np.ndarray]]:
    """face_id -> (frame, [68, 2] landmarks) of the track's most frontal row."""
    import pyarrow.parquet as pq

    best: dict[int, tuple[float, int, np.ndarray]] = {}
    cols = ["frame", "face_id", *POSE_COLUMNS, *LANDMARK_COLUMNS]
    for batch in pq.ParquetFile(parquet).iter_batches(batch_size=4096, columns=cols):
        ids = batch.column("face_id").to_numpy(zero_copy_only=False).astype(np.float64)
        frames = batch.column("frame").to_numpy()
        pose = np.stack([batch.column(c).to_numpy(zero_copy_only=False).astype(np.float64)
                         for c in POSE_COLUMNS], 1)
        turn = np.nan_to_num(np.abs(pose[:, 0]) + np.abs(pose[:, 1]), nan=9.0)  # pitch + yaw
        lms = None
        for fid in np.unique(ids[~np.isnan(ids)]).astype(int).tolist():
            rows = np.flatnonzero(ids == fid)
            i = rows[np.argmin(turn[rows])]
            if fid not in best or turn[i] < best[fid][0]:
                if lms is None:
                    lms = np.stack([batch.column(c).to_numpy(zero_copy_only=False).astype(np.float64)
                                    for c in LANDMARK_COLUMNS], 1)  # [B, 136]
                best[fid] = (float(turn[i]), int(frames[i]), lms[i].reshape(2, 68).T)
    return {fid: (frame, lm) for fid, (_, frame, lm) in best.items()}


def _jpeg(rgb: np.ndarray) -> bytes:
    import cv2

    small = cv2.resize(rgb, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(small[..., ::-1]), [cv2.IMWRITE_JPEG_QUALITY, 82])
    return buf.tobytes() if ok else b""


def saved_crops(parquet: Path, wanted: dict[int, int]) -> dict[int, bytes]:
    """Thumbnails from the ``aligned`` PNG column at ``{face_id: frame}``."""
    import cv2
    import pyarrow.parquet as pq

    out: dict[int, bytes] = {}
    cols = ["frame", "face_id", "aligned"]
    for batch in pq.ParquetFile(parquet).iter_batches(batch_size=512, columns=cols):
        for frame, fid, png in zip(*(batch.column(c).to_pylist() for c in cols)):
            if fid is not None and png and wanted.get(fid) == frame and fid not in out:
                bgr = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
                out[fid] = _jpeg(bgr[..., ::-1]) if bgr is not None else b""
    return out


def grab_frames(video: Path, indices: list[int]) -> dict[int, np.ndarray]:
    """Decoded frames ``{index: rgb [H, W, 3]}``, upright, seeking rather than decoding the whole file.

    Frame ``i`` is the ``i``-th presentation time of the stream (the numbering the extract
    decoder uses), found by reading the packets' timestamps, then decoded after a seek. PyAV
    decodes the phone HEVC files some decoders stop on.
    """
    import av

    from aucli.extract.video import rotation_of, upright

    rotation = rotation_of(video)
    out: dict[int, np.ndarray] = {}
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stamps = sorted(p.pts for p in container.demux(stream) if p.pts is not None)
        for index in sorted(i for i in set(indices) if 0 <= i < len(stamps)):
            container.seek(stamps[index], stream=stream, backward=True)
            for frame in container.decode(stream):
                if frame.pts is not None and frame.pts >= stamps[index]:
                    if frame.pts == stamps[index]:
                        out[index] = upright(frame.to_ndarray(format="rgb24"), rotation)
                    break
    return out


def video_crops(video: Path, rows: dict[int, tuple[int, np.ndarray]], size: int = 112) -> dict[int, bytes]:
    """Thumbnails cut from ``video`` with each row's landmarks (the extract ``align`` transform)."""
    from aucli.ops.align import alignment_matrix, warp

    frames = grab_frames(video, [frame for frame, _ in rows.values()])
    return {fid: _jpeg(warp(frames[frame], alignment_matrix(lm, size, "jaanet", 2.6), size))
            for fid, (frame, lm) in rows.items() if frame in frames and np.isfinite(lm).all()}


def thumbnails(parquet: Path, video: Path | None, named: str = "") -> tuple[dict[int, bytes], str]:
    """face_id -> JPEG bytes, and a note when none could be made (and why)."""
    import pyarrow.parquet as pq

    rows = best_rows(parquet)
    if not rows:
        return {}, ""
    if "aligned" in pq.read_schema(parquet).names:
        crops = saved_crops(parquet, {fid: frame for fid, (frame, _) in rows.items()})
        if crops:
            return crops, ""
    if video is None or not video.is_file():
        return {}, (f"no thumbnails: the video {named or video} is not found from here, and the "
                    "Parquet has no saved crops (extract with --save-crops, or report from where "
                    "the extraction ran)")
    try:
        return video_crops(video, rows), ""
    except Exception as exc:  # a video that decoded during extraction but not now: say so, go on
        return {}, f"no thumbnails: {video} could not be decoded ({type(exc).__name__})"
