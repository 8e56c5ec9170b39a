"""A run whose every reply holds no answer (all invalid) is not a success: AuditError, exit 1, replies kept."""

from __future__ import annotations

import pytest

from psychometrics.administer import AuditError, audit
from psychometrics.store import Store
from tests.support.openai_server import OpenAIServer, ServerConfig

OFF_SCALE = ServerConfig(choose=lambda prompt, labels: "Z")  # a label no item offers


def test_a_run_with_only_invalid_replies_raises_and_keeps_them(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with OpenAIServer(OFF_SCALE) as server:
        with pytest.raises(AuditError, match=r"has no answer: of its 6 cells 6 replies hold no answer"):
            audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original", "reversed"],
                  limit_items=3, mode="generate", api_base=server.api_base, db=db)
    with Store(db) as store:
        (run,) = store.list_runs()
        statuses = [r.status for r in store.iter_responses(run.run_id)]
    assert statuses == ["invalid"] * 6 and run.status == "finished"


def test_the_cli_exits_1_with_one_line(tmp_path):
    from typer.testing import CliRunner

    from psychometrics.cli import app

    with OpenAIServer(OFF_SCALE) as server:
        result = CliRunner().invoke(app, ["audit", "--model", "openai/test-model", "-i", "bfi44", "--templates",
                                          "instruct", "--orders", "original", "--limit-items", "2", "--mode",
                                          "generate", "--api-base", server.api_base, "--db",
                                          f"sqlite:///{tmp_path / 'runs.db'}", "--no-report"],
                                    env={"OPENAI_API_KEY": "sk-test"})
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "has no answer" in errors[0] and "Traceback" not in result.output
