"""Pipeline stages: thin streaming wrappers over aucli.ops.

The contract (docling-style): a stage is built from its frozen config and called on an iterable
of :class:`~aucli.extract.stages.base.FrameItem`; it yields the same items, enriched. A pipeline is
``for stage in stages: items = stage(items)``.
"""

from aucli.registry import Registry

STAGES: Registry = Registry(
    "stage",
    modules=(
        "aucli.extract.stages.detect",
        "aucli.extract.stages.track",
        "aucli.extract.stages.align",
        "aucli.extract.stages.gaze",
        "aucli.extract.stages.au",
        "aucli.extract.stages.flow",
        "aucli.extract.stages.au_model",
    ),
)
