"""A clock for the retry logic that records every wait instead of sleeping (``RetryPolicy(clock=FakeClock())``)."""

from __future__ import annotations

import asyncio
import time


class FakeClock:
    """Wall and monotonic time advance only when something sleeps; ``sleeps`` lists every wait asked for."""

    def __init__(self, start: float | None = None):
        self.now = time.time() if start is None else start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)
