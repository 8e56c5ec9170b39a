"""Administer a plan through the provider's batch API (``audit --batch``), with litellm's files and batches
functions (``acreate_file``, ``acreate_batch``, ``aretrieve_batch``, ``alist_batches``, ``afile_content``).

One session:

1. **Submit.** The missing cells that are in no open batch of the run become request lines
   (:mod:`psychometrics.administer._batchlines`), split by the provider's limits. For each group the input
   file is uploaded, the batch is stored (``uploaded``, with its cells) and only then created; its id is stored
   the moment the provider returns it. A process killed between the two finds the ``uploaded`` batch next
   time and adopts the provider batch made from the same input file (``alist_batches``) or creates it then:
   no cell goes into two batches.
2. **Poll.** Every open batch is retrieved, with a backoff from ``poll_interval`` growing by half up to
   ``max_poll_interval`` while nothing changes.
3. **Ingest.** A batch in a final state (completed, failed, expired, cancelled) has its output and error files
   read into responses, stored with the batch closed in one transaction; a cell without a usable line (failed,
   expired, unreadable, missing) is stored as an ``error``, which the next round or session asks again.
4. **Re-ask.** Cells that ended in an error are asked again, up to ``retries`` rounds: in a new batch, or
   synchronously (``reask="sync"``). In ``auto`` mode, lines that came back without log-probabilities are asked
   again generating a reply (that round is not counted).

Nothing here sends a synchronous request unless ``reask="sync"``.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import socket
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from psychometrics.administer._batchlines import (
    ENDPOINT,
    LineReader,
    limits_for,
    line_body,
    read_lines,
    request_line,
    split_lines,
)
from psychometrics.administer._call import CallOptions
from psychometrics.administer._fastpath import FAST_PROVIDERS, _resolve_key
from psychometrics.administer._litellm import litellm, scrub
from psychometrics.administer._retry import describe, is_retryable, retry_after
from psychometrics.administer._runner import Tally
from psychometrics.plan import Cell
from psychometrics.store import BATCH_DONE, AnswerMode, Batch, Store, holder_alive

BATCH_PROVIDERS = ("openai", "azure", "vertex_ai", "bedrock", "hosted_vllm", "litellm_proxy", "mistral")
"""Providers litellm's ``create_batch`` takes (with OpenAI-format request lines)."""
Reask = Literal["batch", "sync"]
PROGRESS_EVERY_S = 5.0
"""Longest stretch between two progress updates while a session waits for its batches."""
GIVE_UP_AFTER_S = 600.0
"""How long one batch-API request (upload, create, retrieve, list, file content) is retried while its errors are
transient (a refused or reset connection, a timeout, a 5xx, a 429), with a backoff from 1 s (or the poll interval,
when shorter) doubling up to 60 s, or the wait the provider asks for: after 10 minutes the session stops with one
line naming the cause. The batches are stored, so re-running the command (or ``runs poll``) picks them up."""

# litellm's afile_content leaves an unawaited coroutine of the OpenAI client behind; it is harmless noise
warnings.filterwarnings("ignore", message="coroutine 'OpenAIFilesAPI.afile_content' was never awaited")


class BatchError(RuntimeError):
    """The provider's batch API refused a request in a way waiting cannot change (a key, a URL, a file)."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        """The provider's HTTP status, where it gave one (404: it does not know the batch or file)."""


@dataclass
class BatchOptions:
    poll_interval: float = 10.0
    """Seconds before the first poll; it grows by half after each poll that changed nothing."""
    max_poll_interval: float = 300.0
    retries: int = 4
    """Rounds of asking again the cells whose line failed or expired."""
    reask: Reask = "batch"
    max_lines: int | None = None
    max_bytes: int | None = None
    submit: bool = True
    """False: only poll and ingest the stored batches (``psychometrics runs poll``)."""
    wait: bool = True
    """False: look once, ingest what is finished, and return."""
    give_up_after: float = GIVE_UP_AFTER_S
    """Seconds one batch-API request may spend waiting out transient errors before the session gives up."""
    forget_missing: bool = False
    """True: a stored batch the provider answers HTTP 404 for (deleted, past its retention, another key or
    ``api_base``) is closed as ``cancelled`` and its cells are free to be asked again (``runs poll
    --forget-missing``). False: the session stops with an error saying so; nothing is asked twice unasked for."""


