from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest


@pytest.fixture
def db(tmp_path):
    """A fresh SQLite database URL in a temp folder."""
    return f"sqlite:///{tmp_path / 'runs.db'}"
