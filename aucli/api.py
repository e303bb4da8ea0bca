"""The Python API: what ``aucli extract`` does, from a notebook or a program.

>>> import aucli
>>> df = aucli.extract("sample_videos/WolfgangLanger_Pexels.mp4", detect__max_faces=2)
>>> df.groupby("face_id").AU12_r.mean()

Settings follow the recipe and ``--set`` rules of the command line: a keyword
``detect__max_faces=2`` (``__`` for the dot) or a dict ``{"detect.max_faces": 2}`` /
``{"detect": {"max_faces": 2}}`` overrides one value of the recipe (``pipelines/extract-au.toml``
unless ``recipe`` names another); an unknown name fails with "did you mean". Errors are
:class:`aucli.AucliError` subclasses carrying the one-line message the command line prints.
The ``aucli extract`` command is a user of :func:`run_batch` and :func:`configure` below.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aucli.errors import AucliError, InputError, SettingsError

if TYPE_CHECKING:
    import numpy as np

PathLike = str | Path


def _nested(settings: dict[str, Any] | None, keywords: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}``, ``{"a": {"b": 1}}`` and ``a__b=1`` -> ``{"a": {"b": 1}}``."""
    out: dict[str, Any] = {}
    for key, value in {**(settings or {}), **keywords}.items():
        parts = key.replace("__", ".").split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, dict) and isinstance(node.get(parts[-1]), dict):
            node[parts[-1]].update(value)
        else:
            node[parts[-1]] = value
    return out


@contextlib.contextmanager
def _as_aucli_errors() -> Iterator[None]:
    """Config and registry errors (ValueError / KeyError kinds) as :class:`SettingsError`."""
    from aucli.config import ConfigError
    from aucli.registry import UnknownNameError

    try:
        yield
    except (ConfigError, UnknownNameError, ValueError) as exc:
        if isinstance(exc, AucliError):
            raise
        raise SettingsError(str(exc)) from None


def configure(recipe: PathLike | None = None, sets: Iterable[str] = (),
              settings: dict[str, Any] | None = None, flow: bool = False,
              model: PathLike | None = None, **keywords: Any):
    """The resolved pipeline (:class:`aucli.extract.pipeline.Resolved`) for these settings.

    ``flow`` and ``model`` add the ``flow`` and ``au-model`` stages (``--flow``, ``--model``);
    ``sets`` are ``--set a.b=value`` strings, applied last. Every stage is built once, so a bad
    value fails here, before any video is touched.
    """
    from aucli.extract.pipeline import build_stages, resolve

    extra = _nested(settings, keywords)
    if model is not None:
        extra.setdefault("au-model", {}).update(checkpoint=str(model))
        if "device" in extra:
            extra["au-model"].setdefault("device", extra["device"])
    with _as_aucli_errors():
        resolved = resolve(recipe, list(sets), extra)
        wanted = [s for s, on in (("flow", flow), ("au-model", model is not None)) if on]
        missing = [s for s in wanted if s not in resolved.pipeline.stages]
        if missing:
            extra["stages"] = [*resolved.pipeline.stages, *missing]
            resolved = resolve(recipe, list(sets), extra)
        for stage in build_stages(resolved):
            stage.describe()
    return resolved


def run_batch(inputs: Iterable[PathLike], out: PathLike, resolved, workers: int = 1,
              overwrite: bool = False, progress: bool = True, engine: str = "local",
              address: str = "local", sequence: bool = False) -> list:
    """Extract every input (videos, photos, image folders) into ``out`` (resumable, manifest).

    ``sequence`` treats each folder of images as one recording's frames. Returns the outcomes.
    """
    import functools

    from aucli.extract.batch import plan, write_manifest
    from aucli.progress import BatchProgress, make_progress

    if engine not in ("local", "ray"):
        raise SettingsError(f"--engine must be local or ray, not {engine!r}")
    out = Path(out)
    jobs, failed = plan(list(inputs), out, sequence)
    out.mkdir(parents=True, exist_ok=True)
    if failed:
        write_manifest(out, failed)
    if engine == "ray":
        from aucli.extract.ray import RayOptions, run_batch_ray

        runner = functools.partial(run_batch_ray, options=RayOptions(address=address))
    else:
        from aucli.extract.batch import run_batch as run_local

        runner = functools.partial(run_local, workers=workers)
    with make_progress() if progress else contextlib.nullcontext(None) as bars:
        tracker = BatchProgress(bars) if bars is not None else None
        return failed + runner(jobs, out, resolved, overwrite=overwrite, progress=tracker)


