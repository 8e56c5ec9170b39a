"""Administer a plan: ask every missing cell, concurrently and politely, and store each answer as it arrives."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence, Callable
from typing import Any
from dataclasses import dataclass, field

from psychometrics.administer._claims import CellClaims
from psychometrics.administer._call import (
    CallOptions,
    NoLogprobs,
    call_model,
    close_clients,
    error_response,
    fast_template,
    no_logprobs_reason,
    response_from_reply,
)
from psychometrics.administer._endpoint import FailFast, Stop, WaitTooLong
from psychometrics.administer._pacing import Pacer
from psychometrics.administer._retry import RetryPolicy, describe, is_rate_limited, is_retryable, retry_after
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
    fallbacks: int = 0
    """Cells asked again in generation (``--mode auto``) because their log-probs could not be read as an answer."""
    modes: dict[str, int] = field(default_factory=dict)
    """Stored answers (not errors) by the mode that produced them."""
    stopped: Stop | None = None
    """Set when the session stopped before asking every cell (a dead endpoint, a wait longer than allowed)."""
    over_budget: bool = False
    """Set when the session stopped taking cells because the run's cost reached ``max_cost``."""
    pace: Pacer | None = None
    """What paced the requests (its rate, window and the 429s it saw)."""

    @property
    def done(self) -> int:
        return sum(self.counts.values())


WRITER_CONNECTIONS = 8
"""At most this many answers committed at once (PostgreSQL; SQLite has one writer connection)."""


class _ModeState:
    """``auto`` starts with log-probs where the provider claims them; a cell whose log-probs cannot be read as an
    answer is asked again in generation, and a provider that gives no log-probs at all switches the run to it."""

    def __init__(self, requested: str, logprobs_supported: bool):
        if requested == "auto":
            self.mode: AnswerMode = "logprobs" if logprobs_supported else "generate"
            self.can_fall_back = True
        else:
            self.mode = requested  # type: ignore[assignment]
            self.can_fall_back = False


RATE_LIMITED_RETRIES = 50
"""At most this many 429s with a stated wait per cell are waited out on top of ``--retries`` (a server that
always answers 429 with ``Retry-After: 0`` must not hold a cell forever)."""


