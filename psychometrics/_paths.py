"""Where the shipped data folders are, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the shipped folder ``name`` (``inventories`` or ``templates``).

    A wheel carries the folders inside the package; an editable install or a source checkout has them at the
    top level of the repository, next to the package.
    """
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the data folder {name!r} is missing from the installation ({_PACKAGE})")
