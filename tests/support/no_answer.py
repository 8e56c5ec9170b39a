"""Audits that end with no answer in any cell: they raise AuditError (exit 1) and keep every reply."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from psychometrics.administer import AuditError, audit
from psychometrics.store import Store


def audit_without_answers(*args: Any, db: str, **kwargs: Any) -> SimpleNamespace:
    """Run ``audit``, require the no-answer error, and return ``.run`` as stored (for tests of such runs)."""
    with pytest.raises(AuditError, match="has no answer") as raised:
        audit(*args, db=db, **kwargs)
    run_id = str(raised.value).split()[1]
    with Store(db, create=False) as store:
        return SimpleNamespace(run=store.get_run(run_id))


def audit_run(*args: Any, db: str, **kwargs: Any) -> SimpleNamespace:
    """Run ``audit`` and return ``.run`` as stored, whether or not any cell holds an answer."""
    try:
        return SimpleNamespace(run=audit(*args, db=db, **kwargs).run)
    except AuditError as exc:
        if "has no answer" not in str(exc):
            raise
        with Store(db, create=False) as store:
            return SimpleNamespace(run=store.get_run(str(exc).split()[1]))