async def _ask(cell: Cell, *, run_id: str, opts: CallOptions, mode: _ModeState, policy: RetryPolicy,
               limiter: Pacer, tally: Tally) -> tuple[Response, BaseException | None]:
    """The cell's response, and the error it ended in (None when it was answered)."""
    attempts = 0
    limited, limited_s = 0, 0.0  # 429s with a wait the server stated, and those waits (see below)
    started = time.monotonic()
    generate_this_cell = False
    while True:
        attempts += 1
        current: AnswerMode = "generate" if generate_this_cell else mode.mode
        sent = await limiter.wait()  # a place in the window, at the provider's pace (see _pacing)
        t0 = time.monotonic()
        tally.requests += 1
        try:
            reply = await limiter.send(sent, call_model(cell, current, opts))
            response = response_from_reply(cell, run_id, opts.model, current, reply, time.monotonic() - t0, attempts,
                                           max_tokens=opts.settings.max_tokens)
            if response.status == "invalid" and current == "logprobs" and mode.can_fall_back:
                generate_this_cell = True  # its log-probs name no label where the reply answers: ask it again
                tally.fallbacks += 1
                attempts = 0
                continue
            return response, None
        except NoLogprobs as exc:
            if mode.can_fall_back and current == "logprobs":
                mode.mode = "generate"
                attempts -= 1
                continue
            return error_response(cell, run_id, opts.model, current,
                                  no_logprobs_reason(cell),
                                  attempts, time.monotonic() - started), exc
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes data on the response
            if mode.can_fall_back and current == "logprobs" and "logprob" in str(exc).lower() and not is_retryable(exc):
                mode.mode = "generate"  # e.g. a reasoning model's HTTP 400 about logprobs: ask for text instead
                attempts -= 1
                continue
            wait = retry_after(exc, now=policy.clock.time())
            stated = wait if is_rate_limited(exc) else None
            if stated is not None and limited < RATE_LIMITED_RETRIES and limited_s + stated <= policy.max_wait:
                # the server said when to come back: waiting as told is pacing, not a failure, so it does not use
                # up --retries (which dropped cells under a provider that states only Retry-After); the cell's
                # stated waits together stay within --max-wait, and their number within RATE_LIMITED_RETRIES
                limited, limited_s = limited + 1, limited_s + stated
                limiter.hold(stated)
                continue
            if attempts - limited <= policy.retries and is_retryable(exc):
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
    pacing: bool = True,
    policy: RetryPolicy = RetryPolicy(),
    on_response: Callable[[Response, Tally], None] | None = None,
    max_cost: float | None = None,
    spent_before: float = 0.0,
    leases: Leases,
    positions: Sequence[int] | None = None,
) -> Tally:
    """Ask those of ``cells`` (the ones missing) that this process claims through ``leases``, and store every
    response as it arrives; other processes on the same run claim the rest (see ``_claims``).

    ``concurrency`` is the most requests in flight; below it requests are paced at the rate limit the provider
    states and the window shrinks on 429s (``pacing=False``: exactly ``concurrency`` in flight, only ``rpm`` and
    the server's waits pace them; see :mod:`psychometrics.administer._pacing`).
    Stops taking new cells when the endpoint refuses every request the same way or asks to wait longer than
    ``policy.max_wait`` (see :mod:`psychometrics.administer._endpoint`); the reason is on ``Tally.stopped``. Stops
    taking cells once ``spent_before`` plus this session's cost reaches ``max_cost`` (US dollars; the requests in
    flight then still finish, so the cost can pass it by at most ``concurrency`` requests): ``Tally.over_budget``.
    ``positions``: the plan position of each of ``cells``, increasing, as their leases were prepared (lets the
    claims find a cell without a map of every cell; see :class:`~psychometrics.administer._claims.CellClaims`).
    """
    tally = Tally()
    cpu0 = time.process_time()
    state = _ModeState(mode, logprobs_supported)
    tally.fast_path = fast_template(state.mode, opts) is not None  # renders the request once, before the workers
    limiter = tally.pace = Pacer(concurrency, rpm=rpm, adaptive=pacing, clock=policy.clock)
    fail_fast = FailFast()
    claims = CellClaims(leases, cells, batch=concurrency, positions=positions)
    writer = store.writer(connections=min(concurrency, WRITER_CONNECTIONS))  # one commit per answer

    async def worker() -> None:
        while tally.stopped is None:
            if max_cost is not None and spent_before + tally.cost_usd >= max_cost:
                tally.over_budget = True
                return
            if (cell := await claims.next()) is None:
                return
            response, error = await _ask(cell, run_id=run_id, opts=opts, mode=state, policy=policy,
                                         limiter=limiter, tally=tally)
            await writer.save(response)  # only a committed answer counts as done (see store._sqlite)
            tally.stopped = tally.stopped or fail_fast.observe(response, error)
            tally.counts[response.status] += 1
            tally.cost_usd += response.cost_usd or 0.0
            if response.status != "error":
                tally.modes[response.mode] = tally.modes.get(response.mode, 0) + 1
                tally.mode_used = max(tally.modes, key=lambda m: tally.modes[m])
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
        await close_clients(opts)
        tally.wall_s = time.monotonic() - tally.started
        tally.cpu_s = time.process_time() - cpu0
    return tally


PLAIN_INTERVAL_S = 5.0
"""Seconds between two progress lines when standard error is not a terminal (CI, cron, ``| tee``);
``$PSYCHOMETRICS_PROGRESS_INTERVAL`` overrides it."""


