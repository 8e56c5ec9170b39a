"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks.

It answers ``/v1/chat/completions`` (with log-probabilities when asked) and ``/v1/models``, counts every
request per prompt, and can be told to refuse, fail with 429 (Retry-After) or 500, or hang.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

Action = str  # "answer", "refuse", "429", "500", "hang", "nologprobs", "garbage"


def _labels(prompt: str) -> list[str]:
    letters = re.findall(r"(?m)^\s*\(?([A-H])[\).:]", prompt)
    if len(letters) >= 2:
        return letters
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
    retry_after: float = 0.05
    hang_seconds: float = 3600.0
    models: list[str] = field(default_factory=lambda: ["test-model"])
    api_key: str | None = None
    """If set, requests must carry ``Authorization: Bearer <api_key>``."""


class OpenAIServer:
    """Start with ``with OpenAIServer(config) as server: …``; ``server.api_base`` is ``http://127.0.0.1:PORT/v1``."""

    def __init__(self, config: ServerConfig | None = None):
        self.config = config or ServerConfig()
        self.requests = 0
        self.per_prompt: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.auth_headers: list[str] = []
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
        self.auth_headers.append(request.headers.get("Authorization", ""))
        with self._lock:
            self.requests += 1
            n = self.requests
            self.per_prompt[prompt] += 1
        if self.config.api_key and request.headers.get("Authorization") != f"Bearer {self.config.api_key}":
            return self._status(401, {"error": {"message": "invalid api key", "type": "auth"}})
        action = self.config.behaviour(n, prompt)
        if self.config.latency:
            await asyncio.sleep(self.config.latency)
        if action == "429":
            return self._status(429, {"error": {"message": "rate limited", "type": "rate_limit"}},
                                headers={"Retry-After": str(self.config.retry_after)})
        if action == "500":
            return self._status(500, {"error": {"message": "internal error", "type": "server"}})
        if action == "hang":
            await asyncio.sleep(self.config.hang_seconds)
        labels = _labels(prompt)
        choice = self.config.choose(prompt, labels)
        text = {
            "answer": choice,
            "nologprobs": choice,
            "refuse": "As an AI language model, I don't have personal opinions or feelings.",
            "garbage": "The weather is nice today.",
        }.get(action, choice)
        message = {"role": "assistant", "content": text}
        result: dict = {
            "id": f"chatcmpl-{n}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "test-model"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": 1,
                      "total_tokens": len(prompt.split()) + 1},
        }
        if body.get("logprobs") and action == "answer":
            rest = (1 - 0.7) / max(1, len(labels) - 1)
            top = [{"token": lab, "logprob": math.log(0.7 if lab == choice else rest), "bytes": None}
                   for lab in labels]
            top.sort(key=lambda t: -t["logprob"])
            result["choices"][0]["logprobs"] = {"content": [{"token": choice, "logprob": math.log(0.7),
                                                             "bytes": None, "top_logprobs": top}]}
        self.statuses[200] += 1
        return web.json_response(result)

    def _status(self, status: int, body: dict, headers: dict | None = None) -> web.Response:
        self.statuses[status] += 1
        return web.json_response(body, status=status, headers=headers)

    async def _models(self, request: web.Request) -> web.Response:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "test"} for m in self.config.models]
        return web.json_response({"object": "list", "data": data})

    def __enter__(self) -> "OpenAIServer":
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application()
            app.router.add_post("/v1/chat/completions", self._chat)
            app.router.add_get("/v1/models", self._models)
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
        if self._loop:
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


if __name__ == "__main__":  # a quick manual server: python -m tests.support.openai_server
    with OpenAIServer() as s:
        print(json.dumps({"api_base": s.api_base}))
        threading.Event().wait()
