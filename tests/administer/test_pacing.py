"""Pacing at the provider's rate limit: reading the limits replies state, and the controller that keeps to them.

The header examples are the ones the providers document: OpenAI's "Rate limits in headers" table (a limit of 60
requests and 150,000 tokens a minute, resets ``1s`` and ``6m0s``), Anthropic's ``anthropic-ratelimit-*`` family
(limits per minute, resets as RFC 3339 times) and the same headers as litellm hands them on
(``llm_provider-`` copies in ``_hidden_params["additional_headers"]``). The controller runs on a clock that
records waits instead of sleeping, so the tests check exact start times.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from psychometrics.administer._limits import reply_headers, stated_limits
from psychometrics.administer._pacing import DECREASE, Pacer
from tests.support.clock import FakeClock
from tests.support.openai_server import http_date
from tests.support.token_bucket import TokenBucket, go_duration, rfc3339

T = 1_800_000_000.0

OPENAI_DOCS = {  # platform.openai.com/docs/guides/rate-limits, "Rate limits in headers"
    "x-ratelimit-limit-requests": "60",
    "x-ratelimit-limit-tokens": "150000",
    "x-ratelimit-remaining-requests": "59",
    "x-ratelimit-remaining-tokens": "149984",
    "x-ratelimit-reset-requests": "1s",
    "x-ratelimit-reset-tokens": "6m0s",
}

ANTHROPIC = {  # docs.anthropic.com/en/api/rate-limits, "Response headers"
    "anthropic-ratelimit-requests-limit": "50",
    "anthropic-ratelimit-requests-remaining": "49",
    "anthropic-ratelimit-requests-reset": rfc3339(T + 1.2),  # rounded up to the second: T + 2
    "anthropic-ratelimit-input-tokens-limit": "40000",
    "anthropic-ratelimit-input-tokens-remaining": "39000",
    "anthropic-ratelimit-input-tokens-reset": rfc3339(T + 2),
    "anthropic-ratelimit-output-tokens-limit": "8000",
    "anthropic-ratelimit-output-tokens-remaining": "8000",
    "anthropic-ratelimit-output-tokens-reset": rfc3339(T),
    "anthropic-ratelimit-tokens-limit": "48000",
    "anthropic-ratelimit-tokens-remaining": "47000",
    "anthropic-ratelimit-tokens-reset": rfc3339(T + 2),
    "retry-after": "2",
}


# Reading the headers ----------------------------------------------------------------------------------------
def test_openai_documented_headers():
    limits = stated_limits(OPENAI_DOCS, now=T)
    assert set(limits) == {"requests", "tokens"}
    req, tok = limits["requests"], limits["tokens"]
    assert (req.limit, req.remaining, req.reset_s, req.per_second) == (60, 59, 1.0, 1.0)
    assert (tok.limit, tok.remaining, tok.reset_s, tok.per_second) == (150000, 149984, 360.0, 2500.0)
    # the reset says how fast what was spent comes back: 1 request in 1 s, 16 tokens in 6 minutes
    assert req.refill_s(1) == pytest.approx(1.0)
    assert tok.refill_s(16) == pytest.approx(360.0)


def test_anthropic_headers_against_the_local_clock_and_the_servers_date():
    limits = stated_limits(ANTHROPIC, now=T)
    assert set(limits) == {"requests", "tokens", "input-tokens", "output-tokens"}
    assert limits["requests"].per_second == pytest.approx(50 / 60)
    assert limits["requests"].reset_s == pytest.approx(2.0)
    assert limits["input-tokens"].remaining == 39000
    assert limits["output-tokens"].reset_s == 0.0
    # a reply's Date is the server's clock: a local clock 100 s fast changes nothing
    dated = stated_limits({**ANTHROPIC, "date": http_date(T)}, now=T + 100)
    assert dated["requests"].reset_s == pytest.approx(2.0)
    assert stated_limits(ANTHROPIC, now=T + 100)["requests"].reset_s == 0.0  # a reset already past


def test_headers_as_litellm_passes_them_on():
    """litellm keeps requests' limit and remaining under their names and everything under ``llm_provider-``."""
    headers = {"x-ratelimit-limit-requests": "6000", "x-ratelimit-remaining-requests": "19",
               "llm_provider-x-ratelimit-limit-requests": "6000", "llm_provider-x-ratelimit-remaining-requests": "19",
               "llm_provider-x-ratelimit-reset-requests": "59.81s", "llm_provider-date": http_date(T)}
    reply = SimpleNamespace(_hidden_params={"additional_headers": headers})
    limits = stated_limits(reply_headers(reply), now=T)
    assert (limits["requests"].limit, limits["requests"].remaining) == (6000, 19)
    assert limits["requests"].reset_s == pytest.approx(59.81)
    anthropic = {"llm_provider-" + k: v for k, v in ANTHROPIC.items()}
    anthropic["x-ratelimit-limit-requests"] = "50"  # litellm's OpenAI-style copy: Anthropic's own headers win
    assert set(stated_limits(anthropic, now=T)) == {"requests", "tokens", "input-tokens", "output-tokens"}


