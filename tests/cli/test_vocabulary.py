"""One vocabulary across commands (issue 15): help on every option, no `<bool>` beside flags, `--out` a folder
created when missing and checked before any work, errors that say what is wrong."""

from __future__ import annotations

import re

import typer
from typer.testing import CliRunner

from psychometrics.cli import app

runner = CliRunner()


def _commands(group, path=()):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*path, name))
        else:
            yield (*path, name), cmd


def test_every_option_and_argument_has_help_and_flags_show_no_metavar():
    root = typer.main.get_command(app)
    seen = 0
    for path, cmd in _commands(root):
        for param in cmd.params:
            assert getattr(param, "help", None), f"{' '.join(path)} {param.name}: no help text"
        text = runner.invoke(app, [*path, "--help"], terminal_width=200).output
        assert "<bool>" not in text, path
        seen += 1
    assert seen >= 10


def test_runs_list_without_a_database_says_no_runs_yet(tmp_path):
    res = runner.invoke(app, ["runs", "list", "--db", str(tmp_path / "none.db")])
    assert res.exit_code == 0 and "no runs yet" in res.output
    assert not (tmp_path / "none.db").exists()


def test_a_missing_inventory_file_is_file_not_found_and_a_near_id_is_suggested(tmp_path):
    res = runner.invoke(app, ["audit", "-m", "sim/steady", "-i", str(tmp_path / "mine.yaml"), "--dry-run"])
    assert res.exit_code == 1 and f"{tmp_path / 'mine.yaml'}: file not found" in res.output
    res = runner.invoke(app, ["audit", "-m", "sim/steady", "-i", "bfi4", "--dry-run"])
    assert res.exit_code == 1 and "did you mean 'bfi44'?" in res.output


def test_design_options_with_resume_are_an_error(tmp_path):
    res = runner.invoke(app, ["audit", "--resume", "x", "--samples", "3", "--templates", "qa",
                              "--db", str(tmp_path / "r.db")])
    assert res.exit_code == 1 and "drop --templates, --samples" in res.output


def test_out_is_a_folder_created_when_missing_and_checked_before_asking(tmp_path):
    db = tmp_path / "r.db"
    blocker = tmp_path / "file"
    blocker.write_text("")
    res = runner.invoke(app, ["audit", "-m", "sim/steady", "--limit-items", "2", "--db", str(db),
                              "--out", str(blocker / "reports")])
    assert res.exit_code == 1 and "is a file, not a folder" in res.output
    assert not db.exists()  # nothing was asked
    res = runner.invoke(app, ["audit", "-m", "sim/steady", "--limit-items", "2", "--templates", "instruct",
                              "--db", str(db), "--run-id", "v", "--out", str(tmp_path / "a" / "b")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "a" / "b" / "v.html").is_file()
    res = runner.invoke(app, ["report", "v", "--db", str(db), "--n-boot", "0", "--out", str(tmp_path / "c")])
    assert res.exit_code == 0 and (tmp_path / "c" / "v.html").is_file()
    res = runner.invoke(app, ["report", "v", "--db", str(db), "--n-boot", "0", "-o", str(tmp_path / "old.html")])
    assert res.exit_code == 0 and (tmp_path / "old.html").is_file()  # the older spelling: a file name


def test_an_inventory_file_reports_every_problem_at_once_with_near_field_names(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: 1\nnmae: X\nitems: 3\nscales: []\nkindd: likert\n")
    res = runner.invoke(app, ["audit", "-m", "sim/steady", "-i", str(bad), "--dry-run"])
    assert res.exit_code == 1
    assert f"{bad}:3: unknown field 'nmae' (did you mean 'name'?)" in res.output
    assert f"{bad}:6: unknown field 'kindd' (did you mean 'kind'?)" in res.output
    assert f"{bad}:4: items:" in res.output  # the other problems in the same pass


def test_plan_line_uses_singular_and_plural():
    res = runner.invoke(app, ["audit", "-m", "sim/steady", "--templates", "instruct", "--orders", "original",
                              "--limit-items", "1", "--dry-run"])
    assert "1 inventory, 1 item, 1 template, 1 order, 1 sample, 1 persona, 1 cell" in res.output
    assert "1 request," in res.output


def test_every_choice_option_lists_its_choices_in_help_and_refuses_others():
    text = " ".join(runner.invoke(app, ["audit", "--help"], env={"COLUMNS": "300"}).output.split())
    for listed in ("original|reversed|rotated|rotated-K|swapped|all", "auto|chat|completion", "batch|sync",
                   "auto|logprobs|generate", "value|expected_value"):
        assert listed in text, listed
    for args, message in ((["--orders", "original,sideways"], "'sideways' is not one of 'original'"),
                          (["--orders", "rotated-K"], "rotated-K takes a number for K"),
                          (["--prompt-format", "raw"], "'raw' is not one of 'auto', 'chat', 'completion'"),
                          (["--batch-reask", "later"], "'later' is not one of 'batch', 'sync'")):
        res = runner.invoke(app, ["audit", "-m", "sim/steady", "--dry-run", *args], env={"COLUMNS": "300"})
        assert res.exit_code == 2 and message in " ".join(res.output.split()), (args, res.output)
    ok = runner.invoke(app, ["audit", "-m", "sim/steady", "--dry-run", "--limit-items", "2", "--orders",
                             "original, rotated-2", "--json"])
    assert ok.exit_code == 0 and '"orders": 2' in ok.output


def test_every_help_fits_80_columns_with_every_option_name_and_help_text_whole():
    """At 80 columns rich's help table cut long option names (``--max-poll-interv…``), cut defaults
    (``sqlite:///psychom…``) and read ``[default: 600]`` as markup, leaving ``stops .``."""
    root = typer.main.get_command(app)
    for path, cmd in _commands(root):
        text = runner.invoke(app, [*path, "--help"], terminal_width=80, env={"COLUMNS": "80"}).output
        assert max(len(line) for line in text.splitlines()) <= 80, path
        flat = re.sub(r"-\s+", "-", " ".join(text.split()))  # click may wrap after a hyphen (split-|half)
        for param in cmd.params:
            for name in (param.opts if param.param_type_name == "option" else []):
                assert name in text.split() or f"{name}," in text or f"{name}/" in text, (path, name)
            assert re.sub(r"-\s+", "-", " ".join(param.help.split())) in flat, (path, param.name)
        assert not re.search(r"\w [.,;:](\s|$)", text), (path, re.search(r".{20}\w [.,;:](\s|$)", text))
