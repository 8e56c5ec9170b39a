"""The ``sim/…`` provider, called through real litellm (custom-provider path), as the runner calls it."""

from __future__ import annotations

import math
import os
import re
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm
import pytest

from psychometrics.administer.providers import register, register_inventory
from psychometrics.administer.providers._sim import REFUSALS, SimError, answer, parse_model
from psychometrics.inventory import Inventory
from psychometrics.plan import build_plan

TINY_SCENARIOS = {
    "id": "tiny-scenarios",
    "name": "Tiny scenarios",
    "kind": "scenario",
    "citation": "test fixture",
    "license": "public domain",
    "instructions": "Pick what you would do.",
    "scoring": "high_choice_percent",
    "scales": [{"id": "extraversion", "name": "Extraversion", "trait": "extraversion"}],
    "items": [
        {"id": f"s{n}", "situation": f"Situation {n}.", "question": "What do you do?", "scale": "extraversion",
         "options": [{"text": "Join the crowd", "high": True}, {"text": "Stay home", "high": False},
                     {"text": "Read alone", "high": False}, {"text": "Throw a party", "high": True}]}
        for n in range(1, 7)
    ],
}


@pytest.fixture(scope="module", autouse=True)
def _registered():
    litellm.suppress_debug_info = True
    register()


def _cells(inventories=("bfi44",), templates="all", orders=("original", "reversed"), samples=1, **kw):
    return build_plan(model="sim/test", inventories=list(inventories), templates=templates, orders=list(orders),
                      samples=samples, **kw).cells


async def _ask(model, cell, mode="logprobs", prompt_in_metadata=False):
    kwargs = dict(model=model, messages=[{"role": "user", "content": cell.prompt}], num_retries=0, timeout=30,
                  metadata={"psychometrics_cell": cell.model_dump(mode="json",
                                                                  exclude=None if prompt_in_metadata else {"prompt"})})
    if mode == "logprobs":
        kwargs.update(max_tokens=1, temperature=0, logprobs=True, top_logprobs=20)
    else:
        kwargs.update(max_tokens=32, temperature=0.7, seed=cell.sample)
    return await litellm.acompletion(**kwargs)


def _top(reply):
    return {t.token: t.logprob for t in reply.choices[0].logprobs.content[0].top_logprobs}


def _value(cell, text):
    """Original value behind the label a generated text names (None for a refusal)."""
    for found in re.finditer(r"(?<![\w'])([1-9A-Z])(?![\w'])", text):
        if found.group(1) in cell.labels:
            return cell.label_values[cell.labels.index(found.group(1))]
    return None


def _keyed(cell):
    from psychometrics.inventory import load_inventory

    return load_inventory(cell.inventory).item(cell.item).reverse


# Registration and parameters -----------------------------------------------------------------------------------

def test_register_is_idempotent():
    register()
    register()
    names = [entry["provider"] for entry in litellm.custom_provider_map]
    assert names.count("sim") == 1 and names.count("local") == 1


def test_model_string_overrides_preset():
    p = parse_model("biased?extraversion=1.5&noise=0.2&seed=3&IE=-1")
    assert p.first_option == 0.8 and p.noise == 0.2 and p.seed == 3
    assert p.level("extraversion", "extraversion") == 1.5
    assert p.level("introversion_extraversion", "IE") == -1.0  # a level given for the scale id
    assert p.level("openness", "openness") == 0.0
    assert parse_model("steady").noise == 0.1
    for bad, match in [("nope", "unknown sim preset"), ("default?noise=x", "not a number"),
                       ("default?refusal=1.5", r"\[0, 1\]"), ("default?seed=1.5", "whole number")]:
        with pytest.raises(SimError, match=match):
            parse_model(bad)


async def test_configuration_errors_are_bad_requests():
    cell = _cells(limit_items=1, templates=["instruct"], orders=["original"])[0]
    with pytest.raises(litellm.BadRequestError, match="unknown sim preset 'nope'") as err:
        await _ask("sim/nope", cell)
    assert err.value.status_code == 400
    with pytest.raises(litellm.BadRequestError, match="psychometrics_cell"):
        await litellm.acompletion(model="sim/default", messages=[{"role": "user", "content": "hi"}],
                                  max_tokens=1, num_retries=0)


# Determinism ------------------------------------------------------------------------------------------------

async def test_same_cell_same_answer_in_both_modes():
    cells = _cells(limit_items=10, templates=["instruct", "short"])
    for mode in ("logprobs", "generate"):
        first = [await _ask("sim/default?refusal=0.2", c, mode) for c in cells]
        again = [await _ask("sim/default?refusal=0.2", c, mode, prompt_in_metadata=True) for c in cells]
        assert [r.choices[0].message.content for r in first] == [r.choices[0].message.content for r in again]
        if mode == "logprobs":
            assert [_top(r) for r in first] == [_top(r) for r in again]
    other_seed = [(await _ask("sim/default?seed=7", c, "generate")).choices[0].message.content for c in cells]
    assert other_seed != [(await _ask("sim/default", c, "generate")).choices[0].message.content for c in cells]


