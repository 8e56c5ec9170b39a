"""Split the reasoning that open-weight reasoning models write before their answer off the reply.

Forms recognised (case-insensitive), each as a closed block, a block whose opening tag was part of the prompt (the
chat templates of DeepSeek-R1 distills and Qwen3 put ``<think>`` there, so the reply holds only ``…</think>``), or
a block never closed because the token budget ran out:

* ``<think>…</think>``, ``<thinking>…</thinking>``, ``<thought>…</thought>``, ``<reasoning>…</reasoning>``,
  ``<reason>…</reason>`` (DeepSeek-R1, Qwen3/QwQ, Phi-4-reasoning, many fine-tunes);
* ``[THINK]…[/THINK]`` (Mistral Magistral), ``◁think▷…◁/think▷`` (Kimi),
  ``<|begin_of_thought|>…<|end_of_thought|>`` (Sky-T1 / OpenThinker);
* gpt-oss's harmony channels: ``<|channel|>analysis<|message|>…<|end|>`` before
  ``<|start|>assistant<|channel|>final<|message|>…``, and the same with the special tokens dropped
  (``analysis…assistantfinal…``).
"""

from __future__ import annotations

import re

_PAIRS = [
    (r"<think>", r"</think>"), (r"<thinking>", r"</thinking>"), (r"<thought>", r"</thought>"),
    (r"<reasoning>", r"</reasoning>"), (r"<reason>", r"</reason>"), (r"\[THINK\]", r"\[/THINK\]"),
    (r"◁think▷", r"◁/think▷"), (r"<\|begin_of_thought\|>", r"<\|end_of_thought\|>"),
]
_HARMONY = re.compile(
    r"^\s*(?:<\|start\|>assistant)?<\|channel\|>analysis<\|message\|>(?P<reasoning>.*?)"
    r"(?:<\|end\|>\s*(?:<\|start\|>assistant)?<\|channel\|>final<\|message\|>(?P<answer>.*?)"
    r"(?:<\|return\|>|<\|end\|>)?\s*$"
    r"|$)", re.DOTALL)
_HARMONY_PLAIN = re.compile(r"^\s*analysis(?P<reasoning>.*?)assistantfinal(?P<answer>.*)$", re.DOTALL)


def split_reasoning(text: str) -> tuple[str, str | None]:
    """``(answer text, reasoning or None)``: the reply without its reasoning blocks, and their text joined.

    A block that opens and never closes leaves an empty answer (the reply stopped while reasoning); a closing tag
    without an opening tag makes everything before it reasoning.

    >>> split_reasoning("<think>Plans ahead.</think>\\nB")
    ('B', 'Plans ahead.')
    >>> split_reasoning("Plans ahead.</think>B")
    ('B', 'Plans ahead.')
    >>> split_reasoning("<think>Plans ahead, so")
    ('', 'Plans ahead, so')
    >>> split_reasoning("B")
    ('B', None)
    """
    m = _HARMONY.match(text)
    if m:
        return (m.group("answer") or "").strip(), m.group("reasoning").strip()
    m = _HARMONY_PLAIN.match(text)
    if m:
        return m.group("answer").strip(), m.group("reasoning").strip()
    reasoning: list[str] = []
    for open_tag, close_tag in _PAIRS:
        closed = re.compile(open_tag + r"(.*?)" + close_tag, re.DOTALL | re.IGNORECASE)
        reasoning += [b.strip() for b in closed.findall(text)]
        text = closed.sub("\n", text)
        close_only = re.search(close_tag, text, re.IGNORECASE)
        if close_only:  # the opening tag was in the prompt
            reasoning.insert(0, text[:close_only.start()].strip())
            text = text[close_only.end():]
        open_only = re.search(open_tag, text, re.IGNORECASE)
        if open_only:  # cut by the token budget while reasoning
            reasoning.append(text[open_only.end():].strip())
            text = text[:open_only.start()]
    if not reasoning:
        return text, None
    return text.strip(), "\n\n".join(r for r in reasoning if r)
