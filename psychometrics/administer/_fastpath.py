"""A direct path to OpenAI-compatible endpoints: ``openai/…`` with an ``api_base``, and ``hosted_vllm/…``.

``litellm.acompletion`` spends 3–13 ms of CPU per call (its logging object, success callbacks, message
redaction, the OpenAI SDK client, per-call provider and price look-ups); at 64 requests in flight against a
100 ms endpoint that caps an audit at a fraction of what the endpoint allows. For the two providers above the
audit sends the same requests itself, while litellm still decides what they are and what they mean:

* **Request.** Once per answer mode, :func:`litellm.utils.return_raw_request` renders the exact URL and JSON
  body litellm would send for a placeholder prompt (litellm's parameter mapping and checks included: an
  unsupported parameter is not sent here either, the cell goes through litellm and fails there as before).
  Rendering it again with another prompt and another seed checks that the body differs only in the user
  message (and the seed); if it does not, the fast path is off for that mode. Each cell then substitutes its
  prompt and sample into that body.
* **Transport.** One shared aiohttp session (a connection pool as large as the concurrency); the environment's
  proxy settings (``HTTP(S)_PROXY``, ``NO_PROXY``) are honoured as by litellm's aiohttp transport but looked up
  once, not in two threads per request; TLS verification follows litellm's settings (``SSL_VERIFY``,
  ``SSL_CERT_FILE``); the key litellm would use (``--api-base`` placeholders included) goes in the
  ``Authorization`` header only.
* **Reply.** litellm's own ``convert_to_model_response_object`` turns the JSON into the ``ModelResponse``
  ``litellm.acompletion`` returns (reasoning text split off the content as litellm does); the cost is litellm's
  ``response_cost_calculator`` on that object, memoised per (model, usage).
* **Errors.** An HTTP error, a refused connection or a reply that is not JSON becomes the exception litellm
  raises for it (the provider's error class passed through litellm's ``exception_type``), so retries, messages
  and stored errors are the same. Timeouts are the caller's (``asyncio`` timeout), as on the litellm path.

Chat requests only: a text completion (``--prompt-format completion``, the rendered prompt sent as raw text to
``/v1/completions``) goes through ``litellm.atext_completion``, whose request and reply differ in shape.

``PSYCHOMETRICS_FAST_PATH=0`` in the environment turns it off (every call through ``litellm.acompletion``).
If any litellm function it relies on is missing or fails, it stays off and the audit goes through litellm.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from psychometrics import __version__
from psychometrics.administer._litellm import litellm

FAST_PROVIDERS = ("openai", "hosted_vllm")
ENV_SWITCH = "PSYCHOMETRICS_FAST_PATH"
_PROMPTS = ("\x00psychometrics-probe-A\x00", "\x00psychometrics-probe-B\x00")
"""Two prompts litellm renders a request for, to see where the prompt goes in the body."""
_PROMPT_MARK = "\x00psychometrics-prompt\x00"
_SEED_MARK = "\x00psychometrics-seed\x00"
_COST_CACHE_MAX = 4096


def enabled_by_env() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


@dataclass(frozen=True)
class _Template:
    url: str
    body: dict[str, Any]
    """The request body without ``messages`` (and without ``seed`` when :attr:`seeded`)."""
    seeded: bool

    @cached_property
    def _parts(self) -> tuple[bytes, bytes, bytes]:
        """The JSON body split around the prompt (and the seed): each request only fills in the gaps."""
        body = {**self.body, "messages": [{"role": "user", "content": _PROMPT_MARK}]}
        if self.seeded:
            body["seed"] = _SEED_MARK
        text = json.dumps(body)
        before, after = text.split(json.dumps(_PROMPT_MARK))
        if not self.seeded:
            return before.encode(), after.encode(), b""
        mark = json.dumps(_SEED_MARK)
        if mark in before:  # keys keep insertion order: the seed comes after the messages, but be sure
            raise ValueError("unexpected body layout")
        middle, end = after.split(mark)
        return before.encode(), middle.encode(), end.encode()

    def encode(self, prompt: str, seed: int) -> bytes:
        before, middle, end = self._parts
        text = json.dumps(prompt).encode()
        if self.seeded:
            return b"".join((before, text, middle, str(int(seed)).encode(), end))
        return b"".join((before, text, middle))

    def json(self, prompt: str, seed: int) -> dict[str, Any]:
        """The same body as a dict (for tests)."""
        return json.loads(self.encode(prompt, seed))


class FastPath:
    """Send one model's cells straight to its OpenAI-compatible endpoint (see the module docstring)."""

    def __init__(self, model: str, provider: str, api_base: str, api_key: str, *, concurrency: int):
        self.model = model
        self.provider = provider
        self.bare_model = model.split("/", 1)[1]
        self.api_base = api_base
        self._api_key = api_key
        self.concurrency = concurrency
        self._templates: dict[tuple, _Template | None] = {}
        self._session: Any = None
        self._costs: dict[tuple, float | None] = {}
        self._sdk: Any = None
        self._proxies: dict[str, tuple[Any, Any]] = {}
        self._lib = litellm()
        from litellm.litellm_core_utils.exception_mapping_utils import exception_type
        from litellm.litellm_core_utils.llm_response_utils.convert_dict_to_response import (
            convert_to_model_response_object,
        )
        from litellm.litellm_core_utils.prompt_templates.common_utils import extract_reasoning_content
        from litellm.types.utils import CallTypes, ModelResponse
        from litellm.utils import ProviderConfigManager, return_raw_request

        self._extract_reasoning = extract_reasoning_content
        self._exception_type = exception_type
        self._convert = convert_to_model_response_object
        self._model_response = ModelResponse
        self._return_raw_request = return_raw_request
        self._call_type = CallTypes.completion
        self._config = ProviderConfigManager.get_provider_chat_config(
            model=self.bare_model, provider=self._lib.LlmProviders(provider))

    @classmethod
    def for_model(cls, model: str, provider: str, api_base: str | None, api_key: str | None, *,
                  concurrency: int) -> "FastPath | None":
        """The fast path for this model, or None when it does not apply (then every call goes through litellm)."""
        if not enabled_by_env() or provider not in FAST_PROVIDERS or not api_base:
            return None
        if not model.startswith(provider + "/") or urlsplit(api_base).query:
            return None
        try:
            key = _resolve_key(provider, model, api_base, api_key)
            if not key:
                return None
            return cls(model, provider, api_base, key, concurrency=concurrency)
        except Exception:  # noqa: BLE001 - a litellm without these helpers: use the ordinary path
            return None

    # Requests ---------------------------------------------------------------------------------------------
    def template(self, params: Mapping[str, Any]) -> _Template | None:
        """The request for these generation parameters, rendered by litellm and checked; None: use litellm."""
        key = tuple(sorted(params.items()))
        if key not in self._templates:
            try:
                self._templates[key] = self._render(dict(params))
            except Exception:  # noqa: BLE001 - anything unexpected: leave these cells to litellm
                self._templates[key] = None
        return self._templates[key]

    def _raw(self, prompt: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        raw = self._return_raw_request(self._call_type, {
            "model": self.model, "messages": [{"role": "user", "content": prompt}], "api_base": self.api_base,
            "num_retries": 0, **params,
        })
        if raw.get("error") or not isinstance(raw.get("raw_request_body"), dict):
            raise ValueError(raw.get("error") or "no request rendered")
        body = dict(raw["raw_request_body"])
        extra = body.pop("extra_body", None) or {}  # the OpenAI SDK merges extra_body into the JSON body
        body.update(extra)
        url = str(raw.get("raw_request_api_base") or "")
        if not url.rstrip("/").endswith("/chat/completions"):
            url = url.rstrip("/") + "/chat/completions"
        return url, body

    def _render(self, params: dict[str, Any]) -> _Template | None:
        seeded = "seed" in params
        url, a = self._raw(_PROMPTS[0], params)
        url_b, b = self._raw(_PROMPTS[1], params)
        expected = [{"role": "user", "content": _PROMPTS[0]}]
        if url != url_b or a.get("messages") != expected or {**b, "messages": expected} != a:
            return None
        if seeded:
            url_c, c = self._raw(_PROMPTS[0], {**params, "seed": params["seed"] + 1})
            if url_c != url or a.get("seed") != params["seed"] or {**c, "seed": params["seed"]} != a:
                return None
        elif "seed" in a:
            return None
        body = {k: v for k, v in a.items() if k != "messages" and not (seeded and k == "seed")}
        return _Template(url=url, body=body, seeded=seeded)

    # Transport --------------------------------------------------------------------------------------------
    def _client(self) -> Any:
        if self._session is None:
            import aiohttp

            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=max(1, self.concurrency), ttl_dns_cache=300, ssl=_ssl()),
                trust_env=False,  # the environment's proxy is looked up once in _proxy_for, not twice per request
                timeout=aiohttp.ClientTimeout(total=None),
                headers={"Authorization": f"Bearer {self._api_key}", "Content-Type": "application/json",
                         "User-Agent": f"psychometrics/{__version__} litellm/{_litellm_version()}"},
            )
        return self._session

    def _proxy_for(self, url: str) -> tuple[Any, Any]:
        """The HTTP(S)_PROXY / NO_PROXY answer for the endpoint, as litellm's aiohttp transport would find it."""
        if url not in self._proxies:
            proxy: tuple[Any, Any] = (None, None)
            if not getattr(self._lib, "disable_aiohttp_trust_env", False):
                from aiohttp.helpers import get_env_proxy_for_url
                from yarl import URL

                try:
                    proxy = get_env_proxy_for_url(URL(url))
                except LookupError:
                    pass
            self._proxies[url] = proxy
        return self._proxies[url]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def complete(self, template: _Template, prompt: str, seed: int) -> Any:
        """Send one request; return litellm's ``ModelResponse`` for the reply or raise litellm's exception."""
        import aiohttp

        session = self._client()
        proxy, proxy_auth = self._proxy_for(template.url)
        try:
            async with session.post(template.url, data=template.encode(prompt, seed), proxy=proxy,
                                    proxy_auth=proxy_auth) as resp:
                raw = await resp.read()
                status, headers = resp.status, resp.headers
        except aiohttp.ClientError as exc:
            raise self._connection_error(exc) from None
        if not 200 <= status < 300:
            raise self._status_error(template.url, status, headers, raw)  # its cause: the provider's error, as sent
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            text = raw.decode("utf-8", "replace")
            raise self._mapped(self._config.get_error_class(
                error_message=f"Unable to get json response - {exc}, Original Response: {text}",
                status_code=status, headers=dict(headers))) from None
        return self.reply(data, headers, template)

    def reply(self, data: dict[str, Any], headers: Mapping[str, str], template: _Template) -> Any:
        """The reply as :func:`~psychometrics.administer._call.response_from_reply` reads it.

        A plain answer (one text message, token counts, log-probabilities or none) is read directly into a
        :class:`LightReply`, with litellm's ``extract_reasoning_content`` applied to the message as litellm does;
        anything else (tool calls, reasoning fields, an error object, missing usage…) goes through litellm's
        ``convert_to_model_response_object``. Both give the same stored record (tested).
        """
        if self.provider == "openai":
            data = self._config.transform_parsed_response_dict(data)
        light = _light(data, self._extract_reasoning)
        if light is not None:
            light._hidden_params["response_cost"] = self._cost(data, template)
            light._hidden_params["additional_headers"] = headers  # the rate limits it states (see _pacing)
            return light
        return self._full(data, headers, template)

    def _full(self, data: dict[str, Any], headers: Mapping[str, str], template: _Template) -> Any:
        hidden = dict(headers)
        reply = self._convert(response_object=data, model_response_object=self._model_response(),
                              hidden_params={"headers": hidden}, _response_headers=hidden)
        reply._hidden_params["response_cost"] = self._cost(data, template, reply)
        return reply

    def _cost(self, data: dict[str, Any], template: _Template, reply: Any = None) -> float | None:
        """litellm's cost of this reply, computed once per (model, token counts)."""
        usage = data.get("usage")
        if isinstance(usage, dict) and usage.keys() <= {"prompt_tokens", "completion_tokens", "total_tokens"}:
            key: tuple = (data.get("model"), usage.get("prompt_tokens"), usage.get("completion_tokens"),
                          usage.get("total_tokens"))
        else:
            key = (data.get("model"), json.dumps(usage, sort_keys=True, default=str))
        if key in self._costs:
            return self._costs[key]
        if reply is None:
            hidden: dict[str, str] = {}
            reply = self._convert(response_object=json.loads(json.dumps(data)), model_response_object=self._model_response(),
                                  hidden_params={"headers": hidden}, _response_headers=hidden)
        try:
            cost = self._lib.response_cost_calculator(
                response_object=reply, model=self.bare_model, custom_llm_provider=self.provider,
                call_type="acompletion", optional_params=dict(template.body), cache_hit=None, base_model=None,
                custom_pricing=False, prompt="")
        except Exception:  # noqa: BLE001 - litellm prices nothing it does not know: no cost, as on its own path
            cost = None
        if len(self._costs) < _COST_CACHE_MAX:
            self._costs[key] = cost
        return cost

    # Errors -----------------------------------------------------------------------------------------------
    def _mapped(self, exc: Exception) -> Exception:
        """The exception litellm.acompletion raises for ``exc`` (its provider error), via litellm's mapping."""
        try:
            self._exception_type(model=self.model, custom_llm_provider=self.provider, original_exception=exc,
                                 completion_kwargs={}, extra_kwargs={})
        except Exception as mapped:  # noqa: BLE001 - exception_type always raises; that is the result
            if mapped is not exc and mapped.__cause__ is None and mapped.__context__ is None:
                mapped.__cause__ = exc  # as litellm.acompletion raises it: the provider error (its real status) inside
            return mapped
        return exc

    def _status_error(self, url: str, status: int, headers: Any, raw: bytes) -> Exception:
        import httpx

        if self.provider == "openai":  # litellm goes through the OpenAI SDK: its error, then litellm's OpenAIError
            from litellm.llms.openai.common_utils import OpenAIError

            response = httpx.Response(status, headers=list(headers.items()), content=raw,
                                      request=httpx.Request("POST", url))
            if self._sdk is None:  # used only to build the SDK's error for a status code; it never sends anything
                import openai

                self._sdk = openai.AsyncOpenAI(api_key="unused", base_url="http://127.0.0.1:9", max_retries=0)
            sdk_error = self._sdk._make_status_error_from_response(response)
            return self._mapped(OpenAIError(status_code=status, message=getattr(sdk_error, "message", str(sdk_error)),
                                            headers=response.headers, body=getattr(sdk_error, "body", None)))
        return self._mapped(self._config.get_error_class(
            error_message=raw.decode("utf-8", "replace"), status_code=status, headers=dict(headers)))

    def _connection_error(self, exc: Exception) -> Exception:
        if self.provider == "openai":
            from litellm.llms.openai.common_utils import OpenAIError

            return self._mapped(OpenAIError(status_code=500, message="Connection error.", headers=None, body=None))
        error = self._config.get_error_class(error_message=str(exc), status_code=500, headers={})
        error.status_code_is_synthesized = True
        return self._mapped(error)


