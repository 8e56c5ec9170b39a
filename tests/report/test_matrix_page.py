"""The page of several runs side by side (``matrix-<hash>.html``): every section, every model text escaped, a run
that lacks an inventory said once, the same page for the same runs."""

from __future__ import annotations

import html as html_module
import re

from psychometrics.report import MATRIX_SECTION_IDS, CSP, matrix_report_path, render_matrix_report, write_matrix_report
from psychometrics.score import run_matrix
from tests.report.conftest import PAYLOAD


def test_the_matrix_page_escapes_model_text_and_names_every_run(runs, tmp_path):
    mx = run_matrix([runs.full, runs.one_template, runs.injected], db=runs.db, n_boot=0)
    page = render_matrix_report(mx)
    for section in MATRIX_SECTION_IDS:
        assert f'<section id="{section}">' in page, section
    assert "<script>" not in page and "<img" not in page and html_module.escape(PAYLOAD) in page
    assert f'content="{CSP}"' in html_module.unescape(page)
    for run_id in mx.run_ids:
        assert run_id in page
    # each inventory lacking from some run says so once per section, not once per scale
    assert page.count("is not in this run") == 0
    assert len(re.findall(r"Not in the runs of", page)) == 4 * 4  # bfi44, trait-scenarios, oejts, sd3 × sections
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?:", page)


def test_the_same_runs_land_on_the_same_page(runs, tmp_path):
    ids = [runs.full, runs.changed, runs.one_template]
    mx = run_matrix(ids, db=runs.db, n_boot=0)
    path = write_matrix_report(mx, out=tmp_path)
    assert path == matrix_report_path(ids, tmp_path) and path.name.startswith("matrix-")
    assert write_matrix_report(run_matrix(ids, db=runs.db, n_boot=0), out=tmp_path) == path
    assert matrix_report_path(list(reversed(ids)), tmp_path) != path  # the order of the runs is the page's order
