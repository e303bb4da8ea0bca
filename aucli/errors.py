"""Errors a user can act on. The CLI prints their message as one line, never a traceback."""


class AucliError(Exception):
    """Base class: bad input, missing model file, unreadable dataset layout."""


class InputError(AucliError):
    """An input (video, image, dataset root) that cannot be used; the message names it."""


class ModelNotFoundError(AucliError):
    """A model file is missing; the message says how to install it."""


class SettingsError(AucliError, ValueError):
    """A recipe, ``--set`` override or keyword setting that does not fit the config schema."""
