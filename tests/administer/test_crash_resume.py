"""kill -9 in the middle of an audit, then resume: nothing answered is lost and only missing cells are asked."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.openai_server import OpenAIServer, ServerConfig

CONCURRENCY = 4


def _count(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM responses").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "psychometrics", *args]


@pytest.mark.slow
def test_kill_nine_then_resume(tmp_path):
    db_file = tmp_path / "runs.db"
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("OPENAI_API_KEY", None)
    with OpenAIServer(ServerConfig(latency=0.03)) as server:
        args = ["audit", "--model", "openai/test-model", "--api-base", server.api_base, "--db", f"sqlite:///{db_file}",
                "--inventory", "bfi44", "--orders", "original,reversed", "--mode", "logprobs",
                "--concurrency", str(CONCURRENCY), "--run-id", "crash", "--no-report", "--json"]
        proc = subprocess.Popen(_cli(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while _count(db_file) < 80 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert proc.poll() is None, proc.stderr.read().decode()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        before_kill = server.requests
        stored_at_kill = _count(db_file)
        assert 0 < stored_at_kill < 264

        done = subprocess.run(_cli("audit", "--resume", "crash", "--db", f"sqlite:///{db_file}", "--api-base",
                                   server.api_base, "--no-report", "--json"),
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        total_cells = 44 * 3 * 2
        with sqlite3.connect(db_file) as conn:
            rows = conn.execute("SELECT cell_id, status FROM responses").fetchall()
            planned = {c for (c,) in conn.execute("SELECT cell_id FROM run_cells WHERE run_id = 'crash'")}
        assert len(planned) == total_cells
        assert {c for c, _ in rows} == planned and len(rows) == total_cells  # every cell exactly once
        assert all(s == "ok" for _, s in rows)
        # Only missing cells were asked after the kill; cells in flight at the kill may be asked twice.
        repeats = sum(n - 1 for n in server.per_prompt.values() if n > 1)
        assert server.requests == total_cells + repeats
        assert repeats <= CONCURRENCY
        assert server.requests - before_kill == total_cells - stored_at_kill
