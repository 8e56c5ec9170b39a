"""A run killed or crashed mid-way says ``running`` in the database forever; readers show it as ``interrupted``
(issue 15), and ``runs show`` says how much is answered and how to resume instead of advising a new design."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

from psychometrics.plan import Design
from psychometrics.store import STALE_AFTER_S, Run
from psychometrics.store._liveness import as_seen
from tests.robustness.conftest import ROOT, cli_env, run_cli
from tests.support.openai_server import OpenAIServer, ServerConfig


def _run(**fields) -> Run:
    design = Design(inventories=["bfi44"], templates=["all"], orders=["original"], samples=1)
    return Run(**{"run_id": "r", "model": "sim/default", "design": design, "created_at": time.time(),
                  "status": "running", **fields})


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_running_run_whose_process_is_gone_reads_as_interrupted():
    here = socket.gethostname()
    assert as_seen(_run(host=here, pid=_dead_pid()), None).status == "interrupted"
    assert as_seen(_run(host=here, pid=os.getpid()), None).status == "running"


def test_a_run_on_another_machine_is_stale_when_nothing_was_stored_for_a_while():
    now = time.time()
    old = _run(host="elsewhere", pid=1, heartbeat_at=now - STALE_AFTER_S - 5)
    assert as_seen(old, now - STALE_AFTER_S - 1, now=now).status == "interrupted"
    assert as_seen(old, now - 30, now=now).status == "running"  # an answer stored 30 s ago: still alive
    assert as_seen(_run(status="finished", host="elsewhere", pid=1, heartbeat_at=0.0), None).status == "finished"


def test_kill_9_then_runs_list_says_interrupted_and_show_says_how_to_resume(tmp_path):
    db_file = tmp_path / "k.db"
    db = f"sqlite:///{db_file}"
    with OpenAIServer(ServerConfig(latency=0.05)) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "psychometrics", "audit", "-m", "openai/test-model", "--api-base",
             server.api_base, "--db", db, "--run-id", "killed", "--concurrency", "1", "--no-report"],
            env=cli_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        stored = 0
        while stored < 5 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            if db_file.exists():
                try:
                    with sqlite3.connect(db_file) as conn:
                        stored = conn.execute("SELECT count(*) FROM responses").fetchone()[0]
                except sqlite3.OperationalError:
                    pass
        assert proc.poll() is None, "the audit ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with sqlite3.connect(db_file) as conn:
        raw_status = conn.execute("SELECT status FROM runs WHERE run_id = 'killed'").fetchone()[0]
        answered = conn.execute("SELECT count(*) FROM responses WHERE status != 'error'").fetchone()[0]
    assert raw_status == "running"  # what the killed process left behind

    listed = run_cli("runs", "list", "--db", db, "--json")
    assert listed.returncode == 0, listed.stderr
    (run,) = json.loads(listed.stdout)
    assert run["status"] == "interrupted"

    shown = run_cli("runs", "show", "killed", "--db", db)
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert f"incomplete: {answered} of 264 answered — re-run to resume" in text
    assert "run with several templates" not in text and "add samples or templates" not in text
