"""Benchmark dataset loaders (one module each) and protocols as data."""

from aucli.registry import Registry

DATASETS: Registry = Registry("dataset", modules=("aucli.data.synthetic", "aucli.data.synthetic_me"))
