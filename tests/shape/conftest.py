"""Shaping tests: a fast in-process stand-in for a stored sim run (no litellm, no database)."""

from __future__ import annotations

import pandas as pd
import pytest

from psychometrics.administer.providers._sim import label_probabilities, parse_model
from psychometrics.plan import build_plan
from psychometrics.shape import shaping_personas


def sim_frame(model: str, inventory: str = "bfi44", *, traits=("extraversion",), levels=9, personas=None,
              templates=("instruct",), orders=("original", "reversed"), limit_items=None) -> pd.DataFrame:
    """The responses frame a log-prob-mode audit of ``model`` would store, computed in-process.

    Each answer is the most likely label under the sim's label probabilities (what the runner stores as
    ``value`` in log-prob mode), with ``expected_value`` the probability-weighted value.
    """
    params = parse_model(model)
    ids = shaping_personas(list(traits), levels, personas)
    plan = build_plan(model=model, inventories=[inventory], templates=list(templates), orders=list(orders),
                      personas=ids, limit_items=limit_items)
    rows = []
    for cell in plan.cells:
        meta = cell.model_dump(mode="json", exclude={"prompt"})
        probs = label_probabilities(params, meta)
        j = max(range(len(probs)), key=probs.__getitem__)
        rows.append({
            "cell_id": cell.cell_id, "inventory": cell.inventory, "item": cell.item, "scale": cell.scale,
            "template": cell.template, "order": cell.order, "sample": cell.sample, "persona": cell.persona,
            "status": "ok", "value": cell.label_values[j],
            "expected_value": sum(v * p for v, p in zip(cell.label_values, probs)),
        })
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def bfi():
    from psychometrics.inventory import load_inventory

    return load_inventory("bfi44")
