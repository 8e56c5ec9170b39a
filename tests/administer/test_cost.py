"""--dry-run estimates requests, tokens and cost from litellm's local price map; --max-cost stops an audit before
it spends more, stores what it has and resumes on a re-run (issue 15)."""

from __future__ import annotations

import math

import pytest

from psychometrics.administer import CostLimitError, audit
from psychometrics.store import Store
from tests.support.openai_server import OpenAIServer

DESIGN = dict(templates=["instruct"], orders=["original", "reversed"], limit_items=10, mode="logprobs")


def test_dry_run_prices_a_mapped_model_from_the_price_map_and_says_when_it_cannot():
    import litellm
    import tiktoken

    result = audit("openai/gpt-4o-mini", ["bfi44"], dry_run=True, **DESIGN)
    est = result.estimate
    enc = tiktoken.get_encoding("o200k_base")  # gpt-4o-mini's tokenizer, counted here without litellm
    tokens = sum(len(enc.encode(c.prompt)) for c in result.plan.cells)
    price = litellm.model_cost["gpt-4o-mini"]
    # log-prob mode asks for 3 tokens per request (the label may follow an opening such as "(")
    assert est.requests == 20 and est.completion_tokens == 60
    assert est.prompt_tokens == tokens
    assert est.cost_usd == pytest.approx(tokens * price["input_cost_per_token"] + 60 * price["output_cost_per_token"])

    unpriced = audit("openai/my-finetune", ["bfi44"], dry_run=True, api_base=None, **DESIGN).estimate
    assert math.isnan(unpriced.cost_usd) and "no price" in unpriced.reason
    assert audit("sim/steady", ["bfi44"], dry_run=True, **DESIGN).estimate.cost_usd == 0.0


def test_max_cost_stops_stores_and_resumes(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    with OpenAIServer() as server:
        kwargs = dict(api_base=server.api_base, db=db, run_id="priced", concurrency=1, **DESIGN)
        one = audit("openai/gpt-4o-mini", ["bfi44"], dry_run=True, **DESIGN).estimate.cost_usd / 20
        with pytest.raises(CostLimitError, match="stopped at the cost limit") as stopped:
            audit("openai/gpt-4o-mini", ["bfi44"], max_cost=one * 5.5, **kwargs)
        assert "resume" in str(stopped.value)
        with Store(db) as store:
            run = store.get_run("priced")
            answered = len(list(store.iter_responses("priced")))
        assert run.status == "interrupted"
        assert 5 <= answered < 20 and server.requests == answered  # one in flight at most: concurrency 1
        assert run.cost_usd >= one * 5.5 * 0.5
        again = audit("openai/gpt-4o-mini", ["bfi44"], max_cost=1.0, **kwargs)
        assert again.already_answered == answered and again.run.status == "finished"
        assert server.requests == 20  # only the missing cells were asked
