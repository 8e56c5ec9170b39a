"""Fail fast on a dead endpoint: notice that every request is refused the same way, stop, and say why.

A wrong ``--api-base`` (no ``/v1``), a model name the server does not know, or a refused key makes every
request fail with the same client error (HTTP 404, 401, 403, 400), which retrying cannot change; a server that
is gone (the connection refused, after the retries) fails the same way every time too. After
:data:`FAIL_FAST_AFTER` cells in a row end in the same such error the run stops taking new cells (requests
already in flight finish and are stored) and :func:`explain` turns the error into one line with the cause and
a hint, found by asking the server what it serves (``GET …/models``). The cells must hold different prompts (the
samples of one prompt are adjacent in a plan, and one prompt can be refused on its own), and errors about one
prompt (longer than the context window, a content filter) do not count: the next prompt may pass. A reply
without log-probabilities is not an error of the endpoint either. A server that asks to wait longer than the run
may (``--max-wait``) stops it at once.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Literal

from psychometrics.administer._connection import connection_failure, refused
from psychometrics.administer._retry import is_client_error, refused_before_sending, status_code
from psychometrics.store import Response

FAIL_FAST_AFTER = 3
"""Cells with different prompts, in a row, that must end in the same client error before the run stops."""

StopKind = Literal["dead-endpoint", "long-wait"]


class WaitTooLong(Exception):
    """The server asked to wait longer than the run may (``RetryPolicy.max_wait``)."""

    def __init__(self, seconds: float, limit: float, error: BaseException):
        super().__init__(f"the server asks to wait {seconds:.0f} s before the next request, longer than "
                         f"--max-wait {limit:g} s")
        self.seconds, self.limit, self.error = seconds, limit, error


@dataclass
class Stop:
    """Why a run stopped before asking every cell."""

    kind: StopKind
    error: BaseException
    """The error that decided (for ``long-wait``, a :class:`WaitTooLong`)."""
    message: str
    """The stored error text of the cells that ended in it."""
    count: int
    """How many cells in a row ended in it."""


def _per_prompt(exc: BaseException) -> bool:
    """A client error about this prompt only (the next one may pass)."""
    from litellm import exceptions as errors

    return isinstance(exc, (errors.ContextWindowExceededError, errors.ContentPolicyViolationError))


def dead_endpoint_cause(exc: BaseException | None) -> str | None:
    """What makes errors "the same" for failing fast (class, status, message without numbers), or None when
    ``exc`` is not an error that every request would get."""
    if exc is None or not (is_client_error(exc) or refused(exc)) or _per_prompt(exc):
        return None
    text = re.sub(r"[0-9a-f]{8,}|\d+", "#", " ".join(str(exc).split()).lower())
    return f"{type(exc).__name__}|{status_code(exc)}|{text}"


class FailFast:
    """Watches the cells as they end, in the order they end; :meth:`observe` returns a :class:`Stop` when the run
    should stop."""

    def __init__(self, after: int = FAIL_FAST_AFTER):
        self.after = after
        self.cause: str | None = None
        self.count = 0
        self.prompts: set[str] = set()

    def observe(self, response: Response, exc: BaseException | None) -> Stop | None:
        if isinstance(exc, WaitTooLong):
            return Stop("long-wait", exc, response.error or str(exc), 1)
        cause = dead_endpoint_cause(exc) if response.status == "error" else None
        if cause != self.cause:
            self.cause, self.count, self.prompts = cause, 0, set()
        if cause is None:
            return None
        self.count += 1
        self.prompts.add(response.prompt)
        if len(self.prompts) >= self.after:
            assert exc is not None
            return Stop("dead-endpoint", exc, response.error or str(exc), self.count)
        return None


def list_models(api_base: str, api_key: str | None, *, timeout: float = 5.0) -> list[str] | None:
    """The model ids an OpenAI-compatible server lists at ``{api_base}/models``, or None when it lists none."""
    request = urllib.request.Request(api_base.rstrip("/") + "/models")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 - the user's own endpoint
            data = json.loads(reply.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    entries = data.get("data") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return None
    return [str(e["id"]) for e in entries if isinstance(e, dict) and "id" in e]


def key_variable(provider: str) -> str:
    """The environment variable litellm reads the provider's key from (``OPENAI_API_KEY``…)."""
    return f"{provider.upper().replace('-', '_')}_API_KEY"


def _server_message(exc: BaseException, width: int = 160) -> str:
    text = " ".join(str(exc).split())
    text = re.sub(r"^(litellm\.\w+: )?(\w+Error: )?(\w+Exception - )?", "", text)
    return text if len(text) <= width else text[: width - 1] + "…"


def hint(exc: BaseException, *, model: str, provider: str, api_base: str | None, api_key: str | None) -> str:
    """What to check, for an error every request got (asks the server what it serves, for a 404)."""
    from psychometrics.administer._audit import sanitize_api_base
    from psychometrics.administer._call import NoLogprobs

    code = status_code(exc)
    variable = key_variable(provider)
    key = api_key if api_key and api_key != "not-needed" else os.environ.get(variable)
    if isinstance(exc, NoLogprobs) or (is_client_error(exc) and "logprob" in str(exc).lower()):
        return "the provider gives no log-probabilities for this model: use --mode generate (or auto)"
    if refused(exc):
        return connection_failure(exc, api_base) or "connection refused"
    if refused_before_sending(exc):
        return f"litellm refused the request before sending it: {_server_message(exc)}"
    if code == 404:
        if not api_base:
            return f"the provider does not know the model {model!r}: check its name"
        listed = list_models(api_base, key)
        root = api_base.rstrip("/")
        if listed is None:
            if not root.endswith("/v1") and list_models(root + "/v1", key) is not None:
                return f"is /v1 missing from --api-base? the server answers at {sanitize_api_base(root)}/v1"
            return ("is /v1 missing from --api-base? the server lists no models at "
                    f"{sanitize_api_base(root)}/models")
        name = model.split("/", 1)[-1]
        if name not in listed:
            shown = ", ".join(listed[:8]) + (f" and {len(listed) - 8} more" if len(listed) > 8 else "")
            return f"unknown model name on the server: it lists {shown or 'no model'}"
        return f"the server lists {name!r} but answers 404: {_server_message(exc)}"
    if code == 401:
        if api_key == "not-needed" and not os.environ.get(variable):
            return f"the server wants a key: set it in ${variable}"
        return f"the key was refused: check the key in ${variable}"
    if code == 403:
        return f"the key may not use {model}: check the key in ${variable} and its access to the model"
    return f"the server rejects the request: {_server_message(exc)}"


def explain(stop: Stop, *, model: str, provider: str, api_base: str | None, api_key: str | None,
            resume_with: str) -> str:
    """One line: what happened, why, and how to go on (``resume_with``: how to resume, e.g. the command)."""
    resume = f"what was answered is stored; resume with: {resume_with}"
    if stop.kind == "long-wait":
        return f"stopped: {stop.error}; {resume} later, or raise --max-wait"
    why = hint(stop.error, model=model, provider=provider, api_base=api_base, api_key=api_key)
    code = status_code(stop.error)
    status = ("refused before sending" if refused_before_sending(stop.error)
              else f"HTTP {code}" if code else type(stop.error).__name__)
    return f"stopped after {stop.count} requests in a row failed the same way ({status}): {why}; {resume}"
