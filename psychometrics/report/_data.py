"""What a report reads: the run record, its responses, its inventories and its scores, loaded once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from psychometrics.inventory import Inventory
    from psychometrics.score import AuditScores
    from psychometrics.store import Run


@dataclass
class RunData:
    """One run, everything the report needs about it."""

    run: "Run"
    frame: "pd.DataFrame"
    """The responses (:meth:`Store.responses_frame`)."""
    inventories: dict[str, "Inventory"]
    """Inventory id → inventory, for every inventory of the design and of the responses that could be loaded."""
    missing_inventories: dict[str, str]
    """Inventory id (or path) → why it could not be loaded."""
    scores: "AuditScores"


def load_inventories(run: "Run", frame: "pd.DataFrame") -> tuple[dict[str, "Inventory"], dict[str, str]]:
    """Load the design's inventories (ids or paths) and any other inventory id found in the responses.

    Returns the loaded inventories by id, and what could not be loaded with why: a design entry (id or path)
    that fails to load, or an inventory id in the responses that no loaded file provides.
    """
    from psychometrics.inventory import load_inventory

    found: dict[str, Inventory] = {}
    missing: dict[str, str] = {}
    for name in dict.fromkeys(run.design.inventories):
        try:
            inv = load_inventory(name)
        except Exception as exc:  # noqa: BLE001 - a report explains what it cannot read instead of failing
            missing[name] = " ".join(str(exc).split()) or type(exc).__name__
            continue
        found[inv.id] = inv
    counts = frame["inventory"].astype(str).value_counts() if len(frame) else {}
    for inv_id in dict.fromkeys(frame["inventory"].astype(str)):
        if inv_id in found:
            continue
        try:
            found[inv_id] = load_inventory(inv_id)
        except Exception:  # noqa: BLE001 - as above
            missing[inv_id] = (f"{int(counts[inv_id]):,} stored responses name this inventory, but no inventory "
                               "file for it could be loaded")
    return found, missing


def load_run_data(run_id: str, *, db: str | None = None, scores: "AuditScores | None" = None,
                  n_boot: int = 1000, seed: int | None = 0) -> RunData:
    """Read the run and its responses from the store and score them (unless ``scores`` is given).

    Raises
    ------
    LookupError
        No run with that id.
    """
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        run = store.get_run(run_id)
        frame = store.responses_frame(run_id)
    inventories, missing = load_inventories(run, frame)
    if scores is None:
        from psychometrics.score import score as score_run

        usable = frame[frame["inventory"].astype(str).isin(inventories)] if missing else frame
        scores = score_run(usable, inventories, n_boot=n_boot, seed=seed)
    return RunData(run=run, frame=frame, inventories=inventories, missing_inventories=missing, scores=scores)
