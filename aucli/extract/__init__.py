"""The extract wing (also callable: ``aucli.extract(path, out=None, **settings)`` runs
:func:`aucli.api.extract`, which returns the rows as a DataFrame).

The extract wing: video/photo in, one Parquet row per frame and face out.

Data enters as file paths (``batch.run_batch``) or decoded frames (``video``), flows through the
stages in ``stages/`` (detect -> track -> align -> au -> flow/au-model) and leaves as Parquet
files plus a manifest (``parquet``); ``prepare`` runs the same stages over a benchmark's frames.
"""
