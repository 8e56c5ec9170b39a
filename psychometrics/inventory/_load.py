"""Find and load instrument files."""

from __future__ import annotations

from pathlib import Path

from psychometrics._format import did_you_mean
from psychometrics._paths import data_dir
from psychometrics._yamlfile import load_shipped_or_path
from psychometrics.inventory._model import Inventory


class UnknownInventoryError(LookupError):
    """No shipped inventory has that id and no file has that path."""


def inventory_dir() -> Path:
    return data_dir("inventories")


def shipped_files() -> dict[str, Path]:
    """The shipped inventory files by id (file name without ``.yaml``)."""
    return {p.stem: p for p in sorted(inventory_dir().glob("*.yaml"), key=lambda p: p.stem)}  # ipip50 before ipip50-de


def load_inventory(id_or_path: str | Path) -> Inventory:
    """Load a shipped inventory by id (``bfi44``) or any inventory file by path.

    Raises
    ------
    UnknownInventoryError
        Neither a shipped id nor an existing file.
    DataFileError
        The file is malformed; its message has one ``file:line: problem`` line per problem.
    """
    shipped = shipped_files()

    def unknown(text: str) -> UnknownInventoryError:
        if text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:  # meant as a file
            return UnknownInventoryError(f"{text}: file not found")
        known = ", ".join(shipped) or "none"
        return UnknownInventoryError(f"unknown inventory {text!r}{did_you_mean(text, shipped)} (shipped: {known}; "
                                     "or give a path to a YAML file)")

    return load_shipped_or_path(Inventory, id_or_path, shipped, unknown=unknown)


def list_inventories() -> list[Inventory]:
    """All shipped inventories, sorted by id."""
    return [load_inventory(name) for name in shipped_files()]
