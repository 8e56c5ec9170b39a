"""The index page: self-contained, every text escaped, a trend chart per scale, links to every report."""

from __future__ import annotations

import html
import math
import re

from psychometrics.schedule import (
    Check,
    ComparisonResult,
    ScalePoint,
    ScheduleSummary,
    Thresholds,
    VersionResult,
)
from psychometrics.report import trend_chart
from psychometrics.schedule._page import render_index

EVIL = '<script>alert("x")</script><img src="http://evil.example/x.png">'


def _point(mean: float, name: str = "Extraversion") -> ScalePoint:
    return ScalePoint(inventory="bfi44", scale="extraversion", name=name, scoring="mean", mean=mean,
                      ci_low=mean - 0.2, ci_high=mean + 0.2, n=12, score_min=1, score_max=5, reliability=0.8,
                      flip_share=0.1, verdict="robust")


def _summary() -> ScheduleSummary:
    finding = Check(
        kind="scale_shift", inventory="bfi44", scale="extraversion", scale_name=EVIL, baseline_model="sim/a",
        model=f"openai/{EVIL}", baseline_run_id="run-a", run_id="run-b", statistic="mean score",
        baseline_value=3.0, value=4.5, size=1.5, ci_low=1.1, ci_high=1.9, threshold=0.3, units="points",
        test="Welch's t", p=0.0001, drift=True, summary=f"bfi44/extraversion: {EVIL}",
    )
    undecided = finding.model_copy(update={"kind": "reliability_drop", "size": math.nan, "ci_low": math.nan,
                                           "ci_high": math.nan, "p": math.nan, "drift": False,
                                           "reason": EVIL})
    return ScheduleSummary(
        plan="p", plan_file=f"/tmp/{EVIL}.yaml", db="sqlite:///x.db", design={"inventories": ["bfi44"]},
        baseline="previous", thresholds=Thresholds(),
        versions=[
            VersionResult(position=0, model="sim/a", source="listed", run_id="run-a", status="reused",
                          report="runs/run-a.html", scales=[_point(3.0, EVIL)]),
            VersionResult(position=1, model=f"openai/{EVIL}", api_base="http://127.0.0.1:1/v1",
                          source="discovered", created=1_700_000_000, run_id="run-b", status="audited", asked=10,
                          report="runs/run-b.html", scales=[_point(4.5, EVIL)]),
            VersionResult(position=2, model="sim/broken", source="listed", status="failed", error=EVIL),
        ],
        comparisons=[ComparisonResult(baseline_model="sim/a", model=f"openai/{EVIL}", baseline_run_id="run-a",
                                      run_id="run-b", report="compare/run-a--run-b.html",
                                      checks=[finding, undecided], drift=True)],
        findings=[finding], errors=[EVIL], notes=[EVIL], requests=10, drift=True, exit_code=1,
        generated_at=1_700_000_000.0,
    )


def test_every_text_is_escaped_and_nothing_loads_from_outside():
    page = render_index(_summary())
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp and "default-src 'none'" in html.unescape(csp.group(1))
    assert not re.search(r'\b(src|href)="(https?:)?//', page)  # no external resource or link
    assert [h for h in re.findall(r'href="([^"#]+)"', page) if h != "data:,"] == [
        "runs/run-a.html", "runs/run-b.html", "compare/run-a--run-b.html", "summary.json"]


def test_the_page_shows_findings_versions_and_a_trend_per_scale():
    page = render_index(_summary())
    assert page.count('<svg class="chart"') == 1  # one scale
    assert "errors: see below" in page and "exit code 1" in page
    assert "[+1.10, +1.90]" in page and "±0.30" in page
    assert "failed" in page and "created 2023-11-14" in page


def test_trend_chart_marks_drift_and_gaps():
    svg = str(trend_chart("bfi44 / E", ["#1", "#2", "#3"], ["a", "b", "c"], [3.0, math.nan, 4.5],
                          [2.8, math.nan, 4.3], [3.2, math.nan, 4.7], lo=1, hi=5, flagged=[False, False, True]))
    assert svg.startswith("<svg") and svg.count('class="dot"') == 2
    assert "no score" in svg and 'stroke="#b42318"' in svg
    assert "c: mean 4.50, 95% CI [4.30, 4.70] — drift against its baseline" in svg


def test_summary_json_round_trips_nan():
    summary = _summary()
    back = ScheduleSummary.from_json(summary.to_json())
    assert math.isnan(back.comparisons[0].checks[1].size)
    assert back.findings == summary.findings


def test_the_design_table_reads_as_words_not_python():
    design = {"inventories": ["bfi44", "sd3"], "templates": ["instruct", "qa"], "samples": 2, "personas": [None],
              "settings": {"temperature": 0.0, "max_tokens": 32, "mode": "auto", "reasoning_effort": None},
              "limit_items": None, "template_files": []}
    page = render_index(_summary().model_copy(update={"design": design}))
    table = page[page.index("<h3>Design</h3>"):]
    table = table[:table.index("</table>")]
    for python in ("[", "]", "{", "}", "None", "'"):
        assert python not in html.unescape(re.sub(r"<[^>]+>", " ", table)), (python, table)
    assert "bfi44, sd3" in table and "temperature = 0, max_tokens = 32, mode = auto" in table
    assert re.search(r"<th>personas</th><td[^>]*>none</td>", table)
