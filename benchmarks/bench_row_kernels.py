"""Does a row's logits depend on its batch inside llama.cpp's large-batch CPU kernels? (issue 16 §4)

The shared-prefix batch (``providers/_prefix_batch.py``) keeps every ``llama_decode`` below 64 rows because
from 64 rows on a sequence's logits depend on what else lies in the KV cache, and identical log-probs need every
row computed the same way whatever the batch. This script evaluates the same BFI-44 prompts (their label
sequences, as the audit does) in several row layouts and groupings through :class:`PrefixBatch`, with flash attention as the provider
uses it, and compares each row's logits over the whole vocabulary bit for bit against a reference:

* **alone**: each prompt on its own from an empty cache, every decode padded to ``min_rows`` (at most
  ``call_rows`` rows a decode);
* **groups of N** in plan order, the previous group's last prompt kept in the cache (as the audit runs);
* **shuffled**: the prompts in a random order, in groups of random size.

Each line prints how many rows have exactly the reference's bits, the largest logit difference, the largest
difference in a label's log-probability, and the time spent decoding (rows decoded, tokens/s of distinct
prefixes). Run::

    python benchmarks/bench_row_kernels.py [--cells 96] [--model gemma-3-270m]

Results on this build (llama-cpp-python 0.3.36, Gemma 3 270M Q4_K_M, 48 cells, 2026-11-30). With llama.cpp's
default loading (weights repacked), only decodes of 8–48 rows in multiples of four kept every grouping at the
bits of each prompt alone. With the weights in the GGUF's own layout and ``GGML_CPU_TILED_MM=0``, as the provider
loads them now: decodes of 1–48 and 8–60 rows, any count, all 48/48 rows bit-identical in every grouping; in
decodes of >= 64 rows (64, 64–128, 64–256) only 1–9 of 48 rows (logits differ by up to 2.0, a label's
log-probability by up to 0.38). Narrowed down earlier with single prompts X, Y in 64–256-row decodes: X in the
batch [X, Y], or X after its first 40 tokens were cached by an earlier decode, has X's bits alone; X in [Y, X]
does not: the KV cells that lie before the sequence's own (masked for it) matter, presumably because flash
attention over many queries sums the cache in tiles. In a prefix tree every branch but the first lies after
other branches' cells, so the >= 64-row layout cannot keep log-probs identical.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import time
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@contextlib.contextmanager
def layout(min_rows: int, call_rows: int) -> Iterator[None]:
    """Every decode of :class:`PrefixBatch` at least ``min_rows`` and at most ``call_rows`` rows."""
    from psychometrics.administer.providers import _prefix_batch as pb

    saved = pb.MIN_ROWS, pb.CALL_ROWS
    pb.MIN_ROWS, pb.CALL_ROWS = min_rows, call_rows
    try:
        yield
    finally:
        pb.MIN_ROWS, pb.CALL_ROWS = saved


def run(eng: Any, groups: list[list[list[int]]], min_rows: int, call_rows: int,
        alone: bool = False) -> tuple[list[Any], float, Any]:
    """Raw float32 logits after every sequence of ``groups`` (flattened), the seconds, the batch's counters."""
    import numpy as np

    from psychometrics.administer.providers._local import N_CTX
    from psychometrics.administer.providers._prefix_batch import PrefixBatch

    with layout(min_rows, call_rows), eng.lock:
        batch = PrefixBatch(eng.llm, N_CTX)
        # keep the raw logits (the bits llama.cpp computed), not the float64 log-softmax
        batch._log_softmax = lambda i: np.ctypeslib.as_array(  # type: ignore[method-assign]
            batch._lib.llama_get_logits_ith(batch._ctx.ctx, i), shape=(batch.n_vocab,)).copy()
        try:
            rows: list[Any] = []
            seconds = 0.0
            for group in groups:
                if alone:
                    batch._reset()
                start = time.perf_counter()
                rows += batch.evaluate(group)
                seconds += time.perf_counter() - start
            return rows, seconds, batch
        finally:
            batch.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--cells", type=int, default=96, help="BFI-44 cells (in plan order) to evaluate")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    import numpy as np

    from psychometrics.administer.providers._local import engine
    from psychometrics.plan import build_plan

    cells = list(build_plan(model=f"local/{args.model}", inventories=["bfi44"], templates=["instruct", "qa", "short"],
                            orders=["original", "reversed"]).cells)
    step = max(1, len(cells) // args.cells)
    cells = cells[::step][:args.cells]
    eng = engine(args.model)
    per_cell = [eng.label_query(c.prompt, [str(x) for x in c.labels]).sequences() for c in cells]
    labels = [[eng.tokenize(c.prompt + str(x))[-1] for x in c.labels] for c in cells]
    flat_labels = [lab for cell, seqs in zip(labels, per_cell) for lab in [cell] * len(seqs)]
    distinct = len({tuple(s[:k]) for seqs in per_cell for s in seqs for k in range(1, len(s) + 1)})
    rng = random.Random(args.seed)
    order = list(range(len(per_cell)))
    rng.shuffle(order)
    shuffled: list[list[list[int]]] = []
    at = 0
    while at < len(order):
        size = rng.randint(1, 24)
        shuffled.append([s for i in order[at:at + size] for s in per_cell[i]])
        at += size
    flat_index = {}  # sequence position in plan order for each (cell, k)
    n = 0
    for i, seqs in enumerate(per_cell):
        for k in range(len(seqs)):
            flat_index[(i, k)] = n
            n += 1
    shuffled_positions = [flat_index[(i, k)] for i in order for k in range(len(per_cell[i]))]

    def grouped(size: int) -> list[list[list[int]]]:
        return [[s for seqs in per_cell[i:i + size] for s in seqs] for i in range(0, len(per_cell), size)]

    print(f"{len(cells)} BFI-44 cells, {n} sequences, {distinct} distinct prefixes, {args.model}, flash attention; "
          f"load average {os.getloadavg()[0]:.1f}")
    for min_rows, call_rows in ((8, 60), (1, 48), (64, 64), (64, 128), (64, 256)):
        reference, ref_s, ref_batch = run(eng, [list(seqs) for seqs in per_cell], min_rows, call_rows, alone=True)
        print(f"\nlayout: decodes of {min_rows}-{call_rows} rows. alone: {ref_batch.decodes} decodes, "
              f"{ref_batch.rows} rows, {ref_s:.2f} s")
        cases = [(f"groups of {g}", grouped(g), None) for g in (4, 8, 16, 64)]
        cases.append(("shuffled, random groups", shuffled, shuffled_positions))
        for name, groups, positions in cases:
            rows, seconds, batch = run(eng, groups, min_rows, call_rows)
            if positions is not None:
                back: list[Any] = [None] * len(rows)
                for got, pos in zip(rows, positions):
                    back[pos] = got
                rows = back
            same = sum(np.array_equal(a, b) for a, b in zip(reference, rows))
            worst = max(float(np.max(np.abs(a.astype(np.float64) - b))) for a, b in zip(reference, rows))

            def label_lp(row: Any, ids: list[int]) -> Any:
                r = row.astype(np.float64)
                m = r.max()
                return r[ids] - (m + np.log(np.exp(r - m).sum()))

            label_worst = max(float(np.max(np.abs(label_lp(a, ids) - label_lp(b, ids))))
                              for a, b, ids in zip(reference, rows, flat_labels))
            print(f"  {name:<24} {same:>4}/{len(rows)} rows bit-identical to alone; max |logit diff| {worst:.2e}, "
                  f"max |label log-prob diff| {label_worst:.2e}; {batch.decodes} decodes, {batch.rows} rows "
                  f"({batch.rows / batch.decodes:.0f} a decode), {seconds:.2f} s = "
                  f"{batch.tokens_evaluated / seconds:.0f} tokens/s evaluated, {batch.rows / seconds:.0f} rows/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
