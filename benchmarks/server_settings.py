"""Which ``llama_cpp.server`` settings make Gemma over HTTP give the label probabilities of ``local/gemma-3-270m``.

In one run: the embedded provider (shared-prefix batches, and ``?batch=0``, one prompt at a time) and, one after
the other, ``python -m llama_cpp.server`` serving the same GGUF with each setting below, audited over HTTP in the
completion format, log-prob mode, one request at a time (plan order), on BFI-44 × 3 templates × 2 orders (264
prompts). Prints, per server setting and embedded path: the largest and median label-probability difference per
cell, how many cells differ by 0.05 or more, and how many have the same most likely answer.

``--in-process``: the same comparison without HTTP, through the server's own code path in this process
(``llama_cpp.Llama(..., logits_all=True).create_completion`` on each prompt in plan order, so each request reuses
the prefix it shares with the previous one, as the server does), plus a single-precision reference (plain
attention, F32 KV cache, each prompt evaluated afresh): about 3 times faster than over HTTP.

Run (from the repository root; about 5–10 min per server setting on 2 cores, several times that on a busy one)::

    python benchmarks/server_settings.py
    python benchmarks/server_settings.py --items 5 --settings default flash
    python benchmarks/server_settings.py --in-process
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DESIGN = dict(inventories=["bfi44"], templates="all", orders=["original", "reversed"], timeout=600,
              mode="logprobs")
IN_PROCESS = {
    "default": dict(),
    "flash": dict(flash_attn=True),
    "flash-b48": dict(flash_attn=True, n_batch=48, n_ubatch=48),
    "f32-kv": dict(type_k=0, type_v=0),  # GGML_TYPE_F32
    # the weights as the GGUF lays them out (no repacking), as the embedded provider loads them
    "flash-b48-own-layout": dict(flash_attn=True, n_batch=48, n_ubatch=48, repack=False),
}
SETTINGS = {
    "default": (),
    "flash": ("--flash_attn", "true"),
    "flash-b48": ("--flash_attn", "true", "--n_batch", "48", "--n_ubatch", "48"),
    "b48": ("--n_batch", "48", "--n_ubatch", "48"),
    "flash-b32": ("--flash_attn", "true", "--n_batch", "32", "--n_ubatch", "32"),
    "flash-b48-own-layout": ("--flash_attn", "true", "--n_batch", "48", "--n_ubatch", "48"),
}
OWN_LAYOUT = {"flash-b48-own-layout"}
"""Settings served by ``tests.support.own_layout_server``: the weights in the GGUF's own layout and
``GGML_CPU_TILED_MM=0``, as the embedded provider loads them."""


def _probs(db: str, run_id: str) -> dict:
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        return {(r.item, r.template, r.order): r for r in store.iter_responses(run_id)}


def compare(a: dict, b: dict) -> str:
    keys = [k for k in a if k in b and a[k].option_probs and b[k].option_probs]
    diffs = [max(abs(a[k].option_probs.get(v, 0.0) - p) for v, p in b[k].option_probs.items()) for k in keys]
    same = sum(a[k].value == b[k].value for k in keys)
    worst = max(range(len(keys)), key=diffs.__getitem__) if keys else None
    return (f"{len(keys):3d} cells: max |Δp| {max(diffs, default=float('nan')):.4f}, median "
            f"{statistics.median(diffs) if diffs else float('nan'):.4f}, ≥ 0.05: {sum(d >= 0.05 for d in diffs):2d}, "
            f"same answer {same}/{len(keys)}" + (f" (worst {keys[worst]})" if worst is not None else ""))


def in_process(items: int | None, only: list[str] | None = None) -> None:
    """Label probabilities per prompt: the embedded provider vs ``llama_cpp.server``'s code path per setting."""
    import math

    import llama_cpp
    import numpy as np

    from psychometrics.administer.providers import _local
    from psychometrics.plan import build_plan

    cells = build_plan(model="local/gemma-3-270m", inventories=["bfi44"], templates="all",
                       orders=["original", "reversed"], limit_items=items).cells
    path = str(_local.MODELS["gemma-3-270m"].locate())

    def normalized(lps: list[float]) -> np.ndarray:
        p = np.exp(np.array(lps) - max(lps))
        return p / p.sum()

    engine = _local.engine("gemma-3-270m")
    opts = _local.parse_model("gemma-3-270m?batch=0")
    rows: dict[str, list[np.ndarray]] = {"embedded": []}
    for cell in cells:
        top = dict(engine.label_logprobs(cell.prompt, list(cell.labels), 20, opts)[0])
        rows["embedded"].append(normalized([top[label] for label in cell.labels]))
    chosen = {name: IN_PROCESS[name] for name in only} if only else IN_PROCESS
    runs = [(name, settings, True) for name, settings in chosen.items()] + [("F32 reference", IN_PROCESS["f32-kv"],
                                                                               False)]
    for name, settings, reuse in runs:
        t0 = time.monotonic()
        settings = dict(settings)
        with (contextlib.nullcontext() if settings.pop("repack", True) else _local._without_repacking()):
            llm = llama_cpp.Llama(model_path=path, n_ctx=2048, n_threads=1, n_threads_batch=1, logits_all=True,
                                  verbose=False, **settings)
        rows[name] = []
        for cell in cells:
            if not reuse:
                llm.reset()
            n = len(llm.tokenize(cell.prompt.encode(), add_bos=True))
            llm.create_completion(cell.prompt, max_tokens=1, logprobs=5, temperature=0)
            logits = llm.scores[n - 1].astype(np.float64)
            lp = logits - (logits.max() + math.log(np.exp(logits - logits.max()).sum()))
            ids = [llm.tokenize(label.encode(), add_bos=False)[0] for label in cell.labels]
            rows[name].append(normalized([lp[i] for i in ids]))
        del llm
        print(f"{name}: {time.monotonic() - t0:.0f} s, load {os.getloadavg()}", flush=True)
    for reference in ("embedded", "F32 reference"):
        for name, probs in rows.items():
            if name != reference:
                d = [float(np.abs(a - b).max()) for a, b in zip(probs, rows[reference])]
                same = sum(int(a.argmax() == b.argmax()) for a, b in zip(probs, rows[reference]))
                print(f"  {name:14s} vs {reference:14s} {len(d)} prompts: max |Δp| {max(d):.4f}, median "
                      f"{statistics.median(d):.4f}, ≥ 0.05: {sum(x >= 0.05 for x in d)}, same answer {same}/{len(d)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=None, help="only the first N BFI-44 items")
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp threads of the server")
    parser.add_argument("--embedded", nargs="+", default=["local/gemma-3-270m", "local/gemma-3-270m?batch=0"])
    parser.add_argument("--db", default=None, help="an interrupted run resumes with the same --db")
    parser.add_argument("--in-process", action="store_true", help="without HTTP (see above)")
    parser.add_argument("--in-process-settings", nargs="+", choices=list(IN_PROCESS), default=None,
                        help="with --in-process: only these (the F32 reference always runs)")
    args = parser.parse_args()
    if args.in_process:
        return in_process(args.items, args.in_process_settings)

    from psychometrics.administer import audit
    from tests.support.llama_server import LlamaServer

    db = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'settings.db'}"
    print(f"database {db}; load {os.getloadavg()}", flush=True)
    embedded = {}
    for path in args.embedded:
        t0 = time.monotonic()
        run = audit(path, db=db, limit_items=args.items, concurrency=8, **DESIGN)
        embedded[path] = _probs(db, run.run.run_id)
        print(f"{path}: {time.monotonic() - t0:.0f} s", flush=True)
    if len(embedded) > 1:
        first, *others = embedded
        for path in others:
            print(f"  {path} vs {first}: {compare(embedded[path], embedded[first])}")
    for name in args.settings:
        t0 = time.monotonic()
        with LlamaServer("gemma-3-270m", threads=args.threads, extra=SETTINGS[name],
                         own_layout=name in OWN_LAYOUT) as server:
            run = audit(f"openai/{server.model}", prompt_format="completion", api_base=server.api_base, db=db,
                        limit_items=args.items, concurrency=1, **DESIGN)
        http = _probs(db, run.run.run_id)
        print(f"server {name} {' '.join(SETTINGS[name])}: {time.monotonic() - t0:.0f} s, load {os.getloadavg()}")
        for path, rows in embedded.items():
            print(f"  vs {path:28s} {compare(http, rows)}", flush=True)


if __name__ == "__main__":
    main()
