"""Honour the peer's pacing: every form of Retry-After (RFC 9110), retry-after-ms and OpenAI's rate-limit resets.

Each rule is checked twice: on the header values alone (exact seconds), and end to end against the test server,
where a clock that records waits instead of sleeping measures the wait the audit kept before asking again. Two
tests measure real waits at the server.
"""

from __future__ import annotations

import time

import pytest

from psychometrics.administer import AuditError, EndpointError, audit
from psychometrics.administer._retry import RetryPolicy, openai_duration, server_wait
from psychometrics.store import Store
from tests.support.clock import FakeClock
from tests.support.openai_server import OpenAIServer, ServerConfig, http_date

T = 1_800_000_000.0  # a fixed POSIX time for the header tables


@pytest.mark.parametrize(("headers", "now", "expected"), [
    ({"retry-after": "6"}, T, 6.0),
    ({"retry-after": "120"}, T, 120.0),  # no cap at 60 s: the limit is --max-wait, applied by the caller
    ({"retry-after": "0"}, T, 0.0),
    ({"retry-after": http_date(T + 6)}, T, 6.0),  # an HTTP date, against the local clock (no Date header)
    ({"retry-after": http_date(T + 6), "date": http_date(T)}, T + 100, 6.0),  # against the server's clock
    ({"retry-after": "Sunday, 06-Nov-94 08:49:43 GMT", "date": "Sun, 06 Nov 1994 08:49:37 GMT"}, T, 6.0),  # RFC 850
    ({"retry-after": "Sun Nov  6 08:49:43 1994", "date": "Sun, 06 Nov 1994 08:49:37 GMT"}, T, 6.0),  # asctime
    ({"retry-after": http_date(T - 30)}, T, 0.0),  # a date in the past: no wait
    ({"retry-after": "soon"}, T, None),
    ({"retry-after": "-5"}, T, None),
    ({"retry-after-ms": "1500", "retry-after": "2"}, T, 1.5),  # milliseconds first
    ({"retry-after": "2", "x-ratelimit-reset-requests": "6m0s", "x-ratelimit-remaining-requests": "0"}, T, 2.0),
    ({"x-ratelimit-reset-requests": "6m0s", "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-tokens": "20ms", "x-ratelimit-remaining-tokens": "5000"}, T, 360.0),  # requests ran out
    ({"x-ratelimit-reset-requests": "1s", "x-ratelimit-remaining-requests": "59",
      "x-ratelimit-reset-tokens": "20ms", "x-ratelimit-remaining-tokens": "0"}, T, 0.02),  # tokens ran out
    ({"x-ratelimit-reset-requests": "1s", "x-ratelimit-reset-tokens": "1m30.5s"}, T, 90.5),  # unknown: the later
    ({}, T, None),
])
def test_server_wait_reads_every_form(headers, now, expected):
    assert server_wait(headers, now=now) == (pytest.approx(expected) if expected is not None else None)


def test_rate_limit_resets_count_only_for_a_429():
    headers = {"x-ratelimit-reset-requests": "6m0s", "x-ratelimit-remaining-requests": "0"}
    assert server_wait(headers, now=T, rate_limited=False) is None
    assert server_wait({"retry-after": "3", **headers}, now=T, rate_limited=False) == 3.0  # a 503's Retry-After


@pytest.mark.parametrize(("text", "seconds"), [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3.5s", 3723.5),
                                               ("0.5s", 0.5), ("", None), ("6m0", None), ("1d", None), ("s", None)])
def test_openai_durations(text, seconds):
    assert openai_duration(text) == (pytest.approx(seconds) if seconds is not None else None)


def _once_rate_limited(headers):
    """A server that answers the first request with a 429 carrying ``headers()`` and every later one normally."""
    return ServerConfig(behaviour=lambda n, prompt: "429" if n == 1 else "answer", rate_limit_headers=headers)


def _date_headers(ahead: int) -> dict[str, str]:
    """A reply's ``Date`` and a ``Retry-After`` HTTP date ``ahead`` seconds later."""
    now = float(int(time.time()))
    return {"Date": http_date(now), "Retry-After": http_date(now + ahead)}


