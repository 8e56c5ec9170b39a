"""Find and load instrument files."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from psychometrics._paths import data_dir
from psychometrics._yamlfile import DataFileError, FileProblem, validate_file
from psychometrics.inventory._model import Inventory


class UnknownInventoryError(LookupError):
    """No shipped inventory has that id and no file has that path."""


def inventory_dir() -> Path:
    return data_dir("inventories")


def _shipped_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(inventory_dir().glob("*.yaml"))}


@lru_cache(maxsize=None)
def _load_path(path: Path, mtime_ns: int) -> Inventory:
    inv = validate_file(Inventory, path)
    return inv


def load_inventory(id_or_path: str | Path) -> Inventory:
    """Load a shipped inventory by id (``bfi44``) or any inventory file by path.

    Raises
    ------
    UnknownInventoryError
        Neither a shipped id nor an existing file.
    DataFileError
        The file is malformed; its message has one ``file:line: problem`` line per problem.
    """
    text = str(id_or_path)
    shipped = _shipped_files()
    if text in shipped:
        path = shipped[text]
    else:
        path = Path(text)
        if not path.is_file():
            known = ", ".join(shipped) or "none"
            raise UnknownInventoryError(f"unknown inventory {text!r} (shipped: {known}; or give a path to a YAML file)")
    path = path.resolve()
    inv = _load_path(path, path.stat().st_mtime_ns)
    if text in shipped and inv.id != text:
        raise DataFileError([FileProblem(file=str(path), line=None, field="id",
                                         message=f"id {inv.id!r} does not match the file name {text!r}")])
    return inv


def list_inventories() -> list[Inventory]:
    """All shipped inventories, sorted by id."""
    return [load_inventory(name) for name in _shipped_files()]