# Ground truth -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["logprobs", "generate"])
async def test_planted_trait_shows_in_keyed_answers(mode):
    cells = [c for c in _cells(samples=3) if c.scale == "extraversion"]
    assert len(cells) == 8 * 3 * 2 * 3
    for level, high_share in ((2.5, 0.75), (-2.5, 0.0)):
        forward, reverse = [], []
        for c in cells:
            reply = await _ask(f"sim/default?extraversion={level}", c, mode)
            text = reply.choices[0].message.content
            value = _value(c, text)
            assert value is not None, text
            (reverse if _keyed(c) else forward).append(value)
        assert len(reverse) == 3 * 18  # BFI extraversion has 3 reverse-keyed items
        high = lambda vs: sum(v >= 4 for v in vs) / len(vs)  # noqa: E731
        low = lambda vs: sum(v <= 2 for v in vs) / len(vs)  # noqa: E731
        if level > 0:
            assert high(forward) > high_share and low(reverse) > high_share
        else:
            assert low(forward) > 0.75 and high(reverse) > 0.75


async def test_other_traits_stay_neutral_and_expected_values_track_the_level():
    cells = [c for c in _cells(samples=2, limit_items=10) if not _keyed(c)]
    by_scale: dict[str, list[float]] = {}
    for c in cells:
        top = _top(await _ask("sim/default?neuroticism=1.5&spread=0.3", c))
        probs = {c.label_values[c.labels.index(k)]: math.exp(v) for k, v in top.items() if k in c.labels}
        by_scale.setdefault(c.scale, []).append(sum(v * p for v, p in probs.items()))
    means = {s: sum(v) / len(v) for s, v in by_scale.items()}
    assert means["neuroticism"] > 3.8  # about 4.2 in expectation
    for scale in ("extraversion", "agreeableness", "conscientiousness", "openness"):
        assert 2.2 < means[scale] < 3.8, (scale, means)


async def test_scenario_high_trait_picks_high_options_in_every_order():
    inv = Inventory.model_validate(TINY_SCENARIOS)
    register_inventory(inv)
    cells = build_plan(model="sim/test", inventories=[inv], templates=["instruct"], orders=["all"]).cells
    assert {c.order for c in cells} >= {"original", "reversed", "swapped"}
    chosen: dict[str, set[int]] = {}
    for c in cells:
        reply = await _ask("sim/steady?extraversion=3&spread=0.01&noise=0.01", c)
        value = c.label_values[c.labels.index(reply.choices[0].message.content)]
        assert inv.item(c.item).options[value - 1].high
        chosen.setdefault(c.item, set()).add(value)
    assert all(len(v) == 1 for v in chosen.values()), chosen  # the same option whatever the order


# Response styles --------------------------------------------------------------------------------------------

async def test_log_probs_cover_the_labels_and_sum_to_one():
    for c in _cells(limit_items=6):
        top = _top(await _ask("sim/default", c))
        assert set(top) == set(c.labels)
        assert sum(math.exp(v) for v in top.values()) == pytest.approx(1.0, abs=1e-9)
        top = _top(await _ask("sim/default?outside=0.2", c))
        assert sum(math.exp(v) for k, v in top.items() if k in c.labels) == pytest.approx(0.8, abs=1e-9)
        assert set(top) - set(c.labels)


async def test_first_option_bias_shows_in_log_probs_and_in_generated_answers():
    cells = _cells(samples=2, limit_items=15)
    first_prob = {"sim/default": [], "sim/biased?first_option=0.7": []}
    first_pick = {"sim/default": [], "sim/biased?first_option=0.7": []}
    for model in first_prob:
        for c in cells:
            top = _top(await _ask(model, c))
            first_prob[model].append(math.exp(top[c.labels[0]]))
            text = (await _ask(model, c, "generate")).choices[0].message.content
            first_pick[model].append(_value(c, text) == c.label_values[0])
    assert min(first_prob["sim/biased?first_option=0.7"]) >= 0.7
    assert sum(first_prob["sim/default"]) / len(cells) < 0.35
    biased_rate = sum(first_pick["sim/biased?first_option=0.7"]) / len(cells)
    assert 0.7 < biased_rate < 0.9
    assert sum(first_pick["sim/default"]) / len(cells) < 0.35


async def test_refusal_rate_is_about_as_set_and_the_same_in_both_modes():
    cells = _cells(inventories=("bfi44", "sd3"), samples=2, templates=["instruct", "qa"])
    assert len(cells) > 500
    refused_text, refused_lp = [], []
    for c in cells:
        text = (await _ask("sim/refuser?refusal=0.3", c, "generate")).choices[0].message.content
        refused_text.append(text in REFUSALS)
        assert (text in REFUSALS) or _value(c, text) is not None, text
        reply = await _ask("sim/refuser?refusal=0.3", c)
        refused_lp.append(reply.choices[0].message.content == "As")
        if refused_lp[-1]:
            assert 1 - sum(math.exp(v) for k, v in _top(reply).items() if k in c.labels) > 0.9
    assert refused_text == refused_lp
    assert 0.25 < sum(refused_text) / len(cells) < 0.35


async def test_generate_mode_uses_varied_formats():
    texts = [(await _ask("sim/default", c, "generate")).choices[0].message.content for c in _cells(limit_items=20)]
    assert any(t.startswith("**") for t in texts) and any(t.startswith("I'd say") for t in texts)
    assert any(re.fullmatch(r"\d", t) for t in texts) and any(re.match(r"\d\) \w", t) for t in texts)


async def test_usage_and_cost_are_reported():
    cell = _cells(limit_items=1, templates=["instruct"], orders=["original"])[0]
    reply = await _ask("sim/default", cell)
    assert reply.usage.prompt_tokens > 10 and reply.usage.completion_tokens == 1
    assert reply._hidden_params["response_cost"] == 0.0
