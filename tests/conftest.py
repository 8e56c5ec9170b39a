from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest


@pytest.fixture
def db(tmp_path):
    """A fresh SQLite database URL in a temp folder."""
    return f"sqlite:///{tmp_path / 'runs.db'}"


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """Sim runs for the report and comparison tests (:func:`tests.support.sim_runs.make_runs`)."""
    from tests.support.sim_runs import make_runs

    return make_runs(f"sqlite:///{tmp_path_factory.mktemp('report') / 'runs.db'}")
