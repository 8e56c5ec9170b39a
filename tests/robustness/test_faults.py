"""A misbehaving endpoint: 20% 429 (with Retry-After), 5% 500 and 3% hangs. The audit finishes regardless."""

from __future__ import annotations

import re
import sqlite3

import pytest

from psychometrics.administer._retry import is_retryable, retry_after
from psychometrics.administer._runner import RATE_LIMITED_RETRIES
from tests.robustness.conftest import run_cli
from tests.support.openai_server import OpenAIServer, ServerConfig, seeded_behaviour

RETRIES = 2


@pytest.mark.slow
def test_faulty_server_every_cell_ends_ok_or_error_and_retries_are_bounded(tmp_path):
    faults = seeded_behaviour(8, p429=0.20, p500=0.05, phang=0.03)

    def behaviour(n: int, prompt: str) -> str:
        return "500" if "is talkative" in prompt else faults(n, prompt)  # some cells must fail for good

    db_file = tmp_path / "faults.db"
    with OpenAIServer(ServerConfig(behaviour=behaviour, retry_after=0.05, hang_seconds=60)) as server:
        done = run_cli("audit", "--model", "openai/test-model", "--api-base", server.api_base,
                       "--db", f"sqlite:///{db_file}", "--inventory", "bfi44", "--templates", "all",
                       "--orders", "original,reversed", "--mode", "logprobs", "--concurrency", "16",
                       "--timeout", "1", "--retries", str(RETRIES), "--run-id", "faults", "--no-report")
        requests, statuses = server.requests, dict(server.statuses)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    with sqlite3.connect(db_file) as conn:
        planned = {c for (c,) in conn.execute("SELECT cell_id FROM run_cells WHERE run_id = 'faults'")}
        rows = conn.execute("SELECT cell_id, status, error, attempts FROM responses").fetchall()
    assert len(planned) == 44 * 3 * 2
    assert sorted(c for c, *_ in rows) == sorted(planned)  # every cell exactly once
    assert {s for _, s, _, _ in rows} <= {"ok", "error"}
    errors = [(e, a) for _, s, e, a in rows if s == "error"]
    assert len(errors) >= 6  # the always-failing item, under 3 templates x 2 orders
    for reason, attempts in errors:
        # the reason is stored, in words; a 429 states its wait (Retry-After), which is waited out, not failed
        assert reason and re.search(r"500|timed out", reason), reason
        assert RETRIES + 1 <= attempts <= RETRIES + 1 + RATE_LIMITED_RETRIES
    assert all(1 <= a <= RETRIES + 1 + RATE_LIMITED_RETRIES for *_, a in rows)  # retries are bounded...
    assert requests == sum(a for *_, a in rows)  # ...and every attempt is one request, nothing more
    assert statuses.get(429, 0) > 0 and statuses.get(500, 0) > 0
    # The summary says how many failed.
    assert re.search(rf"\b{len(errors)} error\b", done.stdout), done.stdout


@pytest.mark.parametrize("fast", ["1", "0"])
def test_retry_after_is_read_from_litellm_errors(monkeypatch, db, fast):
    """A 429's Retry-After reaches the retry policy on both paths (litellm keeps it on litellm_response_headers)."""
    import asyncio

    from psychometrics.administer._call import CallOptions, call_model
    from psychometrics.administer._fastpath import FastPath
    from psychometrics.plan import build_plan
    from psychometrics.plan._model import GenerationSettings

    monkeypatch.setenv("PSYCHOMETRICS_FAST_PATH", fast)
    cell = build_plan(model="openai/test-model", inventories=["bfi44"], limit_items=1).cells[0]
    with OpenAIServer(ServerConfig(behaviour=lambda n, p: "429", retry_after=7)) as server:
        opts = CallOptions(model="openai/test-model", settings=GenerationSettings(), api_base=server.api_base,
                           api_key="not-needed", timeout=10,
                           fast=FastPath.for_model("openai/test-model", "openai", server.api_base, "not-needed",
                                                   concurrency=1))

        async def ask() -> BaseException:
            try:
                await call_model(cell, "generate", opts)
            except Exception as exc:  # noqa: BLE001
                return exc
            finally:
                if opts.fast is not None:
                    await opts.fast.close()
            raise AssertionError("no error")

        exc = asyncio.run(ask())
    assert is_retryable(exc) and retry_after(exc) == 7.0
