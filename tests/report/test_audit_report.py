"""The audit report: every section, escaping, the CSP, and pages for runs with pieces missing."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from psychometrics.report import CSP, SECTION_IDS, render_audit_report, write_audit_report
from tests.report.conftest import PAYLOAD


class _Page(HTMLParser):
    """Collects ids, tags, attributes that load something, and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.tags: list[str] = []
        self.loads: list[tuple[str, str, str]] = []
        self.meta: list[dict[str, str | None]] = []
        self.handlers: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        d = dict(attrs)
        if d.get("id"):
            self.ids.append(str(d["id"]))
        if tag == "meta":
            self.meta.append(d)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "srcset", "poster", "data") and value is not None:
                self.loads.append((tag, name, value))
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def full_html(runs) -> str:
    return render_audit_report(runs.full, db=runs.db, n_boot=50)


def test_every_section_is_there_in_order(full_html):
    page = _parse(full_html)
    sections = [i for i in page.ids if i in SECTION_IDS]
    assert sections == list(SECTION_IDS)
    assert len(page.ids) == len(set(page.ids)), "duplicate element ids"


def test_page_is_self_contained(full_html):
    page = _parse(full_html)
    assert "script" not in page.tags
    assert not page.handlers
    csp = [m for m in page.meta if (m.get("http-equiv") or "").lower() == "content-security-policy"]
    assert len(csp) == 1 and csp[0]["content"] == CSP
    assert "default-src 'none'" in CSP and "script-src" not in CSP
    for tag, attr, value in page.loads:
        assert value.startswith(("#", "data:")) or attr == "xmlns", (tag, attr, value)
    assert "url(" not in full_html.replace("url(#arrow", "")  # no CSS or SVG reference to anything outside
    assert "@import" not in full_html


def test_summary_says_what_was_run(full_html, runs):
    text = " ".join(" ".join(_parse(full_html).text).split())
    assert "sim/default?extraversion=1" in text
    assert "sim (simulated respondent)" in text
    assert "44 items" in text and "× 3 templates × 2 option orders × 2 samples" in text
    assert "answered" in text and "refused" in text and "invalid" in text and "error" in text
    assert "logprobs" in text
    assert "psychometrics 0." in text


def test_profile_reliability_sensitivity_and_validity_content(full_html):
    text = " ".join(" ".join(_parse(full_html).text).split())
    # profile: OEJTS type, scenario percentages, no norms explained
    assert "Type of the mean profile" in text
    assert "% high choices" in text
    assert "No human norms for this inventory" in text
    # reliability: coefficients, bands legend, n
    assert "α" in text and "λ6" in text and "ω" in text
    for band in ("unacceptable", "poor", "questionable", "acceptable", "good", "excellent"):
        assert band in text
    # sensitivity: heatmap, thresholds stated, verdicts
    assert 'class="chart heatmap' in full_html
    assert "How the verdict is decided" in text and "10% of the response range" in text
    assert re.search(r"p &lt; 0\.01", full_html)
    # validity: bfi44 and trait-scenarios share the Big Five
    assert "bfi44 × trait-scenarios" in text
    assert "Convergent r" in text and "Factor structure (EFA)" in text
    # method: one prompt per template and kind, formulas
    assert text.count("Template ") >= 3
    assert "Cronbach's α" in text and "Wilson" in text


def test_numbers_are_right_aligned_and_missing_values_are_dashes(full_html):
    assert full_html.count('class="num') > 100
    assert "nan" not in re.sub(r"<[^>]+>", " ", full_html).lower().split()
    assert not re.search(r"\bNone\b(?! of the)", re.sub(r"<[^>]+>", " ", full_html))


def test_model_text_is_escaped(runs):
    html = render_audit_report(runs.injected, db=runs.db, n_boot=0)
    page = _parse(html)
    assert "script" not in page.tags and "img" not in page.tags
    assert not page.handlers
    assert PAYLOAD not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert html.count(escaped) >= 4  # title, heading, summary, replies
    assert PAYLOAD in "".join(page.text)


@pytest.mark.parametrize("which, expected", [
    ("one_template", ["Only one prompt template was used", "The reversed option order was not used",
                      "Only one inventory was given"]),
    ("refusals", ["No prompt got a usable answer", "no respondent has a score", "mostly refused"]),
    ("empty", ["The run has no stored responses", "no respondent has a score on this scale"]),
])
def test_missing_pieces_are_explained(runs, which, expected):
    html = render_audit_report(getattr(runs, which), db=runs.db, n_boot=0)
    page = _parse(html)
    assert [i for i in page.ids if i in SECTION_IDS] == list(SECTION_IDS)
    text = " ".join(" ".join(page.text).split())
    for phrase in expected:
        assert phrase in text, phrase
    assert "None of the inventories ships human norms" in text


