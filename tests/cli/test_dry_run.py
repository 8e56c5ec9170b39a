"""``audit --dry-run`` refuses what the real run refuses, with the same one line and exit code."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from psychometrics.cli import app

runner = CliRunner()


@pytest.mark.parametrize(("model", "prompt_format", "message"), [
    ("local/gemma-3-270m", "chat", "base model without a chat template"),
    ("text-completion-openai/m", "chat", "is a text-completion route"),
    ("anthropic/claude-3-5-haiku-20241022", "completion", "sends anthropic/… requests as chat messages"),
])
def test_dry_run_refuses_a_prompt_format_the_provider_cannot_take(tmp_path, model, prompt_format, message):
    args = ["audit", "-m", model, "-i", "bfi44", "--limit-items", "1", "--prompt-format", prompt_format,
            "--api-base", "http://127.0.0.1:9/v1", "--db", str(tmp_path / "runs.db"), "--out", str(tmp_path)]
    real = runner.invoke(app, args)
    dry = runner.invoke(app, [*args, "--dry-run"])
    assert real.exit_code == dry.exit_code == 1
    assert message in real.output and dry.output == real.output
    assert len(dry.output.strip().splitlines()) == 1 and "Traceback" not in dry.output
    assert "dry run: nothing was asked" not in dry.output
    assert not (tmp_path / "runs.db").exists()


def test_dry_run_refuses_a_reasoning_effort_the_model_cannot_take(tmp_path, monkeypatch):
    # found by a newcomer: the real run refuses it, the dry run printed a plan and exited 0
    from typer.testing import CliRunner

    from psychometrics.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["audit", "--model", "local/gemma-3-270m", "--reasoning-effort", "high",
                                      "--dry-run", "--limit-items", "2"])
    assert result.exit_code == 1, result.output
    assert "--reasoning-effort does not apply to local/gemma-3-270m" in result.stderr
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1"])
@pytest.mark.parametrize("dry", [True, False])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_refused(tmp_path, value, dry):
    """`--timeout inf` and `nan` were accepted and then failed cell by cell ("cannot convert float infinity to
    integer") with exit 0; they are refused with one line before anything is asked, as 0 and -1 were."""
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    args = ["audit", "--model", "sim/steady", "-i", "bfi44", "--limit-items", "1", "--timeout", value, "--db", db,
            "--no-report"] + (["--dry-run"] if dry else [])
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, res.output
    text = " ".join(res.output.split())
    assert "--timeout must be a positive number of seconds" in text and "Traceback" not in res.output
    assert not (tmp_path / "runs.db").exists()
