"""kill -9 at five random moments of a ~2,000-cell audit, resuming each time: every cell stored exactly once.

A moment is either "after N more answers are stored" or "after T seconds" (which can fall while the command
is still starting, planning or checking the endpoint). After the last resume the store must hold every cell of
the plan exactly once, all answered, and the endpoint must have been asked each cell once plus, at most, the
cells that were in flight at each kill.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.robustness.conftest import ROOT, cli_env
from tests.support.openai_server import OpenAIServer, ServerConfig

CONCURRENCY = 8
KILLS = 5
INVENTORIES = ("bfi44", "ipip50", "sd3")  # x 3 templates x every option order: 2,178 cells, all prompts distinct


def _stored(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM responses").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _command(api_base: str, db: str) -> list[str]:
    args = [sys.executable, "-m", "psychometrics", "audit", "--model", "openai/test-model", "--api-base", api_base,
            "--db", db, "--templates", "all", "--orders", "all", "--mode", "logprobs",
            "--concurrency", str(CONCURRENCY), "--run-id", "kill9", "--no-report", "--json"]
    for inv in INVENTORIES:
        args += ["--inventory", inv]
    return args


@pytest.mark.slow
def test_five_kills_then_resume_store_every_cell_exactly_once(tmp_path):
    from psychometrics.administer import audit

    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    db_file = tmp_path / "kill9.db"
    db = f"sqlite:///{db_file}"
    sessions = []
    with OpenAIServer(ServerConfig(latency=0.02)) as server:
        plan = audit("openai/test-model", INVENTORIES, templates="all", orders=["all"], mode="logprobs",
                     api_base=server.api_base, dry_run=True).plan  # the endpoint is part of every cell id
        planned = {c.cell_id for c in plan.cells}
        total = len(planned)
        assert total > 2000 and len({c.prompt for c in plan.cells}) == total
        for k in range(KILLS):
            stored_before, asked_before = _stored(db_file), server.requests
            proc = subprocess.Popen(_command(server.api_base, db), env=cli_env(), cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            remaining = total - stored_before
            if rng.random() < 0.6:  # after N more answers
                moment = ("answers", rng.randint(1, max(1, remaining // (KILLS - k + 1))))
                deadline = time.monotonic() + 120
                while (_stored(db_file) - stored_before < moment[1] and proc.poll() is None
                       and time.monotonic() < deadline):
                    time.sleep(0.005)
            else:  # after T seconds: may be before the first request
                moment = ("seconds", round(rng.uniform(0.2, 6.0), 2))
                time.sleep(moment[1])
            assert proc.poll() is None, f"seed {seed}: the audit ended before kill {k + 1} ({moment})"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            time.sleep(0.1)  # requests the killed process had sent may still be arriving at the server
            stored_after = _stored(db_file)
            sessions.append({"moment": moment, "stored": stored_after - stored_before,
                             "asked": server.requests - asked_before})
        done = subprocess.run(_command(server.api_base, db), env=cli_env(), cwd=ROOT, capture_output=True,
                              text=True, timeout=600)
        asked_total = server.requests
        repeats = sum(n - 1 for n in server.per_prompt.values() if n > 1)
    assert done.returncode == 0, done.stderr

    with sqlite3.connect(db_file) as conn:
        rows = conn.execute("SELECT cell_id, status FROM responses").fetchall()
        run_cells = [c for (c,) in conn.execute("SELECT cell_id FROM run_cells WHERE run_id = 'kill9'")]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ids = [c for c, _ in rows]
    assert len(ids) == len(set(ids)) == total, f"seed {seed}"  # every cell exactly once...
    assert set(ids) == planned == set(run_cells)  # ...and exactly the plan's cells
    assert all(s == "ok" for _, s in rows)
    # Nothing answered was lost and only missing cells were asked: every request beyond one per cell was in
    # flight at a kill (at most CONCURRENCY per kill).
    in_flight = [s["asked"] - s["stored"] for s in sessions]
    assert all(0 <= n <= CONCURRENCY for n in in_flight), (seed, sessions)
    assert asked_total == total + repeats, (seed, sessions)
    assert repeats <= sum(in_flight), (seed, sessions, repeats)
    print(f"\nseed {seed}: kills at {[s['moment'] for s in sessions]}; in flight at each kill {in_flight}; "
          f"{repeats} cells asked twice of {total}")