@pytest.mark.parametrize(("headers", "waited"), [
    (lambda: {"Retry-After": "6"}, 6.0),
    (lambda: {"Retry-After": "120"}, 120.0),  # before: capped at 60 s
    (lambda: _date_headers(6), 6.0),  # before: ignored
    (lambda: {"retry-after-ms": "1500"}, 1.5),
    (lambda: {"x-ratelimit-reset-requests": "6m0s", "x-ratelimit-remaining-requests": "0",
              "x-ratelimit-reset-tokens": "20ms", "x-ratelimit-remaining-tokens": "900"}, 360.0),
    (lambda: {"x-ratelimit-reset-requests": "17ms", "x-ratelimit-remaining-requests": "0"}, 0.017),
], ids=["seconds", "above-60", "http-date", "retry-after-ms", "ratelimit-reset-requests", "ratelimit-reset-ms"])
@pytest.mark.parametrize("fast", ["1", "0"])
def test_the_audit_waits_what_the_server_asked(db, monkeypatch, headers, waited, fast):
    monkeypatch.setenv("PSYCHOMETRICS_FAST_PATH", fast)
    clock = FakeClock()
    with OpenAIServer(_once_rate_limited(headers)) as server:
        result = audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"], mode="generate",
                       api_base=server.api_base, db=db, limit_items=1, concurrency=1,
                       retry_policy=RetryPolicy(retries=2, clock=clock))
        assert server.statuses[429] == 1 and server.requests == 2
    assert clock.sleeps == [pytest.approx(waited, abs=1e-6)]  # measured: one wait, exactly the server's
    assert result.run.counts == {"ok": 1}
    with Store(db, create=False) as store:
        assert [r.attempts for r in store.iter_responses(result.run.run_id)] == [2]


def test_a_wait_longer_than_allowed_stops_the_run_and_a_higher_limit_waits_it(db):
    clock = FakeClock()
    with OpenAIServer(_once_rate_limited(lambda: {"Retry-After": "3600"})) as server:
        with pytest.raises(EndpointError, match=r"asks to wait 3600 s .*--max-wait 600 s.*raise --max-wait"):
            audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"], mode="generate",
                  api_base=server.api_base, db=db, limit_items=2, concurrency=1, run_id="wait",
                  retry_policy=RetryPolicy(clock=clock))
        assert clock.sleeps == [] and server.requests == 1  # asked once, did not ask again early
        with Store(db, create=False) as store:
            assert store.get_run("wait").status == "failed"
            (stored,) = list(store.iter_responses("wait"))
            assert stored.status == "error" and "3600" in stored.error
        result = audit(resume="wait", db=db, api_base=server.api_base,
                       retry_policy=RetryPolicy(clock=clock, max_wait=7200))
    assert clock.sleeps == []  # the 429 came only once: resuming asked both cells without waiting
    assert result.run.counts == {"ok": 2} and result.run.status == "finished"


def test_max_wait_option_is_checked():
    with pytest.raises(ValueError, match="--max-wait must be positive"):
        audit("sim/steady", ["bfi44"], limit_items=1, max_wait=0)


@pytest.mark.parametrize(("action", "fast_path"), [("400", "1"), ("401", "1"), ("404", "1"), ("400-rate-limited", "1"),
                                                  ("400-rate-limited", "0")])
def test_client_errors_are_not_retried(db, action, fast_path, monkeypatch):
    """A client error is not retried, whatever its text says: a 400 whose message says "rate limited" (which
    litellm raises as its 429 ``RateLimitError``) is read by the HTTP status the server sent, on the fast path and
    through litellm."""
    monkeypatch.setenv("PSYCHOMETRICS_FAST_PATH", fast_path)

    def behaviour(n, prompt):
        return action if "is talkative" in prompt else "answer"

    status = int(action[:3])
    clock = FakeClock()
    with OpenAIServer(ServerConfig(behaviour=behaviour)) as server:
        result = audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"], mode="generate",
                       api_base=server.api_base, db=db, limit_items=4, concurrency=1,
                       retry_policy=RetryPolicy(retries=4, clock=clock))
        assert server.statuses[status] == 1  # one request, no retry
    assert clock.sleeps == []
    with Store(db, create=False) as store:
        refused = [r for r in store.iter_responses(result.run.run_id) if r.status == "error"]
    assert len(refused) == 1 and refused[0].attempts == 1 and f"HTTP {status}" in refused[0].error
    assert result.run.counts == {"ok": 3, "error": 1}  # one prompt refused does not stop the run


def test_an_http_date_is_waited_for_in_real_time(db):
    """Measured at the server: the retry comes 2 s after a 429 whose Retry-After is a date 2 s ahead (before this
    was read, the date was ignored and the retry came after the 0.5–1 s backoff)."""
    with OpenAIServer(_once_rate_limited(lambda: _date_headers(2))) as server:
        audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"], mode="generate",
              api_base=server.api_base, db=db, limit_items=1, concurrency=1)
        events = list(server.events)
    limited = next(t for t, kind, status in events if kind == "reply" and status == 429)
    retried = next(t for t, kind, _ in events if kind == "request" and t > limited)
    assert 1.9 <= retried - limited < 3.5


