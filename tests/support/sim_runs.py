"""Stored sim runs shared by the report tests and the comparison tests (made once per session, see
``tests/conftest.py``)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from psychometrics.administer import audit
from psychometrics.plan import Design
from psychometrics.store import Run, Store

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(1)>"
"""Model text that would run script if the page did not escape it."""


@dataclass
class Runs:
    db: str
    full: str
    """bfi44 + trait-scenarios + oejts, every template, original and reversed order, 2 samples."""
    changed: str
    """The same design as ``full`` with extraversion moved down: a comparison should find it."""
    one_template: str
    """sd3 under one template and one order."""
    refusals: str
    """bfi44 (5 items), every reply a refusal."""
    injected: str
    """sd3 (6 items) in generate mode with :data:`PAYLOAD` stored as replies and in the model name."""
    empty: str
    """A run record without any stored response."""


def _inject(db: str, run_id: str) -> None:
    with Store(db) as store:
        responses = list(store.iter_responses(run_id))
        for i, r in enumerate(responses[:4]):
            if i % 2 == 0:
                update = {"status": "invalid", "value": None, "raw_text": PAYLOAD, "error": f"no option in {PAYLOAD}"}
            else:
                update = {"raw_text": f"{PAYLOAD} {r.raw_text}"}
            store.save_response(r.model_copy(update=update))
        run = store.get_run(run_id)
        store.save_run(run.model_copy(update={"model": f"sim/steady {PAYLOAD}"}))  # records are frozen


def make_runs(db: str) -> Runs:
    """Store the runs in ``db`` (sim respondents: seconds, no network)."""
    invs = ["bfi44", "trait-scenarios", "oejts"]
    full = audit("sim/default?extraversion=1", invs, orders=["original", "reversed"], samples=2, db=db).run.run_id
    changed = audit("sim/default?extraversion=-1", invs, orders=["original", "reversed"], samples=2,
                    db=db).run.run_id
    one = audit("sim/steady", ["sd3"], templates=["instruct"], orders=["original"], samples=3, db=db).run.run_id
    refusals = audit("sim/refuser?refusal=1", ["bfi44"], templates=["instruct", "qa"], orders=["original"],
                     samples=2, limit_items=5, mode="generate", db=db).run.run_id
    injected = audit("sim/steady", ["sd3"], templates=["instruct"], orders=["original", "reversed"], samples=2,
                     limit_items=6, mode="generate", db=db).run.run_id
    _inject(db, injected)
    with Store(db) as store:
        store.save_run(Run(run_id="empty-run", model="sim/default",
                           design=Design(inventories=["bfi44"], templates=["all"], orders=["original"], samples=1),
                           created_at=time.time()))
    return Runs(db=db, full=full, changed=changed, one_template=one, refusals=refusals, injected=injected,
                empty="empty-run")
