"""Verdicts that cannot mislead (issue 14): interpretability from response styles, MTMM within option orders, robust
only by equivalence, effective n, negative α named — on simulated respondents whose truth is known."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from psychometrics.administer import audit
from psychometrics.cli import app
from psychometrics.inventory import load_inventory
from psychometrics.score import score, score_responses
from psychometrics.store import Store

N_BOOT = 0


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('interp') / 'runs.db'}"


def _scores(db: str, model: str, inventories: list[str], **design):
    run = audit(model, inventories, db=db, **design).run
    return run.run_id, score(run.run_id, db=db, n_boot=N_BOOT)


@pytest.fixture(scope="module")
def biased(db):
    """sim/biased on BFI-44 + IPIP-50, every template, original + reversed."""
    return _scores(db, "sim/biased", ["bfi44", "ipip50"], orders=["original", "reversed"], samples=2)


@pytest.fixture(scope="module")
def steady(db):
    """Content responders with planted extraversion (high) and neuroticism (low), both inventories."""
    return _scores(db, "sim/steady?extraversion=1.5&neuroticism=-1.5", ["bfi44", "ipip50"],
                   orders=["original", "reversed"], samples=6)


def test_a_first_option_responder_gets_no_readable_scale_and_no_mtmm_pass(biased):
    _, s = biased
    assert len(s.scales) == 10
    for sc in s.scales:
        assert sc.interpretable is False, sc.scale
        assert any("option position" in r for r in sc.interpretability_reasons), sc.interpretability_reasons
    rows = [r for pair in s.validity.mtmm for r in pair.rows]
    assert len(rows) == 5 and all(r.verdict != "pass" for r in rows)
    assert all(r.verdict == "not assessable" and "cannot be read" in r.verdict_reason for r in rows)
    assert s.readability().startswith("0 of 10 scale scores can be read as traits")
    # reliability names the position, not "a duplicated item?"
    for r in s.reliability:
        texts = [r.reason or "", *(e.reason or "" for e in (r.alpha, r.lambda6, r.omega, r.split_half)), *r.notes]
        assert not any("duplicated item?" in t for t in texts), texts
        assert any("option position" in t for t in r.notes)
    styles = {st.inventory: st for st in s.response_styles}
    assert styles["bfi44"].overall.positions.first.verdict == "flagged"
    assert set(styles["bfi44"].scales) == {sc.id for sc in load_inventory("bfi44").scales}


def test_score_json_carries_interpretability_and_response_styles(biased, db):
    run_id, _ = biased
    result = CliRunner().invoke(app, ["score", run_id, "--db", db, "--json", "--n-boot", "0"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    scales = data["scales"]
    assert all(sc["interpretable"] is False and sc["interpretability_reasons"] for sc in scales)
    styles = data["response_styles"]
    assert {st["inventory"] for st in styles} == {"bfi44", "ipip50"}
    first = styles[0]["overall"]["positions"]["first"]
    assert first["verdict"] == "flagged" and first["threshold_source"] and first["ci_low"] > first["threshold"]
    text = CliRunner().invoke(app, ["score", run_id, "--db", db, "--n-boot", "0"]).stdout
    assert text.splitlines()[0].startswith("0 of 10 scale scores can be read as traits")
    assert "unreadable" in text


def test_a_content_responder_is_readable_and_recovers_the_planted_traits(steady):
    _, s = steady
    assert all(sc.interpretable for sc in s.scales), [(sc.scale, sc.interpretability_reasons) for sc in s.scales]
    assert s.readability() == "10 of 10 scale scores can be read as traits"
    means = {(sc.inventory, sc.scale): sc for sc in s.scales}
    for inv in ("bfi44", "ipip50"):
        assert means[(inv, "extraversion")].ci_low > 3.5  # planted +1.5 SD
        assert means[(inv, "neuroticism")].ci_high < 2.5  # planted −1.5 SD
    # a content responder can pass MTMM: convergent within each order
    rows = [r for pair in s.validity.mtmm for r in pair.rows]
    assert rows and all(set(r.within_orders) == {"original", "reversed"} for r in rows)
    assert any(r.verdict == "pass" for r in rows)


def test_the_profile_chart_hatches_every_unreadable_scale(biased, db, tmp_path):
    from psychometrics.report import write_audit_report

    run_id, s = biased
    path = write_audit_report(run_id, db=db, out=tmp_path / "r.html", scores=s)
    page = path.read_text(encoding="utf-8")
    assert page.count('class="unreadable"') == 10 and page.count('class="dot unreadable"') == 10
    assert "0 of 10 scale scores can be read as traits" in page


def test_an_acquiescent_responder_is_flagged(db):
    _, s = _scores(db, "sim/acquiescent", ["bfi44"], orders=["original", "reversed"], samples=2)
    (st,) = s.response_styles
    assert st.overall.acquiescence.index.verdict == "flagged"
    unreadable = [sc for sc in s.scales if not sc.interpretable]
    assert unreadable and all(any("acquiescence" in r for r in sc.interpretability_reasons) for sc in unreadable)


def test_three_respondents_are_never_robust(db):
    _, s = _scores(db, "sim/steady", ["bfi44"], templates=["instruct"], orders=["original", "reversed"],
                   samples=2)
    assert s.run.n_respondents == 4
    assert not any(x.verdict == "robust" for x in s.sensitivity), [x.verdict for x in s.sensitivity]
    open_ = [x for x in s.sensitivity if x.verdict == "inconclusive"]
    for x in open_:
        assert x.order_decision is not None and x.order_decision.verdict == "inconclusive"
        assert math.isfinite(x.order_decision.detectable) and x.order_decision.detectable > 0.4


def test_robust_needs_the_interval_inside_the_bound():
    """Simulated truth: 80 respondents whose order and template effects are 0 are robust, each 90% interval
    inside ±0.4 (10% of the 1–5 range)."""
    inv = load_inventory("bfi44")
    rng = np.random.default_rng(3)
    rows = []
    for template in ("instruct", "qa"):
        for order in ("original", "reversed"):
            for sample in range(20):
                theta = rng.normal(0, 0.3)
                for it in inv.items:
                    sign = -1 if it.reverse else 1
                    v = float(np.clip(np.round(3 + sign * theta + rng.normal(0, 0.4)), 1, 5))
                    rows.append({"inventory": "bfi44", "item": it.id, "scale": it.scale, "template": template,
                                 "order": order, "sample": sample, "persona": None, "status": "ok", "value": v})
    s = score_responses(pd.DataFrame(rows), {"bfi44": inv}, n_boot=0)
    verdicts = {x.scale: x for x in s.sensitivity}
    assert all(x.verdict == "robust" for x in verdicts.values()), {k: x.verdict_reasons for k, x in verdicts.items()}
    for x in verdicts.values():
        d = x.order_decision
        assert d.verdict == "equivalent" and -0.4 < d.equivalence_ci_low and d.equivalence_ci_high < 0.4


def test_repeats_at_temperature_zero_count_once_and_warn(db):
    from psychometrics.administer import audit as run_audit

    res = run_audit("sim/biased", ["bfi44"], templates=["instruct"], orders=["original", "reversed"], samples=3,
                    mode="logprobs", db=db)
    s = score(res.run.run_id, db=db, n_boot=0)
    with Store(db) as store:
        frame = store.responses_frame(res.run.run_id)
    # independent count: distinct answer vectors per template × order
    wide = frame.pivot_table(index=["template", "order", "sample"], columns="item", values="value")
    distinct = wide.reset_index().drop(columns="sample").drop_duplicates().shape[0]
    assert s.run.n_respondents == 6 and s.run.n_effective == distinct
    assert any("temperature 0" in w for w in s.warnings)
    if distinct < 6:
        assert any(f"effective n = {distinct}" in w for w in s.warnings)
        assert max(sc.n for sc in s.scales) == distinct


def test_negative_alpha_names_the_unreversed_item():
    """An item left unreversed in the key: the keyed values of a content responder then contradict the key."""
    inv = load_inventory("bfi44")
    rng = np.random.default_rng(5)
    extraversion = [it for it in inv.items if it.scale == "extraversion"]
    wrong = next(it for it in extraversion if it.reverse)
    rows = []
    for sample in range(40):
        theta = rng.normal()
        for it in extraversion:
            # answers follow the true keying, but the frame is scored with `wrong` treated as forward-keyed
            sign = -1 if it.reverse else 1
            v = float(np.clip(np.round(3 + sign * 1.2 * theta + rng.normal(0, 0.3)), 1, 5))
            rows.append({"inventory": "bfi44", "item": it.id, "scale": it.scale, "template": "instruct",
                         "order": "original", "sample": sample, "persona": None, "status": "ok", "value": v})
    misread = inv.model_copy(update={"items": [it.model_copy(update={"reverse": False}) if it.id == wrong.id else it
                                               for it in inv.items]})
    s = score_responses(pd.DataFrame(rows), {"bfi44": misread}, n_boot=0)
    rel = next(r for r in s.reliability if r.scale == "extraversion")
    assert rel.items is not None and wrong.id in rel.items.negative
    assert any(repr(wrong.id) in n and "need reversing" in n for n in rel.notes), rel.notes
