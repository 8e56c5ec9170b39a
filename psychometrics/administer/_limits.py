"""The rate limits a provider states in the headers of its replies: how much it allows a minute and what is left.

Two header families are read, on answers and on 429s alike:

OpenAI (also Azure OpenAI, Groq, Together, OpenRouter and proxies that copy it)
    ``x-ratelimit-limit-requests`` / ``-remaining-requests`` / ``-reset-requests`` and the same for ``-tokens``.
    The limit is per minute (RPM, TPM); the reset is the time until the allowance is whole again, as a duration
    (``1s``, ``6m0s``, ``12ms``) or a number of seconds.
Anthropic
    ``anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}``: limits per
    minute, the reset an RFC 3339 time, read against the reply's ``Date`` header when it has one (the server's
    clock) and else the local clock. When both families are present (litellm copies Anthropic's limits into
    ``x-ratelimit-*``) Anthropic's own headers are read.

Both providers refill the allowance continuously (a token bucket) and may enforce a per-minute limit over
shorter intervals (OpenAI: "60,000 requests/minute may be enforced as 1,000 requests/second"), so the rate to
keep is ``limit / 60`` a second, spread evenly. Headers reach the audit on litellm's replies
(``_hidden_params["additional_headers"]``, names prefixed ``llm_provider-``), on its exceptions
(``litellm_response_headers``) and on the fast path's replies (aiohttp's headers).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Literal

from psychometrics.administer._retry import http_date, openai_duration, parse_seconds

Kind = Literal["requests", "tokens", "input-tokens", "output-tokens"]
KINDS: tuple[Kind, ...] = ("requests", "tokens", "input-tokens", "output-tokens")
PER = 60.0
"""Seconds the stated limits are counted over (both providers state them per minute)."""


@dataclass(frozen=True)
class Allowance:
    """One limit as a reply states it."""

    kind: Kind
    """What is counted: requests, or tokens (Anthropic also states input and output tokens apart)."""
    limit: float | None
    """How many a minute."""
    remaining: float | None
    """How many are left now."""
    reset_s: float | None
    """Seconds from the reply until the allowance is whole again (0 for a time already past)."""

    @property
    def per_second(self) -> float | None:
        """The steady rate the limit allows: ``limit / 60`` a second."""
        return self.limit / PER if self.limit else None

    def refill_s(self, amount: float) -> float | None:
        """Seconds until ``amount`` more is available, at the refill speed the reply states.

        The speed is ``(limit - remaining) / reset`` when the reply gives all three (the bucket refills what is
        spent within the reset), else ``limit / 60`` a second; a reply with a reset but no limit is read as a
        window that opens again at the reset. None when the reply says neither.
        """
        if amount <= 0:
            return 0.0
        if self.limit and self.remaining is not None and self.reset_s and self.limit > self.remaining:
            return amount * self.reset_s / (self.limit - self.remaining)
        if self.per_second:
            return amount / self.per_second
        return self.reset_s


def _number(text: str | None) -> float | None:
    return None if text is None else parse_seconds(text)


def _rfc3339(text: str) -> float | None:
    """An RFC 3339 time (``2025-08-21T12:40:59Z``) as a POSIX time."""
    text = text.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def _duration(text: str | None) -> float | None:
    if text is None:
        return None
    seconds = parse_seconds(text)
    return seconds if seconds is not None else openai_duration(text)


def _getter(headers: Any) -> Callable[[str], str | None]:
    """A look-up by lower-case name that also finds litellm's ``llm_provider-`` copies of a header.

    A plain dict may hold names in any case (litellm keeps them as the server sent them); other mappings
    (``httpx.Headers``, aiohttp's ``CIMultiDictProxy``) look names up case-insensitively.
    """
    if isinstance(headers, dict):
        headers = {str(k).lower(): v for k, v in headers.items()}

    def get(name: str) -> str | None:
        value = headers.get(name)
        if value is None:
            value = headers.get("llm_provider-" + name)
        return None if value is None else str(value)

    return get


def stated_limits(headers: Mapping[str, Any] | None, *, now: float) -> dict[Kind, Allowance]:
    """Every limit the headers state, by kind (empty when they state none).

    ``now`` is the local POSIX time, used for Anthropic's reset times when the reply has no ``Date``. A header
    that cannot be read (not a number, not a time) counts as absent.

    >>> limits = stated_limits({"x-ratelimit-limit-requests": "5000", "x-ratelimit-remaining-requests": "4999",
    ...                         "x-ratelimit-reset-requests": "12ms"}, now=0.0)
    >>> limits["requests"].per_second, limits["requests"].remaining, limits["requests"].reset_s
    (83.33333333333333, 4999.0, 0.012)
    """
    if not headers:
        return {}
    get = _getter(headers)
    out: dict[Kind, Allowance] = {}
    if get("anthropic-ratelimit-requests-limit") is not None or get("anthropic-ratelimit-tokens-limit") is not None:
        date = get("date")
        server_now = http_date(date) if date else None
        clock = now if server_now is None else server_now
        for kind in KINDS:
            limit = _number(get(f"anthropic-ratelimit-{kind}-limit"))
            remaining = _number(get(f"anthropic-ratelimit-{kind}-remaining"))
            reset_at = get(f"anthropic-ratelimit-{kind}-reset")
            when = _rfc3339(reset_at) if reset_at else None
            reset = max(0.0, when - clock) if when is not None else None
            if limit is not None or remaining is not None:
                out[kind] = Allowance(kind, limit, remaining, reset)
        return out
    for kind in ("requests", "tokens"):
        limit = _number(get(f"x-ratelimit-limit-{kind}"))
        remaining = _number(get(f"x-ratelimit-remaining-{kind}"))
        reset = _duration(get(f"x-ratelimit-reset-{kind}"))
        if limit is not None or remaining is not None:
            out[kind] = Allowance(kind, limit, remaining, reset)  # type: ignore[arg-type]
    return out


def reply_headers(reply: Any) -> Any:
    """The HTTP headers of a reply (litellm's ``ModelResponse`` or the fast path's), or None."""
    hidden = getattr(reply, "_hidden_params", None)
    return hidden.get("additional_headers") if isinstance(hidden, dict) else None
