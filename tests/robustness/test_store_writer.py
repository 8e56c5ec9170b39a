"""The audit's response writer: one commit per answer, nothing acknowledged is lost to kill -9, WAL kept small."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from psychometrics.store import Response, Store, StoreError
from tests.robustness.conftest import ROOT


def _response(i: int, **extra) -> Response:
    return Response(cell_id=f"cell-{i:06d}", run_id="r", model="m", inventory="bfi44", item=str(i), scale="E",
                    template="instruct", order="original", sample=0, prompt="p" * 300, mode="logprobs", status="ok",
                    value=3, option_probs={1: 0.1, 3: 0.9}, expected_value=2.8, mass_outside=0.0, attempts=1,
                    created_at=time.time(), **extra)


def test_each_saved_answer_is_committed_when_save_returns(tmp_path):
    path = tmp_path / "w.db"
    with Store(f"sqlite:///{path}") as store:
        writer = store.writer(checkpoint_interval=0.05)

        async def go() -> None:
            for i in range(300):
                await writer.save(_response(i))
                if i % 50 == 0:  # another connection sees it at once: it is in a committed transaction
                    with sqlite3.connect(path) as other:
                        assert other.execute("SELECT count(*) FROM responses").fetchone()[0] == i + 1

        asyncio.run(go())
        time.sleep(0.2)
        assert writer.saved == 300 and writer.checkpoints > 0
        writer.close()
        stored = list(store.iter_responses("r"))  # no run_cells for "r": use a direct count instead
        assert stored == []
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 300
            row = conn.execute("SELECT option_probs, value FROM responses WHERE cell_id = 'cell-000007'").fetchone()
        assert row == ('{"1": 0.1, "3": 0.9}', 3)


def _wal_after_writes(path, checkpoint_interval: float) -> tuple[int, int]:
    """(WAL bytes, checkpoints run) after 3,000 committed answers with the given checkpoint interval."""
    with Store(f"sqlite:///{path}") as store:
        writer = store.writer(checkpoint_interval=checkpoint_interval)

        async def go() -> None:
            for i in range(3000):
                await writer.save(_response(i))
                if i % 200 == 0:
                    await asyncio.sleep(0.03)

        asyncio.run(go())
        size = path.with_name(path.name + "-wal").stat().st_size
        checkpoints = writer.checkpoints
        writer.close()
    return size, checkpoints


def test_wal_is_checkpointed_in_the_background(tmp_path):
    # The automatic checkpoint is off for the writer: without the thread the WAL holds every page written. Compare
    # with that in the same test (a ratio, not a fixed size, so that a slow machine does not fail it).
    unchecked, none = _wal_after_writes(tmp_path / "never.db", checkpoint_interval=3600)
    checked, checkpoints = _wal_after_writes(tmp_path / "often.db", checkpoint_interval=0.02)
    assert none == 0 and checkpoints > 0
    assert checked < unchecked / 2, (checked, unchecked)


def test_a_read_only_database_fails_as_store_error(tmp_path, make_read_only):
    path = tmp_path / "ro.db"
    Store(f"sqlite:///{path}").close()
    make_read_only(path)
    with Store(f"sqlite:///{path}") as store:
        writer = store.writer()
        with pytest.raises(StoreError, match="readonly"):
            asyncio.run(writer.save(_response(1)))
        writer.close()


_CHILD = textwrap.dedent("""
    import asyncio, sys, time
    from psychometrics.store import Store
    from tests.robustness.test_store_writer import _response

    async def main(path):
        with Store("sqlite:///" + path) as store:
            writer = store.writer(checkpoint_interval=0.01)
            for i in range(1_000_000):
                await writer.save(_response(i))
                sys.stdout.write(f"{i}\\n")  # acknowledged: the answer is committed
                sys.stdout.flush()

    asyncio.run(main(sys.argv[1]))
""")


@pytest.mark.parametrize("after", [1, 137, 2000])
def test_kill_nine_loses_no_acknowledged_answer(tmp_path, after):
    path = tmp_path / "k.db"
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    acknowledged = -1
    for line in proc.stdout:
        acknowledged = int(line)
        if acknowledged + 1 >= after:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {c for (c,) in conn.execute("SELECT cell_id FROM responses")}
    assert {f"cell-{i:06d}" for i in range(acknowledged + 1)} <= stored
