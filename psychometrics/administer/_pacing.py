"""Pace requests at the rate limit the provider states, and back off when it answers 429.

With a fixed number of requests in flight an audit either leaves a provider's allowance unused or floods it with
429s. :class:`Pacer` decides when each request may start, from three things:

1. **The stated rate.** Every reply's rate-limit headers (:mod:`psychometrics.administer._limits`) give the
   limits per minute: request starts are spread evenly at the lowest of ``requests / 60`` a second and, for token
   limits, ``tokens / 60`` a second divided by the tokens a request has used so far (prompt and completion; input
   and output apart for Anthropic). A start that came late (a busy event loop) may be made up for within
   :data:`CATCH_UP_S`, never beyond what the last reply said remains (the generic cell rate algorithm: a start at
   ``t`` is allowed from ``TAT - tolerance``, after which ``TAT = max(TAT, t) + 1/rate``).
2. **What remains.** A reply saying less remains than one request needs holds every start until that much is
   back, at the refill speed the reply states (``(limit - remaining) / reset``); a 429's ``Retry-After`` holds
   them as before (:mod:`psychometrics.administer._retry`, the runner calls :meth:`Pacer.hold`).
3. **A window of requests in flight**, adapted as TCP adapts its congestion window (AIMD): at most ``ceiling``
   (``--concurrency``); each answer adds ``1/window`` (one request per round trip); a 429 multiplies the window by
   :data:`DECREASE`, starting from what was in flight, at most once per round trip (only for a request sent
   after the previous decrease). This is what finds the limit of a provider that states none, or shares it with
   other clients.

Until the first reply arrives one request is in flight, so that the headers set the pace before the others
start. A provider whose replies carry no rate-limit headers and never answer 429 (``sim/``, ``local/``) is asked
as before: ``ceiling`` requests in flight. ``--rpm`` stays an explicit cap: starts are never closer than
``60 / rpm`` seconds, whatever the headers say. ``adaptive=False`` keeps only that cap and the server's waits
(the behaviour before pacing; for benchmarks).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

from psychometrics.administer._limits import Allowance, Kind, reply_headers, stated_limits
from psychometrics.administer._retry import Clock, SystemClock, error_headers, is_rate_limited

T = TypeVar("T")

DECREASE = 0.7
"""Multiplicative decrease of the window on a 429 (TCP CUBIC's factor; Reno halves)."""
CATCH_UP_S = 0.1
"""Seconds of late starts that may be made up for in a burst when the stated rate paces the audit."""
_SMOOTHING = 0.1
"""Weight of the newest reply in the running mean of tokens per request."""


class _Mean:
    """An exponentially weighted running mean (None before the first value)."""

    def __init__(self) -> None:
        self.value: float | None = None

    def add(self, x: float) -> None:
        self.value = x if self.value is None else self.value + _SMOOTHING * (x - self.value)


class Pacer:
    """When the next request may start (see the module docstring).

    The decisions are plain methods on an injectable clock (:meth:`allowed`, :meth:`start_time`,
    :meth:`on_start`, :meth:`on_reply`, :meth:`on_error`, :meth:`hold`), tested without an event loop;
    :meth:`wait` and :meth:`send` apply them around one request.
    """

    def __init__(self, ceiling: int, *, rpm: float | None = None, adaptive: bool = True, clock: Clock | None = None):
        if ceiling < 1:
            raise ValueError(f"the ceiling must be at least 1 (got {ceiling})")
        self.ceiling = ceiling
        self.adaptive = adaptive
        self.clock = clock or SystemClock()
        self.window = float(ceiling)
        """Requests allowed in flight (AIMD), between 1 and ``ceiling``."""
        self.in_flight = 0
        self.probing = adaptive
        """True until the first reply: one request at a time."""
        self.limits: dict[Kind, Allowance] = {}
        """The limits the latest reply stated (kept until a reply states them again)."""
        self.stated_rate: float | None = None
        """Requests a second the stated limits allow (None: no limit stated)."""
        self.rate_limited = 0
        """429s seen."""
        self._cap_interval = 60.0 / rpm if rpm else 0.0
        self._tat = -math.inf
        self._not_before = -math.inf
        self._last_decrease = -math.inf
        self._input = _Mean()
        self._output = _Mean()
        self._gate = asyncio.Lock()
        self._room = asyncio.Event()

    # Decisions ----------------------------------------------------------------------------------------------
    def allowed(self) -> int:
        """Requests that may be in flight now."""
        return 1 if self.probing else max(1, min(self.ceiling, int(self.window)))

    def interval(self) -> float:
        """Seconds between starts: the stated rate's or the ``--rpm`` cap's, whichever is longer (0: unpaced)."""
        stated = 1.0 / self.stated_rate if self.stated_rate else 0.0
        return max(stated, self._cap_interval)

    def _tolerance(self, interval: float) -> float:
        if not interval or self._cap_interval >= interval:
            return 0.0  # unpaced, or the user's cap: starts evenly spread, no bursts
        requests = self.limits.get("requests")
        if requests is not None and requests.remaining is not None:
            return min(CATCH_UP_S, max(0.0, requests.remaining - 1) * interval)
        return CATCH_UP_S

    def start_time(self, now: float) -> float:
        """The earliest time the next request may start (the window aside)."""
        interval = self.interval()
        earliest = self._tat - self._tolerance(interval) if interval else now
        return max(now, earliest, self._not_before)

    def on_start(self, now: float) -> None:
        self.in_flight += 1
        interval = self.interval()
        if interval:
            self._tat = max(self._tat, now) + interval

    def hold(self, seconds: float, now: float | None = None) -> None:
        """Start no request for ``seconds`` from ``now`` (a server's wait applies to every request)."""
        now = self.clock.monotonic() if now is None else now
        self._not_before = max(self._not_before, now + seconds)

    def on_reply(self, sent: float, reply: Any, now: float | None = None) -> None:
        """A request sent at ``sent`` was answered (any HTTP 2xx reply)."""
        now = self.clock.monotonic() if now is None else now
        self._finished()
        usage = getattr(reply, "usage", None)
        prompt, completion = getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)
        if isinstance(prompt, int):
            self._input.add(prompt)
        if isinstance(completion, int):
            self._output.add(completion)
        self._read(reply_headers(reply), now)
        if self.adaptive:
            self.window = min(float(self.ceiling), self.window + 1.0 / self.window)
        self._wake()

    def on_error(self, sent: float, exc: BaseException, now: float | None = None) -> None:
        """A request sent at ``sent`` failed with ``exc`` (a 429 shrinks the window; other errors only free it)."""
        now = self.clock.monotonic() if now is None else now
        self._finished()
        self._read(error_headers(exc), now)
        if is_rate_limited(exc):
            self.rate_limited += 1
            if self.adaptive and sent >= self._last_decrease:
                self.window = max(1.0, DECREASE * min(self.window, self.in_flight + 1))
                self._last_decrease = now
        self._wake()

    def _finished(self) -> None:
        self.in_flight -= 1
        self.probing = False

    def _read(self, headers: Mapping[str, Any] | None, now: float) -> None:
        if not self.adaptive or not headers:
            return
        limits = stated_limits(headers, now=self.clock.time())
        if not limits:
            return
        self.limits.update(limits)
        rates = [a.per_second / need for kind, a in self.limits.items()
                 if a.per_second and (need := self._need(kind))]
        self.stated_rate = min(rates) if rates else None
        for kind, allowance in limits.items():  # what this reply says remains
            need = self._need(kind)
            if need and allowance.remaining is not None and allowance.remaining < need:
                self.hold(allowance.refill_s(need - allowance.remaining) or 0.0, now)

    def _need(self, kind: Kind) -> float | None:
        """How much of an allowance of this kind one request uses (None: not known yet)."""
        if kind == "requests":
            return 1.0
        prompt, completion = self._input.value, self._output.value
        if kind == "input-tokens":
            need = prompt
        elif kind == "output-tokens":
            need = completion
        else:
            need = None if prompt is None and completion is None else (prompt or 0.0) + (completion or 0.0)
        return need if need else None

    def describe(self) -> str:
        """The current pace in a few words, for the progress line."""
        interval = self.interval()
        rate = f"{1 / interval:.1f}/s" if interval else "unpaced"
        return f"{rate}, ≤{self.allowed()} in flight"

    # Around one request -----------------------------------------------------------------------------------
    def _wake(self) -> None:
        if self.in_flight < self.allowed():
            self._room.set()

    async def wait(self) -> float:
        """Wait until a request may start (a place in the window, the pace, any hold); return its start time."""
        now = self.clock.monotonic()
        if (not self._gate.locked() and self.in_flight < self.allowed() and not self.interval()
                and now >= self._not_before):
            self.on_start(now)
            return now
        async with self._gate:  # one request admitted at a time, in the order they asked
            while True:
                if self.in_flight >= self.allowed():
                    self._room.clear()
                    await self._room.wait()
                    continue
                now = self.clock.monotonic()
                start = self.start_time(now)
                if start > now:
                    await self.clock.sleep(start - now)
                    continue  # a hold or a smaller window may have come meanwhile
                self.on_start(now)
                return now

    async def send(self, sent: float, call: Awaitable[T]) -> T:
        """Await the request started at ``sent`` (:meth:`wait`'s value), learning from its reply or error."""
        try:
            reply = await call
        except asyncio.CancelledError:
            self._finished()
            self._wake()
            raise
        except Exception as exc:
            self.on_error(sent, exc)
            raise
        self.on_reply(sent, reply)
        return reply
