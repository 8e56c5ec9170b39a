from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def write_plan(tmp_path):
    """Write a plan file into the test's folder: ``write_plan(text, name="plan.yaml") -> Path``."""

    def write(text: str, name: str = "plan.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
