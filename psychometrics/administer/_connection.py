"""A request that never got an HTTP reply: say why, in litellm's own exception class.

litellm's OpenAI route wraps every failure of the OpenAI SDK in an ``OpenAIError`` with status 500, so a refused
connection (nothing listening at ``--api-base``) reaches the audit as ``InternalServerError (HTTP 500):
Connection error.``, which reads like a server fault. The cause is still in the exception's chain (the SDK's
``APIConnectionError``, httpx's or aiohttp's connection error, and the ``ConnectionRefusedError`` under them);
:func:`as_connection_error` finds it and raises litellm's ``APIConnectionError`` with a message that names it.
It is retried like any dropped connection, and a run whose requests keep being refused stops after a few cells
(:mod:`psychometrics.administer._endpoint`).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

_CHAIN_DEPTH = 16


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < _CHAIN_DEPTH:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _closed_early(exc: BaseException) -> bool:
    """The server accepted the connection and closed it without a reply (aiohttp's ``ServerDisconnectedError``,
    httpx's ``RemoteProtocolError``, a reset)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return isinstance(exc, (ConnectionResetError, BrokenPipeError)) or bool(
        names & {"ServerDisconnectedError", "RemoteProtocolError"})


def connection_failure(exc: BaseException, api_base: str | None) -> str | None:
    """Why a request got no HTTP reply, as one line naming the endpoint, or None when it got one (or timed out).

    >>> connection_failure(ConnectionRefusedError(111, "Connect call failed"), "http://127.0.0.1:8000/v1")
    'connection refused at http://127.0.0.1:8000/v1 — is the server running?'
    """
    from psychometrics.administer._audit import sanitize_api_base

    where = sanitize_api_base(api_base) or "the provider's endpoint"
    for link in _chain(exc):
        if isinstance(link, ConnectionRefusedError):
            return f"connection refused at {where} — is the server running?"
        if isinstance(link, socket.gaierror):
            return f"cannot resolve the host of {where}: check --api-base"
        if _closed_early(link):
            return f"the server at {where} closed the connection without a reply"
    return None


def refused(exc: BaseException) -> bool:
    """Whether nothing was listening where the request went (a ``ConnectionRefusedError`` in the chain)."""
    return any(isinstance(link, ConnectionRefusedError) for link in _chain(exc))


def as_connection_error(exc: BaseException, *, model: str, api_base: str | None) -> Exception | None:
    """litellm's ``APIConnectionError`` naming the cause of ``exc`` (raise it ``from exc``), or None when ``exc``
    is not a failure to get a reply."""
    message = connection_failure(exc, api_base)
    if message is None:
        return None
    from litellm.exceptions import APIConnectionError

    provider = model.split("/", 1)[0] if "/" in model else "openai"
    return APIConnectionError(message=message, llm_provider=provider, model=model)