def _litellm_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("litellm")
    except metadata.PackageNotFoundError:
        return "unknown"


def _ssl() -> Any:
    """TLS settings as litellm's HTTP clients use them (``SSL_VERIFY``, ``SSL_CERT_FILE``, ``litellm.ssl_verify``)."""
    try:
        from litellm.llms.custom_httpx.http_handler import get_ssl_configuration

        return get_ssl_configuration()
    except Exception:  # noqa: BLE001 - an older litellm: aiohttp's default verification
        return True


def _resolve_key(provider: str, model: str, api_base: str, api_key: str | None) -> str | None:
    """The key litellm would send for this call (never stored, never logged)."""
    lib = litellm()
    if provider == "openai":
        return (api_key or getattr(lib, "api_key", None) or getattr(lib, "openai_key", None)
                or os.environ.get("OPENAI_API_KEY"))
    _, _, dynamic_key, _ = lib.get_llm_provider(model=model, api_base=api_base, api_key=api_key)
    return api_key or dynamic_key or os.environ.get("HOSTED_VLLM_API_KEY") or "fake-api-key"


# The reply of a plain answer, read without building litellm's pydantic objects ----------------------------
class LightMessage:
    __slots__ = ("content", "reasoning_content")

    def __init__(self, content: str | None, reasoning_content: str | None = None):
        self.content = content
        self.reasoning_content = reasoning_content


