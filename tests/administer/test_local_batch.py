"""The embedded models' shared-prefix batches give the log-probs of each prompt evaluated alone (real llama.cpp)."""

from __future__ import annotations

import asyncio
import math
import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm
import pytest

from psychometrics.administer.providers import _local, register
from psychometrics.plan import build_plan

LETTERS = ("Question: You are invited to a party where you know nobody. What do you do?\n"
           "(A) Go and talk to as many people as I can\n(B) Stay at home\n(C) Go, but leave early\nAnswer:")
"""No trailing space: each letter is a path of two tokens (space, letter), so the batch holds a second sequence."""
TOLERANCE = 1e-4
"""Largest difference in a label's probability allowed between batched and alone (the bits agree when the row
layout rules in ``_prefix_batch`` hold; this is the bound the tests promise)."""


@pytest.fixture(scope="module", autouse=True)
def _registered():
    litellm.suppress_debug_info = True
    register()


def _prompts(model: str) -> list[tuple[str, list[str]]]:
    """Real BFI cells in plan order: two items in each template and order, plus a letter-label prompt."""
    cells = build_plan(model=model, inventories=["bfi44"], templates=["instruct", "qa", "short"],
                       orders=["original", "reversed"], limit_items=2).cells
    return [(c.prompt, [str(x) for x in c.labels]) for c in cells] + [(LETTERS, list("ABC"))]


async def _top(model: str, prompt: str, labels: list[str]) -> dict[str, float]:
    reply = await litellm.acompletion(
        model=model, messages=[{"role": "user", "content": prompt}], max_tokens=1, temperature=0, logprobs=True,
        top_logprobs=20, num_retries=0, metadata={"psychometrics_cell": {"labels": labels}})
    return {t.token: t.logprob for t in reply.choices[0].logprobs.content[0].top_logprobs}


@pytest.mark.embedded
@pytest.mark.parametrize("name", ["gemma-3-270m", "smollm2-135m-instruct"])
async def test_batched_log_probs_are_those_of_each_prompt_alone(name):
    model = f"local/{name}"
    prompts = _prompts(model)
    alone = [await _top(f"{model}?prefix_cache=0&batch=0", p, labels) for p, labels in prompts]
    eng = _local.engine(name)
    before = eng.tokens_evaluated
    batched = await asyncio.gather(*[_top(model, p, labels) for p, labels in prompts])
    evaluated = eng.tokens_evaluated - before
    assert eng._batch is not None and eng._batch.tokens_evaluated >= evaluated > 0
    every = sum(len(s) for p, labels in prompts for s in eng.label_query(_rendered(eng, p), labels).sequences())
    assert evaluated < 0.75 * every  # shared prefixes were evaluated once, not once per prompt
    for (_, labels), a, b in zip(prompts, alone, batched):
        assert set(labels) <= set(a) and set(labels) <= set(b)
        for label in labels:
            assert abs(math.exp(a[label]) - math.exp(b[label])) <= TOLERANCE, (label, a[label], b[label])
        assert max(labels, key=a.get) == max(labels, key=b.get)
        assert max(a, key=a.get) == max(b, key=b.get)


def _rendered(eng, prompt: str) -> str:
    return prompt if eng.chat is None else eng.chat(messages=[{"role": "user", "content": prompt}]).prompt


@pytest.mark.embedded
async def test_batched_results_do_not_depend_on_the_order_or_the_company():
    prompts = _prompts("local/gemma-3-270m")
    forward = await asyncio.gather(*[_top("local/gemma-3-270m", p, labels) for p, labels in prompts])
    backward = (await asyncio.gather(*[_top("local/gemma-3-270m", p, labels) for p, labels in prompts[::-1]]))[::-1]
    pairs = [await asyncio.gather(*[_top("local/gemma-3-270m", p, labels) for p, labels in prompts[i:i + 2]])
             for i in range(0, len(prompts), 2)]
    paired = [top for pair in pairs for top in pair]
    for (_, labels), a, b, c in zip(prompts, forward, backward, paired):
        for label in labels:
            assert a[label] == b[label] == c[label]