def test_write_defaults_to_reports_folder(runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_audit_report(runs.one_template, db=runs.db, n_boot=0)
    assert path == Path("reports") / f"{runs.one_template}.html"
    assert (tmp_path / path).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_write_to_a_given_file(runs, tmp_path):
    out = tmp_path / "page.html"
    assert write_audit_report(runs.one_template, db=runs.db, out=out, n_boot=0) == out
    assert out.stat().st_size > 10_000


def test_write_into_missing_folder_creates_it(runs, tmp_path):
    # issue 15: --out means a folder everywhere and missing folders are created (this used to be an error)
    assert write_audit_report(runs.one_template, db=runs.db, out=tmp_path / "nope" / "x.html", n_boot=0).is_file()
    assert write_audit_report(runs.one_template, db=runs.db, out=tmp_path / "folder", n_boot=0) == (
        tmp_path / "folder" / f"{runs.one_template}.html")


def test_unknown_run_is_a_lookup_error(runs):
    with pytest.raises(LookupError, match="no run 'missing-run'"):
        render_audit_report("missing-run", db=runs.db)


def test_given_scores_are_used_as_they_are(runs):
    from psychometrics.score import score

    scores = score(runs.one_template, db=runs.db, n_boot=0)
    html = render_audit_report(runs.one_template, db=runs.db, scores=scores)
    assert "0 resamples asked" in html


def test_norm_band_where_the_inventory_has_norms(normed_run):
    db, run_id = normed_run
    html = render_audit_report(run_id, db=db, n_boot=0)
    page = _parse(html)
    assert [i for i in page.ids if i in SECTION_IDS] == list(SECTION_IDS)
    assert html.count('class="norm"') == 1  # extraversion only
    text = " ".join(" ".join(page.text).split())
    assert re.search(r"z = −?\d\.\d\d \((\d+(st|nd|rd|th)|<1st|>99th) percentile; norm 3\.25 ± 0\.90, n = 6,076\)", text)
    assert "Invented test norms <b>not real</b>" in text  # the source, escaped
    assert "<b>not real</b>" not in html
    assert "None of the inventories ships human norms" not in text


def test_inventory_file_gone_is_explained(tmp_path):
    from tests.report.conftest import make_normed_run

    db, run_id = make_normed_run(tmp_path)
    (tmp_path / "normed.yaml").unlink()
    page = _parse(render_audit_report(run_id, db=db, n_boot=0))
    assert [i for i in page.ids if i in SECTION_IDS] == list(SECTION_IDS)
    text = " ".join(" ".join(page.text).split())
    assert f"Inventory {tmp_path / 'normed.yaml'} could not be loaded" in text
    assert "100 stored responses name this inventory" in text


def test_a_norm_source_shared_by_every_scale_is_named_once(tmp_path):
    from psychometrics.administer import audit
    from psychometrics.inventory import load_inventory

    db = f"sqlite:///{tmp_path / 'runs.db'}"
    run = audit("sim/steady", ["sapa25"], templates=["instruct"], orders=["original"], samples=3, db=db).run
    page = render_audit_report(run.run_id, db=db, n_boot=0)
    sources = {sc.norms.source for sc in load_inventory("sapa25").scales if sc.norms}
    assert len(sources) == 1  # the five scales cite one source
    (source,) = sources
    first_words = html.escape(" ".join(source.split()[:6]))
    assert page.count(first_words) == 1, "the norm source is repeated per scale"
    assert page.count("Norm source:") == 1


def test_a_missing_coefficient_gives_its_reason_once_per_row(runs):
    # the full run has scales whose λ6 and ω fail for the same reason (a singular correlation matrix)
    page = render_audit_report(runs.full, db=runs.db, n_boot=0)
    section = page[page.index('id="reliability"'):page.index('id="sensitivity"')]
    rows = re.findall(r"<tr>.*?</tr>\s*(?:<tr class=\"why\">.*?</tr>)?", section, re.S)
    singular = [r for r in rows if "singular correlation matrix" in r]
    assert singular, "the fixture no longer has a singular scale"
    for row in singular:
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))  # what the reader sees (tooltips aside)
        assert text.count("singular correlation matrix") == 1, text
        assert "λ6, ω: singular correlation matrix" in text or "α, λ6, ω: singular" in text
