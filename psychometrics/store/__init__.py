"""Persistent storage of runs and responses: the records administer writes and score reads."""

from psychometrics.store._records import BATCH_DONE, AnswerMode, Batch, BatchState, Response, Run, RunStatus, Status
from psychometrics.store._sqlite import DEFAULT_DB, Store, StoreError, db_path

__all__ = [
    "BATCH_DONE", "DEFAULT_DB", "AnswerMode", "Batch", "BatchState", "Response", "Run", "RunStatus", "Status",
    "Store", "StoreError", "db_path",
    "export_responses",
]


def __getattr__(name: str):  # export needs pandas; keep `import psychometrics.store` light for the CLI
    if name == "export_responses":
        from psychometrics.store._export import export_responses

        return export_responses
    raise AttributeError(name)
