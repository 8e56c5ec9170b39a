"""Stage 1 of the pipeline: instruments as validated data, and scoring of their scales."""

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
    ResponseOption,
    Scale,
    ScenarioItem,
    ScenarioOption,
    Scoring,
)

__all__ = [
    "BipolarItem", "DataFileError", "FileProblem", "Inventory", "Item", "Kind", "Letters", "LikertItem", "Norms",
    "ResponseOption", "Scale", "ScenarioItem", "ScenarioOption", "Scoring", "UnknownInventoryError",
    "inventory_dir", "list_inventories", "load_inventory", "score_scales",
]


def __getattr__(name: str):  # scoring needs pandas; keep `import psychometrics.inventory` light for the CLI
    if name == "score_scales":
        from psychometrics.inventory._score import score_scales

        return score_scales
    raise AttributeError(name)
