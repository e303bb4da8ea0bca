"""Benchmark dataset loaders (one module each) and protocols as data.

``DATASETS.get(name)(root, **options)`` gives a loader; see :mod:`aucli.data.base` for the
contract and :mod:`aucli.data.splits` for the published folds.
"""

from aucli.registry import Registry

DATASETS: Registry = Registry(
    "dataset",
    modules=(
        "aucli.data.bp4d",
        "aucli.data.bp4dplus",
        "aucli.data.disfa",
        "aucli.data.gft",
        "aucli.data.affwild2",
        "aucli.data.casme2",
        "aucli.data.samm",
        "aucli.data.smic",
        "aucli.data.megc2019",
        "aucli.data.casme3",
        "aucli.data.ckplus",
        "aucli.data.rafdb",
        "aucli.data.rafau",
        "aucli.data.affectnet",
        "aucli.data.prepared",
    ),
)
