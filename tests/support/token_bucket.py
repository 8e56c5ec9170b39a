"""A provider's rate limit for the test server: a token bucket that answers 429 beyond it, with the headers
OpenAI and Anthropic send.

The bucket holds at most ``burst`` requests and refills at ``rate`` a second; an optional second bucket counts
tokens (``tokens_rate`` a second, ``tokens_burst`` at most; a request costs its prompt and completion tokens).
Like OpenAI's quantized limits ("60,000 requests/minute may be enforced as 1,000 requests/second") the headers
state the limit per minute (``rate × 60``) while the bucket enforces it over ``burst``; ``remaining`` is what the
bucket holds and ``reset`` the time until the per-minute allowance would be whole again
(``(limit − remaining) / rate``), so that the refill speed a client reads from them is the bucket's. A request
beyond the bucket gets a 429 at once with the same headers and the wait until it would be allowed
(``retry-after-ms`` and ``Retry-After`` in whole seconds, as OpenAI sends them; Anthropic sends only
``retry-after``).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Literal

Style = Literal["openai", "anthropic", "none"]
"""Which headers the replies carry (``none``: only ``Retry-After`` on a 429, as providers that state no limits)."""


def go_duration(seconds: float) -> str:
    """A duration as OpenAI writes it (Go's ``time.Duration``): ``12ms``, ``1.5s``, ``6m0s``, ``1h2m3s``."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:.3f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    return f"{int(minutes)}m{text}" if minutes else text


def rfc3339(when: float) -> str:
    """``when`` (POSIX seconds) as Anthropic writes its reset times, rounded up to the second."""
    return datetime.fromtimestamp(math.ceil(when), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Bucket:
    def __init__(self, rate: float, burst: float, now: float):
        self.rate, self.burst, self.level, self.at = rate, burst, burst, now

    def refill(self, now: float) -> None:
        self.level = min(self.burst, self.level + (now - self.at) * self.rate)
        self.at = now

    def wait_for(self, amount: float) -> float:
        return max(0.0, (amount - self.level) / self.rate)


class TokenBucket:
    """``take(tokens)`` → (allowed, headers of the reply)."""

    def __init__(self, rate: float, burst: float, *, tokens_rate: float | None = None,
                 tokens_burst: float | None = None, style: Style = "openai",
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time):
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least one request")
        self.clock, self.wall, self.style = clock, wall, style
        now = clock()
        self.buckets = {"requests": _Bucket(rate, burst, now)}
        if tokens_rate:
            self.buckets["tokens"] = _Bucket(tokens_rate, tokens_burst or tokens_rate, now)
        self.allowed = 0
        self.refused = 0
        self._lock = threading.Lock()

    def take(self, tokens: int) -> tuple[bool, dict[str, str]]:
        with self._lock:
            now = self.clock()
            need = {"requests": 1.0, "tokens": float(tokens)}
            for bucket in self.buckets.values():
                bucket.refill(now)
            wait = max(b.wait_for(need[k]) for k, b in self.buckets.items())
            if wait == 0:
                for kind, bucket in self.buckets.items():
                    bucket.level -= need[kind]
                self.allowed += 1
            else:
                self.refused += 1
            return wait == 0, self._headers(wait)

    def _headers(self, wait: float) -> dict[str, str]:
        headers: dict[str, str] = {}
        for kind, b in self.buckets.items():
            limit = round(b.rate * 60)
            remaining = max(0, math.floor(b.level))
            reset = (limit - remaining) / b.rate
            if self.style == "openai":
                headers.update({f"x-ratelimit-limit-{kind}": str(limit), f"x-ratelimit-remaining-{kind}": str(remaining),
                                f"x-ratelimit-reset-{kind}": go_duration(reset)})
            elif self.style == "anthropic":
                headers.update({f"anthropic-ratelimit-{kind}-limit": str(limit),
                                f"anthropic-ratelimit-{kind}-remaining": str(remaining),
                                f"anthropic-ratelimit-{kind}-reset": rfc3339(self.wall() + reset)})
        if wait:
            headers["retry-after"] = str(max(1, math.ceil(wait)))
            if self.style == "openai":
                headers["retry-after-ms"] = str(max(1, math.ceil(wait * 1000)))
        return headers
