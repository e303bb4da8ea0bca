"""aucli: face videos to per-frame Action Unit and micro-expression data, offline."""

__version__ = "0.1.0"