@pytest.mark.embedded
async def test_prompts_past_the_sliding_window_keep_the_bits_of_each_prompt_alone():
    """Gemma 3 attends over a 512-token sliding window in most layers; in the shared-prefix batch a prompt longer
    than that lost its bits (up to 0.03 in a label probability, depending on the other prompts of its group;
    newcomer, session 8). Such prompts are evaluated on their own, beside a batch of short ones."""
    eng = _local.engine("gemma-3-270m")
    assert eng.n_swa == 512
    filler = "The weather was mild and the afternoon passed quietly in the small town by the river. " * 30
    prompts = _prompts("local/gemma-3-270m")
    long = ([(filler + p, labels) for p, labels in prompts[:4]]
            + [(filler * 2 + p, labels) for p, labels in prompts[4:6]])
    assert all(len(eng.tokenize(p)) > 512 for p, _ in long)
    alone = [await _top("local/gemma-3-270m?batch=0", p, labels) for p, labels in long]
    together = await asyncio.gather(*[_top("local/gemma-3-270m", p, labels) for p, labels in long + prompts])
    for (_, labels), a, b in zip(long, alone, together):
        assert {label: a[label] for label in labels} == {label: b[label] for label in labels}


@pytest.mark.embedded
async def test_a_prompt_too_long_fails_alone_in_its_batch():
    cell_prompt, labels = _prompts("local/gemma-3-270m")[0]
    long = "word " * 5000 + "Answer: "
    results = await asyncio.gather(_top("local/gemma-3-270m", long, labels), _top("local/gemma-3-270m", cell_prompt, labels),
                                   return_exceptions=True)
    assert isinstance(results[0], litellm.BadRequestError) and "takes at most" in str(results[0])
    assert isinstance(results[1], dict) and set(labels) <= set(results[1])


@pytest.mark.embedded
async def test_generation_waiting_beside_log_prob_requests_is_answered_too():
    prompt, labels = _prompts("local/gemma-3-270m")[0]

    async def gen():
        return await litellm.acompletion(model="local/gemma-3-270m", messages=[{"role": "user", "content": prompt}],
                                         max_tokens=4, temperature=0, seed=1, num_retries=0)

    text, *tops = await asyncio.gather(gen(), *[_top("local/gemma-3-270m", prompt, labels) for _ in range(3)])
    assert text.choices[0].message.content.strip() and 1 <= text.usage.completion_tokens <= 4
    assert tops[0] == tops[1] == tops[2]
    assert (await gen()).choices[0].message.content == text.choices[0].message.content


@pytest.mark.embedded
def test_every_decode_keeps_the_row_layout_and_each_sequence_gets_one_row_of_logits():
    from psychometrics.administer.providers._prefix_batch import CALL_ROWS, MIN_ROWS, PrefixBatch

    eng = _local.engine("gemma-3-270m")
    sequences = [s for p, labels in _prompts("local/gemma-3-270m") for s in eng.label_query(p, labels).sequences()]
    with eng.lock:
        batch = PrefixBatch(eng.llm, _local.N_CTX)
        try:
            rows = batch.evaluate(sequences[:5]) + batch.evaluate(sequences[5:])
        finally:
            batch.close()
    assert len({tuple(s) for s in sequences}) == len(sequences)
    assert len(rows) == len(sequences) and batch.calls == 2
    assert batch.outputs == len(sequences)  # logits for the last token of each sequence only
    assert batch.tokens_evaluated < 0.75 * sum(map(len, sequences))
    assert batch.rows >= batch.tokens_evaluated
    assert batch.decodes * MIN_ROWS <= batch.rows <= batch.decodes * CALL_ROWS


@pytest.mark.embedded
@pytest.mark.parametrize("name", ["gemma-3-270m", "smollm2-135m-instruct"])
def test_every_row_is_computed_alone_without_padding(monkeypatch, name):
    """The weights in the GGUF's own layout and llama.cpp's tiled products off: a prompt split into decodes of
    1, 3, 7 or 48 tokens, none padded, gives the same bits (with llama.cpp's defaults, repacked weights, the
    last token's logits differ by up to 0.8 between such splits)."""
    import numpy as np

    eng = _local.engine(name)
    monkeypatch.setattr(_local, "pad_rows", lambda n: 0)
    prompt, _ = _prompts(f"local/{name}")[0]
    tokens = eng.tokenize(prompt)
    assert len(tokens) > 48
    with eng.lock:
        rows = [eng.evaluate(tokens, _local.LocalOptions(name=name, prefix_cache=False, chunk=c)).copy()
                for c in (48, 1, 3, 7)]
    for row in rows[1:]:
        assert np.array_equal(row, rows[0])
    assert os.environ.get(_local.TILED_MM) is None  # set only while the model loaded: no child process inherits it


