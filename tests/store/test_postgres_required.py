"""The PostgreSQL tests skip only where no cluster can be started, and CI (``.ci/run``) is never such a place: it
installs Debian's server and sets ``PSYCHOMETRICS_REQUIRE_POSTGRES``, which turns that skip into a failure."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_NO_SERVER = '''
import tests.support.postgres as pg


def _nowhere():
    raise pg.PostgresUnavailable("no server binaries (test)")


pg.server_bindir = _nowhere
'''


def _pytest_without_a_server(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "no_server.py").write_text(_NO_SERVER)
    (tmp_path / "test_needs_postgres.py").write_text("def test_needs(postgres):\n    assert postgres.port\n")
    environ = {k: v for k, v in os.environ.items() if k != "PSYCHOMETRICS_REQUIRE_POSTGRES"}
    environ.update(env, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no_server",
                           "-p", "no:cacheprovider", str(tmp_path / "test_needs_postgres.py")],
                          cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300)


def test_without_a_server_the_tests_skip_and_where_required_they_fail(tmp_path):
    skipped = _pytest_without_a_server(tmp_path)
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout, skipped.stdout + skipped.stderr
    failed = _pytest_without_a_server(tmp_path, PSYCHOMETRICS_REQUIRE_POSTGRES="1")
    assert failed.returncode == 1 and "1 error" in failed.stdout, failed.stdout + failed.stderr
    assert "PostgreSQL is required here" in failed.stdout and "no server binaries (test)" in failed.stdout


def test_ci_installs_postgresql_and_requires_it_before_the_test_command():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    packages = re.search(r"for pkg in ([^;]+); do", script)
    assert packages and "postgresql" in packages.group(1).split()
    required = script.index("export PSYCHOMETRICS_REQUIRE_POSTGRES=1")
    assert required < script.index('bash -euo pipefail -c "$cmd"')
