"""Batch audits (``audit --batch``) on this machine's side: building request lines and reading output lines.

The provider's time is not ours to measure; what this tool adds per cell is turning it into a JSONL line and
the provider's output line back into a stored response. Prints lines per second for both, side by side in one
run, and what that means for a 375,000-prompt study.

    python benchmarks/bench_batch.py [--cells 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from psychometrics.administer._batchlines import DEFAULT_LIMITS, LineReader, line_body, request_line, split_lines  # noqa: E402
from psychometrics.administer._call import CallOptions  # noqa: E402
from psychometrics.inventory import load_inventory  # noqa: E402
from psychometrics.plan import GenerationSettings, build_plan  # noqa: E402

STUDY = 375_000


def output_line(cell, n: int) -> dict:
    """What OpenAI's batch output file holds for a log-prob request that was answered."""
    labels = [str(k) for k in sorted(cell.label_values)][:5] if hasattr(cell, "label_values") else ["1", "2"]
    rest = 0.3 / max(1, len(labels) - 1)
    top = [{"token": lab, "logprob": math.log(0.7 if i == 0 else rest), "bytes": None} for i, lab in enumerate(labels)]
    body = {"id": f"chatcmpl-{n}", "object": "chat.completion", "created": 0, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": labels[0]}, "finish_reason": "stop",
                         "logprobs": {"content": [{"token": labels[0], "logprob": math.log(0.7), "bytes": None,
                                                   "top_logprobs": top}]}}],
            "usage": {"prompt_tokens": 80, "completion_tokens": 1, "total_tokens": 81}}
    return {"id": f"req_{n}", "custom_id": cell.cell_id, "response": {"status_code": 200, "body": body}, "error": None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    inv = load_inventory("bfi44")
    samples = max(1, math.ceil(args.cells / (44 * 3 * 2)))
    settings = GenerationSettings()
    plan = build_plan(model="openai/gpt-4o-mini", inventories=[inv], templates="all", orders=["original", "reversed"],
                      samples=samples, personas=[None], settings=settings)
    cells = plan.cells[: args.cells]
    opts = CallOptions(model="openai/gpt-4o-mini", settings=settings, api_key="not-needed")
    body = line_body(opts, "logprobs")
    reader = LineReader(run_id="bench", opts=opts, provider="openai")
    entries = [output_line(c, i) for i, c in enumerate(cells)]
    build, read = [], []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        groups = split_lines(((c, request_line(c, body)) for c in cells), DEFAULT_LIMITS)
        build.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        statuses = [reader.read(c, "logprobs", e).response.status for c, e in zip(cells, entries)]
        read.append(time.perf_counter() - t0)
    assert statuses.count("ok") == len(cells), statuses[:3]
    n = len(cells)
    print(f"{n} cells in {len(groups)} batch(es) (OpenAI's limits); {args.rounds} rounds, best / median")
    for name, times in (("build request lines", build), ("read output lines", read)):
        best, median = min(times), statistics.median(times)
        print(f"  {name:20s} {n / best:9.0f} lines/s best, {n / median:9.0f} median"
              f"  -> {STUDY:,} prompts: {STUDY / (n / median):6.1f} s")
    print(f"  reading / building time ratio (median): {statistics.median(read) / statistics.median(build):.1f}")


if __name__ == "__main__":
    main()
