"""What the micro-expression loaders share: class sets as data, and clip assembly.

A clip folder holds the frames onset..offset (CASME II, SAMM) or a whole take of which the
sheet's onset..offset is a part (CAS(ME)3); either way the clip is the frames whose number lies
in [onset, offset], sorted numerically. Mismatches between the sheet and the folder are
reported, never silently patched; a missing or invalid apex becomes the middle frame
(apex = onset + (offset - onset) // 2, meb's rule for SMIC) and is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from aucli.data.base import MEClip, MELoader, Problem
from aucli.errors import InputError


@dataclass(frozen=True)
class ClassSet:
    """A protocol's classes and the map from a sheet's emotion word to one of them."""

    classes: tuple[str, ...]
    """Class names in label-index order."""
    mapping: dict[str, str]
    """Lower-case emotion word -> class; words not in it are dropped from the protocol."""


def identity(*names: str) -> ClassSet:
    """Every emotion is its own class."""
    return ClassSet(names, {n: n for n in names})


def pick(sets: dict[str, ClassSet], name: str, dataset: str) -> ClassSet:
    """The class set called ``name``, or an error listing the known ones."""
    try:
        return sets[str(name)]
    except KeyError:
        raise InputError(f"{dataset}: no class set {name!r} (known: {', '.join(sets)})") from None


class SheetMELoader(MELoader):
    """An ME loader driven by a coding sheet, whose ``classes`` option names one of ``class_sets``."""

    class_sets: ClassVar[dict[str, ClassSet]] = {}

    def class_set(self) -> ClassSet:
        return pick(self.class_sets, self.config.classes, self.name)

    @property
    def classes(self) -> tuple[str, ...]:
        return self.class_set().classes


def find_sheet(root: Path, explicit: str, patterns: tuple[str, ...], what: str) -> Path:
    """The coding sheet: ``explicit`` (relative to root) or the first file matching a pattern."""
    if explicit:
        return root / explicit
    for pattern in patterns:
        found = sorted(root.glob(pattern))
        if found:
            return found[0]
    raise InputError(f"{what}: no coding sheet in {root} (looked for {', '.join(patterns)})")


def build_clip(dataset: str, subject: str, clip: str, label: str, onset: int | None,
               apex: int | None, offset: int | None, frames: dict[int, str],
               folder: Path, apex_cell: object = None, **extra,
               ) -> tuple[MEClip | None, list[Problem]]:
    """Assemble one clip from its folder's ``frames`` (number -> path), with its problems.

    ``apex_cell`` is the sheet's raw apex cell, quoted when it is not a usable frame number.
    """
    where = f"{subject}/{clip}"
    if not frames:
        return None, [Problem(f"{where}: frame folder missing or empty: {folder}", fatal=True)]
    if onset is None or offset is None or offset < onset:
        return None, [Problem(f"{where}: invalid onset/offset ({onset}, {offset}); clip skipped")]
    problems = []
    inside = [n for n in frames if onset <= n <= offset]
    if not inside:
        return None, [Problem(f"{where}: folder has frames {min(frames)}..{max(frames)}, none "
                              f"in onset..offset {onset}..{offset}; clip skipped")]
    if inside[0] != onset or inside[-1] != offset:
        problems.append(Problem(f"{where}: frames {inside[0]}..{inside[-1]} found for sheet "
                                f"onset..offset {onset}..{offset}"))
    if apex is None or not onset <= apex <= offset:
        cell = apex if apex_cell is None else apex_cell
        problems.append(Problem(f"{where}: apex {cell!r} is not a frame in onset..offset, the "
                                "middle frame is used"))
        apex = onset + (offset - onset) // 2
    clip_obj = MEClip(dataset, subject, clip, label, onset, apex, offset,
                      tuple(frames[n] for n in inside), **extra)
    return clip_obj, problems
