"""Trainable AU and micro-expression methods (one module each), their checkpoint format, the
image->tensor inputs they share with inference, and the device they run on.

Data enters as batches of tensors (``base.Method``) and leaves as losses (training) or per-AU /
per-class probabilities (``predict``); engine/ trains them, the ``au-model`` stage runs them.
"""

from aucli.registry import Registry

METHODS: Registry = Registry(
    "method",
    modules=(
        "aucli.methods.baseline_au",
        "aucli.methods.marl",
        "aucli.methods.marl_t",
        "aucli.methods.aunce",
        "aucli.methods.mal",
        "aucli.methods.baseline_me",
        "aucli.methods.mmmst",
        "aucli.methods.lightman",
    ),
)
