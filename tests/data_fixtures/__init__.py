"""Builders that write small copies of each benchmark's real on-disk layout into a folder.

Every builder takes the root to fill plus size knobs (subjects, frames, ``image_size``) and an
optional ``image_fn(subject, frame, labels) -> RGB uint8 array`` so a test can draw
label-dependent images; it returns a dict describing what it wrote (expected labels etc.).
``BUILDERS`` maps each registered dataset name to ``(builder, loader options)``.
"""

from tests.data_fixtures.au import make_affwild2, make_disfa, make_gft
from tests.data_fixtures.bp4d import make_bp4d, make_bp4dplus, make_prepared
from tests.data_fixtures.expression import make_affectnet, make_ckplus, make_rafau, make_rafdb
from tests.data_fixtures.me import (casme2_rows, make_casme2, make_casme3, make_megc2019,
                                    make_samm, make_smic)

from tests.data_fixtures import synthetic, synthetic_me

BUILDERS = {
    "bp4d": (make_bp4d, {}),
    "bp4d+": (make_bp4dplus, {}),
    "disfa": (make_disfa, {}),
    "gft": (make_gft, {}),
    "affwild2": (make_affwild2, {}),
    "casme2": (make_casme2, {}),
    "samm": (make_samm, {}),
    "smic": (make_smic, {"modality": "HS"}),
    "megc2019": (make_megc2019, {"sample_list": "megc_list.csv"}),
    "casme3": (make_casme3, {}),
    "ck+": (make_ckplus, {}),
    "rafdb": (make_rafdb, {}),
    "rafau": (make_rafau, {}),
    "affectnet": (make_affectnet, {}),
    "synthetic-au": (synthetic.make, {}),
    "synthetic-fe": (synthetic.make_fe, {}),
    "synthetic-me": (synthetic_me.make, {}),
    "synthetic-macro": (synthetic_me.make_macro, {}),
    "prepared": (make_prepared, {}),
}

__all__ = ["BUILDERS", "casme2_rows", "make_affectnet", "make_affwild2", "make_bp4d",
           "make_bp4dplus", "make_casme2", "make_casme3", "make_ckplus", "make_disfa", "make_gft",
           "make_megc2019",
           "make_rafau", "make_rafdb", "make_samm", "make_smic"]
