"""Runs for the report tests: the shared sim runs (``runs``, in ``tests/conftest.py``) and a hand-made normed run."""

from __future__ import annotations

import random
import time

import pytest

from psychometrics.plan import Design
from psychometrics.store import Run, Store
from tests.support.sim_runs import PAYLOAD, Runs  # noqa: F401 - the report tests import them from here

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
