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

ROOT = Path(__file__).resolve().parents[2]
TILED_MM = "GGML_CPU_TILED_MM"
STARTUP_SECONDS = 180.0
"""How long to wait for the server to answer ``/v1/models`` (it loads the model first; a busy machine is slow)."""


CLOSEST_TO_EMBEDDED = ("--flash_attn", "true", "--n_batch", "48", "--n_ubatch", "48")
"""Server options that evaluate a prompt as the embedded provider does: flash attention, and decodes of at most 48
rows (from 64 rows on, llama.cpp's attention rounds differently). With ``own_layout=True`` as well (the weights
not repacked, ``GGML_CPU_TILED_MM=0``), the server gives the embedded provider's numbers to float32 rounding
(Gemma, BFI-44's 264 prompts over HTTP: largest label-probability difference 3e-8); the stock server, which
repacks the weights, differs by up to 0.08, with the same answer in every cell (``benchmarks/server_settings.py``)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServer:
    """One ``llama_cpp.server`` process serving the embedded model ``name`` (a key of ``_local.MODELS``)."""

    def __init__(self, name: str, *, n_ctx: int = 2048, threads: int = 1, extra: tuple[str, ...] = (),
                 own_layout: bool = False):
        """``threads``: llama.cpp threads; one by default, because the tests' client shares the CPU and, on a
        busy machine, two threads that wait for each other at every token made generation 10–20 times slower.
        ``extra``: further ``llama_cpp.server`` options (``("--flash_attn", "true")``).
        ``own_layout``: load the weights as the embedded provider does (:mod:`tests.support.own_layout_server`:
        no repacking, ``GGML_CPU_TILED_MM=0``, the server's own code otherwise)."""
        from psychometrics.administer.providers import _local

        self.model = name
        self.path = _local.MODELS[name].locate()
        self.n_ctx, self.threads, self.extra, self.own_layout = n_ctx, threads, tuple(extra), own_layout
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> "LlamaServer":
        self.port = free_port()
        server = "tests.support.own_layout_server" if self.own_layout else "llama_cpp.server"
        env = dict(os.environ, **({TILED_MM: "0"} if self.own_layout else {}))
        if self.own_layout:  # the module lives in this repository: run it from the repository's root
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        args = [sys.executable, "-m", server, "--model", str(self.path), "--model_alias", self.model,
                "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.n_ctx),
                "--n_threads", str(self.threads), "--n_threads_batch", str(self.threads), *self.extra]
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=env)
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
