"""A plan end to end against the simulated-respondent provider: drift found (exit 3) or not (exit 0)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from psychometrics.cli import app
from psychometrics.schedule import ScheduleSummary, load_schedule_plan, run_schedule

SMALL = "design: {templates: [instruct, qa], orders: [original, reversed], samples: 2, limit_items: 10}"


def _plan(write_plan, *models: str) -> str:
    listed = "\n".join(f"  - \"{m}\"" for m in models)
    return write_plan(f"""\
name: sim-plan
db: sqlite:///audits.db
inventories: [bfi44]
{SMALL}
models:
{listed}
""")


def _run(plan, out, *args: str):
    result = CliRunner().invoke(app, ["schedule", str(plan), "--out", str(out), *args])
    summary = ScheduleSummary.from_json((out / "summary.json").read_text(encoding="utf-8"))
    return result, summary


def test_a_planted_trait_is_drift_and_a_rerun_asks_nothing(tmp_path, write_plan):
    plan = _plan(write_plan, "sim/steady?extraversion=0", "sim/steady?extraversion=2")
    out = tmp_path / "out"
    result, summary = _run(plan, out)
    assert result.exit_code == 3, result.output + result.stderr
    assert summary.exit_code == 3 and summary.drift and not summary.errors
    assert summary.requests == 2 * 10 * 2 * 2 * 2
    [finding] = summary.findings
    assert (finding.kind, finding.inventory, finding.scale) == ("scale_shift", "bfi44", "extraversion")
    assert finding.model == "sim/steady?extraversion=2" and finding.baseline_model == "sim/steady?extraversion=0"
    assert finding.size > 1.0 and finding.ci_low > 0.3 and finding.p < 0.01 and finding.threshold == 0.3
    assert "bfi44/extraversion" in result.stdout and "DRIFT" in result.stdout
    assert [c.kind for c in summary.comparisons[0].checks[:3]] == [
        "scale_shift", "reliability_drop", "order_sensitivity_rise"]
    assert len(summary.comparisons[0].checks) == 5 * 3
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "drift found (1 finding)" in page
    assert page.count("<svg") >= 5
    for v in summary.versions:
        assert v.report and (out / v.report).is_file() and f'href="{v.report}"' in page
    [comparison] = summary.comparisons
    assert comparison.report and (out / comparison.report).is_file() and f'href="{comparison.report}"' in page

    # The finding agrees with the score stage's comparison of the same two runs.
    from psychometrics.score import compare_runs

    diff = next(d for d in compare_runs(finding.baseline_run_id, finding.run_id, db=summary.db).scales
                if d.scale == "extraversion")
    assert (diff.diff, diff.ci_low, diff.ci_high, diff.p) == pytest.approx(
        (finding.size, finding.ci_low, finding.ci_high, finding.p), rel=1e-9)

    # The same plan again: nothing is asked, the findings are the same.
    again, second = _run(plan, out)
    assert again.exit_code == 3
    assert second.requests == 0 and {v.status for v in second.versions} == {"reused"}
    assert [f.model_dump() for f in second.findings] == [f.model_dump() for f in summary.findings]
    assert json.loads((out / "summary.json").read_text())["findings"] == json.loads(summary.to_json())["findings"]


def test_versions_that_do_not_differ_are_not_drift_but_8_respondents_cannot_show_it(tmp_path, write_plan):
    # A latent shift of 0.1 SD moves the scale far less than the 0.3-point threshold: no finding; but 8
    # respondents per version cannot show that the shift is below 0.3 either: inconclusive, exit 4 (issue 14).
    plan = _plan(write_plan, "sim/steady?extraversion=0", "sim/steady?extraversion=0.1",
                 "sim/steady?extraversion=0.1&agreeableness=0.1")
    result, summary = _run(plan, tmp_path / "out", "--json", "--no-reports")
    assert result.exit_code == 4, result.output + result.stderr
    assert summary.findings == [] and not summary.drift and summary.inconclusive and summary.exit_code == 4
    shifts = [c for cmp in summary.comparisons for c in cmp.checks if c.kind == "scale_shift"]
    # the versions share their 8 respondents (same seed), so the shift is paired: where the scale moved, the
    # design could detect less than the 0.3 threshold (it could not when the versions were taken as independent),
    # but 8 respondents still settle nothing; an exact 0 from 8 matched respondents certifies nothing either
    assert all(c.test.startswith("paired t over 8 matched respondents") for c in shifts)
    assert all(c.verdict == "inconclusive" for c in shifts)
    assert any(c.size == 0 and "zero-width interval from only 8 matched respondents" in c.reason for c in shifts)
    assert ScheduleSummary.from_json(result.stdout) == summary  # --json prints summary.json


def test_a_3_vs_3_plan_is_inconclusive_and_exits_4(tmp_path, write_plan):
    plan = write_plan("""\
        name: three
        db: sqlite:///audits.db
        inventories: [bfi44]
        design: {templates: all, orders: [original], samples: 1}
        models: ["sim/default", "sim/default?extraversion=0.5&seed=1"]
        """)
    result, summary = _run(plan, tmp_path / "out", "--no-reports")
    assert result.exit_code == 4, result.output + result.stderr
    checks = summary.comparisons[0].checks
    assert {c.verdict for c in checks if c.kind == "scale_shift"} == {"inconclusive"}
    # one option order: the order check cannot be made, and that alone would not make the plan inconclusive
    assert {c.verdict for c in checks if c.kind == "order_sensitivity_rise"} == {"not assessed"}
    assert "inconclusive" in result.stdout


def test_three_identical_shifts_are_not_drift_from_a_degenerate_t(tmp_path, write_plan):
    """Found by a newcomer: 3 matched respondents that all moved by exactly +1 gave the paired t p = 0, CI
    [+1, +1] and DRIFT (exit 3). With no spread the t test does not apply; the exact sign test cannot go below
    p = 2 · 0.5³ = .25 with 3 pairs, so the check is inconclusive (exit 4)."""
    plan = write_plan("""\
        name: three
        db: sqlite:///audits.db
        inventories: [bfi44]
        design: {templates: all, orders: [original]}
        models: ["sim/steady", "sim/steady?extraversion=1"]
        """)
    result, summary = _run(plan, tmp_path / "out", "--no-reports")
    assert result.exit_code == 4, result.output + result.stderr
    (shift,) = [c for c in summary.comparisons[0].checks if c.kind == "scale_shift" and c.scale == "extraversion"]
    assert shift.verdict == "inconclusive" and not shift.drift
    assert shift.p == pytest.approx(0.25) and "sign test" in shift.reason
    assert "DRIFT" not in result.stdout


def test_a_planted_shift_with_36_respondents_is_drift_and_exits_3(tmp_path, write_plan):
    plan = write_plan("""\
        name: planted
        db: sqlite:///audits.db
        inventories: [bfi44]
        design: {templates: all, orders: [original, reversed], samples: 6, limit_items: 16}
        models: ["sim/steady?extraversion=0", "sim/steady?extraversion=1"]
        """)
    result, summary = _run(plan, tmp_path / "out", "--no-reports")
    assert result.exit_code == 3, result.output + result.stderr
    (finding,) = [f for f in summary.findings if f.kind == "scale_shift"]
    assert finding.scale == "extraversion" and finding.verdict == "drift"


def test_a_named_baseline_and_the_python_api(tmp_path, write_plan):
    path = write_plan(f"""\
        name: named
        inventories: [bfi44]
        {SMALL}
        models: ["sim/steady?extraversion=0", "sim/steady?extraversion=2", "sim/steady?extraversion=0.1"]
        baseline: "sim/steady?extraversion=0"
        """)
    summary = run_schedule(load_schedule_plan(path), db=f"sqlite:///{tmp_path / 'x.db'}", out=tmp_path / "o",
                           reports=False)
    assert [(c.baseline_model, c.model, c.drift) for c in summary.comparisons] == [
        ("sim/steady?extraversion=0", "sim/steady?extraversion=2", True),
        ("sim/steady?extraversion=0", "sim/steady?extraversion=0.1", False),
    ]
    assert summary.exit_code == 3 and (tmp_path / "o" / "index.html").is_file()
    assert all(v.report is None for v in summary.versions)


def test_a_version_that_cannot_be_audited_is_an_error_but_the_rest_is_reported(tmp_path, write_plan):
    path = write_plan(f"""\
        name: broken
        db: sqlite:///audits.db
        inventories: [bfi44]
        {SMALL}
        models:
          - "sim/steady?extraversion=0"
          - {{model: openai/unreachable, api_base: "http://127.0.0.1:9/v1"}}
          - "sim/steady?extraversion=2"
        """)
    result, summary = _run(path, tmp_path / "out")
    assert result.exit_code == 1
    assert [v.status for v in summary.versions] == ["audited", "failed", "audited"]
    assert "connection refused at" in summary.versions[1].error and summary.errors
    # 'previous' skips the failed version: the third is compared with the first, and the drift is still found
    assert [(c.baseline_model, c.model) for c in summary.comparisons] == [
        ("sim/steady?extraversion=0", "sim/steady?extraversion=2")]
    assert summary.findings and "Traceback" not in result.stderr
    assert "error: openai/unreachable: connection refused at" in result.stderr


def test_the_design_can_cross_personas(tmp_path, write_plan):
    plan = write_plan("""\
        name: persona-plan
        db: sqlite:///audits.db
        inventories: [bfi44]
        design: {templates: [qa], orders: [original, reversed], limit_items: 5, personas: "none,default:2"}
        models: ["sim/steady"]
        """)
    out = tmp_path / "out"
    result, summary = _run(plan, out, "--no-reports")
    assert result.exit_code == 0, result.output + result.stderr
    assert summary.requests == 5 * 2 * 3
    from psychometrics.store import Store

    with Store(f"sqlite:///{tmp_path / 'audits.db'}", create=False) as store:
        (run,) = store.list_runs()
        personas = set(store.responses_frame(run.run_id, columns=["persona"])["persona"].fillna("none"))
    assert len(personas) == 3 and "none" in personas and all(p.startswith("default/") for p in personas - {"none"})


def test_two_alike_versions_with_36_respondents_show_no_drift_and_exit_0(tmp_path, write_plan):
    plan = write_plan("""\
        name: alike
        db: sqlite:///audits.db
        inventories: [bfi44]
        design: {templates: all, orders: [original, reversed], samples: 6}
        models: ["sim/steady?spread=0.3", "sim/steady?spread=0.3&seed=1"]
        """)
    result, summary = _run(plan, tmp_path / "out", "--no-reports")
    assert result.exit_code == 0, result.output + result.stderr
    checks = summary.comparisons[0].checks
    assert {c.verdict for c in checks} == {"no drift"}
    for c in checks:
        if c.kind == "scale_shift":
            assert -c.threshold < c.ci_low and c.ci_high < c.threshold


def test_two_first_option_versions_are_never_certified_no_drift(tmp_path, write_plan):
    """Issue 14: scores made by option position are not traits. Two sim/biased versions agree perfectly, yet no
    scale shift or reliability drop may read "no drift": each is "not assessable" with the reason, and the plan,
    which could check no trait, is inconclusive (exit 4)."""
    plan = write_plan(f"""\
        name: biased
        db: sqlite:///audits.db
        inventories: [bfi44]
        {SMALL}
        models: ["sim/biased", "sim/biased?seed=1"]
        """)
    result, summary = _run(plan, tmp_path / "out", "--no-reports")
    assert result.exit_code == 4, result.output + result.stderr
    assert summary.inconclusive and not summary.drift and summary.exit_code == 4
    checks = summary.comparisons[0].checks
    trait_checks = [c for c in checks if c.kind in ("scale_shift", "reliability_drop")]
    assert len(trait_checks) == 10 and all(c.verdict != "no drift" for c in trait_checks)
    shifts = [c for c in trait_checks if c.kind == "scale_shift"]
    assert all(c.verdict == "not assessable" and "not readable in version sim/biased" in c.reason
               and "option position" in c.reason and "NOT ASSESSABLE" in c.summary for c in shifts)
    assert "not assessable (scale not readable as a trait)" in result.output
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "not assessable" in page and "no drift</span>" not in page
    # their test–retest ICC repeats the first option, not a trait: kept as a number, never as reliability (F5)
    retest = summary.comparisons[0].retest
    assert len(retest) == 5 and not any(r.assessable for r in retest)
    assert all(r.reason.startswith("not readable in run A (") for r in retest)
    assert page.count('<tr class="not-a-trait">') == 5


def test_two_identical_models_with_30_matched_respondents_show_no_drift_and_exit_0(tmp_path, write_plan):
    """Issue 14: the same model twice (default spread, 30 respondents) is "no drift". Its respondents (template ×
    order × persona) match one to one, so the shift is paired: every difference is 0, and 30 matched respondents
    are enough for an exact 0 to certify (rule of three). Treated as independent samples it was inconclusive."""
    plan = write_plan("""\
        name: identical
        db: sqlite:///audits.db
        inventories: [bfi44]
        design: {templates: all, orders: [original, reversed], personas: "default:5"}
        models: ["sim/default", "sim/default?seed=0"]
        """)
    result, summary = _run(plan, tmp_path / "out", "--no-reports")
    assert result.exit_code == 0, result.output + result.stderr
    shifts = [c for c in summary.comparisons[0].checks if c.kind == "scale_shift"]
    assert len(shifts) == 5 and {c.verdict for c in shifts} == {"no drift"}
    assert all(c.test.startswith("paired t over 30 matched respondents") and c.size == 0 for c in shifts)


def test_a_planted_shift_is_found_by_the_paired_interval(tmp_path, write_plan):
    plan = write_plan("""\
        name: paired
        db: sqlite:///audits.db
        inventories: [bfi44]
        design: {templates: all, orders: [original, reversed], personas: "default:5", limit_items: 16}
        models: ["sim/default", "sim/default?extraversion=1"]
        """)
    result, summary = _run(plan, tmp_path / "out", "--no-reports")
    assert result.exit_code == 3, result.output + result.stderr
    (finding,) = [f for f in summary.findings if f.kind == "scale_shift"]
    assert finding.scale == "extraversion" and finding.test.startswith("paired t")


def test_zero_spread_from_3_respondents_and_uncertain_readings_never_certify_no_drift(tmp_path, write_plan):
    """Issue 14: two exact first-option models, one rotated order, 3 respondents: every score is 3.00 with no
    spread, so the shift's interval is [0, 0]. That certifies nothing (3 respondents), and a scale whose reading is
    uncertain or not readable in a version gets no "no drift": the plan is inconclusive, exit 4."""
    plan = write_plan("""\
        name: rotated
        db: sqlite:///audits.db
        inventories: [bfi44]
        design: {templates: all, orders: [rotated-2], samples: 1}
        models: ["sim/biased?first_option=1", "sim/biased?first_option=1&seed=1"]
        """)
    result, summary = _run(plan, tmp_path / "out", "--no-reports")
    assert result.exit_code == 4, result.output + result.stderr
    trait_checks = [c for c in summary.comparisons[0].checks if c.kind in ("scale_shift", "reliability_drop")]
    assert trait_checks and all(c.verdict in ("inconclusive", "not assessable", "not assessed") for c in trait_checks)
    shifts = [c for c in trait_checks if c.kind == "scale_shift"]
    assert all(c.size == 0 and "zero-width interval" in c.reason for c in shifts)
