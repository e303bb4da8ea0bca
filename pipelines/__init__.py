"""Recipes (``extract-au.toml``, ``me-features.toml``) and training presets
(``train-<method>-<dataset>.toml``), installed as the package data ``aucli.pipelines``."""
