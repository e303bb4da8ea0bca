"""Aligned input by default: a raw AU release is trained and scored on aligned face crops.

``aucli train/evaluate --dataset bp4d --root /data/BP4D`` reads BP4D's whole 1040x1392 frames;
resized to the network's input, MARL's canonical AU centres would fall off the face. So a raw
AU set goes through :func:`aucli.extract.prepare.prepare` first (the extract pipeline's detect +
align stages, JAA-Net template): once, into ``<root>.aucli-cache/`` (or ``--cache DIR``), with a
progress bar, resumable chunk by chunk, and reused by every later run. Only ``--no-align`` trains
on whole frames. Loaders whose images are already aligned crops (``aligned = True``: prepared
caches, Aff-Wild2 ``cropped_aligned``, RAF-AU, the synthetic sets) are read as they are. The run
config records the choice (``inputs.alignment``, ``inputs.cache``, ``inputs.template``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aucli.errors import InputError
from aucli.extract.prepare import PrepareConfig


@dataclass(frozen=True)
class AlignedInput:
    """The loader and root a run reads, and what the run config records about them."""

    dataset: str
    root: Path
    record: dict[str, Any] = field(default_factory=dict)


def default_cache(root: Path, under: Path | None = None) -> Path:
    """``<root>.aucli-cache`` beside the release, or ``DIR/<root name>.aucli-cache``."""
    root = Path(root).expanduser().resolve()
    return (Path(under).expanduser() if under else root.parent) / f"{root.name}.aucli-cache"


def needs_alignment(name: str) -> bool:
    from aucli.data import DATASETS

    cls = DATASETS.get(name)
    return cls.kind == "au" and not getattr(cls, "aligned", False)


def _cache_state(cache: Path, name: str, root: Path, config: PrepareConfig) -> str:
    """'ready' (a finished cache of this release and config), 'partial' or 'empty'."""
    from aucli.data.prepared import INDEX, read_index

    if (cache / INDEX).is_file():
        _, meta = read_index(cache)
        same = (meta.get("dataset") == name and Path(meta.get("root", "")).resolve() == root
                and meta.get("config") == asdict(config))
        if not same:
            raise InputError(f"{cache} holds a prepare cache of {meta.get('dataset')} at "
                             f"{meta.get('root')} with {meta.get('config')}; give another --cache")
        return "ready"
    return "partial" if (cache / "parts").is_dir() else "empty"


def aligned_input(name: str, root: Path, cache: Path | None = None, no_align: bool = False,
                  config: PrepareConfig = PrepareConfig(),
                  on_part: Callable[[int, int], None] | None = None) -> AlignedInput:
    """Where a run on ``name`` at ``root`` reads its images (building the cache if needed)."""
    root = Path(root).expanduser().resolve()
    if not needs_alignment(name):
        from aucli.data import DATASETS

        au = DATASETS.get(name).kind == "au"
        return AlignedInput(name, root, {"alignment": "as released (aligned crops)"} if au else {})
    if no_align:
        return AlignedInput(name, root, {"alignment": "none (--no-align): whole frames"})
    folder = default_cache(root, cache)
    if _cache_state(folder, name, root, config) != "ready":
        from aucli.extract.prepare import prepare

        prepare(name, root, folder, config=config, on_part=on_part)
    record = {"alignment": "prepare cache", "cache": str(folder), "template": config.template,
              "size": config.size, "box_enlarge": config.box_enlarge, "source": name}
    return AlignedInput("prepared", folder, record)


def aligned_input_with_progress(name: str, root: Path, cache: Path | None = None,
                                no_align: bool = False) -> AlignedInput:
    """:func:`aligned_input` with a progress bar (chunks) while a cache is being built."""
    from aucli.progress import make_progress

    resolved = Path(root).expanduser().resolve()
    if no_align or not needs_alignment(name) or _cache_state(
            default_cache(resolved, cache), name, resolved, PrepareConfig()) == "ready":
        return aligned_input(name, root, cache, no_align)
    with make_progress(unit="chunks") as bars:
        task = bars.add_task(f"align {name} (once; cached)", total=None, rate="chunks")

        def advance(done: int, total: int) -> None:
            bars.update(task, total=total)
            bars.advance(task, done)

        return aligned_input(name, root, cache, False, on_part=advance)
