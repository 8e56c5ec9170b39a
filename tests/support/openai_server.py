"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks.

It answers ``/v1/chat/completions`` (with log-probabilities when asked) and ``/v1/models``, counts every
request per prompt, and can be told to refuse, fail with 429 (Retry-After in any form, OpenAI's rate-limit
headers), 500, 400, 401 or 404 (as OpenAI, vLLM and llama.cpp word them), hang, reject the log-prob parameters as
reasoning models do, or act as a reasoning model that spends tokens on reasoning before it answers; a token
bucket (``tests.support.token_bucket``) can rate-limit it as a provider does. Every request's
body and arrival time is kept (``bodies``, ``events``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from aiohttp import web

from tests.support.token_bucket import TokenBucket

Action = str  # "answer", "refuse", "429", "500", "400", "401", "404", "hang", "nologprobs", "garbage", "echo-auth"
"""``echo-auth``: a 500 whose message repeats the request's Authorization header, as careless proxies do."""

ERROR_BODIES = {
    "400": {"error": {"message": "Invalid value for 'temperature': expected a number between 0 and 2.",
                      "type": "invalid_request_error", "param": "temperature", "code": "invalid_value"}},
    "401": {"error": {"message": "Incorrect API key provided. You can find your API key in your account settings.",
                      "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}},
    "400-rate-limited": {"error": {"message": "Request rejected: images are rate limited to 3 per prompt.",
                                   "type": "invalid_request_error", "param": "messages", "code": "invalid_value"}},
    "404": {"object": "error", "message": "The model `{model}` does not exist.", "type": "NotFoundError",
            "param": None, "code": 404},
}
"""Error replies worded as OpenAI (400, 401) and vLLM (404 for an unknown model) word them; ``400-rate-limited`` is
a client error whose text says "rate limited" (litellm maps it to its 429 ``RateLimitError`` by the text)."""
LOGPROBS_REJECTED = {"error": {"message": "Unsupported parameter: 'logprobs' is not supported with this model.",
                               "type": "invalid_request_error", "param": "logprobs", "code": "unsupported_parameter"}}
"""What OpenAI's reasoning models answer to a request with ``logprobs``."""


def http_date(when: float) -> str:
    """``when`` (POSIX seconds) as an HTTP date (RFC 9110 IMF-fixdate)."""
    from email.utils import formatdate

    return formatdate(when, usegmt=True)


def _labels(prompt: str) -> list[str]:
    letters = re.findall(r"(?m)^\s*\(?([A-H])[\).:]", prompt)
    if len(letters) >= 2:
        return letters
    inline = list(dict.fromkeys(re.findall(r"\(([A-H])\)", prompt)))  # "(A) … (B) …" on one line
    if len(inline) >= 2:
        return inline
    digits = re.findall(r"\(?\b([1-9])\b[\).:]?\s", prompt)
    seen: list[str] = []
    for d in digits:
        if d not in seen:
            seen.append(d)
    return seen or ["1", "2", "3", "4", "5"]


def default_choice(prompt: str, labels: list[str]) -> str:
    """A deterministic pick: the same prompt always gets the same label."""
    h = int(hashlib.sha256(prompt.encode()).hexdigest(), 16)
    return labels[h % len(labels)]


@dataclass
class ServerConfig:
    latency: float = 0.0
    """Seconds before each reply."""
    behaviour: Callable[[int, str], Action] = lambda n, prompt: "answer"
    """(request number, prompt) → what to do."""
    choose: Callable[[str, list[str]], str] = default_choice
    choose_for_model: Callable[[str, str, list[str]], str] | None = None
    """(model, prompt, labels) → label; when set, used instead of ``choose`` (versions that answer differently)."""
    model_created: dict[str, int] = field(default_factory=dict)
    """``created`` of each model in ``/v1/models`` (0 when not given)."""
    retry_after: float = 0.05
    hang_seconds: float = 3600.0
    models: list[str] = field(default_factory=lambda: ["test-model"])
    api_key: str | None = None
    """If set, requests must carry ``Authorization: Bearer <api_key>``."""
    rate_limit_headers: Callable[[], dict[str, str]] | None = None
    """Headers of a 429 (called at reply time, for HTTP dates); None: ``Retry-After: <retry_after>``."""
    reject_unknown_models: bool = False
    """Answer a model not in ``models`` with vLLM's 404 (llama.cpp's server answers any name with its one model)."""
    reject_logprobs: bool = False
    """Answer a request with ``logprobs`` with OpenAI's HTTP 400, as its reasoning models do."""
    reasoning_tokens: int | None = None
    """Act as a reasoning model: spend this many tokens reasoning before the one-token answer. A ``max_tokens``
    too small for both gets an empty answer with ``finish_reason: "length"``."""
    bucket: TokenBucket | None = None
    """A rate limit: requests beyond it get a 429 at once, every reply states it in its headers."""
    reasoning_in: Literal["reasoning_content", "think", "hidden"] = "reasoning_content"
    """Where the reasoning goes: a ``reasoning_content`` field (vLLM, DeepSeek), a ``<think>…</think>`` block at the
    start of the content (a reasoning model served without a reasoning parser), or nowhere (OpenAI)."""
    keep_requests: bool = True
    """Keep every request's body, Authorization header and timing (``bodies``, ``auth_headers``, ``events``);
    off for a million-request benchmark, where only the counters are wanted."""
    legacy_logprobs: bool = False
    """Log-probs in the legacy completions shape (``tokens``, ``token_logprobs``, ``top_logprobs`` as token →
    log-prob maps), as some OpenAI-compatible servers return them on the chat endpoint."""
    cut_to_budget: bool = False
    """Cut a reply longer than ``max_tokens`` words (one word is one token) there, with ``finish_reason: "length"``,
    as a model that talks past its budget does."""
    paused: threading.Event | None = None
    """While this event is set, chat requests are counted and then held unanswered (a test's way to stop every
    client at once, e.g. while another starts)."""


class OpenAIServer:
    """Start with ``with OpenAIServer(config) as server: …``; ``server.api_base`` is ``http://127.0.0.1:PORT/v1``."""

    def __init__(self, config: ServerConfig | None = None):
        self.config = config or ServerConfig()
        self.requests = 0
        self.per_prompt: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.auth_headers: list[str] = []
        self.bodies: list[dict] = []
        self.events: list[tuple[float, str, int]] = []
        """(monotonic time, "request" or "reply", HTTP status; 0 for a request) in the order they happened."""
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        prompt = body["messages"][-1]["content"]
        keep = self.config.keep_requests
        if keep:
            self.auth_headers.append(request.headers.get("Authorization", ""))
        with self._lock:
            self.requests += 1
            n = self.requests
            self.per_prompt[prompt] += 1
            if keep:
                self.bodies.append(body)
                self.events.append((time.monotonic(), "request", 0))
        if self.config.api_key and request.headers.get("Authorization") != f"Bearer {self.config.api_key}":
            return self._status(401, {"error": {"message": "invalid api key", "type": "auth"}})
        model = str(body.get("model", ""))
        if self.config.reject_unknown_models and model not in self.config.models:
            error = json.loads(json.dumps(ERROR_BODIES["404"]).replace("{model}", model))
            return self._status(404, error)
        if self.config.reject_logprobs and body.get("logprobs"):
            return self._status(400, LOGPROBS_REJECTED)
        limit_headers: dict[str, str] = {}
        if self.config.bucket is not None:
            allowed, limit_headers = self.config.bucket.take(len(prompt.split()) + 1)
            if not allowed:
                return self._status(429, {"error": {"message": "rate limited", "type": "rate_limit"}},
                                    headers=limit_headers)
        action = self.config.behaviour(n, prompt)
        while self.config.paused is not None and self.config.paused.is_set():
            await asyncio.sleep(0.01)
        if self.config.latency:
            await asyncio.sleep(self.config.latency)
        if action == "429":
            headers = (self.config.rate_limit_headers() if self.config.rate_limit_headers
                       else {"Retry-After": str(self.config.retry_after)})
            return self._status(429, {"error": {"message": "rate limited", "type": "rate_limit"}}, headers=headers)
        if action in ERROR_BODIES:
            error = json.loads(json.dumps(ERROR_BODIES[action]).replace("{model}", model))
            return self._status(int(action[:3]), error)
        if action == "500":
            return self._status(500, {"error": {"message": "internal error", "type": "server"}})
        if action == "echo-auth":
            seen = request.headers.get("Authorization", "")
            return self._status(500, {"error": {"message": f"upstream rejected headers Authorization: {seen}",
                                                "type": "server"}})
        if action == "hang":
            await asyncio.sleep(self.config.hang_seconds)
        labels = _labels(prompt)
        if self.config.choose_for_model is not None:
            choice = self.config.choose_for_model(str(body.get("model", "")), prompt, labels)
        else:
            choice = self.config.choose(prompt, labels)
        text = {
            "answer": choice,
            "nologprobs": choice,
            "refuse": "As an AI language model, I don't have personal opinions or feelings.",
            "garbage": "The weather is nice today.",
        }.get(action, choice)
        message = {"role": "assistant", "content": text}
        finish, completion_tokens = "stop", 1
        if self.config.reasoning_tokens is not None:
            message, finish, completion_tokens = self._reasoning_reply(text, body.get("max_tokens"))
        elif self.config.cut_to_budget and body.get("max_tokens") and len(text.split()) > int(body["max_tokens"]):
            end = [m.end() for m in re.finditer(r"\S+", text)][int(body["max_tokens"]) - 1]
            message["content"], finish, completion_tokens = text[:end], "length", int(body["max_tokens"])
        result: dict = {
            "id": f"chatcmpl-{n}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "test-model"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": completion_tokens,
                      "total_tokens": len(prompt.split()) + completion_tokens},
        }
        if body.get("logprobs") and action == "answer":
            rest = (1 - 0.7) / max(1, len(labels) - 1)
            top = [{"token": lab, "logprob": math.log(0.7 if lab == choice else rest), "bytes": None}
                   for lab in labels]
            top.sort(key=lambda t: -t["logprob"])
            result["choices"][0]["logprobs"] = {"content": [{"token": choice, "logprob": math.log(0.7),
                                                             "bytes": None, "top_logprobs": top}]}
            if self.config.legacy_logprobs:
                result["choices"][0]["logprobs"] = {"tokens": [choice], "token_logprobs": [math.log(0.7)],
                                                    "top_logprobs": [{t["token"]: t["logprob"] for t in top}],
                                                    "text_offset": [0]}
        with self._lock:
            self.statuses[200] += 1
            if self.config.keep_requests:
                self.events.append((time.monotonic(), "reply", 200))
        return web.json_response(result, headers=limit_headers or None)

    def _reasoning_reply(self, answer: str, max_tokens: int | None) -> tuple[dict, str, int]:
        """(message, finish_reason, completion tokens) of a reasoning model: one word is one token."""
        needed = int(self.config.reasoning_tokens or 0)
        words = ("Let me weigh how well this statement describes me before I choose an option " * needed).split()
        budget = needed + 1 if max_tokens is None else int(max_tokens)
        reasoning = " ".join(words[:min(needed, budget)])
        cut = budget < needed + 1
        content = "" if cut else answer
        message: dict = {"role": "assistant", "content": content}
        if self.config.reasoning_in == "reasoning_content":
            message["reasoning_content"] = reasoning
        elif self.config.reasoning_in == "think":
            message["content"] = f"<think>{reasoning}" + ("" if cut else f"</think>\n{answer}")
        return message, "length" if cut else "stop", budget if cut else needed + 1

    def _status(self, status: int, body: dict, headers: dict | None = None) -> web.Response:
        with self._lock:
            self.statuses[status] += 1
            self.events.append((time.monotonic(), "reply", status))
        return web.json_response(body, status=status, headers=headers)

    def stats(self, *, prompts: bool = False) -> dict:
        """Counters so far: requests, replies by HTTP status, and how many requests repeated a prompt."""
        with self._lock:
            out: dict = {
                "requests": self.requests,
                "statuses": {str(k): v for k, v in self.statuses.items()},
                "distinct_prompts": len(self.per_prompt),
                "repeats": sum(n - 1 for n in self.per_prompt.values() if n > 1),
                "first_request": next((t for t, kind, _ in self.events if kind == "request"), None),
                "last_answer": next((t for t, kind, status in reversed(self.events) if status == 200), None),
            }
            """Monotonic times (the system's clock, comparable across processes) of the first request and the
            last answer (HTTP 200)."""
            if prompts:
                out["per_prompt"] = dict(self.per_prompt)
        return out

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.per_prompt.clear()
            self.statuses.clear()
            self.auth_headers.clear()
            self.bodies.clear()
            self.events.clear()

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats(prompts=request.query.get("prompts") == "1"))

    async def _reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})

    async def _models(self, request: web.Request) -> web.Response:
        data = [{"id": m, "object": "model", "created": self.config.model_created.get(m, 0), "owned_by": "test"}
                for m in self.config.models]
        return web.json_response({"object": "list", "data": data})

    def __enter__(self) -> "OpenAIServer":
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application()
            app.router.add_post("/v1/chat/completions", self._chat)
            app.router.add_get("/v1/models", self._models)
            app.router.add_get("/_stats", self._stats)
            app.router.add_post("/_reset", self._reset)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("test server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop and not self._loop.is_closed():  # a test may have stopped it already
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(5)


def seeded_behaviour(seed: int, p429: float = 0.0, p500: float = 0.0, phang: float = 0.0) -> Callable[[int, str], Action]:
    """Random faults in fixed proportions (seeded, thread-safe enough for one event loop)."""
    rng = random.Random(seed)

    def behaviour(n: int, prompt: str) -> Action:
        x = rng.random()
        if x < p429:
            return "429"
        if x < p429 + p500:
            return "500"
        if x < p429 + p500 + phang:
            return "hang"
        return "answer"

    return behaviour




class ServerProcess:
    """The same server in a separate process, so that it does not share the client's CPU time and GIL.

    ``with ServerProcess(latency=0.1) as server: …``; ``server.api_base``; ``server.stats()`` and ``server.requests``
    read the counters over HTTP; ``server.reset()`` zeroes them. Faults as in :func:`seeded_behaviour`.
    """

    def __init__(self, *, latency: float = 0.0, p429: float = 0.0, p500: float = 0.0, phang: float = 0.0,
                 seed: int = 0, retry_after: float = 0.05, hang_seconds: float = 3600.0,
                 api_key: str | None = None, env: dict[str, str] | None = None, bucket_rate: float | None = None,
                 bucket_burst: float | None = None, tokens_rate: float | None = None,
                 limit_style: str = "openai", keep_requests: bool = True):
        self.args = (["--forget-requests"] if not keep_requests else []) + ["--latency", str(latency), "--p429", str(p429), "--p500", str(p500), "--phang", str(phang),
                     "--seed", str(seed), "--retry-after", str(retry_after), "--hang-seconds", str(hang_seconds)]
        if bucket_rate:  # a token bucket (tests.support.token_bucket); burst defaults to a fifth of a second
            self.args += ["--bucket-rate", str(bucket_rate), "--bucket-burst", str(bucket_burst or bucket_rate / 5),
                          "--limit-style", limit_style] + (["--tokens-rate", str(tokens_rate)] if tokens_rate else [])
        self._env = env
        self._api_key = api_key
        self.proc: subprocess.Popen | None = None
        self.api_base = ""
        self.pid = 0

    def __enter__(self) -> "ServerProcess":
        env = dict(self._env if self._env is not None else os.environ)
        if self._api_key:
            env["PSYCHOMETRICS_TEST_SERVER_KEY"] = self._api_key  # not on the command line, where ps shows it
        root = Path(__file__).resolve().parents[2]
        env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.openai_server", *self.args],
                                     cwd=root, env=env, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.kill()
            raise RuntimeError("test server process did not start")
        info = json.loads(line)
        self.api_base, self.pid = info["api_base"], self.proc.pid
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def _url(self, path: str) -> str:
        return self.api_base.rsplit("/v1", 1)[0] + path

    def stats(self, *, prompts: bool = False) -> dict:
        with urllib.request.urlopen(self._url("/_stats" + ("?prompts=1" if prompts else "")), timeout=30) as r:
            return json.loads(r.read())

    @property
    def requests(self) -> int:
        return int(self.stats()["requests"])

    def reset(self) -> None:
        req = urllib.request.Request(self._url("/_reset"), data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far (Linux)."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.support.openai_server [--latency S] [--p429 P] …``: prints ``{"api_base": …}`` and serves."""
    import argparse

    parser = argparse.ArgumentParser(description="OpenAI-compatible test server on 127.0.0.1")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--p429", type=float, default=0.0)
    parser.add_argument("--p500", type=float, default=0.0)
    parser.add_argument("--phang", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--retry-after", type=float, default=0.05)
    parser.add_argument("--hang-seconds", type=float, default=3600.0)
    parser.add_argument("--bucket-rate", type=float, help="requests a second the token bucket allows")
    parser.add_argument("--bucket-burst", type=float, help="requests the token bucket holds")
    parser.add_argument("--tokens-rate", type=float, help="tokens a second the token bucket allows")
    parser.add_argument("--limit-style", choices=["openai", "anthropic", "none"], default="openai")
    parser.add_argument("--forget-requests", action="store_true", help="keep only counters, not every request")
    args = parser.parse_args(argv)
    bucket = (TokenBucket(args.bucket_rate, args.bucket_burst or args.bucket_rate / 5, tokens_rate=args.tokens_rate,
                          style=args.limit_style) if args.bucket_rate else None)
    config = ServerConfig(latency=args.latency, retry_after=args.retry_after, hang_seconds=args.hang_seconds,
                          behaviour=seeded_behaviour(args.seed, args.p429, args.p500, args.phang),
                          api_key=os.environ.get("PSYCHOMETRICS_TEST_SERVER_KEY") or None, bucket=bucket,
                          keep_requests=not args.forget_requests)
    with OpenAIServer(config) as server:
        print(json.dumps({"api_base": server.api_base}), flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
