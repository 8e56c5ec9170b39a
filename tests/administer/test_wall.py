"""A run's wall time adds up across the processes that worked on it (psychometrics.administer._wall)."""

from __future__ import annotations

import asyncio
import time

import pytest

from psychometrics.administer._wall import WallClock
from psychometrics.plan import Design
from psychometrics.store import Run, Store

DESIGN = Design(inventories=["bfi44"], templates=["instruct"], orders=["original"], samples=1)


def test_two_sessions_at_once_each_add_their_own_seconds(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with Store(db) as store:
        store.save_run(Run(run_id="r", model="m", design=DESIGN, created_at=0.0, wall_s=2.0))
    now = [100.0]
    with Store(db) as one, Store(db) as two:  # two connections, as two processes have
        first, second = (WallClock(s, "r", clock=lambda: now[0]) for s in (one, two))
        now[0] = 103.0
        assert first.tick() == pytest.approx(5.0)
        now[0] = 104.5
        assert second.tick() == pytest.approx(9.5)  # its 4.5 s on top of the first one's
        now[0] = 106.0
        assert first.tick() == pytest.approx(12.5)
        assert one.get_run("r").wall_s == pytest.approx(12.5)


def test_a_session_adds_its_time_while_it_works_not_only_at_its_end(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with Store(db) as store:
        store.save_run(Run(run_id="r", model="m", design=DESIGN, created_at=0.0))
        clock = WallClock(store, "r", every=0.05)
        seen: list[float] = []

        async def work() -> str:
            for _ in range(6):
                await asyncio.sleep(0.05)
                seen.append(store.get_run("r").wall_s)
            return "done"

        started = time.monotonic()
        assert asyncio.run(clock.during(work())) == "done"
        spent = time.monotonic() - started
        assert 0 < seen[2] < seen[-1] <= spent  # stored as it went: a kill -9 now would keep what is stored
