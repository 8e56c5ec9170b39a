"""The ``sim/`` respondent answers the shipped parallel forms, and answers each form's item as its original item."""

from __future__ import annotations

import pytest

from psychometrics.administer import audit
from psychometrics.administer.providers._sim import parse_model, value_probabilities
from psychometrics.inventory import load_inventory
from psychometrics.plan import build_plan
from psychometrics.score import respondent_scores
from psychometrics.store import Store

PAIRS = [("ipip50", "ipip50-paraphrase"), ("ipip50", "ipip50-de"), ("trait-scenarios", "trait-scenarios-paraphrase")]


def _cells(inventory: str) -> dict[tuple, dict]:
    cells = build_plan(model="sim/test", inventories=[inventory], templates=["instruct"], orders=["original"],
                       samples=3).cells
    return {(c.sample, c.item): c.model_dump(mode="json") for c in cells}


@pytest.mark.parametrize(("original", "form"), PAIRS)
def test_without_answer_jitter_a_form_item_is_answered_exactly_as_its_original(original, form):
    params = parse_model("sim/default?extraversion=1&neuroticism=-1&noise=0")
    mapping = load_inventory(form).parallel_items()
    theirs, mine = _cells(original), _cells(form)
    assert len(mine) == len(theirs)
    for (sample, item), cell in mine.items():
        expected = value_probabilities(params, theirs[(sample, mapping[item])])
        assert value_probabilities(params, cell) == pytest.approx(expected, abs=1e-12), (form, item)


def test_with_answer_jitter_the_forms_still_differ_answer_by_answer():
    # the jitter is drawn per form, so the forms are parallel, not copies of each other
    params = parse_model("sim/default")
    theirs, mine = _cells("ipip50"), _cells("ipip50-paraphrase")
    differ = sum(value_probabilities(params, cell) != value_probabilities(params, theirs[key])
                 for key, cell in mine.items())
    assert differ == len(mine)


def test_an_audit_of_the_forms_recovers_the_planted_trait_on_every_form(db):
    forms = ["ipip50", "ipip50-paraphrase", "ipip50-de", "trait-scenarios", "trait-scenarios-paraphrase"]
    result = audit("sim/steady?extraversion=1.5&spread=1", forms, templates=["instruct"], orders=["original"],
                   samples=10, limit_items=25, db=db)
    with Store(db, create=False) as store:
        frame = store.responses_frame(result.run.run_id)
    assert (frame["status"] == "ok").all() and len(frame) == 10 * 25 * len(forms)
    scores = respondent_scores(frame)
    wide = scores.pivot_table(index=["respondent", "scale"], columns="inventory", values="score")
    extraversion = wide.xs("extraversion", level="scale")
    # the planted level shows on every form: above the midpoint of 1-5 and of 0-100
    assert (extraversion[["ipip50", "ipip50-paraphrase", "ipip50-de"]].mean() > 3.8).all()
    assert (extraversion[["trait-scenarios", "trait-scenarios-paraphrase"]].mean() > 70).all()
    # respondents differ (spread 1) and each form ranks them as its original does: for IPIP within each scale
    # (5 items each), for the scenarios (3-4 items per trait, coarse percentages) over all traits together
    for original, form in PAIRS:
        pair = wide[[original, form]].dropna()
        groups = pair.groupby(level="scale") if original == "ipip50" else [("all", pair)]
        for scale, part in groups:
            assert len(part) == 10 * (1 if original == "ipip50" else 8)
            r = part[original].corr(part[form])
            assert r > 0.85, (original, form, scale, r)
