"""Several audit processes on one run: two run to the end and a third is killed with kill -9 halfway.

The third stands for a worker on another machine (its holder id names another machine, so only the lease's
expiry can free its cells). Afterwards the database holds every cell of the plan exactly once, the test server
was asked each cell once plus at most what the killed worker had in flight, and the cells the killed worker held
were taken over only after its leases expired. The same in PostgreSQL and in SQLite, whose leases work alike.

The steps wait for what they need, never for a time. The server itself stops replying at fixed request numbers
(:func:`_pausing_at`), so that how fast the test process gets to look on a loaded machine decides nothing: at the
third worker's 150th request, while the two others start (an import takes seconds there, and the third would
otherwise answer most of the plan meanwhile) until both hold leases; and again at the 700th request of the three
together, when the third is killed with its requests in flight. A held request does not time out (``--timeout``):
a retry would be a second request for its cell.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.robustness.conftest import ROOT, cli_env
from tests.support.openai_server import OpenAIServer, ServerConfig
from tests.support.store_query import query

CONCURRENCY = 8
LEASE_S = 10.0  # renewed every LEASE_S / 3 by a thread: a live worker loses a lease only if stalled for 6.7 s
INVENTORIES = ("bfi44", "ipip50", "sd3")  # x 3 templates x every option order: 2,178 cells, all prompts distinct
ELSEWHERE = "import psychometrics.store._leases as leases; leases._machine = lambda: 'another-machine'; "


def _stored(url: str) -> int:
    rows = query(url, "SELECT count(*) FROM responses")
    return rows[0][0] if rows else 0


def _pausing_at(*numbers: int) -> tuple[ServerConfig, threading.Event]:
    """A server config that stops replying at each of these request numbers, until the test clears the event."""
    paused = threading.Event()

    def behaviour(n: int, prompt: str) -> str:
        if n in numbers:
            paused.set()
        return "answer"

    return ServerConfig(latency=0.05, behaviour=behaviour, paused=paused), paused


def _worker(api_base: str, db: str, *, elsewhere: bool = False) -> subprocess.Popen:
    args = ["audit", "--model", "openai/test-model", "--api-base", api_base, "--db", db, "--templates", "all",
            "--orders", "all", "--mode", "logprobs", "--concurrency", str(CONCURRENCY), "--run-id", "fleet",
            "--timeout", "900", "--no-report", "--json"]
    for inv in INVENTORIES:
        args += ["--inventory", inv]
    start = ["-c", ELSEWHERE + "from psychometrics.cli import main; main()"] if elsewhere else ["-m", "psychometrics"]
    return subprocess.Popen([sys.executable, *start, *args], env=cli_env(PSYCHOMETRICS_LEASE_SECONDS=str(LEASE_S)),
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, what: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _holders(url: str) -> set[str]:
    return {h for (h,) in query(url, "SELECT DISTINCT holder FROM leases WHERE holder IS NOT NULL")}


@pytest.mark.slow
def test_two_workers_and_a_killed_third_leave_every_cell_exactly_once(db_url):
    from psychometrics.administer import audit

    db = db_url
    config, paused = _pausing_at(150, 700)
    with OpenAIServer(config) as server:
        # the endpoint is part of a cell's identity: plan at the address the workers ask
        plan = audit("openai/test-model", INVENTORIES, templates="all", orders=["all"], mode="logprobs",
                     api_base=server.api_base, dry_run=True).plan
        planned = {c.cell_id for c in plan.cells}
        total = len(planned)
        assert total > 2000 and len({c.prompt for c in plan.cells}) == total
        doomed = _worker(server.api_base, db, elsewhere=True)
        _wait_for(lambda: paused.is_set() or doomed.poll() is not None, "the third worker's 150th request")
        workers = [_worker(server.api_base, db) for _ in range(2)]
        _wait_for(lambda: len(_holders(db)) >= 3 or any(w.poll() is not None for w in (doomed, *workers)),
                  "the two workers to claim cells")
        paused.clear()  # the three ask together...
        _wait_for(lambda: paused.is_set() or doomed.poll() is not None, "the 700th request")
        assert doomed.poll() is None, doomed.communicate()[1]
        os.kill(doomed.pid, signal.SIGKILL)  # ...until the third is killed with its requests in flight
        doomed.wait()
        held = query(db, "SELECT cell_id, expires_at FROM leases WHERE holder LIKE '%/another-machine/%'")
        answered_at_kill = _stored(db)
        paused.clear()
        outcomes = [w.communicate(timeout=600) for w in workers]
        asked = server.requests
        repeats = sum(n - 1 for n in server.per_prompt.values() if n > 1)

    for w, (out, err) in zip(workers, outcomes):
        assert w.returncode == 0, err
    sessions = [json.loads(out)["requests_this_session"] for out, _ in outcomes]
    assert all(n > 0 for n in sessions), sessions  # both surviving workers did part of the work
    assert answered_at_kill < total / 2, (answered_at_kill, total)

    rows = query(db, "SELECT cell_id, status, created_at FROM responses")
    ids = [c for c, _, _ in rows]
    assert len(ids) == len(set(ids)) == total and set(ids) == planned  # every cell exactly once
    assert all(s == "ok" for _, s, _ in rows)
    assert {c for (c,) in query(db, "SELECT cell_id FROM run_cells WHERE run_id = 'fleet'")} == planned
    assert query(db, "SELECT count(*) FROM leases")[0][0] == 0  # nothing left leased or free: all answered
    # One request per cell, plus at most the killed worker's requests in flight (their answers were never stored).
    assert asked == total + repeats and repeats <= CONCURRENCY, (asked, total, repeats)

    # The cells the killed worker held were answered by the others, and only after its leases ran out.
    answered = {c: t for c, _, t in rows}
    assert held, "the killed worker held no lease at the kill"
    late = [(c, answered[c] - expires) for c, expires in held if answered[c] < expires - 0.5]
    assert not late, f"answered before the killed worker's lease expired: {late[:3]}"
    [(run_record,)] = query(db, "SELECT record FROM runs WHERE run_id = 'fleet'")
    run = json.loads(run_record)
    assert run["status"] == "finished" and run["counts"] == {"ok": total} and run["n_cells"] == total
    print(f"\n{total} cells: {sessions} requests by the two workers, {len(held)} cells held by the killed one "
          f"taken over after expiry, {repeats} asked twice")


@pytest.mark.slow
def test_a_killed_worker_on_this_machine_is_resumed_without_waiting_for_its_leases(db_url):
    """kill -9, then the same command again: the dead process's leases (an hour long here) are taken at once."""
    config, paused = _pausing_at(100)
    with OpenAIServer(config) as server:
        env = cli_env(PSYCHOMETRICS_LEASE_SECONDS="3600")
        args = [sys.executable, "-m", "psychometrics", "audit", "--model", "openai/test-model", "--api-base",
                server.api_base, "--db", db_url, "--inventory", "bfi44", "--templates", "all", "--orders", "all",
                "--mode", "logprobs", "--concurrency", str(CONCURRENCY), "--run-id", "again", "--no-report", "--json"]
        first = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait_for(lambda: paused.is_set() or first.poll() is not None, "the 100th request")
        assert first.poll() is None, first.communicate()[1]
        os.kill(first.pid, signal.SIGKILL)  # with its requests in flight, held by the server
        first.wait()
        held = query(db_url, "SELECT count(*) FROM leases WHERE holder IS NOT NULL")[0][0]
        paused.clear()
        started = time.monotonic()
        again = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        took = time.monotonic() - started
    assert again.returncode == 0, again.stderr
    assert held > 0
    assert json.loads(again.stdout)["run"]["counts"] == {"ok": 792}
    assert took < 300  # nowhere near the hour the dead process's leases had left
