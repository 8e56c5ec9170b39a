"""A run's wall time, added up across the processes that work on it.

Each session adds the seconds it spends to the stored run as it goes (every few seconds, in one transaction of
its own: :meth:`~psychometrics.store.Store.add_wall_time`), not once at its end: a process killed with ``kill -9``
has its time counted up to its last tick, and two processes working on one run at once both count (their times
add up, so the total can exceed the time that passed; the time from the run's start to its result is
``finished_at - created_at``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from psychometrics.store import Store

T = TypeVar("T")
TICK_S = 5.0
"""Seconds between two additions to the stored wall time while a session works."""


class WallClock:
    def __init__(self, store: Store, run_id: str, *, every: float = TICK_S,
                 clock: Callable[[], float] = time.monotonic):
        self.store, self.run_id, self.every, self.clock = store, run_id, every, clock
        self._last = clock()
        self.total: float | None = None

    def tick(self) -> float:
        """Add the seconds since the last tick to the stored run; return the run's new total."""
        now = self.clock()
        self.total = self.store.add_wall_time(self.run_id, now - self._last)
        self._last = now
        return self.total

    async def during(self, work: Awaitable[T]) -> T:
        """Await ``work``, ticking every :attr:`every` seconds meanwhile."""

        async def ticking() -> None:
            while True:
                await asyncio.sleep(self.every)
                self.tick()

        ticker = asyncio.create_task(ticking())
        try:
            return await work
        finally:
            ticker.cancel()
