"""Requests/s of an audit against a local OpenAI-compatible server, beside a bare aiohttp client and the limit.

The server (``tests/support/openai_server.py``) runs in a separate process on 127.0.0.1 and answers every
request after a fixed latency, so it shares neither the client's CPU time nor its GIL. The same plan (by
default 5,000 log-prob cells: IPIP-50 × instruct template × 5 option orders × 20 samples) is sent through

* ``audit``   — ``psychometrics.administer.audit(...)``, the public API, into a fresh SQLite database each time;
* ``audit-litellm`` — (with ``--litellm``) the same audit with the fast path off (``PSYCHOMETRICS_FAST_PATH=0``),
  every request through ``litellm.acompletion``;
* ``aiohttp`` — a bare aiohttp client posting the same request bodies at the same concurrency;
* ``litellm`` — (with ``--litellm``) bare ``litellm.acompletion`` calls at the same concurrency, nothing stored.

For each it prints requests/s, the share of the Little's-law limit (concurrency / latency), the ratio to the
aiohttp client, and the client's CPU milliseconds per request (process CPU time; for the audit, minus the
CPU time of building the same plan in a dry run). Runs are interleaved and repeated; best and median are shown.

Run::

    python benchmarks/bench_throughput.py                   # 5,000 cells, concurrency 64, latency 100 ms, 3 rounds
    python benchmarks/bench_throughput.py --litellm --rounds 5
    python benchmarks/bench_throughput.py --profile audit.prof   # cProfile one audit round into a file
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.pop("OPENAI_API_KEY", None)  # the local server needs none; nothing real can be spent

MODEL = "openai/test-model"
PLAN = dict(inventories=["ipip50"], templates=["instruct"],
            orders=["original", "reversed", "rotated-1", "rotated-2", "rotated-3"], mode="logprobs")


def plan_kwargs(cells: int) -> dict[str, Any]:
    samples = max(1, round(cells / 250))  # 250 cells per sample with PLAN
    return {**PLAN, "samples": samples}


def body(cell: Any) -> dict[str, Any]:
    """What the audit sends for a log-prob cell (OpenAI chat completions)."""
    return {"model": MODEL.split("/", 1)[1], "messages": [{"role": "user", "content": cell.prompt}],
            "max_tokens": 1, "temperature": 0, "logprobs": True, "top_logprobs": 20}


async def _aiohttp(cells: list[Any], api_base: str, concurrency: int) -> int:
    import aiohttp

    queue: asyncio.Queue = asyncio.Queue()
    for c in cells:
        queue.put_nowait(c)
    ok = 0
    url = api_base.rstrip("/") + "/chat/completions"
    headers = {"Authorization": "Bearer not-needed"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        async def worker() -> None:
            nonlocal ok
            while not queue.empty():
                cell = queue.get_nowait()
                async with session.post(url, json=body(cell), headers=headers) as resp:
                    data = await resp.json()
                    ok += resp.status == 200 and bool(data["choices"][0]["logprobs"]["content"])
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok


async def _litellm(cells: list[Any], api_base: str, concurrency: int) -> int:
    from psychometrics.administer._litellm import litellm

    lib = litellm()
    queue: asyncio.Queue = asyncio.Queue()
    for c in cells:
        queue.put_nowait(c)
    ok = 0

    async def worker() -> None:
        nonlocal ok
        while not queue.empty():
            cell = queue.get_nowait()
            b = body(cell)
            reply = await lib.acompletion(model=MODEL, messages=b["messages"], max_tokens=1, temperature=0,
                                          logprobs=True, top_logprobs=20, api_base=api_base, api_key="not-needed",
                                          num_retries=0)
            ok += bool(reply.choices[0].logprobs)
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok


def measure_client(kind: str, cells: list[Any], api_base: str, concurrency: int) -> dict[str, float]:
    fn = _aiohttp if kind == "aiohttp" else _litellm
    c0, t0 = time.process_time(), time.perf_counter()
    ok = asyncio.run(fn(cells, api_base, concurrency))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"wall": wall, "cpu": cpu, "ok": ok, "n": len(cells)}


def measure_audit(n_cells: int, api_base: str, concurrency: int, plan_cpu: float, profile: str | None,
                  fast: bool = True) -> dict[str, float]:
    from psychometrics.administer import audit

    previous = os.environ.get("PSYCHOMETRICS_FAST_PATH")
    os.environ["PSYCHOMETRICS_FAST_PATH"] = "1" if fast else "0"
    try:
        return _measure_audit(audit, n_cells, api_base, concurrency, plan_cpu, profile)
    finally:
        if previous is None:
            os.environ.pop("PSYCHOMETRICS_FAST_PATH", None)
        else:
            os.environ["PSYCHOMETRICS_FAST_PATH"] = previous


def _measure_audit(audit: Any, n_cells: int, api_base: str, concurrency: int, plan_cpu: float,
                   profile: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'bench.db'}"
        prof = None
        if profile:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        c0, t0 = time.process_time(), time.perf_counter()
        result = audit(MODEL, api_base=api_base, db=db, concurrency=concurrency, **plan_kwargs(n_cells))
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
        if prof:
            prof.disable()
            prof.dump_stats(profile)
        run = result.run
        assert run.counts.get("ok") == len(result.plan.cells), run.counts
    # The administration itself: run.wall_s; its CPU: the whole call less building the plan.
    return {"wall": run.wall_s, "cpu": max(0.0, cpu - plan_cpu), "ok": run.counts.get("ok", 0),
            "n": len(result.plan.cells), "total": total}


def plan_cost(n_cells: int) -> tuple[list[Any], float]:
    from psychometrics.administer import audit

    best = float("inf")
    cells: list[Any] = []
    for _ in range(2):
        c0 = time.process_time()
        result = audit(MODEL, api_base="http://127.0.0.1:9/v1", dry_run=True, **plan_kwargs(n_cells))
        best = min(best, time.process_time() - c0)
        cells = list(result.plan.cells)
    return cells, best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.1, help="server latency in seconds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--litellm", action="store_true",
                        help="also time the audit with the fast path off and bare litellm.acompletion calls")
    parser.add_argument("--only", choices=["audit", "aiohttp", "audit-litellm", "litellm"], action="append",
                        help="run only these clients")
    parser.add_argument("--profile", help="write a cProfile of the last audit round to this file")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)

    from psychometrics.administer._litellm import litellm
    from tests.support.openai_server import ServerProcess

    litellm()  # import cost is paid once, outside every timing
    cells, plan_cpu = plan_cost(args.cells)
    kinds = args.only or (["audit", "aiohttp"] + (["audit-litellm", "litellm"] if args.litellm else []))
    limit = args.concurrency / args.latency
    results: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    with ServerProcess(latency=args.latency) as server:
        warm = cells[: args.concurrency * 2]
        measure_client("aiohttp", warm, server.api_base, args.concurrency)
        if set(kinds) - {"aiohttp"}:
            measure_client("litellm", warm[:args.concurrency], server.api_base, args.concurrency)
        server.reset()
        for r in range(args.rounds):
            for kind in kinds:
                s0, q0 = server.cpu_seconds(), server.requests
                if kind.startswith("audit"):
                    last = r == args.rounds - 1 and kind == "audit"
                    m = measure_audit(args.cells, server.api_base, args.concurrency, plan_cpu,
                                      args.profile if last else None, fast=kind == "audit")
                else:
                    m = measure_client(kind, cells, server.api_base, args.concurrency)
                m["server_cpu"] = server.cpu_seconds() - s0
                m["requests"] = server.requests - q0
                results[kind].append(m)
                rate = m["n"] / m["wall"]
                print(f"  round {r + 1} {kind:<13} {rate:7.1f} req/s  {1000 * m['cpu'] / m['n']:6.2f} CPU ms/req  "
                      f"({m['requests']} requests)", file=sys.stderr, flush=True)

    print(f"\n{len(cells)} cells, concurrency {args.concurrency}, server latency {1000 * args.latency:.0f} ms "
          f"(separate process), Little's-law limit {limit:.0f} req/s, {args.rounds} rounds, {os.cpu_count()} cores")
    print(f"plan building (not in the audit's CPU figure): {1000 * plan_cpu:.0f} ms CPU")
    print(f"{'client':<13} {'req/s best':>10} {'median':>8} {'% limit':>8} {'x aiohttp':>10} "
          f"{'CPU ms/req':>11} {'median':>7} {'server CPU ms/req':>18}")
    summary: dict[str, dict[str, float]] = {}
    for kind in kinds:
        rates = [m["n"] / m["wall"] for m in results[kind]]
        cpus = [1000 * m["cpu"] / m["n"] for m in results[kind]]
        scpu = [1000 * m["server_cpu"] / max(1, m["requests"]) for m in results[kind]]
        summary[kind] = {"best": max(rates), "median": statistics.median(rates), "cpu_best": min(cpus),
                         "cpu_median": statistics.median(cpus), "server_cpu": statistics.median(scpu)}
    ref = summary.get("aiohttp")
    for kind, s in summary.items():
        ratio = f"{s['best'] / ref['best']:.2f}" if ref else "-"
        print(f"{kind:<13} {s['best']:>10.1f} {s['median']:>8.1f} {100 * s['best'] / limit:>7.1f}% {ratio:>10} "
              f"{s['cpu_best']:>11.2f} {s['cpu_median']:>7.2f} {s['server_cpu']:>18.2f}")
    if "audit" in results:
        totals = [m["total"] for m in results["audit"]]
        print(f"audit end to end (plan, preflight, store, summary counts): best {min(totals):.2f} s, "
              f"median {statistics.median(totals):.2f} s")
    if args.json:
        print(json.dumps({"limit": limit, "cells": len(cells), "summary": summary}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