def extract(inputs: PathLike | Iterable[PathLike], out: PathLike | None = None, *,
            recipe: PathLike | None = None, settings: dict[str, Any] | None = None,
            sets: Iterable[str] = (), flow: bool = False, model: PathLike | None = None,
            workers: int = 1, overwrite: bool = False, progress: bool = True,
            sequence: bool = False, errors: str = "raise", **keywords: Any):
    """Run the extract pipeline on videos, photos or folders; the rows as a pandas DataFrame.

    With ``out`` the Parquet files and manifest are written there (as ``aucli extract -o out``,
    finished videos are skipped unless ``overwrite``); without it they go to a temporary folder
    that is removed. Several inputs give a ``video`` column. ``errors="raise"`` raises the first
    failed input's one-line error (the others are still processed and written); ``"warn"`` warns
    and returns the rows of the rest. ``sequence`` reads each folder of images as one recording.
    """
    if errors not in ("raise", "warn"):
        raise SettingsError(f"errors must be 'raise' or 'warn', not {errors!r}")
    paths = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    resolved = configure(recipe, sets, settings, flow, model, **keywords)
    with contextlib.ExitStack() as stack:
        folder = Path(out) if out is not None else Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="aucli-")))
        outcomes = run_batch(paths, folder, resolved, workers, overwrite, progress, sequence=sequence)
        failures = [o.error for o in outcomes if o.status == "failed"]
        files = [Path(o.output) for o in outcomes if o.output]
        if failures and (errors == "raise" or not files):
            raise InputError(failures[0])
        if failures:
            import warnings

            for message in failures:
                warnings.warn(message, stacklevel=2)
        return read(folder, files=files)


@dataclass
class FrameResult:
    """What the pipeline found in one frame or image: one row per face (one null row without faces).

    ``rows`` are dicts with the Parquet columns; ``image`` is the frame that was analysed.
    """

    frame: int
    timestamp: float
    rows: list[dict[str, Any]]
    image: np.ndarray
    path: str | None = None

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame(self.rows)


