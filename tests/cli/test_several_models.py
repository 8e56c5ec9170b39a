"""`audit --model A --model B …` and `compare` with three or more runs, as a user types them (issue 15)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from psychometrics.cli import app

runner = CliRunner()

SMALL = ["--templates", "instruct,qa", "--limit-items", "10", "--mode", "logprobs", "--n-boot", "0"]


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    folder = tmp_path_factory.mktemp("several")
    db = f"sqlite:///{folder / 'runs.db'}"
    res = runner.invoke(app, ["audit", "-m", "sim/steady", "-m", "sim/biased", "-m", "sim/acquiescent",
                              "-m", "sim/steady?outside=0.8", *SMALL, "--db", db, "--out", str(folder / "pages")],
                        terminal_width=80)
    return res, db, folder


def test_several_models_print_one_side_by_side_summary_and_exit_1_when_one_failed(audited):
    res, _, folder = audited
    assert res.exit_code == 1, res.output
    out = res.output
    assert "Runs side by side" in out and "Scale means (✗ cannot be read as a trait; ? uncertain)" in out
    for line in res.stdout.splitlines():  # the tables (stage lines on stderr are plain log lines)
        assert len(line) <= 80, line
    # no name cut; sim/acquiescent (third) may read ✗ now that net acquiescence flags it (issue 14)
    assert re.search(r"conscientiousness +\d\.\d\d( \?)? +3\.00 ✗ +\d\.\d\d( [?✗])? +—", out), out
    assert "1 of 4 models failed (sim/steady?outside=0.8)" in out
    assert "re-run the same command to resume" in out
    pages = sorted(p.name for p in (folder / "pages").iterdir())
    assert len(pages) == 5 and sum(p.startswith("matrix-") for p in pages) == 1  # four runs and the matrix
    assert f"report: {folder / 'pages'}" in out.replace("\n", "")


def test_re_running_resumes_every_run_and_compare_takes_them_all(audited):
    res, db, folder = audited
    ids = re.findall(r"(sim-(?:steady|biased|acquiescent)-[0-9a-f]{8})", res.output)
    ids = list(dict.fromkeys(ids))
    assert len(ids) == 4
    again = runner.invoke(app, ["audit", "-m", "sim/steady", "-m", "sim/biased", *SMALL, "--db", db,
                                "--no-report"])
    assert again.exit_code == 0, again.output
    assert again.output.count("nothing to ask") == 2
    cmp = runner.invoke(app, ["compare", *ids[:3], "--db", db, "--out", str(folder / "cmp"), "--n-boot", "0"],
                        terminal_width=80)
    assert cmp.exit_code == 0, cmp.output
    assert "Scale means" in cmp.output and (folder / "cmp").is_dir()
    assert any(p.name.startswith("matrix-") for p in (folder / "cmp").iterdir())
    as_json = runner.invoke(app, ["compare", *ids, "--db", db, "--json", "--n-boot", "0"])
    assert as_json.exit_code == 0 and '"runs"' in as_json.output and '"scales"' in as_json.output
    pair = runner.invoke(app, ["compare", *ids[:2], "--db", db, "--out", str(folder / "pair"), "--n-boot", "0"])
    assert pair.exit_code == 0 and "-vs-" in pair.output  # two runs: the pairwise comparison as before


@pytest.mark.parametrize("args,message", [
    (["audit", "-m", "sim/steady", "-m", "sim/stedy", "-m", "local/gemma-3-27m"],
     "sim/stedy: unknown sim preset 'stedy' (did you mean 'steady'?)"),
    (["audit", "-m", "sim/steady", "-m", "sim/biased", "-m", "sim/steady"], "--model sim/steady is given twice"),
    (["audit", "-m", "sim/steady", "-m", "sim/biased", "--resume", "x"], "--resume takes one run, not several"),
    (["audit", "-m", "sim/steady", "-m", "sim/biased", "--run-id", "x"], "--run-id names one run"),
    (["compare", "only-one"], "compare needs two or more runs"),
    (["compare", "a", "b", "c", "--test", "mann-whitney"], "--test tests a difference between two runs"),
    (["compare", "a", "b", "a"], "run a is given twice"),
])
def test_bad_input_is_one_line_and_asks_nothing(tmp_path, args, message):
    db = tmp_path / "runs.db"
    res = runner.invoke(app, [*args, "--db", f"sqlite:///{db}"])
    assert res.exit_code == 1, res.output
    assert message in res.output and "Traceback" not in res.output
    assert not db.exists()


def test_a_dry_run_of_several_models_plans_each(tmp_path):
    res = runner.invoke(app, ["audit", "-m", "sim/steady", "-m", "sim/biased", "--limit-items", "3", "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "plan for sim/steady:" in res.output and "plan for sim/biased:" in res.output
