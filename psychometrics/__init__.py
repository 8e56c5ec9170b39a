"""psychometrics: validated personality inventories for large language models, with honest statistics.

The package reads as a pipeline: ``inventory`` → ``plan`` → ``administer`` → ``score`` → ``report``, with the
statistics in ``stats`` and a thin command line in ``cli``. Heavy libraries load only when used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "list_inventories": "psychometrics.inventory",
    "load_inventory": "psychometrics.inventory",
    "score_scales": "psychometrics.inventory",
    "Inventory": "psychometrics.inventory",
    "DataFileError": "psychometrics._yamlfile",
    "AuditScores": "psychometrics.score",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'psychometrics' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
