"""``batch: true`` in a schedule plan's limits: every version is asked through the provider's batch API."""

from __future__ import annotations

from typer.testing import CliRunner

from psychometrics.cli import app
from psychometrics.schedule import ScheduleSummary
from tests.support.batch_server import BatchServer


def test_a_batch_schedule_asks_every_version_in_batches_and_none_synchronously(tmp_path, write_plan):
    with BatchServer() as server:
        server.config.engine.models = ["v1", "v2"]
        plan = write_plan(f"""\
            name: batched
            db: sqlite:///audits.db
            inventories: [bfi44]
            api_base: "{server.api_base}"
            models: [openai/v1, openai/v2]
            design: {{templates: [instruct], orders: [original, reversed], limit_items: 4, mode: logprobs}}
            limits: {{batch: true, poll_interval: 0.02}}
            """)
        result = CliRunner().invoke(app, ["schedule", str(plan), "--out", str(tmp_path / "out"), "--no-reports"])
        summary = ScheduleSummary.from_json((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
        assert server.sync_requests == 0
        assert len(server.batches) == 2 and server.engine.stats()["requests"] == 2 * 4 * 2
        again = CliRunner().invoke(app, ["schedule", str(plan), "--out", str(tmp_path / "out"), "--no-reports"])
        assert len(server.batches) == 2  # a re-run reuses every stored answer
    assert result.exit_code in (0, 3, 4), result.output
    assert again.exit_code == result.exit_code
    assert [v.model for v in summary.versions] == ["openai/v1", "openai/v2"]
    assert all(v.counts == {"ok": 8} for v in summary.versions)


def test_a_batch_plan_with_a_model_without_a_batch_api_is_refused_at_validation(tmp_path, write_plan):
    plan = write_plan("""\
        name: batched
        inventories: [bfi44]
        models:
          - openai/v1
          - sim/default
          - local/gemma-3-270m
        limits: {batch: true}
        """)
    result = CliRunner().invoke(app, ["schedule", str(plan), "--out", str(tmp_path / "out"), "--no-reports"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{plan}:5: limits.batch is true but 'sim/default' has no batch API (it runs in this process); batches go to "
        "openai, azure, vertex_ai, bedrock, hosted_vllm, litellm_proxy, mistral: drop batch or this model",
        f"{plan}:6: limits.batch is true but 'local/gemma-3-270m' has no batch API (it runs in this process); batches "
        "go to openai, azure, vertex_ai, bedrock, hosted_vllm, litellm_proxy, mistral: drop batch or this model"]
    assert not (tmp_path / "out").exists() and not (tmp_path / "psychometrics.db").exists()
