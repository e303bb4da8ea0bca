"""The training wing: one generic trainer, run folders, evaluation and export.

Data enters as dataset loaders plus a method name and a run config, and leaves as a run folder
(``config.toml``, ``log.csv``, checkpoints, ``metrics.json``, ``predictions.parquet``) or an ONNX file.
"""
