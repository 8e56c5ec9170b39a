"""psychometrics: validated personality inventories for large language models, with honest statistics.

The package reads as a pipeline: ``inventory`` → ``plan`` → ``administer`` → ``score`` → ``report``, with the
statistics in ``stats`` and a thin command line in ``cli``. Heavy libraries load only when used: the names below
are imported from their stage at first access (``dir(psychometrics)`` lists them all). ``score`` and ``shape`` are
the stages' own names: ``psychometrics.score.score``, ``psychometrics.shape.shape`` (or ``AuditResult.score()``).

>>> import psychometrics
>>> result = psychometrics.audit("sim/steady", ["bfi44"], db="sqlite:///runs.db")  # doctest: +SKIP
>>> result.score().to_frame()  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    # inventory
    "list_inventories": "psychometrics.inventory",
    "load_inventory": "psychometrics.inventory",
    "score_scales": "psychometrics.inventory",
    "Inventory": "psychometrics.inventory",
    "DataFileError": "psychometrics._yamlfile",
    # plan
    "build_plan": "psychometrics.plan",
    "Design": "psychometrics.plan",
    "Plan": "psychometrics.plan",
    # administer
    "audit": "psychometrics.administer",
    "audit_models": "psychometrics.administer",
    "ModelAudits": "psychometrics.administer",
    "AuditsInterrupted": "psychometrics.administer",
    "AuditResult": "psychometrics.administer",
    "interview": "psychometrics.administer",
    "InterviewResult": "psychometrics.administer",
    "AuditError": "psychometrics.administer",
    "EndpointError": "psychometrics.administer",
    # store
    "Store": "psychometrics.store",
    "Run": "psychometrics.store",
    # score
    "compare_runs": "psychometrics.score",
    "run_matrix": "psychometrics.score",
    "RunMatrix": "psychometrics.score",
    "AuditScores": "psychometrics.score",
    "Comparison": "psychometrics.score",
    # report
    "write_audit_report": "psychometrics.report",
    "write_comparison_report": "psychometrics.report",
    "write_matrix_report": "psychometrics.report",
    # shape
    "shaping_result": "psychometrics.shape",
    "ShapingResult": "psychometrics.shape",
    "write_shaping_report": "psychometrics.shape",
    # schedule
    "run_schedule": "psychometrics.schedule",
    "load_schedule_plan": "psychometrics.schedule",
}
"""Public name → the stage that defines it (imported at first access)."""

_SUBPACKAGES = ("inventory", "plan", "administer", "store", "score", "report", "stats", "shape", "schedule", "cli")

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        if name in _SUBPACKAGES:
            return importlib.import_module(f"psychometrics.{name}")
        raise AttributeError(f"module 'psychometrics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    dunders = (n for n in globals() if n.startswith("__"))
    return sorted({*dunders, *__all__, *_SUBPACKAGES})
