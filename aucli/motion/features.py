"""Micro-expression clip features and their file format.

A clip is aligned once, on its onset frame (the transform is reused for every frame, as meb's
``crop_and_align.py`` does, so there is no jitter), then:
- ``flow_u``, ``flow_v``: optical flow onset -> apex (DATASETS.md §5.3), px of the crop;
- ``strain``: optical strain magnitude of that flow;
- ``lbp_top``: LBP-TOP of the clip (onset..offset, or onset..apex without an offset),
  TIM-interpolated to ``tim_length`` frames first, as meb does.

File format (``FORMAT_VERSION`` "1"): one Parquet file, one row per clip. Columns:

| column | type | meaning |
|---|---|---|
| ``source`` | string | video path or frame folder |
| ``clip`` | string | clip name (folder name, or ``<video stem>_<onset>``) |
| ``face_id`` | int32, null | 0 for the detected face; null with ``--box`` |
| ``onset``, ``apex``, ``offset`` | int32 (offset null) | video: 0-based index; folder: file-name number |
| ``onset_time``, ``apex_time`` | float64, null | seconds (video only) |
| ``size`` | int32 | crop side S |
| ``flow_method`` | string | tvl1, farneback or dis |
| ``align_matrix`` | fixed_size_list<float64>[6] | the [2, 3] onset-frame map, row-major |
| ``flow_u``, ``flow_v``, ``strain`` | fixed_size_list<float32>[S*S] | [S, S] row-major; u right, v down |
| ``lbp_top`` | fixed_size_list<float32>[L] | [rows, cols, 3 planes (XY, XT, YT), bins], C order |

Key-value metadata: ``aucli.features.format_version``, ``aucli.features.layout`` (JSON: the
shape of each array column and the plane order), ``aucli.config`` (resolved TOML),
``aucli.version``. There is no implicit channel order: :func:`motion_stack` takes the order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from aucli import __version__
from aucli.config import dumps, to_dict
from aucli.ops.align import alignment_matrix, warp
from aucli.ops.flow import DISConfig, FarnebackConfig, TVL1Config, flow_function, to_gray
from aucli.ops.strain import flow_strain
from aucli.ops.temporal import interpolate_clip
from aucli.ops.texture import PLANES, LBPTOPConfig, lbp_top, n_bins

FORMAT_VERSION = "1"
ARRAY_COLUMNS = ("flow_u", "flow_v", "strain", "lbp_top")


@dataclass(frozen=True)
class ClipFeaturesConfig:
    """Onset-aligned clip features (DATASETS.md §5.3)."""

    size: int = 112
    """Side of the aligned square crop (px); MMMST's default input."""
    flow: str = "tvl1"
    """Flow method onset -> apex: tvl1 (MEAN, STSTNet), farneback (HTNet) or dis."""
    template: str = "jaanet"
    """Alignment template of aucli.ops.align: jaanet (eyes-nose-mouth box) or arcface."""
    box_enlarge: float = 2.5
    """jaanet margin around the eye-nose-mouth box (py-feat's value for 112 crops)."""
    strain_scheme: str = "backward"
    """Finite differences for the strain: backward (MEAN), forward (HTNet) or central."""
    shear_weight: float = 0.5
    """Weight of (u_y + v_x)² in the strain magnitude (canonical 0.5)."""
    tim_length: int = 10
    """Frames the clip is interpolated to before LBP-TOP (meb: 10)."""
    interpolation: str = "tim"
    """Temporal interpolation: tim (Zhou et al. 2011) or linear."""
    lbp_top: LBPTOPConfig = field(default_factory=LBPTOPConfig)
    """LBP-TOP parameters (meb's defaults)."""
    tvl1: TVL1Config = field(default_factory=TVL1Config)
    """TV-L1 parameters."""
    farneback: FarnebackConfig = field(default_factory=FarnebackConfig)
    """Farneback parameters."""
    dis: DISConfig = field(default_factory=DISConfig)
    """DIS parameters."""


def onset_matrix(lm68: np.ndarray, config: ClipFeaturesConfig) -> np.ndarray:
    """The [2, 3] map from the onset frame's 68 landmarks to the crop."""
    return alignment_matrix(lm68, config.size, config.template, config.box_enlarge)


def box_matrix(box: Sequence[float], size: int) -> np.ndarray:
    """The [2, 3] map sending an (x, y, w, h) box onto a size x size crop (no alignment)."""
    x, y, w, h = map(float, box)
    return np.array([[size / w, 0, -x * size / w], [0, size / h, -y * size / h]])


def align_clip(frames: Sequence[np.ndarray], matrix: np.ndarray, size: int) -> np.ndarray:
    """Warp every frame with the same map, [T, S, S, 3] uint8."""
    return np.stack([warp(f if f.ndim == 3 else cv2.cvtColor(f, cv2.COLOR_GRAY2RGB), matrix, size)
                     for f in frames])


