"""The cells this process asks, claimed from the store a batch at a time (see ``psychometrics.store._leases``).

Several processes, on one machine or many, running the same audit on one database split its cells between them;
each returns once every cell is answered, ended in an error, or is still being asked by a live peer that will
store it. A peer that dies leaves its cells leased until the lease expires (at once for a process of this
machine); the processes still running then take them over.
"""

from __future__ import annotations

import asyncio
from collections import deque

from psychometrics.plan import Cell
from psychometrics.store import Leases

POLL_S = 1.0
"""Seconds between looks at the store while every cell left is held by another process."""


class CellClaims:
    """``await claims.next()`` → the next cell to ask, or None when there is nothing left for this process."""

    def __init__(self, leases: Leases, cells: list[Cell], *, batch: int):
        self._leases = leases
        self._cells = {c.cell_id: c for c in cells}
        self._batch = max(1, batch)
        self._ready: deque[Cell] = deque()
        self._lock = asyncio.Lock()
        self._done = False

    async def next(self) -> Cell | None:
        async with self._lock:  # one worker claims (or waits) for all; the others queue behind it
            while not self._ready and not self._done:
                if self._claim():
                    break
                waiting, soonest = self._leases.elsewhere()
                if not waiting and not self._claim():
                    self._done = True  # nothing free, nobody else asking: the run is as complete as it gets
                    break
                await asyncio.sleep(min(POLL_S, max(0.05, soonest)))
            return self._ready.popleft() if self._ready else None

    def _claim(self) -> bool:
        """Claim a batch into the ready queue, in plan order; False if nothing was free."""
        while True:
            ids = self._leases.claim(self._batch)
            known = [c for c in ids if c in self._cells]  # the store's plan order
            if len(known) < len(ids):
                self._leases.drop(c for c in ids if c not in self._cells)
            if known or not ids:
                self._ready.extend(self._cells[c] for c in known)
                return bool(known)