class Extractor:
    """The extract pipeline built once and reused: ``video``, ``frame`` and ``images``.

    >>> with aucli.Extractor(detect__max_faces=1) as ex:
    ...     for result in ex.video("clip.mp4"):
    ...         print(result.frame, result.rows[0]["AU12_r"])

    The constructor resolves the settings (failing early on a bad one); models load on first use.
    ``output.normalise`` needs whole tracks and applies to :func:`extract` only.
    """

    def __init__(self, settings: dict[str, Any] | None = None, *, recipe: PathLike | None = None,
                 sets: Iterable[str] = (), flow: bool = False, model: PathLike | None = None,
                 **keywords: Any) -> None:
        self.resolved = configure(recipe, sets, settings, flow, model, **keywords)
        if self.resolved.pipeline.output.normalise:
            raise SettingsError("output.normalise needs whole tracks: use aucli.extract(...)")
        self._feed = None
        self._schema = None
        self._frames = 0

    def _rows(self, item) -> list[dict[str, Any]]:
        from aucli.extract.parquet import RowBuffer

        buffer = RowBuffer(self._schema)
        buffer.add(item)
        return buffer.table().to_pylist()

    def _schema_for(self, stages: list[Any]):
        from aucli.extract.parquet import build_schema
        from aucli.extract.pipeline import output_columns

        opts = self.resolved.pipeline.output
        return build_schema(output_columns(stages), mesh=opts.mesh, crops=opts.save_crops)

    def video(self, path: PathLike) -> Iterator[FrameResult]:
        """Stream one video: a :class:`FrameResult` per decoded frame, nothing written."""
        from aucli.extract.pipeline import build_stages, frame_items, run_stages
        from aucli.extract.video import check_readable

        check_readable(Path(path))
        stages = build_stages(self.resolved)
        self._schema = self._schema_for(stages)
        for item in run_stages(frame_items(Path(path), self.resolved.pipeline.decode), stages):
            yield FrameResult(item.index, item.timestamp, self._rows(item), item.image, str(path))

    def frame(self, image: np.ndarray, timestamp: float, index: int | None = None) -> FrameResult:
        """Analyse one RGB frame [H, W, 3] uint8; faces keep their ``face_id`` across calls.

        ``timestamp`` (seconds) must increase from call to call; ``index`` defaults to the number
        of frames given so far. Unlike ``extract``, which holds frames back to drop faces seen in
        fewer than ``track.min_frames`` frames, a live feed cannot look ahead: every face found is
        returned, a detector's one-frame mistake included.
        """
        import numpy as np

        from aucli.extract.stages.base import FrameItem

        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise InputError(f"a frame must be an RGB uint8 array [H, W, 3], got {image.dtype} "
                             f"{list(image.shape)}")
        if self._feed is None:
            self._feed = self._open_feed()
        index = self._frames if index is None else int(index)
        self._frames += 1
        item = self._feed.push(FrameItem(index, float(timestamp), np.ascontiguousarray(image)))
        return FrameResult(item.index, item.timestamp, self._rows(item), item.image)

    def _open_feed(self):
        from aucli.extract.pipeline import FrameFeed, build_stages, resolve_like

        # one frame in, one frame out: no au-model batching, no tracker hold-back (see frame)
        resolved = resolve_like(self.resolved, {"au-model": {"batch_size": 1}, "track": {"min_frames": 1}})
        stages = build_stages(resolved)
        self._schema = self._schema_for(stages)
        return FrameFeed(stages)

    def images(self, paths: Iterable[PathLike]) -> Iterator[FrameResult]:
        """Photos, each detected afresh (no tracking); ``face_id`` numbers the faces of a photo."""
        from aucli.data.files import read_image
        from aucli.extract.pipeline import build_stages, resolve_like, run_stages
        from aucli.extract.stages.base import FrameItem

        keep = [s for s in self.resolved.pipeline.stages if s not in ("track", "flow")]
        resolved = resolve_like(self.resolved, {"stages": keep, "detect": {"mode": "image"}})
        stages = build_stages(resolved)
        self._schema = self._schema_for(stages)
        paths = [Path(p) for p in paths]
        items = (FrameItem(k, 0.0, read_image(str(p))) for k, p in enumerate(paths))
        for item, path in zip(run_stages(items, stages), paths):
            for n, face in enumerate(item.faces):
                face.face_id = n
            yield FrameResult(item.index, 0.0, self._rows(item), item.image, str(path))

    def close(self) -> None:
        """Release the models of ``frame`` (a new ``frame`` call starts a new stream)."""
        if self._feed is not None:
            self._feed.close()
            self._feed = None
            self._frames = 0

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def read(out: PathLike, columns: list[str] | None = None, files: list[Path] | None = None):
    """All rows of a batch folder (or one file) as pandas, with a categorical ``video`` column.

    ``video`` is each file's path relative to the folder, without ``.parquet``. With ``columns``
    only those column chunks are decoded; files whose columns differ (a ``--flow`` run beside a
    plain one) are read with the union of their columns, missing values null.
    """
    from aucli.extract.results import read_batch

    return read_batch(Path(out), columns, files).to_pandas()


def read_manifest(out: PathLike):
    """``OUT/manifest.parquet`` as pandas: one row per input with status, error, frames, ..."""
    from aucli.extract.results import read_manifest as read_table

    return read_table(Path(out)).to_pandas()


def convert(src: PathLike, out: PathLike, to: str | None = None, source: str | None = None,
            fps: float | None = None) -> Path:
    """aucli Parquet -> another tool's layout (``to="openface"``), or back (``source="openface"`` /
    ``"py-feat"``; ``fps`` for py-feat). Returns the written path."""
    from aucli.interop import ReadOptions
    from aucli.interop import convert as run

    with _as_aucli_errors():
        return run(src, out, to, source, ReadOptions(fps=fps))


def _score_au(table: Any, options: Any) -> dict[str, Any]:
    from aucli.metrics.scoring import score_au

    return score_au(table, options)


def _score_me(table: Any, options: Any) -> dict[str, Any]:
    from aucli.metrics.scoring import score_me

    return score_me(table, options)


