"""Several models at once (issue 15): the same design in one run per model, every model checked before anything
is asked, a failing model that does not lose the others, and the matrix across the runs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import psychometrics
from psychometrics.administer import AuditError, audit_models
from psychometrics.score import run_matrix, score
from psychometrics.store import Store

DESIGN = dict(templates=["instruct", "qa", "short"], orders=["original", "reversed"], samples=2, limit_items=15,
              mode="logprobs")
NO_ANSWER = "sim/steady?outside=0.8"
"""Log-probs with 80% of the mass outside the option labels: every cell is invalid, the audit raises AuditError."""


@pytest.fixture(scope="module")
def several(tmp_path_factory):
    db = f"sqlite:///{tmp_path_factory.mktemp('models') / 'runs.db'}"
    lines: list[str] = []
    done = audit_models(["sim/steady", "sim/biased", "sim/acquiescent", NO_ANSWER], ["bfi44"], db=db,
                        log=lines.append, **DESIGN)
    return done, db, lines


def test_each_model_gets_its_own_run_with_the_same_design(several):
    done, db, lines = several
    assert list(done.run_ids) == ["sim/steady", "sim/biased", "sim/acquiescent", NO_ANSWER]
    assert len(set(done.run_ids.values())) == 4
    with Store(db, create=False) as store:
        runs = [store.get_run(r) for r in done.run_ids.values()]
    assert [r.model for r in runs] == list(done.run_ids)
    assert len({r.design.model_dump_json() for r in runs}) == 1
    assert all(r.n_cells == 15 * 3 * 2 * 2 for r in runs)
    assert "model 2 of 4: sim/biased" in lines


def test_a_model_without_answers_is_a_failure_that_loses_no_other_run(several):
    done, db, _ = several
    assert not done.ok
    assert list(done.failures) == [NO_ANSWER] and "has no answer" in done.failures[NO_ANSWER]
    assert set(done.results) == {"sim/steady", "sim/biased", "sim/acquiescent"}
    for model in done.results:
        counts = done.results[model].run.counts
        assert counts.get("ok") == 180, (model, counts)
    with Store(db, create=False) as store:  # the failed run keeps its replies
        assert store.get_run(done.run_ids[NO_ANSWER]).counts == {"invalid": 180}


def test_the_matrix_sets_each_run_beside_the_others_and_matches_each_runs_own_scores(several):
    done, db, _ = several
    mx = done.matrix(n_boot=0)
    assert mx.run_ids == list(done.run_ids.values()) and mx.same_design
    assert [r.failure is not None for r in mx.runs] == [False, False, False, True]
    assert {s.scale for s in mx.scales} == {"extraversion", "agreeableness", "conscientiousness", "neuroticism",
                                            "openness"}
    steady = score(done.run_ids["sim/steady"], db=db, n_boot=0)
    for s in mx.scales:
        own = next(x for x in steady.scales if x.scale == s.scale)
        assert s.entries[0].mean == pytest.approx(own.mean)
        assert s.entries[0].interpretable is not False  # follows the items' content (readable or uncertain)
        assert s.entries[1].interpretable is False  # sim/biased picks the first option shown
        assert any("position" in why for why in s.entries[1].interpretability_reasons)
        assert math.isnan(s.entries[3].mean) and s.entries[3].readability is None
    # the position-following model's order shift is large and its trait-following peer's small
    shifts = [abs(s.entries[1].order_shift) for s in mx.scales]
    assert min(shifts) > 1.0 > max(abs(s.entries[0].order_shift) for s in mx.scales)
    frame = mx.to_frame()
    assert len(frame) == 4 * 5 and set(frame["model"]) == set(done.run_ids)


def test_the_same_call_resumes_every_run_without_asking_again(several):
    done, db, _ = several
    again = audit_models(["sim/steady", "sim/biased"], ["bfi44"], db=db, **DESIGN)
    assert again.ok and again.run_ids == {m: done.run_ids[m] for m in ("sim/steady", "sim/biased")}
    assert all(r.tally is not None and r.tally.requests == 0 for r in again.results.values())


def test_every_model_is_checked_before_anything_is_asked(tmp_path):
    db = tmp_path / "runs.db"
    with pytest.raises(AuditError) as raised:
        audit_models(["sim/steady", "sim/stedy", "local/gemma-3-27m"], ["bfi44"], db=f"sqlite:///{db}")
    text = str(raised.value)
    assert "did you mean 'steady'?" in text and "did you mean 'gemma-3-270m'?" in text
    assert "nothing was asked of any model" in text
    assert not db.exists()


@pytest.mark.parametrize("models,options,message", [
    (["sim/steady", "sim/biased", "sim/steady"], {}, "sim/steady is given twice"),
    (["sim/steady", "sim/biased"], {"run_id": "mine"}, "--run-id names one run"),
    (["sim/steady", "sim/biased"], {"resume": "mine"}, "--resume names one run"),
    ([], {}, "give at least one model"),
])
def test_bad_model_lists_are_refused(tmp_path, models, options, message):
    with pytest.raises(AuditError, match=message):
        audit_models(models, ["bfi44"], db=f"sqlite:///{tmp_path / 'r.db'}", **options)
    assert not (tmp_path / "r.db").exists()


def test_run_matrix_refuses_a_run_given_twice_and_an_unknown_run(several):
    done, db, _ = several
    steady = done.run_ids["sim/steady"]
    with pytest.raises(ValueError, match="given twice"):
        run_matrix([steady, steady], db=db)
    with pytest.raises(LookupError, match="nope"):
        run_matrix([steady, "nope"], db=db)


def test_the_public_api_names_it():
    assert "audit_models" in psychometrics.__all__ and psychometrics.audit_models is audit_models
    assert {"run_matrix", "RunMatrix", "write_matrix_report", "ModelAudits"} <= set(dir(psychometrics))


@pytest.mark.embedded
def test_the_embedded_model_beside_a_sim_model(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    done = audit_models(["local/gemma-3-270m", "sim/steady"], ["bfi44"], db=db, templates=["instruct"],
                        orders=["original", "reversed"], limit_items=5)
    assert set(done.run_ids) == {"local/gemma-3-270m", "sim/steady"}
    assert done.results["sim/steady"].run.counts.get("ok") == 10
    mx = done.matrix(n_boot=0)
    assert [r.side.model for r in mx.runs] == ["local/gemma-3-270m", "sim/steady"]
    gemma = mx.runs[0]
    assert gemma.side.n_responses == 10 and gemma.n_cells == 10
    from psychometrics.report import write_matrix_report

    page = write_matrix_report(mx, out=tmp_path)
    html = Path(page).read_text(encoding="utf-8")
    assert "local/gemma-3-270m" in html and "sim/steady" in html


# --- closing round of issue 15 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("call,message", [
    (lambda: audit_models("sim/steady"), r"models must be a list of strings, e.g. \['sim/steady'\]"),
    (lambda: audit_models(["sim/steady"], "bfi44"), r"inventories must be a list of strings, e.g. \['bfi44'\]"),
    (lambda: audit_models(["sim/steady"], n_boot=0), r"unknown option n_boot: .*ModelAudits.matrix"),
    (lambda: audit_models(["sim/steady"], limit_item=3), r"unknown option limit_item \(did you mean 'limit_items'"),
])
def test_public_api_misuse_is_a_type_error_naming_the_argument(tmp_path, monkeypatch, call, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError, match=message):
        call()
    assert not list(tmp_path.iterdir())  # nothing was asked or stored


def test_api_base_applies_only_to_the_models_asked_at_an_endpoint(tmp_path):
    from tests.support.openai_server import OpenAIServer

    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with OpenAIServer() as server:
        done = audit_models(["sim/steady", "openai/test-model"], ["bfi44"], db=db, api_base=server.api_base,
                            templates=["instruct"], orders=["original"], limit_items=4)
        asked = server.requests
    assert done.ok and asked == 4  # the sim model was not sent there
    with Store(db, create=False) as store:
        assert store.get_run(done.run_ids["sim/steady"]).api_base is None
        assert store.get_run(done.run_ids["openai/test-model"]).api_base == server.api_base
    with pytest.raises(AuditError, match=r"--api-base: none of sim/steady, sim/biased is asked at an endpoint"):
        audit_models(["sim/steady", "sim/biased"], ["bfi44"], db=db, api_base="http://127.0.0.1:9/v1")


def test_finished_runs_are_not_contacted_again_so_a_dead_endpoint_does_not_block_their_page(tmp_path):
    from typer.testing import CliRunner

    from psychometrics.cli import app
    from tests.support.openai_server import OpenAIServer

    db = f"sqlite:///{tmp_path / 'runs.db'}"
    args = ["audit", "-m", "sim/steady", "-m", "openai/test-model", "--templates", "instruct,qa", "--limit-items",
            "4", "--db", db, "--n-boot", "0", "--out", str(tmp_path / "pages")]
    with OpenAIServer() as server:
        first = CliRunner().invoke(app, [*args, "--api-base", server.api_base])
        dead = server.api_base
    assert first.exit_code == 0, first.output
    (tmp_path / "pages").rename(tmp_path / "before")
    again = CliRunner().invoke(app, [*args, "--api-base", dead])  # the server is gone
    assert again.exit_code == 0, again.output
    assert again.output.count("nothing to ask") == 2
    assert any(p.name.startswith("matrix-") for p in (tmp_path / "pages").iterdir())


def test_ctrl_c_writes_the_page_of_the_finished_runs_says_which_did_not_and_how_to_resume(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from tests.robustness.conftest import ROOT, cli_env
    from tests.support.openai_server import OpenAIServer, ServerConfig

    db = f"sqlite:///{tmp_path / 'runs.db'}"
    out = tmp_path / "pages"
    with OpenAIServer(ServerConfig(behaviour=lambda n, prompt: "hang", hang_seconds=60)) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "psychometrics", "audit", "-m", "sim/steady", "-m", "openai/test-model",
             "-m", "sim/biased", "--api-base", server.api_base, "--templates", "instruct", "--limit-items", "4",
             "--db", db, "--n-boot", "0", "--out", str(out), "--timeout", "60"],
            env=cli_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            # Ctrl-C as a terminal sends it: a background job of a non-interactive shell (a CI script's `cmd &`)
            # inherits SIGINT ignored, and Python then keeps ignoring it
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 120
        while server.requests == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, (stdout, stderr)
    assert "interrupted: openai/test-model and sim/biased did not finish" in stderr
    assert "resume with: psychometrics audit --model sim/steady --model openai/test-model --model sim/biased" in stderr
    assert f"--db {db}" in stderr and "Traceback" not in stderr
    pages = sorted(p.name for p in out.iterdir())
    assert sum(p.startswith("matrix-") for p in pages) == 1 and len(pages) == 2  # sim/steady's page and the matrix
    assert "sim-steady-" in stdout and "sim-biased-" not in stdout
