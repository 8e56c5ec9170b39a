"""The paced audit against a rate-limited server: far fewer 429s than a flood at the same concurrency, every cell
stored once. The server is the test server behind a token bucket (``tests/support/token_bucket.py``) that
answers 429 beyond it and states its limit in every reply, as OpenAI and Anthropic do. Nothing here is timed:
``benchmarks/bench_pacing.py`` measures the rate.
"""

from __future__ import annotations

import pytest

from psychometrics.administer import audit
from psychometrics.administer._retry import RetryPolicy
from psychometrics.store import Store
from tests.support.openai_server import OpenAIServer, ServerConfig
from tests.support.token_bucket import TokenBucket

RATE, BURST, CONCURRENCY = 50.0, 10.0, 32
PLAN = dict(orders=["original", "reversed"], mode="logprobs", limit_items=40)
PATIENT = RetryPolicy(retries=100, base_delay=0.01, max_delay=0.05)
"""Enough retries that a flood, too, ends with every cell answered."""


def _audit(tmp_path, name, *, pacing, style="openai"):
    bucket = TokenBucket(RATE, BURST, style=style)
    with OpenAIServer(ServerConfig(latency=0.05, bucket=bucket)) as server:
        result = audit("openai/test-model", ["bfi44"], api_base=server.api_base, db=str(tmp_path / f"{name}.db"),
                       concurrency=CONCURRENCY, pacing=pacing, retry_policy=PATIENT, **PLAN)
        statuses = dict(server.statuses)
    with Store(str(tmp_path / f"{name}.db"), create=False) as store:
        stored = [r for r in store.iter_responses(result.run.run_id)]
    return result, statuses, stored, bucket


def _every_cell_once(result, statuses, stored):
    cells = {c.cell_id for c in result.plan.cells}
    assert sorted(r.cell_id for r in stored) == sorted(cells)  # one response per cell, none twice
    assert all(r.status == "ok" for r in stored)
    assert statuses.get(200) == len(cells)  # the server answered each cell once


@pytest.fixture(scope="module")
def flood(tmp_path_factory):
    """Today's fixed concurrency against the bucket: ``CONCURRENCY`` in flight, only the 429s' waits pace it."""
    result, statuses, stored, bucket = _audit(tmp_path_factory.mktemp("flood"), "flood", pacing=False)
    _every_cell_once(result, statuses, stored)
    assert statuses.get(429, 0) == bucket.refused >= len(result.plan.cells) / 4  # many requests beyond the bucket
    return result, statuses


@pytest.mark.parametrize(("style", "fast"), [("openai", "1"), ("openai", "0"), ("anthropic", "1")],
                         ids=["openai-fast-path", "openai-litellm", "anthropic-headers"])
def test_paced_audit_gets_far_fewer_429s_than_a_flood(tmp_path, monkeypatch, flood, style, fast):
    monkeypatch.setenv("PSYCHOMETRICS_FAST_PATH", fast)
    paced, statuses, stored, bucket = _audit(tmp_path, "paced", pacing=True, style=style)
    flood_result, flood_statuses = flood

    assert len(paced.plan.cells) == len(flood_result.plan.cells) >= 150
    _every_cell_once(paced, statuses, stored)
    assert statuses.get(429, 0) == bucket.refused <= flood_statuses[429] / 5
    assert paced.tally.pace.stated_rate == pytest.approx(RATE)  # the rate the replies stated was read
    assert paced.tally.pace.rate_limited == bucket.refused
