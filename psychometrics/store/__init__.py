"""Persistent storage of runs and responses."""

from psychometrics.store._records import Run, RunStatus
from psychometrics.store._sqlite import DEFAULT_DB, Store, StoreError, db_path

__all__ = ["DEFAULT_DB", "Run", "RunStatus", "Store", "StoreError", "db_path"]
