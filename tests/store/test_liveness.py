"""A run killed or crashed mid-way says ``running`` in the database forever; readers show it as ``interrupted``
(issue 15), and ``runs show`` says how much is answered and how to resume instead of advising a new design."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

from psychometrics.plan import Design
from psychometrics.store import STALE_AFTER_S, Run
from psychometrics.store._liveness import as_seen
from tests.robustness.conftest import ROOT, cli_env, run_cli
from tests.support.openai_server import OpenAIServer, ServerConfig
from tests.support.store_query import query


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


def test_kill_9_then_runs_list_says_interrupted_and_show_says_how_to_resume(db_url):
    db = db_url
    with OpenAIServer(ServerConfig(latency=0.05)) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "psychometrics", "audit", "-m", "openai/test-model", "--api-base",
             server.api_base, "--db", db, "--run-id", "killed", "--concurrency", "1", "--no-report"],
            env=cli_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        stored = 0
        while stored < 5 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            stored = (query(db, "SELECT count(*) FROM responses") or [(0,)])[0][0]
        assert proc.poll() is None, "the audit ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    [(raw_status,)] = query(db, "SELECT status FROM runs WHERE run_id = 'killed'")
    [(answered,)] = query(db, "SELECT count(*) FROM responses WHERE status != 'error'")
    assert raw_status == "running"  # what the killed process left behind

    listed = run_cli("runs", "list", "--db", db, "--json")
    assert listed.returncode == 0, listed.stderr
    (run,) = json.loads(listed.stdout)
    assert run["status"] == "interrupted"
    # the killed process never wrote its counts: they are read from the stored responses (they read 0 before)
    [(stored_ok,)] = query(db, "SELECT count(*) FROM responses WHERE status = 'ok'")
    assert run["counts"].get("ok") == stored_ok >= 5
    table = run_cli("runs", "list", "--db", db)
    assert f"{stored_ok} / 264" in table.stdout, table.stdout

    shown = run_cli("runs", "show", "killed", "--db", db)
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert f"incomplete: {answered} of 264 answered — re-run to resume" in text
    assert "run with several templates" not in text and "add samples or templates" not in text


def test_a_shared_run_reads_running_while_a_live_holder_leases_its_cells(db_url, monkeypatch):
    """The record names the worker that started the run last; another worker still asking keeps it running."""
    from psychometrics.store import Store, _leases

    cells = [f"c{i}" for i in range(20)]
    with Store(db_url) as store:
        store.save_run(_run(run_id="shared", host=socket.gethostname(), pid=_dead_pid()))
        store.set_run_cells("shared", cells)
        assert store.get_run("shared").status == "interrupted"  # its recorded process is gone, nobody holds a cell
        alive = store.leases("shared", ttl=60)
        alive.prepare((c, i) for i, c in enumerate(cells))
        assert alive.claim(5)
        assert store.get_run("shared").status == "running"  # a live process of this machine holds leases
        assert [r.status for r in store.list_runs()] == ["running"]
        alive.release()
        assert store.get_run("shared").status == "interrupted"
        monkeypatch.setattr(_leases, "_machine", lambda: "another-machine")
        elsewhere = store.leases("shared", ttl=1.0)  # a worker on another machine, which then stops renewing
        monkeypatch.undo()
        assert elsewhere.claim(5)
        assert store.get_run("shared").status == "running"
        time.sleep(1.2)
        assert store.get_run("shared").status == "interrupted"  # its lease expired
