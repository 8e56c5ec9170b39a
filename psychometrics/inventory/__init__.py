"""Stage 1 of the pipeline: instruments as validated data, and scoring of their scales."""

import importlib

from psychometrics._yamlfile import DataFileError, FileProblem
from psychometrics.inventory._load import UnknownInventoryError, inventory_dir, list_inventories, load_inventory
from psychometrics.inventory._model import (
    BipolarItem,
    Inventory,
    Item,
    Kind,
    Letters,
    LikertItem,
    Norms,
    Relation,
    ResponseOption,
    Scale,
    ScenarioItem,
    ScenarioOption,
    Scoring,
)

__all__ = [
    "BipolarItem", "DataFileError", "FileProblem", "Inventory", "Item", "Kind", "Letters", "LikertItem", "Norms",
    "Relation", "ResponseOption", "Scale", "ScenarioItem", "ScenarioOption", "Scoring", "UnknownInventoryError",
    "import_trait", "inventory_dir", "keyed_values", "list_inventories", "load_inventory", "score_scales",
    "type_codes", "with_item_columns", "write_inventory_yaml",
]

_LAZY = {
    # scoring needs pandas; keep `import psychometrics.inventory` light for the CLI
    "keyed_values": "psychometrics.inventory._score",
    "score_scales": "psychometrics.inventory._score",
    "type_codes": "psychometrics.inventory._score",
    "with_item_columns": "psychometrics.inventory._score",
    # the TRAIT converter is used by one command only
    "import_trait": "psychometrics.inventory._trait_import",
    "write_inventory_yaml": "psychometrics.inventory._trait_import",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(importlib.import_module(module), name)
