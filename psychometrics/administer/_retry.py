"""Which failures are worth another try, and how long to wait before it."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 4
    """Further attempts after the first one."""
    base_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (attempt counts from 1)."""
        if retry_after is not None:
            return min(self.max_delay, max(0.0, retry_after))
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return backoff * (0.5 + random.random() / 2)


_RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 529}


def status_code(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def is_retryable(exc: BaseException) -> bool:
    """429, 5xx, timeouts and dropped connections are retried; bad requests and auth failures are not."""
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError, ConnectionError)):
        return True
    name = type(exc).__name__
    if name in {"Timeout", "APITimeoutError", "APIConnectionError", "RateLimitError", "ServiceUnavailableError",
                "InternalServerError", "ServerDisconnectedError", "ClientConnectionError"}:
        return True
    code = status_code(exc)
    return code in _RETRYABLE_STATUS if code is not None else False


def retry_after(exc: BaseException) -> float | None:
    """Seconds from a Retry-After (or retry-after-ms) header of the error's HTTP response, when there is one.

    litellm keeps the provider's headers on ``litellm_response_headers`` (its ``response`` is a stand-in).
    """
    for headers in (getattr(exc, "litellm_response_headers", None), getattr(getattr(exc, "response", None), "headers", None),
                    getattr(exc, "headers", None)):
        if not headers:
            continue
        try:
            ms = headers.get("retry-after-ms") or headers.get("Retry-After-Ms")
            value = headers.get("retry-after") or headers.get("Retry-After")
        except AttributeError:
            continue
        try:
            if ms is not None:
                return max(0.0, float(ms) / 1000)
            if value is not None:
                return max(0.0, float(value))
        except (TypeError, ValueError):
            return None  # an HTTP date: fall back to exponential backoff
    return None


def describe(exc: BaseException) -> str:
    code = status_code(exc)
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        text = "timed out"
    prefix = f"{type(exc).__name__}" + (f" (HTTP {code})" if code else "")
    return f"{prefix}: {text}"[:2000]
