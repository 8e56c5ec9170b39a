"""Shared helpers for the robustness tests: the CLI in a subprocess, database fingerprints, read-only files."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess: no real provider keys, litellm's bundled price map."""
    env = {k: v for k, v in os.environ.items()
           if not any(m in k.upper() for m in ("API_KEY", "API_BASE", "TOKEN", "SECRET"))}
    env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", PYTHONPATH=str(ROOT), COLUMNS="200", **extra)
    env.pop("PSYCHOMETRICS_DB", None)
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "psychometrics", *args], env=env or cli_env(), cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def responses_fingerprint(path: Path) -> str:
    """A hash of every stored response row (empty string for no database)."""
    if not path.exists():
        return ""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT * FROM responses ORDER BY cell_id").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture
def make_read_only():
    """Make a file unwritable even for root (``chattr +i``), or by mode bits for other users; undone after."""
    made: list[tuple[Path, str]] = []

    def make(path: Path) -> None:
        if os.geteuid() == 0:
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
            if done.returncode != 0:
                pytest.skip("running as root and chattr +i is not available: cannot make a file read-only")
            made.append((path, "chattr"))
        else:
            path.chmod(0o444)
            made.append((path, "chmod"))

    yield make
    for path, how in made:
        if how == "chattr":
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        else:
            path.chmod(0o644)
