"""Where llama_cpp.server's numbers and ``local/gemma-3-270m``'s part, on one prompt, via llama-cpp-python directly.

Evaluates one BFI-44 prompt of the plan (item × template × order, plan order, ``--cell``) with Gemma 3 270M the
way the embedded provider does (flash attention, 32-token chunks padded to a multiple of four rows) and the way
``llama_cpp.server`` does (``Llama.create_completion`` with ``logits_all``, the whole prompt or what follows the
previous request's prefix in one decode of up to ``n_batch`` rows), with the server's settings varied one at a
time, and prints the five label log-probabilities and label probabilities of each, and the largest difference
from the embedded provider. Written before the embedded provider loaded its weights in the GGUF's own layout
(``_local._without_repacking``): it evaluates with llama.cpp's default, repacked weights; for the comparison
with the provider as it is, see ``server_settings.py``.

Run (from the repository root; a minute or two)::

    python benchmarks/server_numerics.py --cell 2
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

F32 = 0
"""``GGML_TYPE_F32`` (the KV cache in single precision; llama.cpp's default is F16)."""
SERVER = [
    ("server default: plain attention, F16 KV, one decode", {}, False),
    ("server default, after the previous prompt (prefix reused)", {}, True),
    ("plain attention, F16 KV, 48-row decodes", dict(n_batch=48, n_ubatch=48), False),
    ("plain attention, F32 KV, one decode", dict(type_k=F32, type_v=F32), False),
    ("plain attention, F32 KV, 48-row decodes", dict(type_k=F32, type_v=F32, n_batch=48, n_ubatch=48), False),
    ("flash attention, one decode", dict(flash_attn=True), False),
    ("flash attention, 48-row decodes", dict(flash_attn=True, n_batch=48, n_ubatch=48), False),
    ("flash attention, 48-row decodes, after the previous prompt", dict(flash_attn=True, n_batch=48, n_ubatch=48),
     True),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cell", type=int, default=2, help="index of the prompt in plan order (0 … 263)")
    args = parser.parse_args()

    import llama_cpp
    import numpy as np

    from psychometrics.administer.providers import _local
    from psychometrics.plan import build_plan

    cells = build_plan(model="local/gemma-3-270m", inventories=["bfi44"], templates="all",
                       orders=["original", "reversed"]).cells
    cell, previous = cells[args.cell], cells[args.cell - 1] if args.cell else None
    labels = list(cell.labels)
    path = str(_local.MODELS["gemma-3-270m"].locate())
    rows: dict[str, np.ndarray] = {}

    def log_softmax(logits: np.ndarray) -> np.ndarray:
        logits = logits.astype(np.float64)
        m = logits.max()
        return logits - (m + math.log(np.exp(logits - m).sum()))

    engine = _local.Engine(llama_cpp.Llama(model_path=path, n_ctx=_local.N_CTX, n_threads=1, n_threads_batch=1,
                                           logits_all=False, swa_full=True, flash_attn=True, verbose=False))
    ids = [engine.llm.tokenize(label.encode(), add_bos=False)[0] for label in labels]
    tokens = engine.tokenize(cell.prompt)
    lp = engine.evaluate(tokens, _local.parse_model("gemma-3-270m?batch=0&prefix_cache=0"))
    rows["embedded provider: flash attention, 32-token chunks padded"] = np.array([lp[i] for i in ids])
    for name, settings, after_previous in SERVER:
        if after_previous and previous is None:
            continue
        llm = llama_cpp.Llama(model_path=path, n_ctx=2048, n_threads=1, n_threads_batch=1, logits_all=True,
                              verbose=False, **settings)
        if after_previous:
            llm.create_completion(previous.prompt, max_tokens=1, temperature=0)
        llm.create_completion(cell.prompt, max_tokens=1, logprobs=5, temperature=0)
        lp = log_softmax(llm.scores[len(tokens) - 1])
        rows[name] = np.array([lp[i] for i in ids])
        del llm

    print(f"cell {args.cell}: item {cell.item}, {cell.template}/{cell.order}, {len(tokens)} prompt tokens; "
          f"llama-cpp-python {llama_cpp.__version__}")
    base = rows[next(iter(rows))]
    base_p = np.exp(base) / np.exp(base).sum()
    print(f"{'':62s} {'label log-probabilities 1…5':41s} {'label probabilities 1…5':31s} max|Δ log p| max|Δp|")
    for name, lp in rows.items():
        p = np.exp(lp) / np.exp(lp).sum()
        print(f"{name:62s} {' '.join(f'{x:7.3f}' for x in lp)}   {' '.join(f'{x:.3f}' for x in p)}   "
              f"{np.abs(lp - base).max():8.3f}  {np.abs(p - base_p).max():.3f}")


if __name__ == "__main__":
    main()
