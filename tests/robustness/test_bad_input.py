"""Bad input: one line on stderr (one per problem for a malformed file), exit code 1 (2 for a value the command line refuses itself), no traceback, nothing asked,
nothing lost. Each case runs the real command line in a subprocess against a local server that counts requests,
with ``--db`` pointing at a database that already holds a finished audit."""

from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.robustness.conftest import responses_fingerprint, run_cli
from tests.support.openai_server import OpenAIServer

BAD_YAML = "id: broken\nversion: 1\nname: [unclosed\n"
BAD_SCHEMA = "id: broken\nversion: 1\nname: Broken\nitems: 3\n"
BAD_TEMPLATE = "{{ item.text }\n{% if %}\n"
BAD_PLAN_YAML = "name: nightly\nmodels: [unclosed\n"
BAD_PLAN_SCHEMA = "name: nightly\nsurprise: 1\n"


@dataclass
class Case:
    args: list[str]
    expect: str
    """A fragment of the message (case-insensitive)."""
    per_problem: bool = False
    """A malformed file: one line per problem, each starting with the file's path."""
    db: str = "existing"
    """``existing`` (the finished audit), ``fresh`` (a path with no file: it must not be created), ``corrupt``,
    ``readonly`` or ``none`` (no --db option)."""
    env: dict[str, str] = field(default_factory=dict)
    code: int = 1
    """Exit code: 1, or 2 for a usage error the command line itself refuses (a value not among the choices)."""


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CASES = {
    "inventory-yaml-syntax": Case(["audit", "-m", "openai/test-model", "--inventory", "{dir}/bad_yaml.yaml"],
                                  "yaml syntax error", per_problem=True),
    "inventory-schema": Case(["audit", "-m", "openai/test-model", "--inventory", "{dir}/bad_schema.yaml"],
                             "missing field", per_problem=True),
    "inventory-unknown": Case(["audit", "-m", "openai/test-model", "--inventory", "bfi45"], "bfi45"),
    "inventory-missing-file": Case(["audit", "-m", "openai/test-model", "--inventory", "{dir}/nope.yaml"], "nope"),
    "template-file-syntax": Case(["audit", "-m", "openai/test-model", "--template-file", "{dir}/bad.j2"],
                                 "syntax error", per_problem=True),
    "template-unknown": Case(["audit", "-m", "openai/test-model", "--templates", "nope"], "nope"),
    "model-unknown": Case(["audit", "-m", "nonsense-provider/foo"], "unknown model or provider", db="fresh"),
    "model-typo-sim": Case(["audit", "-m", "sim/stedy"], "did you mean 'steady'", db="fresh"),
    "model-typo-local": Case(["audit", "-m", "local/gemma-3-27m"], "did you mean 'gemma-3-270m'", db="fresh"),
    "model-typo-provider-dry-run": Case(["audit", "-m", "opnai/gpt-4o-mini", "--dry-run"], "did you mean 'openai'",
                                        db="fresh"),
    "key-missing-openai": Case(["audit", "-m", "openai/gpt-4o-mini"], "OPENAI_API_KEY", db="fresh"),
    "key-missing-anthropic": Case(["audit", "-m", "anthropic/claude-3-5-haiku-20241022"], "ANTHROPIC_API_KEY",
                                  db="fresh"),
    "api-base-refused": Case(["audit", "-m", "openai/test-model", "--api-base", "http://127.0.0.1:{refused}/v1"],
                             "connection refused at", db="fresh"),
    "api-base-not-http": Case(["audit", "-m", "openai/test-model", "--api-base", "ftp://127.0.0.1/v1"],
                              "not an http", db="fresh"),
    "samples-0": Case(["audit", "-m", "openai/test-model", "--samples", "0"], "--samples"),
    "concurrency-negative": Case(["audit", "-m", "openai/test-model", "--concurrency", "-1"], "--concurrency"),
    "orders-sideways": Case(["audit", "-m", "openai/test-model", "--orders", "sideways"], "sideways", code=2),
    "mode-sideways": Case(["audit", "-m", "openai/test-model", "--mode", "sideways"], "--mode", code=2),
    "timeout-0": Case(["audit", "-m", "openai/test-model", "--timeout", "0"], "--timeout"),
    "retries-negative": Case(["audit", "-m", "openai/test-model", "--retries", "-1"], "--retries"),
    "temperature-high": Case(["audit", "-m", "openai/test-model", "--temperature", "5"], "--temperature"),
    "rpm-0": Case(["audit", "-m", "openai/test-model", "--rpm", "0"], "--rpm"),
    "limit-items-0": Case(["audit", "-m", "openai/test-model", "--limit-items", "0"], "--limit-items"),
    "resume-unknown-run": Case(["audit", "--resume", "no-such-run"], "no-such-run"),
    "show-unknown-run": Case(["runs", "show", "no-such-run"], "no-such-run"),
    "export-unknown-run": Case(["runs", "export", "no-such-run", "--out", "{dir}/x.csv"], "no-such-run"),
    "export-folder-is-a-file": Case(["runs", "export", "done", "--out", "{dir}/bad.j2/x.csv"], "is a file"),
    "export-extension": Case(["runs", "export", "done", "--out", "{dir}/x.xls"], "--format"),
    "export-format": Case(["runs", "export", "done", "--out", "{dir}/x.xls", "--format", "xls"], "--format", code=2),
    "db-corrupt": Case(["audit", "-m", "openai/test-model"], "cannot use this database", db="corrupt"),
    "db-read-only": Case(["audit", "-m", "openai/test-model", "--inventory", "sd3"], "readonly", db="readonly"),
    "db-url-scheme": Case(["audit", "-m", "openai/test-model", "--db", "mysql://x/y"], "sqlite", db="none"),
    "db-folder-missing": Case(["audit", "-m", "openai/test-model", "--db", "{dir}/missing/x.db"], "does not exist",
                              db="none"),
}
CASES.update({  # the other commands that open a database
    "runs-list-db-corrupt": Case(["runs", "list"], "cannot use this database", db="corrupt"),
    "runs-export-db-corrupt": Case(["runs", "export", "done", "--out", "{dir}/y.csv"], "cannot use this database",
                                   db="corrupt"),
    "score-db-corrupt": Case(["score", "done"], "cannot use this database", db="corrupt"),
    "schedule-plan-yaml-syntax": Case(["schedule", "{dir}/bad_plan_yaml.yaml", "--no-reports"], "yaml syntax error",
                                      per_problem=True),
    "schedule-plan-schema": Case(["schedule", "{dir}/bad_plan_schema.yaml", "--no-reports"], "unknown field",
                                 per_problem=True),
})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A counting server, a database with one finished audit (run ``done``), and the malformed files."""
    from psychometrics.administer import audit

    folder = tmp_path_factory.mktemp("bad-input")
    (folder / "bad_yaml.yaml").write_text(BAD_YAML)
    (folder / "bad_schema.yaml").write_text(BAD_SCHEMA)
    (folder / "bad.j2").write_text(BAD_TEMPLATE)
    (folder / "bad_plan_yaml.yaml").write_text(BAD_PLAN_YAML)
    (folder / "bad_plan_schema.yaml").write_text(BAD_PLAN_SCHEMA)
    (folder / "corrupt.db").write_bytes(b"this is not an SQLite database\n" * 200)
    existing = folder / "existing.db"
    with OpenAIServer() as server:
        result = audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"],
                       api_base=server.api_base, db=f"sqlite:///{existing}", limit_items=3, run_id="done")
        assert result.run.counts == {"ok": 3}
        server.requests = 0
        yield {"dir": folder, "server": server, "existing": existing}


def _run(case: Case, world: dict, tmp_path: Path, make_read_only) -> None:
    server, folder = world["server"], world["dir"]
    subs = {"dir": str(folder), "refused": str(_refused_port())}
    args = [a.format(**subs) for a in case.args]
    if "-m" in args and "--api-base" not in args and args[args.index("-m") + 1].startswith("openai/test-model"):
        args += ["--api-base", server.api_base]
    watched = world["existing"]
    if case.db == "fresh":
        watched = tmp_path / "fresh.db"
    elif case.db == "corrupt":
        watched = folder / "corrupt.db"
    elif case.db == "readonly":
        watched = tmp_path / "readonly.db"
        shutil.copy(world["existing"], watched)
        make_read_only(watched)
    if case.db != "none":
        args += ["--db", f"sqlite:///{watched}"]
    before_bytes = watched.read_bytes() if watched.exists() else None
    before = responses_fingerprint(watched) if case.db not in ("corrupt", "fresh") and watched.exists() else ""
    asked = server.requests

    done = run_cli(*args, env=None)

    assert done.returncode == case.code, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if case.per_problem:
        path = next(a for a in args if a.startswith(str(folder)))
        assert lines and all(line.startswith(path + ":") for line in lines), lines
    else:
        assert len(lines) == 1, lines
    assert case.expect.lower() in done.stderr.lower(), done.stderr
    assert server.requests == asked, "a refused command asked the model"
    if case.db == "fresh":
        assert not watched.exists(), "a refused audit created a database"
    elif case.db == "corrupt":
        assert watched.read_bytes() == before_bytes
    elif watched.exists():
        assert responses_fingerprint(watched) == before, "stored responses changed"


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_line_exit_1_nothing_asked_nothing_lost(name, world, tmp_path, make_read_only):
    _run(CASES[name], world, tmp_path, make_read_only)

