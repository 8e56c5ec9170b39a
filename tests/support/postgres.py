"""A throwaway PostgreSQL cluster on 127.0.0.1 for tests and benchmarks (Debian's ``postgresql`` package).

``with PostgresCluster() as pg: url = pg.new_database()`` runs ``initdb`` into a temporary folder, starts the
server on a free port (TCP on 127.0.0.1 only, its socket in that folder), and stops and deletes it at the end.
initdb refuses to run as root: as root the server runs as the ``postgres`` user (which the Debian package
creates). Connections from 127.0.0.1 as ``postgres`` are trusted; every other role needs its password
(SCRAM), so that authentication failures can be tested.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

REQUIRE_ENV = "PSYCHOMETRICS_REQUIRE_POSTGRES"
"""Set (to anything but empty or 0) where PostgreSQL must be available, as in CI: a cluster that cannot be started
is then a failure, not a skip."""

_HBA = """\
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
"""


class PostgresUnavailable(RuntimeError):
    """No cluster can be started here (no server binaries, no user to run them as, or the start failed)."""


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


def server_bindir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``: on PATH, or Debian's newest /usr/lib/postgresql/N/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise PostgresUnavailable("no initdb on PATH or in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresCluster:
    def __init__(self, *, settings: dict[str, str] | None = None):
        self.settings = settings or {}
        self.port = 0
        self.folder: Path | None = None
        self._as: list[str] = []

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str, *, user: str = "postgres", password: str | None = None) -> str:
        auth = user if password is None else f"{user}:{password}"
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120)

    def __enter__(self) -> "PostgresCluster":
        bindir = server_bindir()
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root and there is no 'postgres' user to run the server as") \
                    from None
            runuser = shutil.which("runuser")
            if not runuser:
                raise PostgresUnavailable("running as root and runuser is missing")
            self._as = [runuser, "-u", "postgres", "--"]
        self.folder = Path(tempfile.mkdtemp(prefix="psychometrics-pg-"))
        if self._as:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        data = self.folder / "data"
        done = self._run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                         "--locale=C", "--no-sync")
        if done.returncode != 0:
            self._remove()
            raise PostgresUnavailable(f"initdb failed: {done.stderr.strip()[-500:]}")
        (data / "pg_hba.conf").write_text(_HBA)
        self.port = _free_port()
        options = [f"-h 127.0.0.1 -p {self.port} -k {self.folder}"] + [f"-c {k}={v}" for k, v in self.settings.items()]
        done = self._run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "server.log"), "-w",
                         "-t", "60", "-o", " ".join(options), "start")
        if done.returncode != 0:
            log = (self.folder / "server.log").read_text() if (self.folder / "server.log").exists() else ""
            self._remove()
            raise PostgresUnavailable(f"pg_ctl start failed: {(done.stderr + log).strip()[-500:]}")
        self._bindir = bindir
        return self

    def __exit__(self, *exc: object) -> None:
        if self.folder is not None and self.port:
            self._run(str(self._bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        self._remove()

    def _remove(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def admin(self, sql: str, *params: object) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def new_database(self, prefix: str = "t") -> str:
        """A fresh, empty database; its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.admin(f'CREATE DATABASE "{name}"')
        return self.url(name)
