"""Runs for the report tests, made once per session with the ``sim/…`` provider (no network, no weights)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import pytest

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
        run.model = f"sim/steady {PAYLOAD}"
        store.save_run(run)


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> Runs:
    db = f"sqlite:///{tmp_path_factory.mktemp('report') / 'runs.db'}"
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


NORMED_YAML = """\
version: 1
id: normed
name: Normed mini inventory (test fixture)
kind: likert
citation: Written for the psychometrics test suite.
license: CC0 — written for these tests; copy freely.
instructions: Rate each statement.
scoring: mean
response_options:
  - {value: 1, label: Disagree strongly}
  - {value: 2, label: Disagree a little}
  - {value: 3, label: Neither agree nor disagree}
  - {value: 4, label: Agree a little}
  - {value: 5, label: Agree strongly}
scales:
  - {id: extraversion, name: Extraversion, trait: extraversion,
     norms: {mean: 3.25, sd: 0.9, n: 6076, source: "Invented test norms <b>not real</b>"}}
  - {id: agreeableness, name: Agreeableness, trait: agreeableness}
items:
  - {id: e1, text: Is talkative, scale: extraversion}
  - {id: e2, text: Is reserved, scale: extraversion, reverse: true}
  - {id: e3, text: Is full of energy, scale: extraversion}
  - {id: a1, text: Tends to find fault with others, scale: agreeableness, reverse: true}
  - {id: a2, text: Is helpful and unselfish with others, scale: agreeableness}
"""


def make_normed_run(folder) -> tuple[str, str]:
    """A run of an inventory file with human norms in ``folder``, its answers stored directly (deterministic
    values; the ``sim/…`` provider loads inventories by shipped id, so it cannot answer a file)."""
    from psychometrics.administer import Response
    from psychometrics.plan import build_plan

    path = folder / "normed.yaml"
    path.write_text(NORMED_YAML, encoding="utf-8")
    db = f"sqlite:///{folder / 'runs.db'}"
    plan = build_plan(model="hand/made", inventories=[str(path)], templates=["instruct", "qa"],
                      orders=["original", "reversed"], samples=5)
    run = Run(run_id="normed-run", model="hand/made", created_at=time.time(), n_cells=len(plan.cells),
              design=Design(inventories=[str(path)], templates=["instruct", "qa"], orders=["original", "reversed"],
                            samples=5), status="finished", mode_used="generate")
    responses = []
    for cell in plan.cells:
        value = random.Random(cell.cell_id).randint(1, 5)
        responses.append(Response(cell_id=cell.cell_id, run_id=run.run_id, model=run.model, inventory=cell.inventory,
                                  item=cell.item, scale=cell.scale, template=cell.template, order=cell.order,
                                  sample=cell.sample, prompt=cell.prompt, mode="generate", status="ok",
                                  raw_text=str(value), value=value, created_at=time.time()))
    with Store(db) as store:
        store.save_run(run)
        store.set_run_cells(run.run_id, [c.cell_id for c in plan.cells])
        store.save_responses(responses)
    return db, run.run_id


@pytest.fixture(scope="session")
def normed_run(tmp_path_factory) -> tuple[str, str]:
    """A run of an inventory file with human norms (see :func:`make_normed_run`)."""
    return make_normed_run(tmp_path_factory.mktemp("normed"))
