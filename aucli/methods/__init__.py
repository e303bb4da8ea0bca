"""Trainable AU and micro-expression methods; one module each."""

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