def test_a_servers_wait_holds_every_request_not_only_the_retried_one(db):
    """Four requests in flight; one gets a 429 asking for 0.8 s: no request starts within 0.8 s of that reply."""
    config = ServerConfig(behaviour=lambda n, prompt: "429" if n == 1 else "answer", latency=0.1,
                          rate_limit_headers=lambda: {"retry-after-ms": "800"})
    with OpenAIServer(config) as server:
        result = audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"], mode="generate",
                       api_base=server.api_base, db=db, limit_items=12, concurrency=4)
        events = list(server.events)
    assert result.run.counts == {"ok": 12}
    limited = next(t for t, kind, status in events if kind == "reply" and status == 429)
    later = [t - limited for t, kind, _ in events if kind == "request" and t > limited]
    assert len(later) >= 9 and min(later) >= 0.75  # the 3 requests already in flight, then nothing for 0.8 s


def test_a_parameter_refused_before_sending_is_not_retried_as_a_server_error(db, monkeypatch):
    """litellm reports ``top_logprobs`` refused by the OpenAI SDK's text-completion call (a TypeError, before any
    request) as an HTTP 500; before, it was retried as one. Now: one attempt, and ``auto`` generates instead.

    The text-completion route now sends log-probs as ``/v1/completions`` takes them (see test_real_server); the
    request it sent before is rebuilt here, so that litellm and the SDK refuse it as they did."""
    from psychometrics.administer import _call

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    fixed = _call._completion_request
    monkeypatch.setattr(_call, "_completion_request", lambda *a: {**fixed(*a), "top_logprobs": 20})
    clock = FakeClock()
    with OpenAIServer() as server:
        with pytest.raises(EndpointError, match="gives no log-probabilities for this model: use --mode generate"):
            audit("text-completion-openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"],
                  limit_items=4, mode="logprobs", api_base=server.api_base, db=db, run_id="tc", concurrency=1,
                  retry_policy=RetryPolicy(retries=4, clock=clock))
        assert server.requests == 0 and clock.sleeps == []  # nothing was sent, nothing was waited for
    with Store(db, create=False) as store:
        stored = list(store.iter_responses("tc"))
    assert len(stored) == 3 and all(r.attempts == 1 and "unexpected keyword argument" in r.error for r in stored)


def test_a_missing_key_refused_before_sending_stops_the_run(db, monkeypatch):
    """A key litellm asks for only when it builds the request: the run stops at once, nothing is sent.

    The text-completion route now gets the placeholder key of a keyless server, as ``openai/`` does, and one
    client of its own; the request it sent before (no key, litellm's own client) is rebuilt here."""
    from psychometrics.administer import _audit, _call

    monkeypatch.setattr(_audit, "_check_key", lambda *a: None)
    monkeypatch.setattr(_call, "_completion_client", lambda opts: None)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    clock = FakeClock()
    with OpenAIServer() as server:
        with pytest.raises(EndpointError, match="litellm refused the request before sending it: .*Missing credentials"):
            audit("text-completion-openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"],
                  limit_items=4, mode="generate", api_base=server.api_base, db=db, concurrency=1,
                  retry_policy=RetryPolicy(retries=4, clock=clock))
        assert server.requests == 0 and clock.sleeps == []


def test_stated_waits_do_not_use_up_the_retries_but_stay_bounded(db):
    """A provider that states only ``Retry-After`` answered a cell with 429 more often than ``--retries``: the cell
    ended as an error although the server had said when to come back (newcomer, session 8). Waiting as told is
    pacing: it no longer counts against ``--retries``; a server that always says 429 with ``Retry-After: 0`` still
    ends the cell (``RATE_LIMITED_RETRIES``)."""
    from psychometrics.administer._runner import RATE_LIMITED_RETRIES

    clock = FakeClock()
    config = ServerConfig(behaviour=lambda n, prompt: "429" if n <= 6 else "answer",
                          rate_limit_headers=lambda: {"Retry-After": "1"})
    with OpenAIServer(config) as server:
        result = audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"], mode="generate",
                       api_base=server.api_base, db=db, limit_items=1, concurrency=1, run_id="told",
                       retry_policy=RetryPolicy(retries=2, clock=clock))
        assert server.statuses[429] == 6 and server.requests == 7
    assert result.run.counts == {"ok": 1} and clock.sleeps == [pytest.approx(1.0)] * 6
    always = ServerConfig(behaviour=lambda n, prompt: "429", rate_limit_headers=lambda: {"Retry-After": "0"})
    with OpenAIServer(always) as server:
        with pytest.raises(AuditError, match=r"every one of the 1 cells .* ended in an error.*HTTP 429"):
            audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"], mode="generate",
                  api_base=server.api_base, db=db, limit_items=1, concurrency=1, run_id="always",
                  retry_policy=RetryPolicy(retries=2, clock=FakeClock()))
        assert server.requests == RATE_LIMITED_RETRIES + 3
