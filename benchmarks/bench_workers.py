"""Answers/s of one audit on SQLite, on PostgreSQL, and of two workers sharing one run on PostgreSQL.

The OpenAI-compatible test server (``tests/support/openai_server.py``) runs in its own process on 127.0.0.1
and answers every request after a fixed latency; a throwaway PostgreSQL cluster (``tests/support/postgres.py``,
Debian's server with its default settings: ``fsync`` and ``synchronous_commit`` on) runs beside it. Each worker
is a separate process calling ``psychometrics.administer.audit(...)`` on the same plan (by default 5,000 log-prob
cells: IPIP-50 × instruct × 5 option orders × 20 samples) and reports when it started and stopped asking. The
setups run interleaved, round after round, into a fresh database each:

* ``sqlite``            — one worker, a fresh SQLite file (the default store);
* ``postgres``          — one worker, a fresh PostgreSQL database;
* ``postgres sync-off`` — the same with ``?options=-csynchronous_commit%3Doff`` in the URL (commits do not wait
  for the server's disk: SQLite's own promise);
* ``postgres ×2``       — two workers started together on one run in one database.

For each: answers/s over the span from the first worker's first request to the last worker's last answer, the
share of the Little's-law limit of one worker (concurrency / latency), the ratio to SQLite, and the requests the
server received (one per cell when no cell is asked twice). Best and median of the rounds.

Run::

    python benchmarks/bench_workers.py                    # 5,000 cells, concurrency 64, latency 100 ms, 3 rounds
    python benchmarks/bench_workers.py --rounds 5 --cells 10000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.pop("OPENAI_API_KEY", None)  # the local server needs none; nothing real can be spent

MODEL = "openai/test-model"
SETUPS = ("sqlite", "postgres", "postgres sync-off", "postgres ×2")


def worker(db: str, api_base: str, cells: int, concurrency: int) -> None:
    """One audit process: print {"start": epoch s, "end": epoch s, "asked": n, "ok": n} when done."""
    from benchmarks.bench_throughput import plan_kwargs
    from psychometrics.administer import audit

    result = audit(MODEL, api_base=api_base, db=db, concurrency=concurrency, run_id="bench", **plan_kwargs(cells))
    tally = result.tally
    assert tally is not None
    start = time.time() - (time.monotonic() - tally.started)  # the epoch second asking began in this process
    print(json.dumps({"start": start, "end": start + tally.wall_s, "asked": tally.asked,
                      "ok": result.run.counts.get("ok", 0), "n": len(result.plan.cells)}))


def _spawn(db: str, api_base: str, cells: int, concurrency: int) -> subprocess.Popen:
    code = (f"from benchmarks.bench_workers import worker; worker({db!r}, {api_base!r}, {cells}, {concurrency})")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)


def measure(setup: str, db: str, api_base: str, cells: int, concurrency: int) -> dict[str, float]:
    procs = [_spawn(db, api_base, cells, concurrency) for _ in range(2 if "×2" in setup else 1)]
    reports = []
    for p in procs:
        out, _ = p.communicate(timeout=1800)
        if p.returncode != 0:
            raise RuntimeError(f"{setup}: a worker failed (exit {p.returncode})")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    span = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    answered = max(r["ok"] for r in reports)
    assert answered == reports[0]["n"], (setup, reports)
    return {"rate": answered / span, "span": span, "asked": [r["asked"] for r in reports], "n": answered}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.1, help="server latency in seconds")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    from tests.support.openai_server import ServerProcess
    from tests.support.postgres import PostgresCluster

    limit = args.concurrency / args.latency
    results: dict[str, list[dict[str, float]]] = {s: [] for s in SETUPS}
    requests: dict[str, list[int]] = {s: [] for s in SETUPS}
    with PostgresCluster() as pg, ServerProcess(latency=args.latency) as server, \
            tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for setup in SETUPS:
                if setup == "sqlite":
                    db = f"sqlite:///{Path(tmp) / f'bench-{r}.db'}"
                else:
                    db = pg.new_database("bench")
                    if "sync-off" in setup:
                        db += "?options=-csynchronous_commit%3Doff"
                q0 = server.requests
                m = measure(setup, db, server.api_base, args.cells, args.concurrency)
                requests[setup].append(server.requests - q0)
                results[setup].append(m)
                print(f"  round {r + 1} {setup:<18} {m['rate']:7.1f} answers/s over {m['span']:5.2f} s  "
                      f"cells asked per worker {m['asked']}  requests {requests[setup][-1]}", file=sys.stderr,
                      flush=True)

    print(f"\n{args.cells} cells, concurrency {args.concurrency} per worker, server latency "
          f"{1000 * args.latency:.0f} ms (separate process), one worker's Little's-law limit {limit:.0f}/s, "
          f"{args.rounds} rounds, {os.cpu_count()} cores; PostgreSQL {pg_version()}")
    print(f"{'setup':<18} {'answers/s best':>14} {'median':>8} {'% limit':>8} {'x sqlite':>9} {'requests/cell':>14}")
    base = max(m["rate"] for m in results["sqlite"])
    for setup in SETUPS:
        rates = [m["rate"] for m in results[setup]]
        per_cell = max(q / m["n"] for q, m in zip(requests[setup], results[setup]))
        print(f"{setup:<18} {max(rates):>14.1f} {statistics.median(rates):>8.1f} {100 * max(rates) / limit:>7.1f}% "
              f"{max(rates) / base:>9.2f} {per_cell:>14.3f}")
    return 0


def pg_version() -> str:
    from tests.support.postgres import server_bindir

    done = subprocess.run([str(server_bindir() / "postgres"), "--version"], capture_output=True, text=True)
    return done.stdout.split()[2]  # "postgres (PostgreSQL) 15.18 (Debian …)"


if __name__ == "__main__":
    raise SystemExit(main())
