"""Audits end to end through litellm against the simulated-respondent provider."""

from __future__ import annotations

import pytest

from psychometrics.administer import audit
from psychometrics.score import respondent_scores, scale_summary
from psychometrics.store import Store
from tests.support.no_answer import audit_without_answers


def _frame(db, run_id):
    with Store(db, create=False) as store:
        return store.responses_frame(run_id)


def test_planted_trait_is_recovered(db):
    result = audit("sim/steady?extraversion=2&neuroticism=-2", ["bfi44"], templates="all",
                   orders=["original", "reversed"], samples=3, db=db)
    frame = _frame(db, result.run.run_id)
    assert len(frame) == 44 * 3 * 2 * 3 and frame["cell_id"].is_unique
    assert (frame["status"] == "ok").all()
    means = scale_summary(respondent_scores(frame)).set_index("scale")["mean"]
    assert means["extraversion"] > 4.0
    assert means["neuroticism"] < 2.0
    for neutral in ("agreeableness", "conscientiousness", "openness"):
        assert 2.3 < means[neutral] < 3.7


def test_scores_do_not_depend_on_option_order_for_an_unbiased_sim(db):
    result = audit("sim/steady?agreeableness=1.5&spread=0.2", ["bfi44"], templates=["instruct", "qa"],
                   orders=["original", "reversed", "rotated"], samples=3, db=db, mode="generate")
    scores = respondent_scores(_frame(db, result.run.run_id))
    by_order = scores[scores["scale"] == "agreeableness"].groupby(
        scores["order"].where(scores["order"].isin(["original", "reversed"]), "rotated"))["score"].mean()
    assert by_order.max() - by_order.min() < 0.5
    assert by_order.min() > 3.6


def test_first_option_bias_moves_scores_with_order(db):
    result = audit("sim/biased", ["bfi44"], orders=["original", "reversed"], templates=["instruct"], samples=2,
                   db=db)
    scores = respondent_scores(_frame(db, result.run.run_id))
    # The first shown option is value 1 in the original order and value 5 in the reversed one: keyed scores
    # move in opposite directions for forward and reverse items, so compare raw answers instead.
    frame = _frame(db, result.run.run_id)
    raw = frame.groupby("order")["value"].mean()
    assert raw["reversed"] - raw["original"] > 2.0
    assert len(scores) > 0


def test_refusals_are_stored_as_refused(db):
    result = audit("sim/refuser", ["sd3"], templates=["instruct"], orders=["original"], samples=4, db=db,
                   mode="generate")
    frame = _frame(db, result.run.run_id)
    share = (frame["status"] == "refused").mean()
    assert 0.3 < share < 0.7
    assert frame.loc[frame["status"] == "refused", "value"].isna().all()


@pytest.mark.parametrize("inventory", ["oejts", "trait-scenarios"])
def test_every_order_maps_back(db, inventory):
    """A sim with a strong trait answers by meaning; if mapping back failed, orders would disagree."""
    traits = "openness conscientiousness extraversion agreeableness neuroticism machiavellianism narcissism psychopathy"
    levels = "&".join(f"{t}=3" for t in ["IE", "SN", "FT", "JP", *traits.split()])
    result = audit(f"sim/steady?{levels}&spread=0.01&noise=0.01", [inventory],
                   orders=["all"], templates=["instruct"], db=db, limit_items=8 if inventory == "oejts" else None)
    frame = _frame(db, result.run.run_id)
    assert (frame["status"] == "ok").all()
    per_cell = frame.groupby(["item", "order"])["value"].first().unstack()
    assert (per_cell.nunique(axis=1) == 1).all(), per_cell[per_cell.nunique(axis=1) > 1]


def test_an_inventory_file_given_by_path_is_answered(db, tmp_path):
    from psychometrics.inventory import inventory_dir

    path = tmp_path / "my-sd3.yaml"
    path.write_text((inventory_dir() / "sd3.yaml").read_text().replace("id: sd3", "id: my-sd3", 1))
    result = audit("sim/steady", [str(path)], templates=["instruct"], orders=["original"], db=db)
    assert result.run.counts == {"ok": 27}


@pytest.mark.parametrize("outside,status", [(0.2, "ok"), (0.8, "invalid")])
def test_log_prob_answers_with_most_mass_outside_the_labels_are_not_counted(db, outside, status):
    args = (f"sim/steady?outside={outside}", ["sd3"])
    design = dict(templates=["instruct"], orders=["original"], mode="logprobs")
    if status == "invalid":  # no cell holds an answer: the audit says so (exit 1) and keeps the replies
        run_id = audit_without_answers(*args, db=db, **design).run.run_id
    else:
        run_id = audit(*args, db=db, **design).run.run_id
    frame = _frame(db, run_id)
    assert (frame["status"] == status).all()
    assert frame["mass_outside"].between(outside - 0.05, outside + 0.05).all()
    assert frame["option_probs"].notna().all()


def test_responses_frame_reads_only_the_columns_asked_for(db):
    result = audit("sim/steady", ["bfi44"], templates=["qa"], orders=["original"], db=db)
    full = _frame(db, result.run.run_id)
    with Store(db, create=False) as store:
        few = store.responses_frame(result.run.run_id, columns=["item", "value", "item"])
        with pytest.raises(ValueError, match="unknown response column"):
            store.responses_frame(result.run.run_id, columns=["item", "prompt; DROP TABLE responses"])
    assert list(few.columns) == ["item", "value"]
    assert few.equals(full[["item", "value"]])
