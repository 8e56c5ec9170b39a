"""An audit against a rate-limited server: today's fixed concurrency beside pacing at the stated limit.

The server (``tests/support/openai_server.py`` in a separate process on 127.0.0.1) answers after a fixed latency
behind a token bucket (``tests/support/token_bucket.py``, by default 100 requests/s holding 20): a request beyond
the bucket gets an immediate 429 with ``retry-after-ms`` / ``Retry-After``, and every reply states the limit the
way OpenAI does (``x-ratelimit-limit-requests: 6000`` a minute, ``-remaining-``, ``-reset-``; ``--style
anthropic`` sends ``anthropic-ratelimit-*`` instead, ``--style none`` only ``Retry-After`` on a 429, so that
only the adaptive window paces). The same plan is audited, in the same run, by

* ``fixed`` — ``audit(..., pacing=False)``: ``--concurrency`` requests in flight, a 429's wait held for every
  request and the request retried (the behaviour before pacing);
* ``paced`` — ``audit(...)`` as it runs by default: the rate the headers state, a window of requests in flight
  that shrinks on 429s (``psychometrics/administer/_pacing.py``), ``--concurrency`` only its ceiling;
* ``fixed-litellm``, ``paced-litellm`` — (with ``--litellm``) the same two with the fast path off, every request
  through ``litellm.acompletion``, the headers read from ``_hidden_params["additional_headers"]``.

For each it prints the sustained rate as a share of the bucket's rate, ``(answers − burst) / (last answer − first
request) / rate`` (the burst the full bucket allows at the start is not a rate), the share of requests answered
429, and the audit's wall time. A short flood through each client first pays the first-use costs (litellm's
lazy imports, its error mapping on the first 429) outside the figures. Rounds alternate the clients; the bucket
refills between them.

Run::

    python benchmarks/bench_pacing.py                     # 2,000 cells, 100 req/s, concurrency 32, latency 100 ms
    python benchmarks/bench_pacing.py --litellm --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_throughput import MODEL, plan_kwargs  # noqa: E402 - same plan and client settings; puts the repo on the path


def audit_once(kind: str, n_cells: int, api_base: str, concurrency: int) -> dict[str, Any]:
    from psychometrics.administer import audit

    os.environ["PSYCHOMETRICS_FAST_PATH"] = "0" if kind.endswith("-litellm") else "1"
    with tempfile.TemporaryDirectory() as tmp:
        result = audit(MODEL, api_base=api_base, db=f"sqlite:///{Path(tmp) / 'bench.db'}", concurrency=concurrency,
                       pacing=kind.startswith("paced"), retries=20, **plan_kwargs(n_cells))
    return {"cells": len(result.plan.cells), "ok": result.run.counts.get("ok", 0), "wall": result.run.wall_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=100.0, help="requests a second the bucket allows")
    parser.add_argument("--burst", type=float, default=20.0, help="requests the bucket holds")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.1, help="server latency in seconds")
    parser.add_argument("--style", choices=["openai", "anthropic", "none"], default="openai")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--litellm", action="store_true", help="also the paced audit with the fast path off")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)

    from psychometrics.administer._litellm import litellm
    from tests.support.openai_server import ServerProcess

    litellm()  # import cost is paid once, outside every timing
    kinds = ["fixed", "paced"] + (["fixed-litellm", "paced-litellm"] if args.litellm else [])
    results: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    with ServerProcess(latency=args.latency, bucket_rate=args.rate, bucket_burst=args.burst,
                       limit_style=args.style) as server:
        for kind in kinds:  # first-use costs (litellm's lazy imports, its error mapping on the first 429) untimed
            audit_once(kind.replace("paced", "fixed"), 250, server.api_base, args.concurrency)
        for r in range(args.rounds):
            for kind in kinds:
                time.sleep(args.burst / args.rate + 0.5)  # the bucket is full again
                server.reset()
                m = audit_once(kind, args.cells, server.api_base, args.concurrency)
                stats = server.stats()
                answers = int(stats["statuses"].get("200", 0))
                refused = int(stats["statuses"].get("429", 0))
                span = stats["last_answer"] - stats["first_request"]
                m.update(requests=stats["requests"], answers=answers, r429=refused,
                         share_rate=(answers - args.burst) / span / args.rate, share_429=refused / stats["requests"])
                results[kind].append(m)
                print(f"  round {r + 1} {kind:<13} {100 * m['share_rate']:6.1f}% of the bucket  "
                      f"{100 * m['share_429']:5.1f}% 429  {m['requests']} requests  {m['ok']}/{m['cells']} answered  "
                      f"{m['wall']:.1f} s", file=sys.stderr, flush=True)

    print(f"\n{args.cells} cells, token bucket {args.rate:.0f} requests/s holding {args.burst:.0f} ({args.style} "
          f"headers), server latency {1000 * args.latency:.0f} ms (separate process), concurrency {args.concurrency}, "
          f"{args.rounds} round(s), {os.cpu_count()} cores")
    print(f"{'client':<14} {'% of bucket':>11} {'% 429':>7} {'requests':>9} {'answered':>9} {'wall s':>7}")
    summary: dict[str, dict[str, float]] = {}
    for kind, ms in results.items():
        s = summary[kind] = {key: statistics.median(m[key] for m in ms)
                             for key in ("share_rate", "share_429", "requests", "ok", "wall")}
        print(f"{kind:<14} {100 * s['share_rate']:>10.1f}% {100 * s['share_429']:>6.1f}% {s['requests']:>9.0f} "
              f"{s['ok']:>9.0f} {s['wall']:>7.1f}")
    print("target for paced: >= 95% of the bucket, <= 2% 429")
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
