"""Two audits writing to the same SQLite file at once: no corruption, neither blocks the other for long; processes
creating one new store at once, in SQLite and in PostgreSQL."""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import time

import pytest

from psychometrics.store import Store, StoreError
from tests.robustness.conftest import ROOT, cli_env
from tests.support.openai_server import OpenAIServer, ServerConfig
from tests.support.store_query import query


def _command(model: str, api_base: str, db: str) -> list[str]:
    return [sys.executable, "-m", "psychometrics", "audit", "--model", model, "--api-base", api_base, "--db", db,
            "--inventory", "bfi44", "--templates", "all", "--orders", "all",
            "--mode", "logprobs", "--concurrency", "8", "--run-id", model.split("/")[1], "--no-report", "--json"]


TABLES = {"runs", "run_cells", "responses", "leases", "batches", "batch_cells"}


def _open_when_released(url, barrier, results) -> None:
    barrier.wait()
    try:
        Store(url).close()
        results.put("ok")
    except StoreError as exc:
        results.put(str(exc))


def _open_each_at_once(urls: list[str], processes: int = 4) -> list[str]:
    """Open each new store from ``processes`` processes released at the same moment: what each open said."""
    ctx = multiprocessing.get_context("fork")
    outcomes = []
    for url in urls:
        barrier, results = ctx.Barrier(processes), ctx.Queue()
        procs = [ctx.Process(target=_open_when_released, args=(url, barrier, results)) for _ in range(processes)]
        for p in procs:
            p.start()
        outcomes += [results.get(timeout=120) for _ in procs]
        for p in procs:
            p.join()
    return outcomes


def test_processes_opening_one_new_database_at_once_all_succeed(tmp_path):
    # SQLite answers "database is locked" without waiting when two processes switch one new file to WAL or
    # create its tables at the same moment; before the store retried that, about 1 open in 15 failed here.
    outcomes = _open_each_at_once([f"sqlite:///{tmp_path / f'new-{trial}.db'}" for trial in range(60)])
    failures = [o for o in outcomes if o != "ok"]
    assert not failures, (len(failures), failures[0])
    with sqlite3.connect(tmp_path / "new-0.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == TABLES


def test_processes_creating_the_tables_of_one_new_postgres_database_at_once_all_succeed(postgres):
    # CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin in PostgreSQL (a unique violation in its
    # catalogue): the store creates the tables under an advisory lock.
    urls = [postgres.new_database("race") for _ in range(8)]
    failures = [o for o in _open_each_at_once(urls) if o != "ok"]
    assert not failures, (len(failures), failures[0])
    tables = query(urls[0], "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    assert {n for (n,) in tables} == TABLES


@pytest.mark.slow
def test_two_audits_share_one_database(tmp_path):
    db_file = tmp_path / "shared.db"
    db = f"sqlite:///{db_file}"
    with OpenAIServer(ServerConfig(latency=0.1)) as server:
        started = time.monotonic()
        procs = {m: subprocess.Popen(_command(m, server.api_base, db), env=cli_env(), cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for m in ("openai/model-a", "openai/model-b")}
        outcomes = {m: p.communicate(timeout=600) for m, p in procs.items()}
        wall = time.monotonic() - started
        requests = server.requests
    for m, p in procs.items():
        assert p.returncode == 0, (m, outcomes[m][1])
    cells = 2 * 792
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = dict(conn.execute("SELECT run_id, count(*) FROM responses WHERE status = 'ok' GROUP BY run_id"))
        per_run = {r: sorted(t for (t,) in conn.execute(
            "SELECT created_at FROM responses WHERE run_id = ? ORDER BY created_at", (r,)))
            for r in ("model-a", "model-b")}
    assert counts == {"model-a": cells // 2, "model-b": cells // 2}
    assert requests == cells  # neither asked anything twice
    # Both made progress the whole time they overlapped: no long stall waiting for the other's lock.
    overlap = (max(ts[0] for ts in per_run.values()), min(ts[-1] for ts in per_run.values()))
    longest = {}
    for run, ts in per_run.items():
        inside = [t for t in ts if overlap[0] <= t <= overlap[1]]
        longest[run] = max((b - a for a, b in zip(inside, inside[1:])), default=0.0)
        assert longest[run] < 2.0, (run, longest[run])
    assert overlap[1] > overlap[0]  # they did run at the same time
    assert wall < 300
    print(f"\n{cells} answers in {wall:.1f} s; overlap {overlap[1] - overlap[0]:.1f} s; longest pause between two "
          f"answers of one run while both ran: " + ", ".join(f"{r} {1000 * g:.0f} ms" for r, g in longest.items()))
