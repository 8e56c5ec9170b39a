"""Administer a plan: ask every missing cell, concurrently and politely, and store each answer as it arrives."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from psychometrics.administer._claims import CellClaims
from psychometrics.administer._call import (
    CallOptions,
    NoLogprobs,
    call_model,
    error_response,
    fast_template,
    response_from_reply,
)
from psychometrics.administer._endpoint import FailFast, Stop, WaitTooLong
from psychometrics.administer._retry import Clock, RetryPolicy, SystemClock, describe, is_retryable, retry_after
from psychometrics.plan import Cell
from psychometrics.store import AnswerMode, Leases, Response, Store


@dataclass
class Tally:
    """What happened in one administration session."""

    asked: int = 0
    requests: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"ok": 0, "refused": 0, "invalid": 0, "error": 0})
    cost_usd: float = 0.0
    started: float = field(default_factory=time.monotonic)
    mode_used: AnswerMode | None = None
    wall_s: float = 0.0
    """Seconds from the first request to the last stored answer."""
    cpu_s: float = 0.0
    """CPU seconds this process spent meanwhile (all threads): for benchmarks."""
    fast_path: bool = False
    """Whether requests went straight to the OpenAI-compatible endpoint (see ``_fastpath``)."""
    stopped: Stop | None = None
    """Set when the session stopped before asking every cell (a dead endpoint, a wait longer than allowed)."""

    @property
    def done(self) -> int:
        return sum(self.counts.values())


WRITER_CONNECTIONS = 8
"""At most this many answers committed at once (PostgreSQL; SQLite has one writer connection)."""


class RateLimiter:
    """At most ``rpm`` request starts per minute, spread evenly; and none before a time the server asked for."""

    def __init__(self, rpm: float | None, clock: Clock | None = None):
        self.interval = 60.0 / rpm if rpm else 0.0
        self.clock = clock or SystemClock()
        self._next = 0.0
        self._not_before = 0.0
        self._lock = asyncio.Lock()

    def hold(self, seconds: float) -> None:
        """Start no request for ``seconds`` from now (a server's Retry-After applies to every request)."""
        self._not_before = max(self._not_before, self.clock.monotonic() + seconds)

    async def wait(self) -> None:
        if not self.interval and not self._not_before:
            return
        async with self._lock:
            now = self.clock.monotonic()
            start = max(now, self._next, self._not_before)
            if self.interval:
                self._next = start + self.interval
        if start > now:
            await self.clock.sleep(start - now)


class _ModeState:
    """``auto`` starts with log-probs where the provider claims them and falls back to generation once."""

    def __init__(self, requested: str, logprobs_supported: bool):
        if requested == "auto":
            self.mode: AnswerMode = "logprobs" if logprobs_supported else "generate"
            self.can_fall_back = True
        else:
            self.mode = requested  # type: ignore[assignment]
            self.can_fall_back = False


async def _ask(cell: Cell, *, run_id: str, opts: CallOptions, mode: _ModeState, policy: RetryPolicy,
               limiter: RateLimiter, tally: Tally) -> tuple[Response, BaseException | None]:
    """The cell's response, and the error it ended in (None when it was answered)."""
    attempts = 0
    started = time.monotonic()
    while True:
        attempts += 1
        current = mode.mode
        await limiter.wait()
        t0 = time.monotonic()
        tally.requests += 1
        try:
            reply = await call_model(cell, current, opts)
            return response_from_reply(cell, run_id, opts.model, current, reply, time.monotonic() - t0, attempts,
                                       max_tokens=opts.settings.max_tokens), None
        except NoLogprobs as exc:
            if mode.can_fall_back and current == "logprobs":
                mode.mode = "generate"
                attempts -= 1
                continue
            return error_response(cell, run_id, opts.model, current,
                                  "the provider returned no log-probabilities (use --mode generate or auto)",
                                  attempts, time.monotonic() - started), exc
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes data on the response
            if mode.can_fall_back and current == "logprobs" and "logprob" in str(exc).lower() and not is_retryable(exc):
                mode.mode = "generate"  # e.g. a reasoning model's HTTP 400 about logprobs: ask for text instead
                attempts -= 1
                continue
            if attempts <= policy.retries and is_retryable(exc):
                wait = retry_after(exc, now=policy.clock.time())
                if wait is None:
                    await policy.clock.sleep(policy.delay(attempts, None))
                elif wait > policy.max_wait:
                    too_long = WaitTooLong(wait, policy.max_wait, exc)
                    return error_response(cell, run_id, opts.model, current, f"{describe(exc)} ({too_long})",
                                          attempts, time.monotonic() - started), too_long
                else:
                    limiter.hold(wait)  # the server's wait holds every request, not only this cell's
                continue
            return error_response(cell, run_id, opts.model, current, describe(exc), attempts,
                                  time.monotonic() - started), exc


async def administer(
    cells: list[Cell],
    *,
    store: Store,
    run_id: str,
    opts: CallOptions,
    mode: str,
    logprobs_supported: bool,
    concurrency: int = 8,
    rpm: float | None = None,
    policy: RetryPolicy = RetryPolicy(),
    on_response: Callable[[Response, Tally], None] | None = None,
    leases: Leases,
) -> Tally:
    """Ask those of ``cells`` (the ones missing) that this process claims through ``leases``, and store every
    response as it arrives; other processes on the same run claim the rest (see ``_claims``).

    Stops taking new cells when the endpoint refuses every request the same way or asks to wait longer than
    ``policy.max_wait`` (see :mod:`psychometrics.administer._endpoint`); the reason is on ``Tally.stopped``.
    """
    tally = Tally()
    cpu0 = time.process_time()
    state = _ModeState(mode, logprobs_supported)
    tally.fast_path = fast_template(state.mode, opts) is not None  # renders the request once, before the workers
    limiter = RateLimiter(rpm, policy.clock)
    fail_fast = FailFast()
    claims = CellClaims(leases, cells, batch=concurrency)
    writer = store.writer(connections=min(concurrency, WRITER_CONNECTIONS))  # one commit per answer

    async def worker() -> None:
        while tally.stopped is None and (cell := await claims.next()) is not None:
            response, error = await _ask(cell, run_id=run_id, opts=opts, mode=state, policy=policy,
                                         limiter=limiter, tally=tally)
            await writer.save(response)  # only a committed answer counts as done (see store._sqlite)
            tally.stopped = tally.stopped or fail_fast.observe(response, error)
            tally.counts[response.status] += 1
            tally.cost_usd += response.cost_usd or 0.0
            if response.status != "error":
                tally.mode_used = response.mode
            if on_response:
                on_response(response, tally)

    workers = [asyncio.create_task(worker()) for _ in range(max(1, min(concurrency, len(cells) or 1)))]
    try:
        with leases:  # renewed while this runs; given back at the end
            await asyncio.gather(*workers)
    finally:
        for w in workers:
            w.cancel()
        tally.asked = leases.claimed
        await writer.aclose()
        if opts.fast is not None:
            await opts.fast.close()
        tally.wall_s = time.monotonic() - tally.started
        tally.cpu_s = time.process_time() - cpu0
    return tally


def progress_printer(total: int, already: int, *, enabled: bool) -> tuple[Callable[[Response, Tally], None], Callable[[], None]]:
    """A rich progress bar on stderr: done/total, rate, errors, cost. Returns (update, close)."""
    if not enabled:
        return (lambda r, t: None), (lambda: None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.console import Console

    progress = Progress(
        TextColumn("[bold]asking"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]:>7} /s"),
        TextColumn("errors {task.fields[errors]}"), TextColumn("refused {task.fields[refused]}"),
        TextColumn("${task.fields[cost]}"), TimeRemainingColumn(), console=Console(file=sys.stderr),
        transient=False,
    )
    task = progress.add_task("audit", total=total, completed=already, rate="-", errors=0, refused=0, cost="0.0000")
    progress.start()

    def update(response: Response, tally: Tally) -> None:
        elapsed = max(1e-9, time.monotonic() - tally.started)
        progress.update(task, completed=already + tally.done, rate=f"{tally.done / elapsed:.1f}",
                        errors=tally.counts["error"], refused=tally.counts["refused"], cost=f"{tally.cost_usd:.4f}")

    return update, progress.stop