@pytest.mark.parametrize("headers", [
    {}, {"content-type": "application/json"}, {"x-ratelimit-limit-requests": "many"},
    {"x-ratelimit-limit-requests": "-1"}, {"anthropic-ratelimit-requests-limit": "nan"},
])
def test_no_limit_read_from_headers_that_state_none(headers):
    assert stated_limits(headers, now=T) == {}


def test_unreadable_reset_counts_as_absent():
    limits = stated_limits({"x-ratelimit-limit-requests": "60", "x-ratelimit-reset-requests": "soon"}, now=T)
    assert limits["requests"].reset_s is None and limits["requests"].per_second == 1.0


def test_test_bucket_states_its_rate_in_both_styles():
    """The test server's token bucket is read back as the rate it enforces (the benchmark relies on it)."""
    now = [0.0]
    for style in ("openai", "anthropic"):
        bucket = TokenBucket(100, 20, style=style, clock=lambda: now[0], wall=lambda: T)
        allowed, headers = bucket.take(10)
        limits = stated_limits(headers, now=T)
        assert allowed and limits["requests"].per_second == pytest.approx(100)
        assert limits["requests"].remaining == 19
    assert go_duration(0.012) == "12ms" and go_duration(360) == "6m0s" and go_duration(3723.5) == "1h2m3.5s"


# The controller -----------------------------------------------------------------------------------------------
def reply(headers=None, prompt=None, completion=None):
    usage = SimpleNamespace(prompt_tokens=prompt, completion_tokens=completion) if prompt is not None else None
    return SimpleNamespace(_hidden_params={"additional_headers": headers or {}}, usage=usage)


class RateLimited(Exception):
    status_code = 429

    def __init__(self, headers=None):
        super().__init__("rate limited")
        self.litellm_response_headers = headers or {}


def openai_limits(rpm, remaining, tpm=None, tokens_remaining=None):
    headers = {"x-ratelimit-limit-requests": str(rpm), "x-ratelimit-remaining-requests": str(remaining),
               "x-ratelimit-reset-requests": go_duration((rpm - remaining) / (rpm / 60))}
    if tpm:
        headers.update({"x-ratelimit-limit-tokens": str(tpm), "x-ratelimit-remaining-tokens": str(tokens_remaining),
                        "x-ratelimit-reset-tokens": go_duration((tpm - tokens_remaining) / (tpm / 60))})
    return headers


def test_one_request_until_the_first_reply_then_the_ceiling_when_nothing_is_stated():
    pacer = Pacer(8, clock=FakeClock(T))
    assert pacer.allowed() == 1
    pacer.on_start(T)
    pacer.on_reply(T, reply(), now=T + 0.1)
    assert pacer.allowed() == 8 and pacer.interval() == 0.0  # sim/, local/: as before pacing


def test_starts_are_spread_at_the_stated_request_rate():
    pacer = Pacer(64, clock=FakeClock(T))
    pacer.on_start(T)
    pacer.on_reply(T, reply(openai_limits(6000, 5999)), now=T)
    assert pacer.stated_rate == pytest.approx(100)
    starts = []
    now = T
    for _ in range(50):
        now = pacer.start_time(now)
        pacer.on_start(now)
        starts.append(now)
    gaps = [b - a for a, b in zip(starts[10:], starts[11:])]
    assert gaps == pytest.approx([0.01] * len(gaps))  # after the catch-up burst, one start every 10 ms
    assert starts[-1] - starts[0] == pytest.approx(50 * 0.01 - 0.1, abs=0.011)  # CATCH_UP_S of burst at most


def test_the_tightest_limit_sets_the_pace_tokens_by_what_a_request_uses():
    pacer = Pacer(64, clock=FakeClock(T))
    pacer.on_start(T)
    # 6,000 requests but 60,000 tokens a minute, and a request uses 90 + 10 tokens: 10 requests a second
    pacer.on_reply(T, reply(openai_limits(6000, 5999, 60000, 59900), prompt=90, completion=10), now=T)
    assert pacer.stated_rate == pytest.approx(10)
    assert pacer.interval() == pytest.approx(0.1)


def test_anthropic_input_and_output_token_limits_count_apart():
    pacer = Pacer(64, clock=FakeClock(T))
    pacer.on_start(T)
    pacer.on_reply(T, reply(ANTHROPIC, prompt=400, completion=1), now=T)
    # requests 50/60 = 0.83/s; input 40000/60/400 = 1.67/s; output 8000/60/1 = 133/s; total 48000/60/401 ≈ 2/s
    assert pacer.stated_rate == pytest.approx(50 / 60)


