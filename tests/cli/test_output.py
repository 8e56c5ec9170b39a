"""What the commands print: `runs list` and `score` fit an 80-column terminal without cutting a run id or a name
(they wrap instead of ending in "…"), shaping runs are labelled and reported as such, `score --format`."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from psychometrics.administer import audit
from psychometrics.cli import app
from psychometrics.score import FRAME_COLUMNS, FRAME_SCHEMA, AuditScores
from psychometrics.shape import shape

LONG_ID = "a-rather-long-run-id-chosen-by-the-user-for-the-2026-11-30-audit"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-output")
    db = f"sqlite:///{folder / 'runs.db'}"
    small = {"templates": ["instruct", "qa"], "orders": ["original", "reversed"], "samples": 2, "db": db}
    plain = audit("sim/steady?extraversion=1.5&agreeableness=-1", ["bfi44", "trait-scenarios"], **small).run.run_id
    long = audit("sim/default", ["sd3"], run_id=LONG_ID, **small).run.run_id
    shaped = shape("sim/steady", "bfi44", traits="extraversion", levels=3, limit_items=10, db=db).run_id
    return {"db": db, "folder": folder, "plain": plain, "long": long, "shaped": shaped}


def _run(*args: str, columns: int = 80):
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def _fits(text: str, columns: int = 80) -> None:
    too_wide = [line for line in text.splitlines() if len(line) > columns]
    assert not too_wide, "\n".join(too_wide)
    assert "…" not in text, text


def test_runs_list_fits_80_columns_and_keeps_every_run_id_whole(store):
    out = _run("runs", "list", "--db", store["db"])
    _fits(out)
    for key in ("plain", "shaped"):
        assert store[key] in out, out
    assert LONG_ID[:36] in out  # a very long id wraps after 36 characters instead of being cut
    rest = LONG_ID[36:]
    assert rest in out.replace(" ", "") or rest[:20] in out, out


def test_a_shaping_run_is_labelled_as_one(store):
    rows = {line.split()[0]: line for line in _run("runs", "list", "--db", store["db"], columns=120).splitlines()
            if line.strip()}
    assert rows[store["shaped"]].split()[1] == "shaping"
    assert rows[store["plain"]].split()[1] == "audit"


def test_report_on_a_shaping_run_writes_the_shaping_report(store):
    out = store["folder"] / "shaped.html"
    _run("report", store["shaped"], "--db", store["db"], "-o", str(out))
    page = out.read_text(encoding="utf-8")
    assert 'id="shaping"' in page and "ρ" in page
    assert 'id="reliability"' not in page  # not the audit report
    audit_page = store["folder"] / "plain.html"
    _run("report", store["plain"], "--db", store["db"], "-o", str(audit_page), "--n-boot", "0")
    assert 'id="reliability"' in audit_page.read_text(encoding="utf-8")


def _whole(text: str, *names: str) -> None:
    """Every name stands whole on some line: wrapped tables give the names their width, not "conscientious"
    and "ness" on two lines."""
    for name in names:
        assert re.search(rf"(^|\s){re.escape(name)}(\s|$)", text, re.M), (name, text)


SCALES = ("extraversion", "agreeableness", "conscientiousness", "neuroticism", "openness")


def test_score_table_fits_80_columns(store):
    out = _run("score", store["plain"], "--db", store["db"], "--n-boot", "0")
    _fits(out)
    _whole(out, *SCALES, "machiavellianism", "trait-scenarios")


def test_every_table_of_a_full_run_fits_80_columns_without_cutting_a_name(tmp_path):
    db = f"sqlite:///{tmp_path / 'full.db'}"
    run = audit("sim/steady?extraversion=1.5", ["ipip50", "trait-scenarios", "sd3", "ipip50-de"], samples=2,
                templates=["instruct", "qa", "short"], limit_items=12, db=db).run.run_id
    out = _run("runs", "show", run, "--db", db, "--n-boot", "0")
    for title in ("Scale scores", "Reliability", "Option order", "Templates", "multitrait-multimethod",
                  "factor analysis", "Consistency across forms"):
        assert title in out, title  # every table is there
    _fits(out)
    _whole(out, *SCALES, "machiavellianism", "trait-scenarios", "ipip50-de", "ipip50 × ipip50-de")
    listing = _run("inventories", "list")
    _fits(listing)
    _whole(listing, "trait-scenarios-paraphrase", "conscientiousness,", "Copyrighted")
    shown = _run("inventories", "show", "ipip50-de")
    _fits(shown)
    _whole(shown, "Intellect/Imagination", "conscientiousness")


def test_shaping_table_fits_80_columns(store):
    # the same design as the stored shaping run: it resumes with nothing to ask and prints its table
    out = _run("shape", "-m", "sim/steady", "--traits", "extraversion", "--levels", "3", "--limit-items", "10",
               "--db", store["db"], "--no-report")
    assert store["shaped"] in out
    _fits(out)
    _whole(out, "extraversion", "refusals↑", "drift")


def test_score_formats(store):
    csv = _run("score", store["plain"], "--db", store["db"], "--n-boot", "0", "--format", "csv")
    frame = pd.read_csv(io.StringIO(csv))
    assert list(frame.columns) == FRAME_COLUMNS and len(frame) == 5 + 8
    assert set(frame["scale"]) >= {"extraversion", "agreeableness"}
    for fmt in (["--format", "json"], ["--json"]):
        text = _run("score", store["plain"], "--db", store["db"], "--n-boot", "0", *fmt)
        scores = AuditScores.from_json(text)
        assert scores.run.run_id == store["plain"] and json.loads(text)["version"] == 1
    assert set(FRAME_SCHEMA) == set(FRAME_COLUMNS)


def test_an_unknown_format_is_refused_with_the_choices(store):
    result = CliRunner().invoke(app, ["score", store["plain"], "--db", store["db"], "--format", "xlsx"])
    assert result.exit_code != 0
    assert "xlsx" in result.output and "table" in result.output and "csv" in result.output


def test_runs_show_after_a_stop_gives_counts_that_agree(tmp_path):
    """A run stopped after 40 of 88 cells were asked (36 answered, 4 errors): `runs show` said "40 cells: 36 ok,
    …, 4 error" beside "36 of 88 answered"; now it says what each number counts."""
    from psychometrics.administer import EndpointError
    from tests.support.openai_server import OpenAIServer, ServerConfig

    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with OpenAIServer(ServerConfig(behaviour=lambda n, prompt: "answer" if n <= 36 else "401")) as server:
        with pytest.raises(EndpointError):
            audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original", "reversed"],
                  mode="generate", api_base=server.api_base, db=db, run_id="stopped", concurrency=1)
    text = " ".join(_run("runs", "show", "stopped", "--db", db, columns=200).split())
    assert "incomplete: 36 of 88 answered" in text  # answered: ok, refused or invalid; an error is no answer
    assert "88 cells planned, 39 asked: 36 ok, 0 refused, 0 invalid, 3 error" in text
    assert "40 cells" not in text and "39 cells:" not in text