def test_log_softmax_reusing_its_buffer_gives_the_bits_of_the_plain_formula_and_scipys_values():
    import numpy as np
    from scipy.special import log_softmax as scipy_log_softmax

    from psychometrics.administer.providers._prefix_batch import log_softmax

    rng = np.random.default_rng(3)
    scratch = np.empty(50_000)
    for _ in range(3):
        raw = (rng.standard_normal(50_000) * 4).astype(np.float32)
        x = raw.astype(np.float64)
        m = x.max()
        plain = x - (m + math.log(np.exp(x - m).sum()))
        got = log_softmax(raw, scratch)
        assert got.dtype == np.float64 and np.array_equal(got, plain)
        np.testing.assert_allclose(got, scipy_log_softmax(x), rtol=0, atol=1e-9)


@pytest.mark.parametrize("shape", ["peaked", "flat", "ties", "spiked"])
def test_likeliest_are_the_largest_entries_largest_first_ties_by_index(shape):
    import numpy as np

    rng = np.random.default_rng(5)
    row = rng.standard_normal(20_000) * {"peaked": 8.0, "flat": 0.5, "ties": 1.0, "spiked": 1.0}[shape]
    if shape == "spiked":  # one entry alone within 16 of the top: fewer than n there
        row[7] += 100.0
    if shape == "ties":  # the 3rd to 12th largest share one value, across the cut at 8
        order = np.argsort(-row)
        row[order[2:12]] = row[order[2]]
    row = row - row.max() - 1.0  # flat: thousands within 16 of the top, peaked: hundreds
    for n in (1, 8, 17):
        expected = sorted(range(len(row)), key=lambda i: (-row[i], i))[:n]
        assert _local._likeliest(row, n).tolist() == expected


def test_rows_with_logits_come_last_and_every_entry_after_its_parent():
    """A prefix tree where a wanted entry (a prompt's last token) is also the parent of others (the same prompt
    plus a label's first token): the order evaluates every parent first and puts wanted rows as late as it can."""
    from psychometrics.administer.providers._prefix_batch import _logits_last

    #        0 -> 1 -> 2*          (2: a prompt's last token, wanted)
    #                  2 -> 3*     (3: prompt + label token, wanted)
    #        0 -> 4 -> 5*
    #   -1 -> 6 -> 7*              (another cached root)
    parents = [-1, 0, 1, 2, 0, 4, -1, 6]
    wanted = {2: [0], 3: [1], 5: [2], 7: [3]}
    order = _logits_last([(0, 0)] * len(parents), parents, wanted)
    assert sorted(order) == list(range(len(parents)))
    place = {at: i for i, at in enumerate(order)}
    assert all(place[p] < place[at] for at, p in enumerate(parents) if p >= 0)
    assert order[:5] == [0, 1, 4, 6, 2] or set(order[:4]) == {0, 1, 4, 6}  # every unwanted entry first
    assert set(order[4:7]) == {2, 5, 7} and order[7] == 3  # then the wanted ones, the nested one after its parent


@pytest.mark.embedded
def test_a_group_s_logit_rows_share_one_decode_and_keep_each_prompt_s_bits():
    """32 BFI prompts in one batch: their 32 last tokens (one row of logits each, every row reading the whole
    262,144-token output matrix) go into one ``llama_decode`` instead of one per few prompts, and each row still
    has the bits of its prompt evaluated alone, whatever else the batch holds."""
    import numpy as np

    from psychometrics.administer.providers._prefix_batch import CALL_ROWS, PrefixBatch

    eng = _local.engine("gemma-3-270m")
    cells = build_plan(model="local/gemma-3-270m", inventories=["bfi44"], templates=["instruct", "qa"],
                       orders=["original"], limit_items=16).cells
    sequences = [s for c in cells for s in eng.label_query(c.prompt, [str(x) for x in c.labels]).sequences()]
    assert len(sequences) == 32
    alone_opts = _local.LocalOptions(name="gemma-3-270m", prefix_cache=False, chunk=32)
    with eng.lock:
        alone = [eng.evaluate(s, alone_opts).copy() for s in sequences]
        batch = PrefixBatch(eng.llm, _local.N_CTX)
        try:
            fresh = batch.evaluate(sequences)
            batch._reset()
            reused = batch.evaluate(sequences[::-1])[::-1]
        finally:
            batch.close()
    assert batch.outputs == 64 and batch.output_decodes == 2  # one decode with logits per evaluation
    assert batch.rows / batch.decodes > 0.8 * CALL_ROWS
    for a, f, r in zip(alone, fresh, reused):
        assert np.array_equal(a, f) and np.array_equal(f, r)