class RateEstimate:
    """Answers per second over the last ``window_s`` seconds (all of the session while it is shorter), so that the
    ETA neither jumps with each burst of replies nor lags long behind a change of pace."""

    def __init__(self, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.window_s = window_s
        self.clock = clock
        self.started = clock()
        self._times: deque[float] = deque()

    def add(self) -> None:
        """Count one answer, now."""
        self._times.append(self.clock())

    @property
    def rate(self) -> float | None:
        now = self.clock()
        while self._times and self._times[0] < now - self.window_s:
            self._times.popleft()
        span = min(self.window_s, now - self.started)
        return len(self._times) / span if span > 0 and self._times else None

    def eta(self, remaining: int) -> float | None:
        rate = self.rate
        return remaining / rate if rate else None


def progress_line(done: int, total: int, rate: float | None, tally: Tally, eta: float | None) -> str:
    """``asking: 120/264 (45%), 11.8/s, 0 errors, 2 refused, ETA 12 s`` (plain text, one line)."""
    from psychometrics._format import count, money, seconds

    parts = [f"asking: {done}/{total} ({done / total:.0%})" if total else f"asking: {done}",
             f"{rate:.3g}/s" if rate is not None else "-/s", count(tally.counts["error"], "error"),
             f"{tally.counts['refused']} refused"]
    if tally.cost_usd:
        parts.append(money(tally.cost_usd))
    parts.append(f"ETA {seconds(eta)}" if eta is not None else "ETA -")
    return ", ".join(parts)


def progress_printer(total: int, already: int, *, enabled: bool, interactive: bool | None = None,
                     interval: float | None = None, write: Callable[[str], None] | None = None,
                     clock: Callable[[], float] = time.monotonic,
                     ) -> tuple[Callable[[Response, Tally], None], Callable[[], None]]:
    """Progress on stderr: a rich bar on a terminal; otherwise one plain line (:func:`progress_line`) every
    ``interval`` seconds — while answers arrive and while none does (a stalled endpoint: the line then says
    "no answer for 40 s") — and one at the end. Returns (update, close)."""
    if not enabled:
        return (lambda r, t: None), (lambda: None)
    if interactive is None:
        interactive = sys.stderr.isatty()
    if not interactive:
        if interval is None:
            interval = float(os.environ.get("PSYCHOMETRICS_PROGRESS_INTERVAL") or PLAIN_INTERVAL_S)
        plain = PlainProgress(total, already, interval, write or (lambda line: print(line, file=sys.stderr,
                                                                                     flush=True)), clock)
        return plain.update, plain.start_ticking()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.console import Console

    progress = Progress(
        TextColumn("[bold]asking"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]:>7} /s"),
        TextColumn("errors {task.fields[errors]}"), TextColumn("refused {task.fields[refused]}"),
        TextColumn("${task.fields[cost]}"), TextColumn("pace {task.fields[pace]}"), TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=False,
    )
    task = progress.add_task("audit", total=total, completed=already, rate="-", errors=0, refused=0, cost="0.0000",
                             pace="-")
    progress.start()

    def update(response: Response, tally: Tally) -> None:
        elapsed = max(1e-9, time.monotonic() - tally.started)
        progress.update(task, completed=already + tally.done, rate=f"{tally.done / elapsed:.1f}",
                        errors=tally.counts["error"], refused=tally.counts["refused"], cost=f"{tally.cost_usd:.4f}",
                        pace=tally.pace.describe() if tally.pace else "-")

    return update, progress.stop


STALL_INTERVALS = 2
"""A plain progress line says "no answer for N s" once this many intervals (10 s by default) passed without one."""


class PlainProgress:
    """Plain progress lines: :meth:`update` on each answer, :meth:`tick` on a timer (a line when one is due, with
    how long no answer came when that is ``STALL_INTERVALS`` intervals or more), :meth:`close` at the end."""

    def __init__(self, total: int, already: int, interval: float, write: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic):
        self.total, self.already, self.interval, self.write, self.clock = total, already, interval, write, clock
        self.estimate = RateEstimate(clock=clock)
        self.tally: Tally | None = None
        self.last_answer = clock()
        self.next = self.last_answer + interval
        self.printed: tuple[int, bool] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def _line(self) -> str:
        tally = self.tally or Tally()
        done = self.already + tally.done
        line = progress_line(done, self.total, self.estimate.rate, tally, self.estimate.eta(self.total - done))
        quiet = self.clock() - self.last_answer
        if quiet >= STALL_INTERVALS * self.interval and quiet >= 1:
            from psychometrics._format import seconds

            line += f"; no answer for {seconds(quiet)}"
        return line

    def update(self, response: Response, tally: Tally) -> None:
        with self._lock:
            self.estimate.add()
            self.tally, self.last_answer = tally, self.clock()
            if self.clock() >= self.next:
                self._emit()

    def tick(self) -> None:
        """Print a line when one is due, answers or not."""
        with self._lock:
            if self.clock() >= self.next:
                self._emit()

    def _emit(self) -> None:
        self.write(self._line())
        self.printed = (self.tally.done if self.tally else 0, True)
        self.next = self.clock() + self.interval

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self.tally is not None and (self.printed is None or self.printed[0] != self.tally.done):
                self.write(self._line())

    def start_ticking(self) -> Callable[[], None]:
        """Tick on a daemon thread every ``interval`` seconds until :meth:`close`; returns :meth:`close`."""
        def run() -> None:
            while not self._stop.wait(max(0.05, self.interval)):
                self.tick()

        threading.Thread(target=run, name="psychometrics-progress", daemon=True).start()
        return self.close
