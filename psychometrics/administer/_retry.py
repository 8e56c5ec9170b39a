"""Which failures are worth another try, and how long to wait before it.

Errors are classified by litellm's own exception classes (every provider's errors, and the fast path's, are
mapped to them): a bad request (HTTP 400: a bad parameter, a prompt too long), a refused key (401/403) or an
unknown model or path (404, 422) is not retried, since asking again gets the same answer (read from the HTTP status
the server sent, not from litellm's class: a 400 whose text says "rate limited" is still a 400); rate limits (429),
server errors (5xx), timeouts and dropped connections are. One exception to the classes: a parameter the OpenAI
SDK refuses before sending anything (a ``TypeError`` such as ``got an unexpected keyword argument
'top_logprobs'``, or no key) reaches us as litellm's ``InternalServerError`` (500) with no status from the
provider; it is a client-side error and is not retried either.

How long to wait, in this order of precedence (the first header present decides):

``retry-after-ms``
    Milliseconds (sent by OpenAI and Azure).
``Retry-After``
    Either form of RFC 9110 §10.2.3: a number of seconds (``120``), or an HTTP date (``Wed, 21 Oct 2015
    07:28:00 GMT``) taken relative to the reply's own ``Date`` header when it has one (the server's clock, so a
    skewed local clock does not matter), else to the local clock.
``x-ratelimit-reset-requests`` / ``x-ratelimit-reset-tokens`` (a 429 only)
    OpenAI's durations (``1s``, ``6m0s``, ``20ms``, ``1h2m3.5s``): the reset of the limit that ran out (its
    ``x-ratelimit-remaining-*`` is 0), or the later of the two when the reply does not say which.

Without any of them the wait is an exponential backoff with jitter (``base_delay`` doubling up to
``max_delay``). A server may ask for at most :attr:`RetryPolicy.max_wait` seconds (:data:`DEFAULT_MAX_WAIT`, the
``--max-wait`` option): a longer wait is not shortened (asking again early would disregard the server) but stops
the run with a message, and resuming later asks what is missing. A 429 whose wait the server states is waited
out without using up one of ``retries`` (waiting as told is pacing, not a failure), up to
``_runner.RATE_LIMITED_RETRIES`` such waits a cell whose sum stays within ``max_wait``.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from psychometrics.store import TIMED_OUT

DEFAULT_MAX_WAIT = 600.0
"""Seconds: the longest wait a server may ask for before the run stops instead (``--max-wait``)."""

_RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 529}


class Clock(Protocol):
    """Time as the retry logic sees it; tests inject one that records the waits instead of sleeping."""

    def time(self) -> float: ...
    def monotonic(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 4
    """Further attempts after the first one."""
    base_delay: float = 1.0
    max_delay: float = 60.0
    """Longest backoff between attempts when the server does not say how long to wait."""
    max_wait: float = DEFAULT_MAX_WAIT
    """Longest wait a server may ask for (seconds); a longer one stops the run."""
    clock: Clock = field(default_factory=SystemClock)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (attempt counts from 1): the server's wait when it
        gave one (the caller checks it against :attr:`max_wait`), else the backoff."""
        if retry_after is not None:
            return max(0.0, retry_after)
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return backoff * (0.5 + random.random() / 2)


def status_code(exc: BaseException) -> int | None:
    """The HTTP status the server sent, as the error carries it; None without one (litellm gives its
    ``APIConnectionError``, a request that got no reply, a status 500 of its own).

    litellm re-classifies some errors by their text: a 400 whose message says "rate limited" becomes its
    ``RateLimitError`` with status 429. The provider's own error, with the status as sent, is the one it was
    raised from (``__cause__`` / ``__context__``), so the innermost status in that chain is the one read.
    """
    errors = _litellm_errors()
    if errors is not None and isinstance(exc, errors.APIConnectionError):
        return None
    found: int | None = None
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        code = getattr(error, "status_code", None)
        if isinstance(code, int):
            found = code
        error = error.__cause__ or error.__context__
    return found


def _litellm_errors() -> Any:
    """``litellm.exceptions`` when litellm is loaded (an error from a call means it is), else None."""
    return sys.modules.get("litellm.exceptions")


_REFUSED_BEFORE_SENDING = re.compile(r"unexpected keyword argument|required positional argument|positional arguments? "
                                     r"but|Missing credentials|api_key client option must be set")


def refused_before_sending(exc: BaseException) -> bool:
    """litellm's 500 for a call the client library refused before sending it (a ``TypeError`` about a parameter,
    no key): nothing reached the server."""
    return (status_code(exc) == 500 and getattr(exc, "provider_status_code", "") is None
            and not getattr(exc, "litellm_response_headers", None) and bool(_REFUSED_BEFORE_SENDING.search(str(exc))))


def is_rate_limited(exc: BaseException) -> bool:
    """An HTTP 429 (litellm's ``RateLimitError`` when no status was sent; a 400 it calls one is not)."""
    errors = _litellm_errors()
    code = status_code(exc)
    return code == 429 or (code is None and errors is not None and isinstance(exc, errors.RateLimitError))


