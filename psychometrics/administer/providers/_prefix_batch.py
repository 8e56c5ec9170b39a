"""Evaluate many token sequences that share prefixes in one llama.cpp batch (the embedded model's log-prob mode).

The sequences a group of requests needs (each prompt's context, plus context + a partial label path where a label
takes more than one token) are laid out as a prefix tree: every distinct prefix is evaluated once, as one token of
one ``llama_batch`` that carries the ids of all sequences passing through it (llama.cpp's unified KV cache lets a
cell belong to several sequences, and each token attends only to cells of its own sequences). Logits are
requested only for the last token of each sequence, and those rows are evaluated after all the others, in the
last of the ``llama_decode`` calls (:func:`_logits_last`): each call with logits multiplies its rows by the whole
output matrix, so 32 prompts' logits in one call instead of eight calls of four saves most of that cost.

Between groups, sequence 0 keeps the last sequence of the previous group in the KV cache; each new sequence first
takes over (``llama_memory_seq_cp``) the longest prefix it shares with it, so in plan order (prompts sorted by
text) the instructions and options every prompt repeats are evaluated once, not once per group.

A token's logits do not depend on which other sequences share its batch beyond floating-point summation order
(tested against evaluating each prompt alone: the same argmax, probabilities within 1e-4).
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

MAX_SEQUENCES = 64
"""Sequences per batch (besides sequence 0, the cached prefix); more are evaluated in further batches."""
_MARGIN = 64
"""KV cells kept free for the padding."""
MIN_ROWS = 8
"""Every ``llama_decode`` gets at least this many tokens (see :func:`pad_rows`)..."""
CALL_ROWS = 60
"""...and fewer than 64: from 64 rows on, a sequence's logits depend on the KV cells that lie before its own, i.e.
on the other branches of the prefix tree (presumably llama.cpp's flash attention sums the cache in tiles for that
many queries) (measured with ``benchmarks/bench_row_kernels.py``: up to 1.5 in a logit, 0.38 in a label's log-probability).
Below 64 rows every grouping gives each prompt's bits alone."""


def pad_rows(n: int) -> int:
    """Throwaway tokens to add to a batch of ``n`` tokens so that every real token takes the same CPU kernels.

    The embedded provider loads the weights in the GGUF's own layout with llama.cpp's tiled matrix products off
    (``_local._without_repacking``, ``_local.TILED_MM``); then every row is computed alone by one kernel and no
    padding is needed. Should the tiled products be on anyway (``GGML_CPU_TILED_MM=1`` set by the user, or the
    switch read by an earlier model in the process), they serve batches of 8 rows or more and the row-by-row
    kernel smaller ones, which round differently: a batch of fewer than 8 tokens is padded to 8, so every real
    token still takes the same kernel.
    """
    return max(MIN_ROWS - n, 0)


def log_softmax(raw: Any, scratch: Any) -> Any:
    """The log-softmax of one row of llama.cpp's float32 logits, as a new float64 array.

    ``scratch`` is a float64 array of the same length, overwritten: a fresh 2 MB temporary per row (Gemma's
    262,144 tokens) costs page faults that took most of the time (2.4 ms a row against 0.4 ms with the buffer
    reused). The same operations as ``x - (m + log(sum(exp(x - m))))``, so the same bits.
    """
    import numpy as np

    logits = raw.astype(np.float64)
    m = logits.max()
    np.subtract(logits, m, out=scratch)
    np.exp(scratch, out=scratch)
    logits -= m + math.log(scratch.sum())
    return logits


def _logits_last(entries: list[tuple[int, int]], parents: list[int], wanted: dict[int, list[int]]) -> list[int]:
    """The entries in an order that evaluates every entry after its parent and puts the rows whose logits are
    wanted as late as that allows, so they share few ``llama_decode`` calls.

    Each such call multiplies its logit rows by the whole output matrix (Gemma's: 262,144 tokens x 640), which is
    read from memory once per call whatever the number of rows: with 4 logit rows in each of 66 calls that reading
    took a quarter of the model's time (the caller also fills the last calls completely, so the wanted rows of up
    to 60 sequences take one call). Key: twice the wanted entries above an entry, plus one if it is wanted
    itself, i.e. its parent's key plus one for each of the two that is wanted; a stable sort by it keeps every
    parent before its children.
    """
    levels: list[int] = []
    for at, parent in enumerate(parents):  # parents precede their children in ``entries``
        above = 0 if parent < 0 else levels[parent] + (parent in wanted)
        levels.append(above + (at in wanted))
    return sorted(range(len(entries)), key=levels.__getitem__)


def common_prefix_length(a: list[int] | tuple[int, ...], b: list[int] | tuple[int, ...]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


class PrefixBatch:
    """A second llama.cpp context on an already loaded model, with one sequence per requested token list.

    Not thread-safe: use it under the engine's lock.
    """

    def __init__(self, llm: Any, n_ctx: int, max_sequences: int = MAX_SEQUENCES) -> None:
        import llama_cpp
        import numpy as np
        from llama_cpp import _internals

        self._lib = llama_cpp
        self._np = np
        self.n_ctx = n_ctx
        self.max_sequences = min(max_sequences, int(llama_cpp.llama_max_parallel_sequences()) - 2)
        params = llama_cpp.llama_context_default_params()
        for field in ("n_threads", "n_threads_batch", "n_ubatch", "swa_full", "flash_attn_type", "type_k", "type_v",
                      "rope_scaling_type", "rope_freq_base", "rope_freq_scale"):
            setattr(params, field, getattr(llm.context_params, field))
        params.n_ctx = params.n_batch = n_ctx
        params.n_seq_max = self.max_sequences + 2  # 0: the cached prefix, then the sequences, then the padding
        params.kv_unified = True  # one cell may then belong to several sequences: the shared prefixes
        params.no_perf = True
        self._ctx = _internals.LlamaContext(model=llm._model, params=params, verbose=False)
        self._memory = llama_cpp.llama_get_memory(self._ctx.ctx)
        self._batch = llama_cpp.llama_batch_init(CALL_ROWS + MIN_ROWS, 0, self.max_sequences + 2)
        self.n_vocab = int(llm.n_vocab())
        self._scratch = np.empty(self.n_vocab)
        self.cached: list[int] = []
        """The tokens sequence 0 holds in the KV cache."""
        self.tokens_evaluated = 0
        self.tokens_reused = 0
        self.calls = 0
        """Calls of :meth:`evaluate` (one per batch of waiting requests), for benchmarks; so are the next three."""
        self.decodes = 0
        """``llama_decode`` calls."""
        self.rows = 0
        """Tokens decoded, padding included."""
        self.outputs = 0
        """Rows whose logits were computed (each costs the output projection over the whole vocabulary)..."""
        self.output_decodes = 0
        """...and the ``llama_decode`` calls they were in (each reads the whole output matrix)."""

    def close(self) -> None:
        if self._batch is not None:
            self._lib.llama_batch_free(self._batch)
            self._batch = None
        self._ctx.close()

    def _log_softmax(self, index: int) -> Any:
        np = self._np
        row = np.ctypeslib.as_array(self._lib.llama_get_logits_ith(self._ctx.ctx, index), shape=(self.n_vocab,))
        return log_softmax(row, self._scratch)

    def _forget(self, n_sequences: int) -> None:
        """Drop every sequence but 0 (their cells are freed unless sequence 0 holds them too)."""
        for seq in range(1, n_sequences + 1):
            self._lib.llama_memory_seq_rm(self._memory, seq, -1, -1)

    def _reset(self) -> None:
        self._lib.llama_memory_clear(self._memory, True)
        self.cached = []

    def evaluate(self, sequences: list[list[int]]) -> list[Any]:
        """The log-softmax over the vocabulary after the last token of each sequence (float64 arrays).

        Sequences must be non-empty and shorter than the context. Evaluated in groups of :attr:`max_sequences`.
        """
        rows: list[Any] = []
        self.calls += 1
        for start in range(0, len(sequences), self.max_sequences):
            rows += self._group(sequences[start:start + self.max_sequences])
        return rows

    def _group(self, sequences: list[list[int]]) -> list[Any]:
        cached = self.cached
        # the last token of each sequence is always evaluated (its logits are the answer)
        kept = [min(common_prefix_length(cached, seq), len(seq) - 1) for seq in sequences]
        new_cells = sum(len(s) - k for s, k in zip(sequences, kept))  # an upper bound of the cells to evaluate
        if len(cached) + new_cells + _MARGIN > self.n_ctx:
            self._reset()
            cached, kept = [], [0] * len(sequences)
            if sum(map(len, sequences)) + _MARGIN > self.n_ctx:  # cannot hold the group at once: halve it
                half = len(sequences) // 2
                return self._group(sequences[:half]) + self._group(sequences[half:])
        try:
            self._compact(max(kept))
            return self._decode(sequences, kept)
        except BaseException:
            self._reset()
            raise

    def _compact(self, keep: int) -> None:
        """Leave only the first ``keep`` cached tokens, in KV cells ``0 .. keep - 1`` in position order.

        With flash attention each token sums over its sequence's cells in the order of their index; for the bits to
        be those of the prompt evaluated alone, a sequence's cells must lie in position order, so new tokens must
        not fill the holes older sequences left. The cached prefix is saved and restored into an empty cache.
        """
        lib = self._lib
        if keep == 0:
            lib.llama_memory_clear(self._memory, True)
            self.cached = []
            return
        lib.llama_memory_seq_rm(self._memory, 0, keep, -1)
        size = lib.llama_state_seq_get_size(self._ctx.ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = lib.llama_state_seq_get_data(self._ctx.ctx, buffer, size, 0)
        lib.llama_memory_clear(self._memory, True)
        if not written or lib.llama_state_seq_set_data(self._ctx.ctx, buffer, written, 0) != written:
            raise RuntimeError("could not move the cached prefix to the start of the KV cache")
        self.cached = self.cached[:keep]

    def _decode(self, sequences: list[list[int]], kept: list[int]) -> list[Any]:
        lib, batch = self._lib, self._batch
        for seq, keep in enumerate(kept, start=1):
            if keep:
                lib.llama_memory_seq_cp(self._memory, 0, seq, 0, keep)
        # the prefix tree of what is not cached yet: one batch entry per distinct (prefix), in first-seen order,
        # so every sequence's tokens appear in position order
        index: dict[tuple[int, int], int] = {}  # (parent entry, token) -> entry
        owners: list[list[int]] = []
        entries: list[tuple[int, int]] = []  # (token, position)
        parents: list[int] = []  # the entry before it in its sequences, -1: the cached prefix
        last: list[int] = []
        for seq, (tokens, keep) in enumerate(zip(sequences, kept), start=1):
            at = -1 - keep  # sequences that keep the same cached prefix start from the same root
            for pos in range(keep, len(tokens)):
                key = (at, tokens[pos])
                at = index.get(key)  # type: ignore[assignment]
                if at is None:
                    at = index[key] = len(entries)
                    entries.append((tokens[pos], pos))
                    parents.append(key[0] if key[0] >= 0 else -1)
                    owners.append([])
                owners[at].append(seq)
            last.append(at)
        rows: list[Any] = [None] * len(sequences)
        wanted: dict[int, list[int]] = {}
        for n, at in enumerate(last):
            wanted.setdefault(at, []).append(n)
        order = _logits_last(entries, parents, wanted)
        pad_seq, pad_pos = self.max_sequences + 1, 0
        ends = list(range(len(order), 0, -CALL_ROWS))[::-1]  # full decodes at the end, where the logit rows are
        for start, end in zip([0, *ends[:-1]], ends):
            part = order[start:end]
            i = 0
            for i, at in enumerate(part):
                token, pos = entries[at]
                batch.token[i] = token
                batch.pos[i] = pos
                batch.n_seq_id[i] = len(owners[at])
                for j, seq in enumerate(owners[at]):
                    batch.seq_id[i][j] = seq
                batch.logits[i] = at in wanted
            n = len(part)
            for _ in range(pad_rows(n)):  # throwaway tokens in a sequence of their own
                batch.token[n], batch.pos[n], batch.n_seq_id[n], batch.logits[n] = entries[0][0], pad_pos, 1, False
                batch.seq_id[n][0] = pad_seq
                n, pad_pos = n + 1, pad_pos + 1
            batch.n_tokens = n
            self.decodes, self.rows = self.decodes + 1, self.rows + n
            outputs = sum(at in wanted for at in part)
            self.outputs, self.output_decodes = self.outputs + outputs, self.output_decodes + (outputs > 0)
            status = lib.llama_decode(self._ctx.ctx, batch)
            if status != 0:
                raise RuntimeError(f"llama_decode failed with status {status} on a batch of {n} tokens")
            for i, at in enumerate(part):
                for k in wanted.get(at, ()):
                    rows[k] = self._log_softmax(i)
        lib.llama_memory_seq_rm(self._memory, pad_seq, -1, -1)
        self.tokens_evaluated += len(entries)
        self.tokens_reused += sum(kept)
        # sequence 0 becomes the last sequence: in plan order the next group shares most with it
        lib.llama_memory_seq_rm(self._memory, 0, -1, -1)
        lib.llama_memory_seq_cp(self._memory, len(sequences), 0, -1, -1)
        self._forget(len(sequences))
        self.cached = list(sequences[-1])
        return rows
