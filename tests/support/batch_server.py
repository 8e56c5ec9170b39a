"""A real OpenAI files + batches server on 127.0.0.1 for tests: upload, create, retrieve, list, file content.

The protocol is OpenAI's (``POST /v1/files`` multipart with ``purpose=batch``, ``POST /v1/batches``, ``GET
/v1/batches/{id}``, ``GET /v1/batches``, ``GET /v1/files/{id}/content``). Each request line of a batch is answered
by an :class:`~tests.support.openai_server.OpenAIServer` behind it (the engine: the same answers, faults and
counters as the synchronous tests), over HTTP, so a line gets exactly what a synchronous request would.
Synchronous ``POST /v1/chat/completions`` sent to this server are counted in ``sync_requests`` (and answered by
the engine), so a test can assert that a batch audit sent none.

What tests can set (:class:`BatchConfig`): hold batches ``in_progress`` until :meth:`BatchServer.release`; let a
batch expire after a number of its lines (the rest go to the error file with ``batch_expired``, as OpenAI does);
break chosen output lines (``malformed``); answer chosen requests of the protocol with a fault (``faults``: a 5xx,
a 429, a reset connection, or no listening socket at all for a while). ``requests`` lists every request the server
got, faulted or not, as ``(method, path)``.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from tests.support.openai_server import OpenAIServer, ServerConfig


@dataclass
class BatchConfig:
    engine: ServerConfig = field(default_factory=ServerConfig)
    """How the engine answers each line (see :class:`ServerConfig`)."""
    hold: bool = False
    """Keep every batch ``in_progress`` (nothing answered) until :meth:`BatchServer.release`."""
    expire_after: Callable[[int], int | None] = lambda batch_number: None
    """(1-based batch number) → how many of its lines are answered before it expires (None: never expires)."""
    fail: Callable[[int], str | None] = lambda batch_number: None
    """(1-based batch number) → the message of a validation error that fails the whole batch, or None."""
    malformed: Callable[[str], str | None] = lambda custom_id: None
    """custom_id → what to write instead of its output line (``"body"``: a reply body that is no chat completion;
    ``"json"``: a line that is not JSON), or None for the real line."""
    line_error: Callable[[str], str | None] = lambda custom_id: None
    """custom_id → the message of a provider error for that line (written to the error file with ``error``
    ``{"code": "server_error", "message": …}`` and no response, as OpenAI does for a line it failed), or None."""
    faults: Callable[[str, int], str | None] = lambda route, n: None
    """(route, 1-based count of requests to that route) → a fault instead of the answer, or None. Routes: ``upload``,
    ``create``, ``retrieve``, ``list``, ``content``. Faults: ``"500"``, ``"503"`` (a server error), ``"429"`` (rate
    limited, ``Retry-After: 0``), ``"reset"`` (the connection is closed without a reply), ``"down"`` (the server
    stops listening for ``down_s`` seconds: every connection meanwhile is refused)."""
    down_s: float = 0.3
    upload_delay: float = 0.0
    """Seconds an upload takes (a large input file): widens the time between choosing cells and creating a batch."""


class BatchServer:
    """``with BatchServer(config) as server: …``; ``server.api_base`` is ``http://127.0.0.1:PORT/v1``.

    ``engine_api_base``: answer the lines with another OpenAI-compatible server instead (e.g. llama-cpp-python's
    own ``llama_cpp.server``: a peer this project did not write, with a real model).
    """

    def __init__(self, config: BatchConfig | None = None, *, engine_api_base: str | None = None):
        self.config = config or BatchConfig()
        self.engine = OpenAIServer(self.config.engine)
        self._engine_api_base = engine_api_base
        self.files: dict[str, dict] = {}
        self.contents: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}
        self.batch_inputs: dict[str, list[str]] = {}
        """batch id → the custom_ids of its input file, in order."""
        self.sync_requests = 0
        self.retrievals = 0
        self.requests: list[tuple[str, str]] = []
        self.faulted: list[tuple[str, str]] = []
        """(route, fault) of every request answered with a fault."""
        self._route_counts: dict[str, int] = {}
        self._site: web.TCPSite | None = None
        self._runner: web.AppRunner | None = None
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task] = set()
        self.port = 0

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def engine_api_base(self) -> str:
        return self._engine_api_base or self.engine.api_base

    def release(self) -> None:
        """Let held batches run."""
        self._released.set()

    # Faults -----------------------------------------------------------------------------------------------
    _ROUTES = {("POST", "/v1/files"): "upload", ("POST", "/v1/batches"): "create", ("GET", "/v1/batches"): "list"}

    def _route(self, request: web.Request) -> str | None:
        path = request.path
        if (request.method, path) in self._ROUTES:
            return self._ROUTES[(request.method, path)]
        if request.method == "GET" and path.startswith("/v1/batches/"):
            return "retrieve"
        if request.method == "GET" and path.startswith("/v1/files/") and path.endswith("/content"):
            return "content"
        return None

    @web.middleware
    async def _faults(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        with self._lock:
            self.requests.append((request.method, request.path))
            route = self._route(request)
            n = self._route_counts[route] = self._route_counts.get(route, 0) + 1 if route else 0
        fault = self.config.faults(route, n) if route else None
        if fault is None:
            return await handler(request)
        self.faulted.append((route, fault))  # type: ignore[arg-type]
        if fault in ("500", "503"):
            return web.json_response({"error": {"message": f"injected server error {fault}", "type": "server_error"}},
                                     status=int(fault))
        if fault == "429":
            return web.json_response({"error": {"message": "injected rate limit", "type": "rate_limit"}}, status=429,
                                     headers={"Retry-After": "0"})
        if fault == "down":
            asyncio.get_running_loop().create_task(self._outage())
        if request.transport is not None:
            request.transport.close()  # "reset" and "down": the connection ends without a reply
        return web.Response(status=500)  # never reaches the client: its connection is closed

    async def _outage(self) -> None:
        """Stop listening for ``down_s`` seconds (connections are refused), then listen on the same port again."""
        assert self._site is not None and self._runner is not None
        await self._site.stop()
        await asyncio.sleep(self.config.down_s)
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await self._site.start()

    # Files ------------------------------------------------------------------------------------------------
    def _file(self, content: bytes, purpose: str, filename: str) -> dict:
        with self._lock:
            file_id = f"file-{len(self.files) + 1}"
            obj = {"id": file_id, "object": "file", "bytes": len(content), "created_at": int(time.time()),
                   "filename": filename, "purpose": purpose, "status": "processed"}
            self.files[file_id] = obj
            self.contents[file_id] = content
        return obj

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        await asyncio.sleep(self.config.upload_delay)
        upload = form.get("file")
        if not isinstance(upload, web.FileField) or form.get("purpose") != "batch":
            return web.json_response({"error": {"message": "expected a file with purpose=batch"}}, status=400)
        return web.json_response(self._file(upload.file.read(), "batch", upload.filename))

    async def _file_get(self, request: web.Request) -> web.Response:
        obj = self.files.get(request.match_info["file_id"])
        if obj is None:
            return web.json_response({"error": {"message": "no such file"}}, status=404)
        return web.json_response(obj)

    async def _file_content(self, request: web.Request) -> web.Response:
        content = self.contents.get(request.match_info["file_id"])
        if content is None:
            return web.json_response({"error": {"message": "no such file"}}, status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    # Batches ----------------------------------------------------------------------------------------------
    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        content = self.contents.get(body.get("input_file_id", ""))
        if content is None:
            return web.json_response({"error": {"message": "no such input file"}}, status=400)
        lines = [json.loads(line) for line in content.decode().splitlines() if line.strip()]
        with self._lock:
            number = len(self.batches) + 1
            batch_id = f"batch_{number}"
            self.batch_inputs[batch_id] = [line["custom_id"] for line in lines]
            batch = {"id": batch_id, "object": "batch", "endpoint": body.get("endpoint"), "errors": None,
                     "input_file_id": body["input_file_id"], "completion_window": body.get("completion_window"),
                     "status": "validating", "output_file_id": None, "error_file_id": None,
                     "created_at": int(time.time()), "in_progress_at": None, "expires_at": None,
                     "completed_at": None, "failed_at": None, "expired_at": None, "cancelled_at": None,
                     "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
                     "metadata": body.get("metadata")}
            self.batches[batch_id] = batch
        task = asyncio.get_running_loop().create_task(self._execute(batch, lines, number))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response(batch)

    async def _execute(self, batch: dict, lines: list[dict], number: int) -> None:
        failure = self.config.fail(number)
        if failure:
            batch["status"], batch["failed_at"] = "failed", int(time.time())
            batch["errors"] = {"object": "list", "data": [{"code": "invalid_request", "message": failure,
                                                          "line": 1, "param": None}]}
            return
        batch["status"], batch["in_progress_at"] = "in_progress", int(time.time())
        while self.config.hold and not self._released.is_set():
            await asyncio.sleep(0.02)
        limit = self.config.expire_after(number)
        out: list[str] = []
        errors: list[str] = []
        async with aiohttp.ClientSession() as session:
            for i, line in enumerate(lines):
                custom_id = line["custom_id"]
                if limit is not None and i >= limit:
                    errors.append(json.dumps({"id": f"req_{number}_{i}", "custom_id": custom_id, "response": None,
                                              "error": {"code": "batch_expired", "message": "This request could "
                                                        "not be executed before the completion window expired."}}))
                    continue
                failed = self.config.line_error(custom_id)
                if failed is not None:
                    errors.append(json.dumps({"id": f"req_{number}_{i}", "custom_id": custom_id, "response": None,
                                              "error": {"code": "server_error", "message": failed}}))
                    batch["request_counts"]["failed"] += 1
                    continue
                async with session.post(self.engine_api_base + "/chat/completions", json=line["body"]) as resp:
                    status, reply = resp.status, await resp.json()
                entry = {"id": f"req_{number}_{i}", "custom_id": custom_id,
                         "response": {"status_code": status, "request_id": f"r{number}-{i}", "body": reply},
                         "error": None}
                broken = self.config.malformed(custom_id)
                if broken == "json":
                    out.append(json.dumps(entry)[:-7])
                    continue
                if broken == "body":
                    entry["response"]["body"] = {"choices": "not a list", "object": "chat.completion"}
                (out if status == 200 else errors).append(json.dumps(entry))
                counts = batch["request_counts"]
                counts["completed" if status == 200 else "failed"] += 1
        batch["status"] = "finalizing"
        if out:
            batch["output_file_id"] = self._file(("\n".join(out) + "\n").encode(), "batch_output", "output.jsonl")["id"]
        if errors:
            batch["error_file_id"] = self._file(("\n".join(errors) + "\n").encode(), "batch_output", "errors.jsonl")["id"]
        if limit is not None and limit < len(lines):
            batch["status"], batch["expired_at"] = "expired", int(time.time())
        else:
            batch["status"], batch["completed_at"] = "completed", int(time.time())

    async def _retrieve(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None:
            return web.json_response({"error": {"message": "no such batch"}}, status=404)
        with self._lock:
            self.retrievals += 1
        return web.json_response(batch)

    async def _list(self, request: web.Request) -> web.Response:
        data = sorted(self.batches.values(), key=lambda b: b["id"], reverse=True)
        return web.json_response({"object": "list", "data": data, "has_more": False,
                                  "first_id": data[0]["id"] if data else None,
                                  "last_id": data[-1]["id"] if data else None})

    async def _chat(self, request: web.Request) -> web.Response:
        with self._lock:
            self.sync_requests += 1
        async with aiohttp.ClientSession() as session:
            async with session.post(self.engine_api_base + "/chat/completions", json=await request.json()) as resp:
                return web.json_response(await resp.json(), status=resp.status)

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": m, "object": "model", "created": 0,
                                                              "owned_by": "test"} for m in self.config.engine.models]})

    def __enter__(self) -> "BatchServer":
        self.engine.__enter__()
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application(client_max_size=256 * 1024 * 1024, middlewares=[self._faults])
            app.router.add_post("/v1/files", self._upload)
            app.router.add_get("/v1/files/{file_id}", self._file_get)
            app.router.add_get("/v1/files/{file_id}/content", self._file_content)
            app.router.add_post("/v1/batches", self._create)
            app.router.add_get("/v1/batches", self._list)
            app.router.add_get("/v1/batches/{batch_id}", self._retrieve)
            app.router.add_post("/v1/chat/completions", self._chat)
            app.router.add_get("/v1/models", self._models)
            runner = self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(runner.setup())
            site = self._site = web.TCPSite(runner, "127.0.0.1", 0, reuse_address=True)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("batch test server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._released.set()
        if self._loop:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(5)
        self.engine.__exit__(*exc)
