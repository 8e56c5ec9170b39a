"""The audit report of an interview run: the "Interview vs self-report" section, with every model text escaped."""

from __future__ import annotations

import pytest

from psychometrics.administer import audit, interview
from psychometrics.report import write_audit_report
from psychometrics.store import Store

MODEL = "sim/steady?neuroticism=-1"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("interview-report")
    db = f"sqlite:///{folder / 'runs.db'}"
    audit(MODEL, ["bfi44"], templates=["instruct"], orders=["original"], samples=4, limit_items=10, db=db)
    result = interview(MODEL, ["bfi44"], ["sim/default?rater_noise=0.4", "sim/default"], samples=4, limit_items=10,
                       db=db)
    with Store(db) as store:  # a model that writes markup: its answer and a rater's reply must reach the page as text
        rows = [r for r in store.iter_responses(result.run.run_id)]
        answer = next(r for r in rows if r.rates is None)
        rating = next(r for r in rows if r.rates == answer.cell_id)
        store.save_response(answer.model_copy(update={"raw_text": "<script>alert('a')</script> & I am <b>calm</b>"}))
        store.save_response(rating.model_copy(update={"raw_text": "Rating: 3 <img src=x onerror=alert(1)>"}))
    path = write_audit_report(result.run.run_id, db=db, out=folder, n_boot=0)
    return path.read_text(encoding="utf-8")


def test_the_section_shows_raters_reliability_and_self_report_agreement(page):
    section = page.split('<section id="interview">', 1)[1].split("</section>", 1)[0]
    assert "<h2>Interview vs self-report</h2>" in section
    assert "sim/default?rater_noise=0.4" in section
    assert "Inter-rater reliability" in section and "ICC(2,1)" in section
    assert "Agreement with self-report (run sim-steady-" in section
    assert section.count("<tr><td>neuroticism</td>") == 2  # in the reliability and in the agreement table


def test_model_text_is_escaped(page):
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;a&#39;)&lt;/script&gt; &amp; I am &lt;b&gt;calm&lt;/b&gt;" in page
    assert "Rating: 3 &lt;img src=x onerror=alert(1)&gt;" in page


def test_an_audit_report_has_no_interview_section(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    run = audit("sim/steady", ["bfi44"], templates=["instruct"], orders=["original"], limit_items=5, db=db).run
    assert 'id="interview"' not in write_audit_report(run.run_id, db=db, out=tmp_path, n_boot=0).read_text("utf-8")
