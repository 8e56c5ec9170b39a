"""Persistent storage of runs and responses: the records administer writes and score reads.

SQLite (a file; the default) or PostgreSQL (``postgresql://…``, for several workers sharing one run): one
:class:`Store` over either, with the same tables and statements (see ``_store`` and ``_backend``).
"""

from psychometrics.store._backend import (
    DEFAULT_DB,
    LIBPQ_REFUSED,
    POSTGRES_SCHEMES,
    StoreError,
    db_option,
    db_path,
    is_libpq_keywords,
    redact_url,
)
from psychometrics.store._leases import DEFAULT_TTL, Leases, lease_seconds
from psychometrics.store._liveness import STALE_AFTER_S, holder_alive, running_here
from psychometrics.store._records import (
    BATCH_DONE,
    BUDGET_STOP,
    TIMED_OUT,
    AnswerMode,
    Batch,
    BatchState,
    Response,
    Run,
    RunStatus,
    Status,
)
from psychometrics.store._store import Store

__all__ = [
    "BATCH_DONE", "BUDGET_STOP", "DEFAULT_DB", "DEFAULT_TTL", "LIBPQ_REFUSED", "POSTGRES_SCHEMES", "STALE_AFTER_S",
    "TIMED_OUT",
    "AnswerMode", "Batch", "BatchState", "Leases", "Response", "Run", "RunStatus", "Status", "Store", "StoreError",
    "check_db", "db_option", "db_path", "export_format", "export_responses", "holder_alive", "is_libpq_keywords",
    "lease_seconds",
    "redact_url", "running_here",
]


def check_db(url: str | None) -> str:
    """The store ``url`` names (``None``: the default), as it may be shown or written down: ``sqlite:///PATH``,
    or the PostgreSQL URL without its password. Raises :class:`StoreError` if ``url`` cannot name a store (an
    unknown scheme, an SQLite file whose folder does not exist); nothing is opened."""
    from psychometrics.store._backend import open_backend

    backend = open_backend(url)
    path = getattr(backend, "path", None)
    if path is None:
        return backend.location
    if not path.parent.exists():
        raise StoreError(f"{path}: the folder {path.parent} does not exist")
    return f"sqlite:///{path}"


def __getattr__(name: str):  # export needs pandas; keep `import psychometrics.store` light for the CLI
    if name in ("export_format", "export_responses"):
        from psychometrics.store import _export

        return getattr(_export, name)
    raise AttributeError(name)