def clip_features(crops: np.ndarray, apex: int, config: ClipFeaturesConfig = ClipFeaturesConfig()
                  ) -> dict[str, np.ndarray]:
    """Features of aligned crops [T, S, S, 3] (onset first; ``apex`` an index into crops)."""
    gray = np.stack([to_gray(c) for c in crops])  # [T, S, S]
    flow = flow_function(config.flow, getattr(config, config.flow, None))
    u, v, strain = flow_strain(gray[0], gray[apex], flow, config.strain_scheme, config.shear_weight)
    vol = interpolate_clip(gray.astype(np.float32), config.tim_length, config.interpolation)
    vol = np.clip(np.rint(vol), 0, 255).astype(np.uint8)
    return {"flow_u": u, "flow_v": v, "strain": strain,
            "lbp_top": lbp_top(vol, config.lbp_top)}


def layout(config: ClipFeaturesConfig) -> dict:
    """Shape of each array column, for the file metadata."""
    s, lc = config.size, config.lbp_top
    bins = [n_bins(p, lc.method) for p in lc.points]
    return {"flow_u": [s, s], "flow_v": [s, s], "strain": [s, s],
            "lbp_top": [lc.grid[0], lc.grid[1], len(PLANES), bins[0]] if len(set(bins)) == 1
            else [lc.grid[0], lc.grid[1], sum(bins)],
            "lbp_top_planes": list(PLANES), "lbp_top_bins": bins}


def _schema(config: ClipFeaturesConfig) -> pa.Schema:
    lay = layout(config)
    arrays = [pa.field(c, pa.list_(pa.float32(), int(np.prod(lay[c])))) for c in ARRAY_COLUMNS]
    return pa.schema([
        pa.field("source", pa.string()), pa.field("clip", pa.string()),
        pa.field("face_id", pa.int32()), pa.field("onset", pa.int32()),
        pa.field("apex", pa.int32()), pa.field("offset", pa.int32()),
        pa.field("onset_time", pa.float64()), pa.field("apex_time", pa.float64()),
        pa.field("size", pa.int32()), pa.field("flow_method", pa.string()),
        pa.field("align_matrix", pa.list_(pa.float64(), 6)), *arrays,
    ])


def features_table(rows: list[dict], config: ClipFeaturesConfig) -> pa.Table:
    """Rows (clip fields + arrays of :func:`clip_features`) -> the documented table."""
    schema = _schema(config)
    cols = {}
    for f in schema:
        values = [r.get(f.name) for r in rows]
        if f.name in ARRAY_COLUMNS or f.name == "align_matrix":
            dtype = np.float64 if f.name == "align_matrix" else np.float32
            flat = np.stack([np.asarray(v, dtype).ravel() for v in values]) if values else \
                np.zeros((0, f.type.list_size), dtype)
            size = f.type.list_size
            cols[f.name] = pa.FixedSizeListArray.from_arrays(pa.array(flat.ravel()), size)
        else:
            cols[f.name] = pa.array(values, f.type)
    meta = {"aucli.features.format_version": FORMAT_VERSION,
            "aucli.features.layout": json.dumps(layout(config)),
            "aucli.config": dumps(to_dict(config)), "aucli.version": __version__}
    return pa.table(cols, schema=schema).replace_schema_metadata(meta)


def write_features(path: str | Path, rows: list[dict], config: ClipFeaturesConfig) -> None:
    """Write atomically (temporary name, then rename)."""
    from aucli.extract.parquet import write_table_atomic

    write_table_atomic(features_table(rows, config), Path(path))


def read_features(path: str | Path) -> dict[str, object]:
    """A features file as a dict: scalar columns as lists, array columns reshaped to
    [N, *layout] numpy arrays, plus ``layout``."""
    table = pq.read_table(path)
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    lay = json.loads(meta["aucli.features.layout"])
    out: dict[str, object] = {"layout": lay}
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if name in ARRAY_COLUMNS or name == "align_matrix":
            shape = lay.get(name, [2, 3])
            out[name] = col.flatten().to_numpy().reshape([len(col), *shape])
        else:
            out[name] = col.to_pylist()
    return out


def motion_stack(features: dict, order: Sequence[str] = ("flow_u", "flow_v", "strain")
                 ) -> np.ndarray:
    """Stack motion channels in an explicit order -> [N, C, S, S] (STSTNet's is u, v, strain)."""
    return np.stack([np.asarray(features[c]) for c in order], axis=1)


def clip_row(clip, config: ClipFeaturesConfig, box: Sequence[float] | None = None) -> dict:
    """Align a :class:`aucli.motion.clips.Clip` on its onset frame (or map ``box`` when given)
    and compute its feature row."""
    face_id = None
    if box is not None:
        matrix = box_matrix(box, config.size)
    else:
        from aucli.motion.clips import find_face

        face = find_face(clip.frames[0])
        matrix, face_id = onset_matrix(face.lm68, config), 0
    feats = clip_features(align_clip(clip.frames, matrix, config.size), clip.apex, config)
    times = clip.times
    return {"source": clip.source, "clip": clip.name, "face_id": face_id, "onset": clip.onset,
            "apex": clip.numbers[clip.apex], "offset": clip.offset,
            "onset_time": times[0] if times else None,
            "apex_time": times[clip.apex] if times else None, "size": config.size,
            "flow_method": config.flow, "align_matrix": matrix, **feats}
