"""llama-cpp-python's own OpenAI-compatible server (``python -m llama_cpp.server``) on 127.0.0.1, for tests and
benchmarks: a real peer this project did not write, serving one of the embedded GGUFs.

``with LlamaServer("smollm2-135m-instruct") as server: …``; ``server.api_base`` is ``http://127.0.0.1:PORT/v1``
and ``server.model`` the name it serves the GGUF under (``openai/<server.model>`` for litellm).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

STARTUP_SECONDS = 180.0
"""How long to wait for the server to answer ``/v1/models`` (it loads the model first; a busy machine is slow)."""


CLOSEST_TO_EMBEDDED = ("--flash_attn", "true", "--n_batch", "48", "--n_ubatch", "48")
"""Server options that bring its numbers closest to the embedded provider's (flash attention, as it uses; prompts
decoded in batches of at most 48 rows, below the 64 rows from which llama.cpp's CPU kernels round differently).
Measured on Gemma, BFI-44's 264 prompts in plan order (``benchmarks/server_settings.py --in-process``): the largest
label-probability difference per prompt has median 0.002 and max 0.065 (3 prompts ≥ 0.05), against median 0.019
and max 0.074 (16 prompts) with the server's defaults; the same answer in every cell either way. No setting keeps
every prompt within 0.05 (benchmarks/README.md, "Real servers")."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServer:
    """One ``llama_cpp.server`` process serving the embedded model ``name`` (a key of ``_local.MODELS``)."""

    def __init__(self, name: str, *, n_ctx: int = 2048, threads: int = 1, extra: tuple[str, ...] = ()):
        """``threads``: llama.cpp threads; one by default, because the tests' client shares the CPU and, on a
        busy machine, two threads that wait for each other at every token made generation 10–20 times slower.
        ``extra``: further ``llama_cpp.server`` options (``("--flash_attn", "true")``)."""
        from psychometrics.administer.providers import _local

        self.model = name
        self.path = _local.MODELS[name].locate()
        self.n_ctx, self.threads, self.extra = n_ctx, threads, tuple(extra)
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> "LlamaServer":
        self.port = free_port()
        args = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.path), "--model_alias", self.model,
                "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.n_ctx),
                "--n_threads", str(self.threads), "--n_threads_batch", str(self.threads), *self.extra]
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=dict(os.environ))
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log()[-2000:]
                self.__exit__()
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}:\n{tail}")
            try:
                if self.model in self.models():
                    return self
            except OSError:  # not listening yet (URLError, ConnectionError and TimeoutError are OSErrors)
                pass
            time.sleep(0.25)
        tail = self.log()[-2000:]
        self.__exit__()
        raise RuntimeError(f"llama_cpp.server did not answer within {STARTUP_SECONDS:.0f} s:\n{tail}")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def models(self) -> list[str]:
        """The model names the server lists at ``/v1/models``."""
        with urllib.request.urlopen(self.api_base + "/models", timeout=5) as reply:
            return [m["id"] for m in json.loads(reply.read())["data"]]

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def post(self, path: str, body: dict) -> dict:
        """One request straight to the server (``/chat/completions`` or ``/completions``), as JSON."""
        req = urllib.request.Request(self.api_base + path, json.dumps({"model": self.model, **body}).encode(),
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())


def main() -> None:  # pragma: no cover - by hand: serve one embedded model until Ctrl-C
    name = sys.argv[1] if len(sys.argv) > 1 else "smollm2-135m-instruct"
    with LlamaServer(name) as server:
        print(json.dumps({"api_base": server.api_base, "model": f"openai/{server.model}"}), flush=True)
        try:
            while server.proc is not None and server.proc.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