@pytest.mark.embedded
def test_replies_read_at_a_second_position_are_batched_and_keep_the_bits(tmp_path, monkeypatch):
    """SmolLM2 answers the ``qa`` template with ``(`` first, so each cell's label is read at the second position.
    Those second positions are evaluated in a shared-prefix batch of their own (before, one prompt at a time
    without the cached prompt, which made batching slower than ``?batch=0`` here); the stored answers are those
    of ``?batch=0`` to the bit."""
    from psychometrics.administer import audit
    from psychometrics.store import Store

    db = f"sqlite:///{tmp_path / 'runs.db'}"
    stored = {}
    eng = _local.engine("smollm2-135m-instruct")
    for model in ("local/smollm2-135m-instruct?batch=0", "local/smollm2-135m-instruct"):
        if "batch=0" not in model:  # the one-prompt-at-a-time path must not be taken for the second positions
            monkeypatch.setattr(_local.Engine, "label_logprobs", _evaluated_alone)
        calls = eng._batch.calls if eng._batch is not None else 0
        result = audit(model, ["bfi44"], templates=["qa"], orders=["original"], limit_items=4, db=db,
                       mode="logprobs", progress=False)
        with Store(db, create=False) as store:
            stored[model] = {r.item: r for r in store.iter_responses(result.run.run_id)}
    alone, batched = stored.values()
    assert sum(r.logprob_position == 1 for r in batched.values()) >= 3  # read after "(" (position 0 is the "(")
    assert eng._batch.calls - calls >= 2  # the first positions, then the second ones: another batch
    for item, a in alone.items():
        b = batched[item]
        assert ((a.status, a.value, a.raw_text, a.logprob_position)
                == (b.status, b.value, b.raw_text, b.logprob_position))
        assert a.option_probs == b.option_probs and a.mass_outside == b.mass_outside


def _evaluated_alone(*args, **kwargs):
    raise AssertionError("a second position was evaluated one prompt at a time")


@pytest.mark.embedded
@pytest.mark.parametrize("model", ["local/gemma-3-270m", "local/gemma-3-270m?batch=0"])
async def test_a_label_that_another_label_extends_excludes_the_longer_one(model):
    """Labels 0-10: "1" is also how "10" begins. The reply "10" is label 10, so label 1's probability is
    P("1") x (1 - P("0" | "1")), read here from llama.cpp's own next-token distributions; before, label 1 was
    P("1") whole and the labels' probabilities added up to more than 1."""
    prompt = ("Question: On a scale from 0 (not at all) to 10 (completely), how much do you enjoy parties?\n"
              "Answer: ")
    labels = [str(i) for i in range(11)]
    top = await _top(model, prompt, labels)
    eng = _local.engine("gemma-3-270m")
    opts = _local.LocalOptions(name="gemma-3-270m", prefix_cache=False, chunk=32)
    tokens = eng.tokenize(prompt)
    one, zero = eng.tokenize(prompt + "1")[-1], eng.tokenize(prompt + "10")[-1]
    assert eng.tokenize(prompt + "10")[:-1] == tokens + [one]  # "10" is "1" then "0"
    with eng.lock:
        p_one = math.exp(eng.evaluate(tokens, opts)[one])
        p_zero_after_one = math.exp(eng.evaluate(tokens + [one], opts)[zero])
    assert math.exp(top["1"]) == pytest.approx(p_one * (1 - p_zero_after_one), rel=1e-9)
    assert math.exp(top["10"]) == pytest.approx(p_one * p_zero_after_one, rel=1e-9)
    assert sum(math.exp(top[label]) for label in labels) <= 1 + 1e-9