def is_client_error(exc: BaseException) -> bool:
    """A request that will be refused however often it is sent: HTTP 400, 401, 402, 403, 404, 422, or a parameter
    the client library refused before sending it."""
    errors = _litellm_errors()
    if errors is not None and isinstance(exc, (
            errors.BadRequestError, errors.AuthenticationError, errors.PermissionDeniedError, errors.NotFoundError,
            errors.UnprocessableEntityError)):
        return True
    if refused_before_sending(exc):
        return True
    code = status_code(exc)
    return code is not None and 400 <= code < 500 and code not in _RETRYABLE_STATUS


def is_retryable(exc: BaseException) -> bool:
    """429, 5xx, timeouts and dropped connections are retried; bad requests and auth failures are not."""
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError, ConnectionError)):
        return True
    if is_client_error(exc):
        return False
    errors = _litellm_errors()
    if errors is not None and isinstance(exc, (
            errors.RateLimitError, errors.Timeout, errors.APIConnectionError, errors.ServiceUnavailableError,
            errors.InternalServerError, errors.BadGatewayError)):
        return True
    code = status_code(exc)
    return code in _RETRYABLE_STATUS if code is not None else False


def error_headers(exc: BaseException) -> dict[str, str] | None:
    """The error's HTTP response headers, lower-cased (litellm keeps them on ``litellm_response_headers``)."""
    for headers in (getattr(exc, "litellm_response_headers", None),
                    getattr(getattr(exc, "response", None), "headers", None), getattr(exc, "headers", None)):
        if not headers:
            continue
        try:
            items = headers.items()
        except AttributeError:
            continue
        out: dict[str, str] = {}
        for key, value in items:
            key = str(key).lower().removeprefix("llm_provider-")
            out.setdefault(key, str(value))
        return out
    return None


def parse_seconds(text: str) -> float | None:
    """A non-negative finite number (seconds, or a count in a rate-limit header), or None."""
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def http_date(text: str) -> float | None:
    """An HTTP date (RFC 9110 §5.6.7; the obsolete RFC 850 and asctime forms too) as a POSIX time."""
    try:
        parsed = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # asctime carries no zone; HTTP dates are always GMT
        from datetime import timezone

        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def openai_duration(text: str) -> float | None:
    """Seconds in an OpenAI rate-limit duration: ``1s`` → 1, ``6m0s`` → 360, ``20ms`` → 0.02, ``1h2m3.5s``.

    >>> openai_duration("6m0s"), openai_duration("20ms"), openai_duration("1h2m3.5s"), openai_duration("soon")
    (360.0, 0.02, 3723.5, None)
    """
    text = text.strip()
    total, pos = 0.0, 0
    for m in _DURATION_PART.finditer(text):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _UNIT[m.group(2)]
        pos = m.end()
    return total if pos == len(text) and pos else None


def server_wait(headers: Mapping[str, str], *, now: float, rate_limited: bool = True) -> float | None:
    """Seconds the server asks the client to wait, from the headers of its reply (lower-case names), or None.

    ``now`` is the local POSIX time (for an HTTP date when the reply has no ``Date``); ``rate_limited`` says the
    reply was a 429, the only status whose ``x-ratelimit-reset-*`` headers are a wait.
    """
    ms = headers.get("retry-after-ms")
    if ms is not None and parse_seconds(ms) is not None:
        return parse_seconds(ms) / 1000  # type: ignore[operator]
    value = headers.get("retry-after")
    if value is not None:
        seconds = parse_seconds(value)
        if seconds is not None:
            return seconds
        when = http_date(value)
        if when is not None:
            server_now = http_date(headers["date"]) if "date" in headers else None
            return max(0.0, when - (server_now if server_now is not None else now))
    if not rate_limited:
        return None
    resets = {kind: openai_duration(headers[f"x-ratelimit-reset-{kind}"])
              for kind in ("requests", "tokens") if f"x-ratelimit-reset-{kind}" in headers}
    resets = {k: v for k, v in resets.items() if v is not None}
    if not resets:
        return None
    spent = [v for k, v in resets.items() if headers.get(f"x-ratelimit-remaining-{k}", "").strip() == "0"]
    return max(spent or resets.values())


def retry_after(exc: BaseException, *, now: float | None = None) -> float | None:
    """Seconds the error's HTTP response asks to wait before the next request (see the module docstring), or None."""
    headers = error_headers(exc)
    if not headers:
        return None
    return server_wait(headers, now=time.time() if now is None else now, rate_limited=is_rate_limited(exc))


def describe(exc: BaseException) -> str:
    code = status_code(exc)
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        text = TIMED_OUT
    elif "Timeout" in type(exc).__name__ and TIMED_OUT not in text.lower():  # litellm's Timeout, APITimeoutError
        text = f"{TIMED_OUT}: {text}"
    if code is None:
        text = re.sub(r"^litellm\.\w+: ", "", text)  # litellm's own prefix repeats the class name
    prefix = f"{type(exc).__name__}" + (f" (HTTP {code})" if code else "")
    return f"{prefix}: {text}"[:2000]