def _score_spot(table: Any, options: Any) -> dict[str, Any]:
    from aucli.spotting.metric import score_spot_file

    if not options.truth:
        raise InputError("task 'spot' needs truth: the ground-truth intervals (--truth FILE, truth=FILE)")
    return score_spot_file(table.to_pydict(), options.truth, options.iou)


# Task name -> score(table, ScoreOptions) -> dict: what `aucli score --task` and score() offer
# (the command adds a renderer per name). Scorers import their modules only when called.
SCORERS: dict[str, Any] = {"au": _score_au, "me": _score_me, "spot": _score_spot}


def score_table(table: Any, task: str, options: Any) -> dict[str, Any]:
    """A pyarrow table of predictions scored as ``task`` with ``options``
    (:class:`aucli.metrics.scoring.ScoreOptions`)."""
    if task not in SCORERS:
        raise SettingsError(f"unknown task {task!r} (known: {', '.join(SCORERS)})")
    return SCORERS[task](table, options)


def score(predictions: PathLike, task: str = "au", *, truth: PathLike | None = None,
          **options: Any) -> dict[str, Any]:
    """``aucli score``: a predictions file scored under the benchmark rules, as a dict.

    ``task`` is ``au`` (per-AU F1 / accuracy / ROC-AUC; uncoded AUs are None and left out of
    the means, ``f1_n`` counts the AUs averaged; ICC and MAE with ``intensity=True``), ``me``
    (accuracy, UF1, UAR pooled) or ``spot`` (MEGC P/R/F1 against ``truth``). ``options`` are the
    fields of :class:`aucli.metrics.scoring.ScoreOptions` (``threshold=0.5``, ...).
    """
    from dataclasses import fields

    from aucli.metrics.scoring import ScoreOptions, read_table

    known = {f.name for f in fields(ScoreOptions)} - {"truth"}
    if set(options) - known:
        raise SettingsError(f"unknown score option(s) {sorted(set(options) - known)} "
                            f"(known: {', '.join(sorted(known))})")
    opts = ScoreOptions(truth=str(truth or ""), **options)
    if task not in SCORERS:  # before the file is read
        raise SettingsError(f"unknown task {task!r} (known: {', '.join(SCORERS)})")
    return score_table(read_table(Path(predictions)), task, opts)


def train(method: str, dataset: str, root: PathLike, out: PathLike = "runs", *,
          cache: PathLike | None = None, no_align: bool = False, threads: int | None = None,
          **options: Any):
    """``aucli train``: train ``method`` on ``dataset`` (``fold=K`` or ``protocol="loso"``,
    ``config``, ``overrides=["train.epochs=5"]``, ``resume``, ``device``, ``aux_dataset`` /
    ``aux_root``); returns the run's result (run folder and metrics). A raw AU release is aligned
    once into ``<root>.aucli-cache`` (or ``cache``) first, as the command does, unless
    ``no_align``."""
    from aucli.engine.runner import run_training
    from aucli.extract.aligned import aligned_input_with_progress
    from aucli.methods.runtime import configure_threads

    configure_threads(threads)
    with _as_aucli_errors():
        reads = aligned_input_with_progress(dataset, Path(root), _path(cache), no_align)
        return run_training(method, dataset, root, out, reads=reads, **options)


def evaluate(run: PathLike, dataset: str, root: PathLike, *, cache: PathLike | None = None,
             no_align: bool = False, threads: int | None = None, **options: Any):
    """``aucli evaluate``: score a run folder or checkpoint on the test subjects (``fold=K`` or
    ``protocol="loso"``; a LOSO run is re-scored from its saved folds unless ``retrain=True``);
    returns the evaluation (metrics and where it was written). Reads the same aligned cache as
    :func:`train`."""
    from aucli.engine.runner import evaluate_run
    from aucli.extract.aligned import aligned_input_with_progress
    from aucli.methods.runtime import configure_threads

    configure_threads(threads)
    with _as_aucli_errors():
        reads = aligned_input_with_progress(dataset, Path(root), _path(cache), no_align)
        return evaluate_run(run, reads.dataset, reads.root, **options)


def _path(value: PathLike | None) -> Path | None:
    return None if value is None else Path(value)
