"""Pipeline stages: thin streaming wrappers over aucli.ops.

The contract (docling-style): a stage is built from its frozen config and called on an iterable
of :class:`~aucli.stages.base.FrameItem`; it yields the same items, enriched. A pipeline is
``for stage in stages: items = stage(items)``.
"""

from aucli.registry import Registry

STAGES: Registry = Registry(
    "stage",
    modules=(
        "aucli.stages.detect",
        "aucli.stages.track",
        "aucli.stages.align",
        "aucli.stages.au",
        "aucli.stages.flow",
        "aucli.stages.au_model",
    ),
)
