"""Zero waste: one request per planned cell in log-prob mode, none for a finished audit or a dry run.

(An audit killed and resumed asks only the missing cells: see ``test_kill_resume.py``.)
"""

from __future__ import annotations

import pytest

from psychometrics.administer import audit
from psychometrics.administer._fastpath import ENV_SWITCH
from tests.support.openai_server import OpenAIServer


@pytest.mark.parametrize("fast", ["1", "0"], ids=["fast-path", "litellm"])
@pytest.mark.parametrize("mode", ["logprobs", "auto"])
def test_one_request_per_cell_then_none(db, monkeypatch, fast, mode):
    monkeypatch.setenv(ENV_SWITCH, fast)
    kwargs = dict(templates="all", orders=["original", "reversed"], samples=2, mode=mode, db=db, limit_items=5,
                  concurrency=16)
    with OpenAIServer() as server:
        dry = audit("openai/test-model", ["bfi44", "sd3"], api_base=server.api_base, dry_run=True, **kwargs)
        assert server.requests == 0
        first = audit("openai/test-model", ["bfi44", "sd3"], api_base=server.api_base, **kwargs)
        n = len(first.plan.cells)
        assert n == len(dry.plan.cells) == 2 * 5 * 3 * 2 * 2
        assert server.requests == first.tally.requests == n  # exactly one per planned cell
        assert first.run.counts == {"ok": n} and first.run.mode_used == "logprobs"
        again = audit("openai/test-model", ["bfi44", "sd3"], api_base=server.api_base, **kwargs)
        resumed = audit(resume=first.run.run_id, db=db, api_base=server.api_base)
        assert server.requests == n  # a finished audit asks nothing, however it is re-run
    assert again.tally.requests == 0 and again.already_answered == n
    assert resumed.tally.requests == 0 and resumed.run.counts == {"ok": n}
