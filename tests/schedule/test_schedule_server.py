"""Versions discovered on a real OpenAI-compatible server on 127.0.0.1, which answers differently per model."""

from __future__ import annotations

from typer.testing import CliRunner

from psychometrics.cli import app
from psychometrics.schedule import Discover, ScheduleSummary, list_models
from tests.support.openai_server import OpenAIServer, ServerConfig, default_choice

CREATED = {"assistant-b": 1_700_000_000, "assistant-a": 1_700_000_500, "assistant-c": 1_700_000_500}


def _choose(model: str, prompt: str, labels: list[str]) -> str:
    # assistant-c always picks the last option shown: a pure position bias, so its answers flip with the order.
    return labels[-1] if model == "assistant-c" else default_choice(prompt, labels)


def _server(models: list[str]) -> OpenAIServer:
    return OpenAIServer(ServerConfig(models=models, model_created=CREATED, choose_for_model=_choose))


def _plan(write_plan, api_base: str, design: str, match: str = "assistant-*"):
    return write_plan(f"""\
        name: discovered
        db: sqlite:///audits.db
        inventories: [bfi44]
        design: {design}
        discover: {{api_base: "{api_base}", match: "{match}"}}
        """)


def _run(plan, out):
    result = CliRunner().invoke(app, ["schedule", str(plan), "--out", str(out), "--no-reports"])
    return result, ScheduleSummary.from_json((out / "summary.json").read_text(encoding="utf-8"))


def test_discovery_orders_by_created_then_id_and_filters_by_glob():
    with _server(["other-model", "assistant-c", "assistant-a", "assistant-b"]) as server:
        found = list_models(Discover(api_base=server.api_base, match="assistant-*"))
        everything = list_models(Discover(api_base=server.api_base))
    assert [(m.id, m.created) for m in found] == [
        ("assistant-b", 1_700_000_000), ("assistant-a", 1_700_000_500), ("assistant-c", 1_700_000_500)]
    assert [m.id for m in everything] == ["other-model", "assistant-b", "assistant-a", "assistant-c"]
    assert found[0].entry(server.api_base).model == "openai/assistant-b"


def test_discovered_versions_drift_and_a_rerun_makes_no_calls(tmp_path, write_plan):
    design = "{templates: all, orders: [original, reversed], samples: 2, limit_items: 10, mode: logprobs}"
    with _server(["other-model", "assistant-c", "assistant-a", "assistant-b"]) as server:
        plan = _plan(write_plan, server.api_base, design)
        result, summary = _run(plan, tmp_path / "out")
        asked = server.requests
        assert result.exit_code == 3, result.output + result.stderr
        assert asked == 3 * 10 * 3 * 2 * 2 == summary.requests
        assert [(v.model, v.source, v.api_base) for v in summary.versions] == [
            (f"openai/assistant-{x}", "discovered", server.api_base) for x in "bac"]

        again, second = _run(plan, tmp_path / "out")
        assert server.requests == asked  # nothing asked again
        assert again.exit_code == 3 and second.requests == 0
    first_ab, first_ac = summary.comparisons
    assert (first_ab.baseline_model, first_ab.model) == ("openai/assistant-b", "openai/assistant-a")
    assert not first_ab.drift  # the same answers
    assert all(c.size == 0 for c in first_ab.checks if c.kind == "scale_shift")
    assert (first_ac.baseline_model, first_ac.model) == ("openai/assistant-a", "openai/assistant-c")
    kinds = {(f.kind, f.scale) for f in summary.findings}
    assert {k for k, _ in kinds} >= {"order_sensitivity_rise"}
    order = [f for f in summary.findings if f.kind == "order_sensitivity_rise"]
    assert len(order) >= 3 and all(f.value == 1.0 and f.ci_low > 0 and f.size >= 0.2 for f in order)
    assert [f.model_dump() for f in second.findings] == [f.model_dump() for f in summary.findings]


def test_discovered_versions_that_answer_alike_find_no_drift(tmp_path, write_plan):
    # 4 respondents per version find no drift but cannot show there is none: exit 4, inconclusive (issue 14)
    design = "{templates: [instruct], orders: [original, reversed], samples: 2, limit_items: 5}"
    with _server(["assistant-a", "assistant-b", "other"]) as server:
        result, summary = _run(_plan(write_plan, server.api_base, design), tmp_path / "out")
        assert server.requests == 2 * 5 * 2 * 2
    assert result.exit_code == 4, result.output + result.stderr
    assert summary.inconclusive and not summary.drift
    assert [c.model for c in summary.comparisons] == ["openai/assistant-a"] and not summary.findings


def test_an_unreachable_discovery_endpoint_is_one_line_and_exit_1(tmp_path, write_plan):
    plan = _plan(write_plan, "http://127.0.0.1:9/v1", "{samples: 1}")
    result = CliRunner().invoke(app, ["schedule", str(plan), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot list models at http://127.0.0.1:9/v1/models:")
    assert "Traceback" not in result.output


def test_nothing_discovered_is_an_error(tmp_path, write_plan):
    with _server(["other"]) as server:
        result = CliRunner().invoke(app, ["schedule", str(_plan(write_plan, server.api_base, "{samples: 1}")),
                                          "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "no version to audit" in result.stderr and "assistant-*" in result.stderr


def test_a_listing_token_comes_from_the_named_environment_variable(monkeypatch):
    import pytest

    from psychometrics.schedule import ScheduleError

    monkeypatch.delenv("PSYCHOMETRICS_TEST_LISTING_KEY", raising=False)
    spec = Discover(api_base="http://127.0.0.1:9/v1", api_key_env="PSYCHOMETRICS_TEST_LISTING_KEY")
    with pytest.raises(ScheduleError, match="PSYCHOMETRICS_TEST_LISTING_KEY is not set"):
        list_models(spec)
    monkeypatch.setenv("PSYCHOMETRICS_TEST_LISTING_KEY", "secret-token")
    import urllib.request

    sent = []
    real = urllib.request.urlopen

    def spy(request, *args, **kwargs):
        sent.append(request.get_header("Authorization"))
        return real(request, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", spy)
    with _server(["assistant-a"]) as server:
        found = list_models(spec.model_copy(update={"api_base": server.api_base}))
    assert [m.id for m in found] == ["assistant-a"] and sent == ["Bearer secret-token"]
