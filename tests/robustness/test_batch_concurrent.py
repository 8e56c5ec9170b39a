"""Two processes submitting the same new cells at once, through ``audit --batch``: the cells are claimed in the
store before anything is uploaded, so no cell goes to the provider twice, whether the two work on one run (the
same command twice) or on two runs whose cells are the same, in SQLite and in PostgreSQL (where the processes
could be on two machines)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.robustness.conftest import ROOT, cli_env
from tests.support.batch_server import BatchConfig, BatchServer
from tests.support.store_query import query

ARGS = ["--inventory", "bfi44", "--limit-items", "10", "--templates", "instruct", "--orders", "original,reversed",
        "--batch", "--batch-max-lines", "8", "--poll-interval", "0.05", "--max-poll-interval", "0.1", "--no-report",
        "--n-boot", "0", "--json"]
N_CELLS = 10 * 2


@pytest.mark.parametrize("run_ids", [("same", "same"), ("first", "second")], ids=["one-run", "two-runs"])
def test_two_processes_at_once_never_send_a_cell_twice(db_url, run_ids):
    with BatchServer(BatchConfig(hold=True, upload_delay=2.0)) as server:
        procs = [subprocess.Popen([sys.executable, "-m", "psychometrics", "audit", "--model", "openai/test-model",
                                   "--db", db_url, "--api-base", server.api_base, "--run-id", run_id,
                                   *ARGS], env=cli_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True) for run_id in run_ids]
        deadline = time.monotonic() + 180
        # both processes are past submitting: every cell is in a batch and the batches are being polled
        while time.monotonic() < deadline and any(p.poll() is None for p in procs):
            submitted = sum(len(ids) for ids in server.batch_inputs.values())
            if submitted >= N_CELLS and server.retrievals >= 10:
                break
            time.sleep(0.05)
        time.sleep(3.0)  # room for a late second submission, had the claims not held
        server.release()
        errors = [p.communicate(timeout=180)[1] for p in procs]
        codes = [p.returncode for p in procs]
        inputs = list(server.batch_inputs.values())
        engine = server.engine.stats()
        assert server.sync_requests == 0
    assert codes == [0, 0], errors
    sent = [cell for ids in inputs for cell in ids]
    assert len(sent) == len(set(sent)) == N_CELLS, "a cell was sent to the provider twice"
    assert engine["requests"] == N_CELLS and engine["repeats"] == 0
    runs = {r: json.loads(rec) for r, rec in query(db_url, "SELECT run_id, record FROM runs")}
    rows = query(db_url, "SELECT cell_id, status FROM responses")
    assert sorted(runs) == sorted(set(run_ids))
    assert all(run["status"] == "finished" and run["counts"] == {"ok": N_CELLS} for run in runs.values())
    assert len(rows) == N_CELLS and all(status == "ok" for _, status in rows)
