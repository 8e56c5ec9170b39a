"""The comparison page: every section, no script, a strict CSP (the comparison itself: tests/score/test_compare.py)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from psychometrics.report import COMPARE_SECTION_IDS, write_comparison_report
from psychometrics.score import Comparison, compare_runs


@pytest.fixture(scope="module")
def comparison(runs) -> Comparison:
    return compare_runs(runs.full, runs.changed, db=runs.db, n_boot=0)


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        d = dict(attrs)
        if d.get("id"):
            self.ids.append(d["id"])


def test_comparison_page(runs, comparison, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_comparison_report(runs.full, runs.changed, db=runs.db, comparison=comparison)
    assert path.parent.name == "reports" and path.name == f"{runs.full}-vs-{runs.changed}.html"
    html = path.read_text(encoding="utf-8")
    parser = _Ids()
    parser.feed(html)
    assert [i for i in parser.ids if i in COMPARE_SECTION_IDS] == list(COMPARE_SECTION_IDS)
    assert "script" not in parser.tags
    assert "Content-Security-Policy" in html and "What changed" in html
    assert "changed</span>" in html