@dataclass
class BatchTally(Tally):
    """A session's tally, with the batches."""

    submitted: int = 0
    """Batches this session created."""
    lines: int = 0
    """Request lines this session submitted."""
    batch_counts: dict[str, int] = field(default_factory=dict)
    """The run's batches by state: ``submitted`` (not yet running), ``in_progress``, ``completed`` (ingested)."""
    answered: int = 0
    """Cells of the run with an answer so far."""
    open_batches: int = 0
    unreadable_lines: int = 0
    """Lines of output or error files that were not JSON with a ``custom_id`` (their cells end in an error)."""
    transient_errors: int = 0
    """Batch-API requests that failed transiently and were retried."""
    held_elsewhere: dict[str, int] = field(default_factory=dict)
    """Cells left unasked because an open batch of another run (no longer running) holds them: run → cells."""


def check_provider(provider: str, model: str) -> None:
    if provider not in BATCH_PROVIDERS:
        raise BatchError(f"--batch: litellm has no batch API for {model} (provider {provider!r}); it has one for "
                         f"{', '.join(BATCH_PROVIDERS)}")


def _reason(errors: Any) -> str | None:
    """The provider's ``errors`` of a failed batch (``{"data": [{"code", "message", "line"}…]}``) in words."""
    data = getattr(errors, "data", None) if not isinstance(errors, dict) else errors.get("data")
    parts = []
    for e in data or []:
        get = e.get if isinstance(e, dict) else (lambda k, e=e: getattr(e, k, None))
        parts.append(" ".join(str(x) for x in (get("code"), get("message")) if x))
    return "; ".join(p for p in parts if p)[:300] or None


def _cause(raw: BaseException, mapped: BaseException) -> str:
    """What went wrong, in one short phrase: the SDK's own words where litellm's mapping only wraps them."""
    text = " ".join(str(raw).split()) or type(raw).__name__
    code = getattr(mapped, "status_code", None) if getattr(raw, "status_code", None) else None
    return (f"{type(mapped).__name__}" + (f" (HTTP {code})" if code else "") + f": {text}")[:300]


class BatchOptionError(BatchError):
    """A batch option has a value that cannot work; the message names the option."""


def check_options(options: BatchOptions | None) -> None:
    """Refuse a batch option that cannot work, naming it (before any run is created or anything is asked).

    Raises
    ------
    BatchOptionError
        A poll interval that is not a positive finite number of seconds, a longest interval below the first, an
        unknown re-ask way, negative retries, or a line or byte limit below 1.
    """
    if options is None:
        return
    for name, value in (("--poll-interval", options.poll_interval), ("--max-poll-interval", options.max_poll_interval)):
        if not (math.isfinite(value) and value > 0):
            raise BatchOptionError(f"{name} must be a positive finite number of seconds (got {value:g})")
    if options.max_poll_interval < options.poll_interval:
        raise BatchOptionError(f"--max-poll-interval must be at least --poll-interval {options.poll_interval:g} (got "
                               f"{options.max_poll_interval:g})")
    if options.reask not in ("batch", "sync"):
        raise BatchOptionError(f"--batch-reask must be batch or sync (got {options.reask!r})")
    if options.retries < 0:
        raise BatchOptionError(f"--retries must be 0 or more (got {options.retries})")
    for name, value in (("--batch-max-lines", options.max_lines), ("--batch-max-bytes", options.max_bytes)):
        if value is not None and value < 1:
            raise BatchOptionError(f"{name} must be at least 1 (got {value})")
    if not (math.isfinite(options.give_up_after) and options.give_up_after >= 0):
        raise BatchOptionError(f"give_up_after must be 0 or more finite seconds (got {options.give_up_after:g})")


