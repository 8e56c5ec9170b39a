"""`psychometrics report` and `psychometrics compare`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from psychometrics.cli import app

cli = CliRunner()


def test_report_writes_the_page(runs, tmp_path):
    out = tmp_path / "r.html"
    result = cli.invoke(app, ["report", runs.one_template, "--db", runs.db, "--out", str(out), "--n-boot", "0"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_default_path(runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli.invoke(app, ["report", runs.one_template, "--db", runs.db, "--n-boot", "0"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / f"{runs.one_template}.html").is_file()


def test_report_unknown_run_is_one_line(runs):
    result = cli.invoke(app, ["report", "nope", "--db", runs.db])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "no run 'nope'" in lines[0]


def test_report_missing_folder_is_created_and_an_unwritable_one_is_one_line(runs, tmp_path):
    # issue 15: --out creates missing folders; a path that cannot be a folder fails in one line before scoring
    result = cli.invoke(app, ["report", runs.one_template, "--db", runs.db, "--out", str(tmp_path / "x" / "r.html"),
                              "--n-boot", "0"])
    assert result.exit_code == 0 and (tmp_path / "x" / "r.html").is_file()
    (tmp_path / "f").write_text("")
    result = cli.invoke(app, ["report", runs.one_template, "--db", runs.db, "--out", str(tmp_path / "f" / "r.html")])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and "is a file, not a folder" in lines[0]


def test_compare_json(runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli.invoke(app, ["compare", runs.full, runs.changed, "--db", runs.db, "--json", "--n-boot", "0",
                              "--test", "mann-whitney"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["test"] == "mann-whitney"
    assert {s["test"] for s in data["scales"]} == {"Mann-Whitney U"}
    assert data["changes"] and data["items"]
    assert not (tmp_path / "reports").exists()  # --json alone writes no page


def test_compare_page(runs, tmp_path):
    out = tmp_path / "c.html"
    result = cli.invoke(app, ["compare", runs.full, runs.changed, "--db", runs.db, "--out", str(out), "--n-boot", "0"])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert result.output.startswith("- Model: ")
    assert result.output.strip().endswith(str(out))


def test_compare_significance_and_its_deprecated_alias(runs):
    for option in ("--significance", "--alpha"):
        result = cli.invoke(app, ["compare", runs.full, runs.one_template, "--db", runs.db, "--json",
                                  "--n-boot", "0", option, "0.01"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["significance"] == 0.01 and "alpha" not in data and data["version"] == 2
    bad = cli.invoke(app, ["compare", runs.full, runs.one_template, "--db", runs.db, "--significance", "5"])
    lines = [line for line in bad.output.splitlines() if line.strip()]
    assert bad.exit_code == 1 and len(lines) == 1 and "--significance must lie between 0 and 1" in lines[0]
