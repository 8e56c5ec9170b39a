"""A batch audit whose lines a real model answers: llama-cpp-python's own server (``python -m llama_cpp.server``,
the embedded Gemma 3 270M) behind the files + batches test server. The batch path must store what the synchronous
path stores when it asks that server directly."""

from __future__ import annotations

import pytest

from psychometrics.administer import BatchOptions
from psychometrics.store import Store
from tests.support.batch_server import BatchServer
from tests.support.no_answer import audit_run

KW = dict(inventories=["bfi44"], templates=["instruct"], orders=["original", "reversed"], limit_items=3,
          mode="generate", max_tokens=4, concurrency=2)


@pytest.mark.embedded
@pytest.mark.slow
def test_batch_records_equal_synchronous_records_from_llama_cpp_server(tmp_path, gemma_server_own_layout):
    # llama_cpp.server answers any model name with its one model. Served with the weights in the GGUF's own layout,
    # its numbers do not depend on the prompt that came before (the stock server's do, by a few hundredths, and
    # the batch path sends the prompts in another order than the synchronous one: a greedy 4-token reply then
    # flipped in 1 of 6 cells)
    llama = gemma_server_own_layout
    # 4 tokens may hold no answer in any cell (then the audit raises, exit 1): the records are compared either way
    sync = audit_run("openai/gemma", api_base=llama.api_base, db=f"sqlite:///{tmp_path / 'sync.db'}", **KW)
    with BatchServer(engine_api_base=llama.api_base) as server:
        batch = audit_run("openai/gemma", api_base=server.api_base, db=f"sqlite:///{tmp_path / 'batch.db'}",
                          batch=True, batch_options=BatchOptions(poll_interval=0.05, max_poll_interval=0.2,
                                                                 max_lines=4), **KW)
        assert server.sync_requests == 0 and len(server.batches) == 2
    key = lambda r: (r.item, r.template, r.order)  # noqa: E731 - the cell ids differ by endpoint
    with Store(f"sqlite:///{tmp_path / 'sync.db'}") as store:
        expected = {key(r): r for r in store.iter_responses(sync.run.run_id)}
    with Store(f"sqlite:///{tmp_path / 'batch.db'}") as store:
        got = {key(r): r for r in store.iter_responses(batch.run.run_id)}
    assert len(got) == len(expected) == 3 * 2
    assert batch.run.counts == sync.run.counts and "error" not in sync.run.counts
    for k, r in got.items():
        s = expected[k]
        assert s.raw_text  # the model said something
        assert (r.status, r.mode, r.value, r.raw_text, r.error, r.parse_rule, r.prompt_tokens, r.completion_tokens,
                r.finish_reason) == (s.status, s.mode, s.value, s.raw_text, s.error, s.parse_rule, s.prompt_tokens,
                                     s.completion_tokens, s.finish_reason)
