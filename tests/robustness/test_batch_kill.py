"""kill -9 of ``audit --batch`` while it polls, then the same command again: no second batch for the same cells,
every cell stored once, no synchronous request."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.robustness.conftest import ROOT, cli_env, run_cli
from tests.support.batch_server import BatchConfig, BatchServer

ARGS = ["--inventory", "bfi44", "--limit-items", "10", "--templates", "instruct", "--orders", "original,reversed",
        "--run-id", "batch-kill", "--batch", "--batch-max-lines", "8", "--poll-interval", "0.05",
        "--max-poll-interval", "0.1", "--no-report", "--n-boot", "0", "--json"]
N_CELLS = 10 * 2


def _stored_batches(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
        try:
            return [json.loads(r) for (r,) in conn.execute("SELECT record FROM batches")]
        except sqlite3.OperationalError:
            return []


def _wall(path: Path) -> float:
    """The run's stored wall time (0 before the run is stored)."""
    if not path.exists():
        return 0.0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
        try:
            row = conn.execute("SELECT record FROM runs WHERE run_id = 'batch-kill'").fetchone()
        except sqlite3.OperationalError:
            return 0.0
    return json.loads(row[0]).get("wall_s", 0.0) if row else 0.0


def test_kill_while_polling_then_rerun_submits_nothing_twice(tmp_path):
    db_file = tmp_path / "batch.db"
    command = ["audit", "--model", "openai/test-model", "--db", f"sqlite:///{db_file}", *ARGS]
    with BatchServer(BatchConfig(hold=True)) as server:
        args = [*command, "--api-base", server.api_base]
        proc = subprocess.Popen([sys.executable, "-m", "psychometrics", *args], env=cli_env(), cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 180
        polled_at = None
        while time.monotonic() < deadline and proc.poll() is None:
            stored = _stored_batches(db_file)
            if len(stored) == 3 and all(b["batch_id"] for b in stored):
                polled_at = polled_at or server.retrievals
                # it is polling the stored batches, and has stored some of its wall time
                if server.retrievals >= polled_at + 6 and _wall(db_file) > 0:
                    break
            time.sleep(0.02)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        wall_at_kill = _wall(db_file)
        before = {b["batch_id"]: b for b in _stored_batches(db_file)}
        assert sorted(before) == sorted(server.batches) == ["batch_1", "batch_2", "batch_3"]
        assert all(b["status"] == "in_progress" and b["ingested_at"] is None for b in before.values())

        server.release()
        again = run_cli(*args, env=cli_env())
        assert again.returncode == 0, again.stderr
        inputs = [server.batch_inputs[b] for b in sorted(server.batch_inputs)]
        engine = server.engine.stats()
        assert len(server.batches) == 3, "a second batch was created for cells already submitted"
        assert server.sync_requests == 0
    assert [len(i) for i in inputs] == [8, 8, 4] and len(set(sum(inputs, []))) == N_CELLS
    assert engine["requests"] == N_CELLS and engine["repeats"] == 0
    with sqlite3.connect(db_file) as conn:
        rows = conn.execute("SELECT cell_id, status FROM responses").fetchall()
        run = json.loads(conn.execute("SELECT record FROM runs WHERE run_id = 'batch-kill'").fetchone()[0])
    assert len(rows) == N_CELLS and {c for c, _ in rows} == set(sum(inputs, []))
    assert all(s == "ok" for _, s in rows)
    assert run["status"] == "finished" and run["counts"] == {"ok": N_CELLS}
    assert run["wall_s"] > wall_at_kill > 0  # the killed session's time counts, the second one's adds to it
    assert all(b["ingested_at"] for b in _stored_batches(db_file))