def test_a_reply_with_too_little_left_holds_every_start_until_it_refills():
    clock = FakeClock(T)
    pacer = Pacer(64, clock=clock)
    pacer.on_start(T)
    # nothing left of 60 requests a minute, all back in 6 s: one request is back in 0.1 s
    headers = {"x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0",
               "x-ratelimit-reset-requests": "6s"}
    pacer.on_reply(T, reply(headers), now=T)
    assert pacer.start_time(T) == pytest.approx(T + 0.1)


def test_rpm_stays_a_cap_whatever_the_headers_say():
    pacer = Pacer(64, rpm=600, clock=FakeClock(T))
    assert pacer.interval() == pytest.approx(0.1)
    pacer.on_start(T)
    pacer.on_reply(T, reply(openai_limits(60000, 59999)), now=T)  # 1,000 a second stated
    assert pacer.interval() == pytest.approx(0.1)
    a = pacer.start_time(T)
    pacer.on_start(a)
    assert pacer.start_time(a) == pytest.approx(a + 0.1)  # the cap allows no catch-up burst


def test_additive_increase_multiplicative_decrease_once_per_round_trip():
    pacer = Pacer(32, clock=FakeClock(T))
    pacer.on_start(T)
    pacer.on_reply(T, reply(), now=T)
    assert pacer.window == 32
    for i in range(20):  # twenty in flight, sent at T + 1
        pacer.on_start(T + 1)
    pacer.on_error(T + 1, RateLimited(), now=T + 1.1)
    assert pacer.window == pytest.approx(DECREASE * 20)  # from what was in flight, not the ceiling
    assert pacer.rate_limited == 1
    pacer.on_error(T + 1, RateLimited(), now=T + 1.1)  # sent before the decrease: the same congestion
    assert pacer.window == pytest.approx(DECREASE * 20)
    pacer.on_start(T + 1.2)
    pacer.on_error(T + 1.2, RateLimited(), now=T + 1.3)  # sent after it: the window shrinks again
    assert pacer.window == pytest.approx(max(1.0, DECREASE * min(DECREASE * 20, pacer.in_flight + 1)))
    w = pacer.window
    pacer.on_reply(T + 1.2, reply(), now=T + 1.4)
    assert pacer.window == pytest.approx(w + 1 / w)  # one more request per window's worth of answers
    assert pacer.rate_limited == 3


def test_the_window_never_leaves_one_to_ceiling():
    pacer = Pacer(4, clock=FakeClock(T))
    pacer.on_start(T)
    pacer.on_reply(T, reply(), now=T)
    for i in range(50):
        pacer.on_start(T + i)
        pacer.on_error(T + i, RateLimited(), now=T + i + 0.5)
    assert pacer.window == 1.0 and pacer.allowed() == 1
    for _ in range(200):
        pacer.on_start(T + 100)
        pacer.on_reply(T + 100, reply(), now=T + 100)
    assert pacer.window == 4.0 and pacer.allowed() == 4


def test_a_429s_limits_are_read_too():
    pacer = Pacer(16, clock=FakeClock(T))
    pacer.on_start(T)
    pacer.on_error(T, RateLimited({**openai_limits(120, 0), "retry-after-ms": "500"}), now=T)
    assert pacer.stated_rate == pytest.approx(2.0)
    assert pacer.start_time(T) == pytest.approx(T + 0.5)  # one request back at 2 a second


def test_without_adaptation_headers_and_429s_change_nothing():
    pacer = Pacer(8, adaptive=False, clock=FakeClock(T))
    assert pacer.allowed() == 8  # no probing either
    pacer.on_start(T)
    pacer.on_error(T, RateLimited(openai_limits(60, 0)), now=T)
    assert pacer.allowed() == 8 and pacer.interval() == 0.0 and pacer.stated_rate is None
    pacer.hold(2.0, now=T)  # the server's Retry-After still holds every start
    assert pacer.start_time(T) == T + 2.0


def test_wait_and_send_pace_concurrent_requests_on_the_event_loop():
    """Sixty requests from sixteen workers against 6,000 a minute: one start every 10 ms after the first reply."""
    clock = FakeClock(T)
    pacer = Pacer(16, clock=clock)
    starts: list[float] = []

    async def call(i):
        await asyncio.sleep(0)
        return reply(openai_limits(6000, 5990))

    async def worker(ids):
        for i in ids:
            sent = await pacer.wait()
            starts.append(sent)
            await pacer.send(sent, call(i))

    async def main():
        await asyncio.gather(*(worker(range(k, 60, 16)) for k in range(16)))

    asyncio.run(main())
    assert len(starts) == 60 and pacer.in_flight == 0
    assert starts[-1] - starts[1] >= 58 * 0.01 - 0.1 - 1e-6  # at most CATCH_UP_S ahead of the stated rate
    assert all(b >= a for a, b in zip(starts, starts[1:]))
