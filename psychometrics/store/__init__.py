"""Persistent storage of runs and responses: the records administer writes and score reads."""

from psychometrics.store._liveness import STALE_AFTER_S, holder_alive, running_here
from psychometrics.store._records import BATCH_DONE, AnswerMode, Batch, BatchState, Response, Run, RunStatus, Status
from psychometrics.store._sqlite import DEFAULT_DB, Store, StoreError, db_path

__all__ = [
    "BATCH_DONE", "DEFAULT_DB", "STALE_AFTER_S", "AnswerMode", "Batch", "BatchState", "Response", "Run", "RunStatus",
    "Status", "Store", "StoreError", "db_path", "export_format", "export_responses", "holder_alive",
    "running_here",
]


def __getattr__(name: str):  # export needs pandas; keep `import psychometrics.store` light for the CLI
    if name in ("export_format", "export_responses"):
        from psychometrics.store import _export

        return getattr(_export, name)
    raise AttributeError(name)
