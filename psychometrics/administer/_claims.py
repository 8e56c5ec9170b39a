"""The cells this process asks, claimed from the store a batch at a time (see ``psychometrics.store._leases``).

Several processes, on one machine or many, running the same audit on one database split its cells between them;
each returns once every cell is answered, ended in an error, or is still being asked by a live peer that will
store it. A peer that dies leaves its cells leased until the lease expires (at once for a process of this
machine); the processes still running then take them over.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections import deque
from collections.abc import Sequence

from psychometrics.plan import Cell
from psychometrics.store import Leases

POLL_S = 1.0
"""Seconds between looks at the store while every cell left is held by another process."""


class CellClaims:
    """``await claims.next()`` → the next cell to ask, or None when there is nothing left for this process."""

    def __init__(self, leases: Leases, cells: list[Cell], *, batch: int, positions: Sequence[int] | None = None):
        """``positions``: the plan position of each of ``cells`` (the positions their leases were prepared with),
        increasing; given, a claimed cell is found by bisection instead of through a map of every cell (a million
        cells: 8 MB instead of ~40 MB held while the run is asked)."""
        self._leases = leases
        increasing = positions is not None and len(positions) == len(cells) and all(
            a < b for a, b in zip(positions, positions[1:]))
        self._list, self._positions = (cells, positions) if increasing else (None, None)
        self._cells = None if increasing else {c.cell_id: c for c in cells}
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
            claimed = self._leases.claim_positions(self._batch)
            found = [(c, self._find(c, p)) for c, p in claimed]  # the store's plan order
            known = [cell for _, cell in found if cell is not None]
            if len(known) < len(found):  # leases of another plan under this run id
                self._leases.drop(c for c, cell in found if cell is None)
            if known or not claimed:
                self._ready.extend(known)
                return bool(known)

    def _find(self, cell_id: str, position: int) -> Cell | None:
        if self._cells is not None:
            return self._cells.get(cell_id)
        at = bisect_left(self._positions, position)
        if at < len(self._positions) and self._positions[at] == position and self._list[at].cell_id == cell_id:
            return self._list[at]
        return None