class LightChoice:
    __slots__ = ("message", "logprobs", "finish_reason")

    def __init__(self, message: LightMessage, logprobs: dict[str, Any] | None, finish_reason: str | None = None):
        self.message = message
        self.logprobs = logprobs
        self.finish_reason = finish_reason


class LightUsage:
    __slots__ = ("prompt_tokens", "completion_tokens")

    def __init__(self, prompt_tokens: int, completion_tokens: int):
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens


class LightReply:
    """What the audit reads of a ``ModelResponse``: the first choice's text, reasoning, log-probs and finish reason,
    usage and cost."""

    __slots__ = ("choices", "usage", "model", "_hidden_params")

    def __init__(self, choices: list[LightChoice], usage: LightUsage, model: Any):
        self.choices = choices
        self.usage = usage
        self.model = model
        self._hidden_params: dict[str, Any] = {}


_PLAIN_MESSAGE_KEYS = frozenset({"role", "content", "refusal", "annotations", "audio", "function_call", "tool_calls",
                                 "reasoning_content", "reasoning"})


def _plain_logprobs(lp: Any) -> bool:
    """``None``, or ``{"content": [{"token", "logprob", "top_logprobs": [{"token", "logprob"}…]}…]}`` with
    string tokens and numeric log-probs, which litellm's ``ChoiceLogprobs`` would keep as they are."""
    if lp is None:
        return True
    if not isinstance(lp, dict) or not isinstance(lp.get("content"), list):
        return False
    for entry in lp["content"][:1]:
        if not isinstance(entry, dict) or not isinstance(entry.get("top_logprobs"), list):
            return False
        for t in entry["top_logprobs"]:
            if not isinstance(t, dict) or not isinstance(t.get("token"), str) or type(t.get("logprob")) not in (int, float):
                return False
    return True