def check_line_sizes(cells: list[Cell], opts: CallOptions, modes: list[AnswerMode], provider: str,
                     options: BatchOptions | None) -> None:
    """Refuse a byte limit smaller than the plan's largest request line (no batch could hold that line).

    Only the cell whose line is longest is rendered: a line's length is the body's plus the JSON-escaped prompt's
    (the cell ids are all alike).

    Raises
    ------
    BatchOptionError
        ``--batch-max-bytes`` (or the provider's own limit) is below the longest line; the message gives the size
        needed.
    """
    if not cells:
        return
    limits = limits_for(provider, options.max_lines if options else None, options.max_bytes if options else None)
    longest = max(cells, key=lambda c: (len(json.dumps(c.prompt)), c.sample))
    size = max(len(request_line(longest, line_body(opts, mode))) for mode in modes)
    if size > limits.max_bytes:
        given = options is not None and options.max_bytes is not None
        where = "--batch-max-bytes" if given else f"the {provider} batch limit"
        raise BatchOptionError(f"{where} {limits.max_bytes} is smaller than the largest request line of this plan "
                               f"({size} bytes, cell {longest.cell_id}): give --batch-max-bytes {size} or more")


class BatchSession:
    def __init__(self, cells: list[Cell], *, store: Store, run_id: str, opts: CallOptions, provider: str,
                 mode: AnswerMode, can_fall_back: bool, options: BatchOptions, total_cells: int,
                 on_progress: Callable[[BatchTally], None] | None = None, sleep: Callable[[float], Any] | None = None):
        self.cells = {c.cell_id: c for c in cells}
        self.store, self.run_id, self.opts, self.provider = store, run_id, opts, provider
        self.mode, self.can_fall_back, self.options = mode, can_fall_back, options
        self.total_cells = total_cells
        self.on_progress = on_progress or (lambda t: None)
        self.sleep = sleep or asyncio.sleep
        self.tally = BatchTally(asked=len(cells))
        self.reader = LineReader(run_id=run_id, opts=opts, provider=provider)
        self._bodies: dict[str, dict[str, Any]] = {}
        self._fell_back = False
        self.lib = litellm()

    # litellm calls ------------------------------------------------------------------------------------------
    def _kwargs(self) -> dict[str, Any]:
        # max_retries 0: the OpenAI SDK's own retries would hide transient errors from the backoff in _call
        kw: dict[str, Any] = {"custom_llm_provider": self.provider, "max_retries": 0}
        if self.opts.api_base:
            kw["api_base"] = self.opts.api_base
        key = self.opts.api_key
        if not key and self.opts.api_base and self.provider in FAST_PROVIDERS:
            # the key litellm's completion would send (vLLM's placeholder included); its files API insists on one
            key = _resolve_key(self.provider, self.opts.model, self.opts.api_base, None)
        if key:
            kw["api_key"] = key
        return kw

    def _scrub(self, text: str | None) -> str | None:
        """``text`` without any credential: a provider's error may echo the request's headers."""
        text = scrub(text)
        key = self._kwargs().get("api_key")
        return text.replace(key, "[redacted]") if text and key and len(key) >= 8 else text

    async def _call(self, what: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """One batch-API request, retried with backoff while the error is transient (litellm's classes: a refused
        or reset connection, a timeout, a 5xx, a 429), for at most ``options.give_up_after`` seconds of waiting."""
        delay = min(1.0, self.options.poll_interval)
        waited, attempts = 0.0, 0
        while True:
            attempts += 1
            try:
                return await fn(**kwargs, **self._kwargs())
            except Exception as raw:  # noqa: BLE001 - classified below
                exc = self._as_litellm(raw)
                if not is_retryable(exc):
                    raise BatchError(self._scrub(f"{what}: {describe(exc)}"),
                                     getattr(exc, "status_code", None)) from None
                wait = retry_after(exc)
                wait = delay * (0.5 + random.random() / 2) if wait is None else wait
                if waited + wait > self.options.give_up_after:
                    raise BatchError(self._scrub(
                        f"{what}: gave up after {attempts} attempts in {waited:.1f} s of transient errors (the limit "
                        f"is {self.options.give_up_after:g} s); last: {_cause(raw, exc)}")) from None
                self.tally.transient_errors += 1
            await self.sleep(wait)
            waited += wait
            delay = min(delay * 2, 60.0)

    def _as_litellm(self, exc: Exception) -> Exception:
        """litellm's own exception class for ``exc``: its files and batches functions raise the OpenAI SDK's errors
        as they are (``openai.APIConnectionError`` has no status), which litellm's ``exception_type`` maps."""
        if type(exc).__module__.startswith("litellm"):
            return exc
        try:
            from litellm.litellm_core_utils.exception_mapping_utils import exception_type

            exception_type(model=self.opts.model, original_exception=exc, custom_llm_provider=self.provider)
        except Exception as mapped:  # noqa: BLE001 - exception_type raises the mapped exception
            return mapped
        return exc

    # 1. submit ----------------------------------------------------------------------------------------------
    def _open(self) -> list[Batch]:
        return [b for b in self.store.batches(self.run_id) if b.ingested_at is None]

    def _claimed(self, open_batches: list[Batch]) -> set[str]:
        return {c for b in open_batches for c in self.store.batch_cell_ids(b.key)}

    async def submit(self, cells: list[Cell]) -> None:
        """Claim, upload and create batches of ``cells``. Each group's cells are claimed in the store (one
        transaction) before anything is uploaded, so two processes submitting at once never send a cell twice:
        the second one's claim leaves out what the first one holds."""
        if self.mode not in self._bodies:
            self._bodies[self.mode] = line_body(self.opts, self.mode)
        body = self._bodies[self.mode]
        limits = limits_for(self.provider, self.options.max_lines, self.options.max_bytes)
        for group in split_lines(((c, request_line(c, body)) for c in cells), limits):
            key = f"{self.run_id}/{uuid.uuid4().hex[:12]}"
            claim = Batch(key=key, run_id=self.run_id, provider=self.provider, mode=self.mode, status="claimed",
                          n_cells=len(group), submitted_at=time.time(), host=socket.gethostname(), pid=os.getpid())
            free = set(self.store.claim_batch(claim, [c.cell_id for c, _ in group]))
            group = [(c, line) for c, line in group if c.cell_id in free]
            if not group:
                continue  # another process holds (or has answered) every cell of this group
            claim = claim.model_copy(update={"n_cells": len(group)})
            try:
                uploaded = await self._call("uploading the batch input file", self.lib.acreate_file,
                                            file=(f"{key.replace('/', '-')}.jsonl", b"".join(l for _, l in group),
                                                  "application/jsonl"), purpose="batch")
            except BaseException:
                self._abandon(claim, "its input file could not be uploaded")
                raise
            batch = claim.model_copy(update={"input_file_id": uploaded.id, "status": "uploaded"})
            self.store.save_batch(batch)
            await self._create(batch)
            self.tally.lines += len(group)
            self.tally.requests += len(group)
        self._report()

    def _abandon(self, batch: Batch, why: str) -> None:
        """Close a batch that never reached the provider, so that its cells are free again."""
        self.store.save_batch(batch.model_copy(update={"status": "cancelled", "ingested_at": time.time(),
                                                       "reason": f"not submitted: {why}"}))

    def _held_by_another(self, batch: Batch) -> bool:
        """A ``claimed`` or ``uploaded`` batch whose process may still be submitting it: not this session's to
        touch. Its process gone, the batch is taken over."""
        if batch.pid is None or (batch.host == socket.gethostname() and batch.pid == os.getpid()):
            return False
        return holder_alive(batch.host, batch.pid, batch.submitted_at)

    async def _create(self, batch: Batch) -> Batch:
        created = await self._call("creating the batch", self.lib.acreate_batch, completion_window="24h",
                                   endpoint=ENDPOINT, input_file_id=batch.input_file_id,
                                   metadata={"psychometrics_batch": batch.key})
        batch = self._updated(batch, created)
        self.store.save_batch(batch)
        self.tally.submitted += 1
        return batch

    async def _adopt(self, batch: Batch) -> Batch:
        """An ``uploaded`` batch of a killed process: the provider batch made from its input file, or a new one."""
        listed = await self._call("listing batches", self.lib.alist_batches, limit=100)
        for found in getattr(listed, "data", None) or []:
            if getattr(found, "input_file_id", None) == batch.input_file_id:
                batch = self._updated(batch, found)
                self.store.save_batch(batch)
                return batch
        return await self._create(batch)

    def _updated(self, batch: Batch, remote: Any) -> Batch:
        counts = getattr(remote, "request_counts", None)
        return batch.model_copy(update={
            "batch_id": remote.id, "status": remote.status,
            "output_file_id": getattr(remote, "output_file_id", None),
            "error_file_id": getattr(remote, "error_file_id", None),
            "request_counts": {k: int(v) for k, v in (counts.model_dump() if hasattr(counts, "model_dump")
                                                      else dict(counts or {})).items() if v is not None},
            "reason": self._scrub(_reason(getattr(remote, "errors", None))) or batch.reason,
        })

    # 2. poll and 3. ingest -----------------------------------------------------------------------------------
    async def poll(self) -> None:
        """Poll every open batch until all are ingested (or once, without ``wait``)."""
        interval = self.options.poll_interval
        while True:
            changed = False
            for batch in self._open():
                if batch.batch_id is None and self._held_by_another(batch):
                    continue  # another process is submitting it
                if batch.status == "claimed":
                    self._abandon(batch, "the process that claimed its cells stopped before uploading them")
                    changed = True
                    continue
                if batch.batch_id is None:
                    batch = await self._adopt(batch)
                    changed = True
                else:
                    try:
                        remote = await self._call(f"retrieving batch {batch.batch_id}", self.lib.aretrieve_batch,
                                                  batch_id=batch.batch_id)
                    except BatchError as exc:
                        if exc.status_code != 404:
                            raise
                        if not self.options.forget_missing:
                            raise BatchError(
                                f"{exc}; the provider does not know batch {batch.batch_id} (deleted, past its "
                                "retention, or another --api-base or key)", 404) from None
                        self._abandon(batch, f"the provider no longer knows batch {batch.batch_id} (HTTP 404); "
                                             "forgotten with --forget-missing")
                        changed = True
                        continue
                    fresh = self._updated(batch, remote)
                    if fresh != batch:
                        self.store.save_batch(fresh)
                        batch, changed = fresh, True
                if batch.status in BATCH_DONE:
                    await self.ingest(batch)
                    changed = True
            self._report()
            if not self._open() or not self.options.wait:
                return
            interval = self.options.poll_interval if changed else min(interval * 1.5, self.options.max_poll_interval)
            await self._wait(interval)

    async def _wait(self, seconds: float) -> None:
        """Sleep ``seconds``, showing the progress every few seconds meanwhile (plain progress prints a line)."""
        while seconds > PROGRESS_EVERY_S:
            await self.sleep(PROGRESS_EVERY_S)
            seconds -= PROGRESS_EVERY_S
            self.on_progress(self.tally)
        await self.sleep(seconds)

    async def _content(self, file_id: str | None) -> bytes:
        if not file_id:
            return b""
        reply = await self._call(f"reading batch file {file_id}", self.lib.afile_content, file_id=file_id)
        return reply.content if isinstance(reply.content, bytes) else str(reply.content).encode()

    async def ingest(self, batch: Batch) -> None:
        output = read_lines(await self._content(batch.output_file_id), "output")
        errors = read_lines(await self._content(batch.error_file_id), "error")
        entries = {**errors.entries, **output.entries}
        broken = {**errors.broken, **output.broken}
        ids = self.store.batch_cell_ids(batch.key)
        answered = self.store.answered(ids)
        missing = "the batch returned no line for this cell"
        if batch.status != "completed":
            missing = f"the batch {batch.status} without a line for this cell" + (f" ({batch.reason})"
                                                                                 if batch.reason else "")
        unreadable = [f"batch output line {n}" for n in output.unreadable] + [
            f"batch error line {n}" for n in errors.unreadable]
        if unreadable:  # a line naming no cell might have been this cell's
            shown = ", ".join(unreadable[:3]) + (f" and {len(unreadable) - 3} more" if len(unreadable) > 3 else "")
            missing += f"; {shown} could not be read at all"
        sent = self._times_sent(ids)
        responses = []
        for cell_id in ids:
            cell = self.cells.get(cell_id)
            if cell is None or cell_id in answered:
                continue  # not in this session's plan (nothing to read it with), or answered meanwhile
            entry = entries.get(cell_id)
            result = self.reader.read(cell, batch.mode, entry, missing=broken.get(cell_id, missing),
                                      attempts=max(1, sent[cell_id]))
            if result.no_logprobs and self.can_fall_back and batch.mode == "logprobs":
                self.mode = "generate"
                self._fell_back = True
            responses.append(result.response.model_copy(update={"error": self._scrub(result.response.error)})
                             if result.response.error else result.response)
        self.store.ingest_batch(batch.model_copy(update={"ingested_at": time.time()}), responses)
        for r in responses:
            self.tally.counts[r.status] += 1
            self.tally.cost_usd += r.cost_usd or 0.0
            if r.status != "error":
                self.tally.mode_used = r.mode
        self.tally.unreadable_lines += (len(output.unreadable) + len(errors.unreadable) + len(output.broken)
                                        + len(errors.broken))

    def _times_sent(self, cell_ids: list[str]) -> Counter[str]:
        """How many of the run's batches that reached the provider (it gave them an id) held each of ``cell_ids``:
        a line failed or expired in one batch and asked again in the next was sent twice."""
        wanted, sent = set(cell_ids), Counter[str]()
        for b in self.store.batches(self.run_id):
            if b.batch_id is not None:
                sent.update(c for c in self.store.batch_cell_ids(b.key) if c in wanted)
        return sent

    def _report(self) -> None:
        batches = self.store.batches(self.run_id)
        counts = {"submitted": 0, "in_progress": 0, "completed": 0, "cancelled": 0}
        for b in batches:
            if b.ingested_at is not None:
                counts[b.shown_state] += 1
            elif b.status in ("in_progress", "finalizing"):
                counts["in_progress"] += 1
            else:
                counts["submitted"] += 1
        self.tally.batch_counts = counts
        self.tally.open_batches = counts["submitted"] + counts["in_progress"]
        # the run's answered cells: those answered before this session (not in its cells) and this session's
        self.tally.answered = self.total_cells - len(self.cells) + len(self.store.answered(self.cells))
        self.on_progress(self.tally)

    # the session --------------------------------------------------------------------------------------------
    def _held_elsewhere(self, cells: list[Cell]) -> dict[str, str]:
        """Cells of ``cells`` in an open batch of another run (cell → that run). A run still at work will store
        their answers (cells are shared by identity), so they are not submitted again here; the session waits for
        them while that run is running, and names that run in :attr:`BatchTally.held_elsewhere` otherwise."""
        open_cells = self.store.open_batch_cells() if cells else {}
        held = {c.cell_id: r for c in cells if (r := open_cells.get(c.cell_id, self.run_id)) != self.run_id}
        live = {r for r in set(held.values()) if self.store.get_run(r).status == "running"}
        self.tally.held_elsewhere = {r: sum(1 for x in held.values() if x == r) for r in set(held.values()) - live}
        return {c: r for c, r in held.items() if r in live}

    def unanswered(self) -> list[Cell]:
        answered = self.store.answered(self.cells)
        return [c for cid, c in self.cells.items() if cid not in answered]

    async def run(self, ask_sync: Callable[[list[Cell]], Any] | None = None) -> BatchTally:
        started = time.monotonic()
        claimed = self._claimed(self._open())
        if self.options.submit:
            fresh = [c for c in self.unanswered() if c.cell_id not in claimed]
            if fresh:
                await self.submit(fresh)
        rounds = 0
        while True:
            self._fell_back = False
            await self.poll()
            if self._open() or not self.options.submit:
                break  # not waiting, or only polling: what is still open is picked up next time
            failed = self.unanswered()
            elsewhere = self._held_elsewhere(failed)
            failed = [c for c in failed if c.cell_id not in elsewhere]
            if not failed and elsewhere and self.options.wait:
                await self._wait(self.options.poll_interval)  # another run collects them: wait for its answers
                continue
            if not failed:
                break
            if not self._fell_back:
                if rounds >= self.options.retries:
                    break
                rounds += 1
            if self.options.reask == "sync" and ask_sync is not None:
                await ask_sync(failed)
                break
            await self.submit(failed)
        self.tally.wall_s = time.monotonic() - started
        self._report()
        return self.tally


async def run_batches(cells: list[Cell], *, store: Store, run_id: str, opts: CallOptions, provider: str, mode: str,
                      logprobs_supported: bool, options: BatchOptions | None, retries: int, total_cells: int,
                      progress: bool, ask_sync: Callable[[list[Cell]], Any] | None = None) -> BatchTally:
    """One batch session over ``cells`` (the run's missing cells); see the module docstring."""
    options = options or BatchOptions(retries=retries)
    first: AnswerMode = ("logprobs" if logprobs_supported else "generate") if mode == "auto" else mode  # type: ignore[assignment]
    update, close = batch_progress(total_cells, enabled=progress)
    session = BatchSession(cells, store=store, run_id=run_id, opts=opts, provider=provider, mode=first,
                           can_fall_back=mode == "auto", options=options, total_cells=total_cells, on_progress=update)
    answered_before = total_cells - len(cells)

    async def sync(failed: list[Cell]) -> None:
        assert ask_sync is not None
        extra = await ask_sync(failed)
        session.tally.requests += extra.requests
        for k, v in extra.counts.items():
            session.tally.counts[k] = session.tally.counts.get(k, 0) + v
        session.tally.cost_usd += extra.cost_usd
        session.tally.mode_used = extra.mode_used or session.tally.mode_used
        session.tally.stopped = extra.stopped
        session.tally.over_budget = session.tally.over_budget or extra.over_budget

    session.tally.answered = answered_before
    try:
        return await session.run(sync if ask_sync is not None else None)
    finally:
        close()


def batch_line(tally: BatchTally, total: int) -> str:
    """``batches: 2 submitted, 1 in progress, 0 completed; cells answered 12/20 (60%)`` (plain text, one line;
    ``, N cancelled`` after ``completed`` where batches were cancelled, never submitted or forgotten)."""
    from psychometrics._format import money

    c = tally.batch_counts
    done = f"{tally.answered}/{total} ({tally.answered / total:.0%})" if total else str(tally.answered)
    cancelled = f", {c['cancelled']} cancelled" if c.get("cancelled") else ""
    line = (f"batches: {c.get('submitted', 0)} submitted, {c.get('in_progress', 0)} in progress, "
            f"{c.get('completed', 0)} completed{cancelled}; cells answered {done}")
    return line + (f", {money(tally.cost_usd)}" if tally.cost_usd else "")


def batch_progress(total: int, *, enabled: bool, interactive: bool | None = None, interval: float | None = None,
                   write: Callable[[str], None] | None = None, clock: Callable[[], float] = time.monotonic,
                   ) -> tuple[Callable[[BatchTally], None], Callable[[], None]]:
    """Progress on stderr: batches submitted / in progress / completed, cells answered, cost. A rich line on a
    terminal; otherwise a plain line (:func:`batch_line`) at the first update, then at most every ``interval``
    seconds (``$PSYCHOMETRICS_PROGRESS_INTERVAL``, else 5 s, as the synchronous path) and one at the end."""
    if not enabled:
        return (lambda t: None), (lambda: None)
    import sys

    if interactive is None:
        interactive = sys.stderr.isatty()
    if not interactive:
        from psychometrics.administer._runner import PLAIN_INTERVAL_S

        every = interval if interval is not None else float(os.environ.get("PSYCHOMETRICS_PROGRESS_INTERVAL")
                                                            or PLAIN_INTERVAL_S)
        out = write or (lambda line: print(line, file=sys.stderr, flush=True))
        state: dict[str, Any] = {"next": clock(), "last": None, "printed": None}

        def plain(tally: BatchTally) -> None:
            state["last"] = line = batch_line(tally, total)
            if clock() >= state["next"]:
                out(line)
                state["printed"], state["next"] = line, clock() + every

        def close_plain() -> None:
            if state["last"] is not None and state["last"] != state["printed"]:
                out(state["last"])

        return plain, close_plain

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("[bold]batches"), TextColumn("submitted {task.fields[submitted]}"),
        TextColumn("in progress {task.fields[in_progress]}"), TextColumn("completed {task.fields[done_batches]}"),
        TextColumn("[bold]cells answered"), BarColumn(), MofNCompleteColumn(), TextColumn("${task.fields[cost]}"),
        TimeElapsedColumn(), console=Console(file=sys.stderr), transient=False,
    )
    task = bar.add_task("batch", total=total, completed=0, submitted=0, in_progress=0, done_batches=0,
                        cost="0.0000")
    bar.start()

    def update(tally: BatchTally) -> None:
        c = tally.batch_counts
        bar.update(task, completed=tally.answered, submitted=c.get("submitted", 0),
                   in_progress=c.get("in_progress", 0), done_batches=c.get("completed", 0),
                   cost=f"{tally.cost_usd:.4f}")

    return update, bar.stop
