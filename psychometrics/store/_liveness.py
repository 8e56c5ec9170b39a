"""Is a run that says ``running`` still running? A killed or crashed process cannot say it stopped, so a reader
decides: on the same machine by asking whether the process is alive, elsewhere by how long nothing was stored."""

from __future__ import annotations

import os
import socket
import time

from psychometrics.store._records import Run

STALE_AFTER_S = 600.0
"""A run on another machine (or with no process recorded) that stored nothing for this long reads as
``interrupted``."""


def running_here() -> dict[str, object]:
    """The fields that mark a run as running in this process (see :class:`Run`)."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "heartbeat_at": time.time()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def as_seen(run: Run, last_answer_at: float | None, *, now: float | None = None) -> Run:
    """``run`` with status ``interrupted`` when it says ``running`` but no live process holds it.

    Same machine: the recorded process is gone. Another machine, or a run stored before the process was recorded:
    nothing started or stored for :data:`STALE_AFTER_S` seconds.
    """
    if run.status != "running":
        return run
    started = run.heartbeat_at if run.heartbeat_at is not None else run.created_at
    alive = holder_alive(run.host, run.pid, max(started, last_answer_at or started), now=now)
    return run if alive else run.model_copy(update={"status": "interrupted"})


def holder_alive(host: str | None, pid: int | None, last_seen: float, *, now: float | None = None) -> bool:
    """Whether the process ``pid`` on ``host`` may still be at work: on this machine, whether it is alive;
    elsewhere (or with no process recorded), whether it was last seen less than :data:`STALE_AFTER_S` ago."""
    if pid is not None and host == socket.gethostname():
        return _alive(pid)
    return (now if now is not None else time.time()) - last_seen <= STALE_AFTER_S