def _light(data: dict[str, Any], extract_reasoning: Any) -> LightReply | None:
    """A :class:`LightReply` for a plain answer, or None (then litellm converts the reply)."""
    if data.get("error") is not None:
        return None
    choices = data.get("choices")
    usage = data.get("usage")
    if not isinstance(choices, list) or not choices or not isinstance(usage, dict):
        return None
    prompt_tokens, completion_tokens = usage.get("prompt_tokens"), usage.get("completion_tokens")
    if type(prompt_tokens) is not int or type(completion_tokens) is not int:
        return None
    choice = choices[0]
    if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
        return None
    message = choice["message"]
    if (not message.keys() <= _PLAIN_MESSAGE_KEYS or message.get("tool_calls") not in (None, [])
            or message.get("function_call") is not None or not isinstance(message.get("content"), str)):
        return None
    logprobs = choice.get("logprobs")
    if not _plain_logprobs(logprobs):
        return None
    finish = choice.get("finish_reason")
    if finish is not None and not isinstance(finish, str):
        return None
    reasoning, content = extract_reasoning(message)  # litellm moves a leading <think>…</think> out of the content
    return LightReply([LightChoice(LightMessage(content, reasoning), logprobs, finish)],
                      LightUsage(prompt_tokens, completion_tokens), data.get("model"))
