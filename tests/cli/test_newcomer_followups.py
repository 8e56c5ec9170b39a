"""What a newcomer testing issue 15 still hit: `-o` of audit and shape, compare given a shaping run or one run,
the resume hint after a --max-cost stop, and invalid replies in the several-models summary."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from psychometrics.cli import app

runner = CliRunner()

TINY = ["-i", "bfi44", "--limit-items", "4", "--templates", "instruct", "--n-boot", "0"]


def _db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'runs.db'}"


def test_audit_of_several_models_with_an_html_out_writes_the_matrix_there_and_the_runs_pages_beside_it(tmp_path):
    page = tmp_path / "jo2" / "page.html"
    res = runner.invoke(app, ["audit", "-m", "sim/steady", "-m", "sim/biased", *TINY, "--db", _db(tmp_path),
                              "-o", str(page)], terminal_width=80)
    assert res.exit_code == 0, res.output
    assert page.is_file() and "Traceback" not in res.output
    assert "side by side" in page.read_text(encoding="utf-8").lower()
    beside = sorted(p.name for p in page.parent.iterdir() if p != page)
    assert len(beside) == 2 and all(re.fullmatch(r"sim-(steady|biased)-[0-9a-f]{8}\.html", n) for n in beside)
    assert f"report: {page}" in res.output.replace("\n", "")


def test_audit_of_one_model_with_an_html_out_writes_the_runs_report_there(tmp_path):
    page = tmp_path / "one" / "run.html"
    res = runner.invoke(app, ["audit", "-m", "sim/steady", *TINY, "--db", _db(tmp_path), "-o", str(page)])
    assert res.exit_code == 0, res.output
    assert page.is_file() and sorted(page.parent.iterdir()) == [page]


def test_audit_out_without_html_is_still_a_folder(tmp_path):
    res = runner.invoke(app, ["audit", "-m", "sim/steady", *TINY, "--db", _db(tmp_path), "-o", str(tmp_path / "f")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "f").is_dir() and len(list((tmp_path / "f").glob("sim-steady-*.html"))) == 1


def test_shape_with_an_html_out_writes_the_shaping_report_there(tmp_path):
    page = tmp_path / "z.html"
    res = runner.invoke(app, ["shape", "-m", "sim/steady", "-i", "bfi44", "--traits", "extraversion", "--levels", "3",
                              "--limit-items", "10", "--db", _db(tmp_path), "-o", str(page)])
    assert res.exit_code == 0, res.output
    assert page.is_file() and "shap" in page.read_text(encoding="utf-8").lower()


def test_shape_with_an_html_out_and_several_inventories_is_refused_before_asking(tmp_path):
    db = tmp_path / "runs.db"
    res = runner.invoke(app, ["shape", "-m", "sim/steady", "-i", "bfi44", "-i", "ipip50", "-o",
                              str(tmp_path / "z.html"), "--db", f"sqlite:///{db}"])
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and "give a folder" in res.output and not db.exists()


def test_compare_refuses_a_shaping_run_in_one_line_naming_it(tmp_path):
    from psychometrics.administer import audit
    from psychometrics.shape import shape

    db = _db(tmp_path)
    shaped = shape("sim/steady", "bfi44", traits="extraversion", levels=3, limit_items=10, db=db).run_id
    plain = [audit(m, ["bfi44"], templates=["instruct"], limit_items=10, db=db).run.run_id
             for m in ("sim/steady", "sim/biased")]
    for runs in ([plain[0], shaped], [shaped, *plain]):
        res = runner.invoke(app, ["compare", *runs, "--db", db, "-o", str(tmp_path / "cmp"), "--n-boot", "0"])
        assert res.exit_code == 1, res.output
        assert res.output == (f"error: {shaped} is a shaping run (psychometrics shape): compare takes audits; use its "
                              f"shaping report: psychometrics report {shaped}\n")
    assert not (tmp_path / "cmp").exists()


def test_compare_with_one_run_is_a_usage_error(tmp_path):
    res = runner.invoke(app, ["compare", "only-run", "--db", _db(tmp_path)])
    assert res.exit_code == 2, res.output  # was 1 in tests/cli/test_several_models.py: a usage error exits 2
    assert res.output.count("\n") == 1 and "two or more runs" in res.output and "only-run" in res.output
    assert not (tmp_path / "runs.db").exists()


def test_after_a_max_cost_stop_the_resume_hint_says_to_raise_the_limit_shown_as_given(tmp_path):
    from tests.support.openai_server import OpenAIServer

    with OpenAIServer() as server:
        res = runner.invoke(app, ["audit", "-m", "openai/gpt-4o-mini", "-m", "sim/steady", *TINY, "--mode",
                                  "logprobs", "--concurrency", "1", "--max-cost", "5e-05", "--api-base",
                                  server.api_base, "--db", _db(tmp_path), "--no-report"], terminal_width=80)
    assert res.exit_code == 1, res.output
    text = " ".join(res.output.split())
    assert "--max-cost 5e-05" in text and "--max-cost $0.0001" not in text
    final = res.output.strip().splitlines()[-1]
    assert final.startswith("error: 1 of 2 models failed (openai/gpt-4o-mini)"), final
    assert "with a higher --max-cost to resume" in final and "re-run the same command to resume:" not in final


def test_the_several_models_summary_counts_invalid_replies(tmp_path):
    from tests.support.openai_server import OpenAIServer, ServerConfig

    config = ServerConfig(behaviour=lambda n, prompt: "answer" if n == 1 else "garbage")
    with OpenAIServer(config) as server:
        res = runner.invoke(app, ["audit", "-m", "openai/test-model", "-m", "sim/steady", *TINY, "--mode", "generate",
                                  "--concurrency", "1", "--api-base", server.api_base, "--db", _db(tmp_path),
                                  "--no-report"], terminal_width=80)
    lines = res.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), res.stdout
    assert "invalid" in next(line for line in lines if "answered" in line)
    row = next(line for line in lines if "test-model" in line and "/8" in line)
    assert re.search(r"\b1/8 +0 +7\b", row), res.stdout  # answered, refused, invalid
