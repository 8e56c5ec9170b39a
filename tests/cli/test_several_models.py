"""`audit --model A --model B …` and `compare` with three or more runs, as a user types them (issue 15)."""

from __future__ import annotations

import json
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


# --- what a newcomer still found (issue 15, closing round) ---------------------------------------------------------

def _page_rows(folder):
    """The runs table of the one matrix page in ``folder``: run id → its cells' text."""
    import html as html_module

    page = next(p for p in folder.iterdir() if p.name.startswith("matrix-")).read_text(encoding="utf-8")
    table = page.split('<section id="summary">', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr><td>.*?</tr>", table, flags=re.S):
        cells = [html_module.unescape(re.sub(r"<[^>]+>", " ", c)).split() for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                                             row, flags=re.S)]
        rows[cells[1][0]] = [" ".join(c) for c in cells]
    return page, rows


def test_answered_counts_answers_and_refusals_have_their_own_column(tmp_path):
    from psychometrics.store import Store

    db = f"sqlite:///{tmp_path / 'runs.db'}"
    generated = ["--templates", "instruct,qa", "--limit-items", "10", "--mode", "generate", "--n-boot", "0"]
    res = runner.invoke(app, ["audit", "-m", "sim/steady", "-m", "sim/refuser", *generated, "--db", db,
                              "--out", str(tmp_path / "pages")], terminal_width=80)
    assert res.exit_code == 0, res.output
    ids = list(dict.fromkeys(re.findall(r"sim-(?:steady|refuser)-[0-9a-f]{8}", res.stdout)))
    with Store(db, create=False) as store:
        counts = {r: store.get_run(r).counts for r in ids}
    refuser = ids[1]
    assert 0 < counts[refuser]["refused"] < 40
    row = next(line for line in res.stdout.splitlines() if refuser in line)
    assert f" {counts[refuser]['ok']}/40 " in row and f" {counts[refuser]['refused']} " in row  # not 40/40
    assert "refused" in res.stdout.splitlines()[1]
    _, rows = _page_rows(tmp_path / "pages")
    assert rows[refuser][2] == f"{counts[refuser]['ok']} of 40"
    assert rows[refuser][-1].startswith(str(counts[refuser]["refused"]))


def test_a_run_without_answers_has_no_respondents_on_the_page(audited):
    res, _, folder = audited
    failed = re.search(r"(sim-steady-[0-9a-f]{8}) has no answer", res.output).group(1)
    _, rows = _page_rows(folder / "pages")
    assert rows[failed][2] == "0 of 40" and rows[failed][4] == "0"  # answered, respondents
    assert all(r[4] == "4" for run, r in rows.items() if run != failed)  # instruct, qa × two orders


def test_a_design_difference_such_as_limit_items_shows_in_the_design_table(audited, tmp_path):
    res, db, _ = audited
    ids = list(dict.fromkeys(re.findall(r"sim-(?:steady|biased)-[0-9a-f]{8}", res.output)))[:2]
    short = runner.invoke(app, ["audit", "-m", "sim/steady", *SMALL[:-4], "--limit-items", "5", "--mode", "logprobs",
                                "--db", db, "--no-report", "--json"])
    assert short.exit_code == 0, short.output
    ids.append(json.loads(short.stdout)["run"]["run_id"])
    cmp = runner.invoke(app, ["compare", *ids, "--db", db, "--out", str(tmp_path), "--n-boot", "0"],
                        terminal_width=80)
    assert cmp.exit_code == 0, cmp.output
    assert "the runs' designs differ: --limit-items 10 / 10 / 5" in " ".join(cmp.output.split())
    page, rows = _page_rows(tmp_path)
    assert "Design (where the runs differ)" in page
    assert [rows[r][2] for r in ids] == ["--limit-items 10", "--limit-items 10", "--limit-items 5"]
    assert f"<code>psychometrics compare {' '.join(ids)} --json --db {db}</code>" in page  # the script names its store


def test_when_every_model_fails_it_says_so_with_each_cause_writes_no_page_and_exits_1(tmp_path):
    out = tmp_path / "pages"
    res = runner.invoke(app, ["audit", "-m", "sim/steady?outside=0.8", "-m", "sim/biased?outside=0.9", *SMALL,
                              "--db", f"sqlite:///{tmp_path / 'runs.db'}", "--out", str(out)])
    assert res.exit_code == 1, res.output
    line = next(x for x in res.output.splitlines() if x.startswith("error:"))
    assert line.startswith("error: every model failed, no page written: ")
    assert line.count("has no answer") == 2 and "the other runs are stored" not in res.output
    assert "sim/steady?outside=0.8" in line and "sim/biased?outside=0.9" in line
    assert not out.exists() or not list(out.iterdir())


@pytest.mark.parametrize("args", [
    ["compare", "a", "a"],
    ["compare", "a", "b", "a"],
    ["shape", "-m", "sim/steady", "-m", "sim/steady"],
    ["shape", "-m", "sim/steady", "-i", "bfi44", "-i", "bfi44"],
    ["audit", "-m", "sim/steady", "-m", "sim/steady"],
    ["audit", "-m", "sim/steady", "-i", "bfi44", "-i", "bfi44"],
])
def test_a_value_given_twice_is_the_same_error_in_every_command(tmp_path, args):
    db = tmp_path / "runs.db"
    res = runner.invoke(app, [*args, "--db", f"sqlite:///{db}"])
    assert res.exit_code == 1, res.output
    assert re.fullmatch(r"error: (run|--model|--inventory) \S+ is given twice: give each once\n", res.output), \
        res.output
    assert not db.exists()


def test_shape_with_several_models_is_refused_in_one_line_with_exit_2(tmp_path):
    res = runner.invoke(app, ["shape", "-m", "sim/steady", "-m", "sim/biased", "--dry-run"])
    assert res.exit_code == 2, res.output
    assert res.output == ("error: shape takes one --model (got sim/steady, sim/biased): run one shape command per "
                          "model\n")


def test_the_failure_line_gives_the_command_that_resumes_with_its_store(audited):
    res, db, _ = audited
    assert ("re-run the same command to resume: psychometrics audit --model sim/steady --model sim/biased --model "
            "sim/acquiescent --model 'sim/steady?outside=0.8' --templates instruct,qa --mode logprobs "
            f"--db {db} --limit-items 10 --n-boot 0 --out ") in " ".join(res.output.split())
