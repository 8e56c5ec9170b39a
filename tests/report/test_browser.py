"""The report in a real browser: headless Chromium driven over its DevTools protocol (aiohttp websocket).

Checks every page (audit, comparison, shaping, schedule index) at 1280 and 800 CSS pixels wide: nothing sticks out
of its container sideways, no table column is cut or scrolled away, no note wraps one word per line or repeats
within a row (``layout.js``), and the profile charts of different inventories share their x positions. And, for
the audit page of a full run, the page of a run whose model replies carry a script-injection payload, and the
comparison page: every section id is in the DOM, nothing was logged to the console (CSP violations
included), no request left the file, no dialog opened, no ``<script>``/``<img>`` came out of model text (which
is in the DOM as text), and the page prints to PDF. A full-page screenshot of each page is written to a temp
folder (its path is printed; set ``PSYCHOMETRICS_SCREENSHOTS=DIR`` to keep them in DIR) to look at.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest

from psychometrics.report import (
    COMPARE_SECTION_IDS,
    MATRIX_SECTION_IDS,
    SECTION_IDS,
    write_audit_report,
    write_comparison_report,
    write_matrix_report,
)
from psychometrics.score import run_matrix
from tests.report.conftest import PAYLOAD

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
"""A headless-capable Chromium on PATH; the one dependency a user's machine may lack, so its absence skips."""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (chromium, chromium-browser or google-chrome)"),
]

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1280,900",
]


class Chromium:
    """One headless Chromium with a DevTools session on its first page."""

    def __init__(self, profile: Path) -> None:
        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.ws_url = self._browser_url()
        self.events: list[dict[str, Any]] = []
        self._id = 0

    def _browser_url(self) -> str:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                # keep draining stderr, or a full pipe would stall the browser
                threading.Thread(target=self.proc.stderr.read, daemon=True).start()
                return m.group(1)
        raise RuntimeError("chromium exited before it opened the DevTools port")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stderr is not None:
            self.proc.stderr.close()

    async def visit(self, url: str, screenshot: Path, *, script: str, width: int = 1280,
                    pdf: bool = True) -> dict[str, Any]:
        """Open ``url`` in a viewport ``width`` CSS pixels wide; collect every event; evaluate ``script`` (an
        expression returning JSON); screenshot; PDF."""
        import aiohttp

        port = self.ws_url.split("//", 1)[1].split("/", 1)[0]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://{port}/json/list") as resp:
                pages = [t for t in await resp.json() if t.get("type") == "page"]
            async with http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                self.events = []

                async def receive() -> dict[str, Any]:
                    msg = await asyncio.wait_for(ws.receive_json(), timeout=60)
                    if "method" in msg:
                        self.events.append(msg)
                    if msg.get("method") == "Page.javascriptDialogOpening":  # a dialog blocks the page: close it
                        self._id += 1
                        await ws.send_json({"id": self._id, "method": "Page.handleJavaScriptDialog",
                                            "params": {"accept": True}})
                    return msg

                async def call(method: str, **params: Any) -> dict[str, Any]:
                    self._id += 1
                    my_id = self._id
                    await ws.send_json({"id": my_id, "method": method, "params": params})
                    while True:
                        msg = await receive()
                        if msg.get("id") == my_id:
                            if "error" in msg:
                                raise RuntimeError(f"{method}: {msg['error']}")
                            return msg.get("result", {})

                for domain in ("Page", "Runtime", "Log", "Network", "Security"):
                    await call(f"{domain}.enable")
                await call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
                           mobile=False)
                await call("Page.navigate", url=url)
                while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
                    await receive()
                await asyncio.sleep(0.5)  # let late console messages or requests arrive
                result = await call("Runtime.evaluate", expression=script, returnByValue=True)
                checks = json.loads(result["result"]["value"])
                metrics = await call("Page.getLayoutMetrics")
                size = metrics.get("cssContentSize") or metrics["contentSize"]
                shot = await call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                                  clip={"x": 0, "y": 0, "width": width, "height": min(size["height"], 16000),
                                        "scale": 1})
                screenshot.write_bytes(base64.b64decode(shot["data"]))
                if pdf:
                    printed = await call("Page.printToPDF", printBackground=True, preferCSSPageSize=True)
                    checks["pdf"] = base64.b64decode(printed["data"])[:5].decode("latin-1")
                return checks


DOM_CHECKS = """JSON.stringify({
  ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
  scripts: document.querySelectorAll('script').length,
  imgs: document.querySelectorAll('img').length,
  handlers: Array.from(document.querySelectorAll('*')).filter(
      e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length,
  text: document.body.innerText,
  replies: Array.from(document.querySelectorAll('.reply')).map(e => e.textContent),
  title: document.title,
  csp: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || null,
  svgs: document.querySelectorAll('svg.chart').length
})"""


def _problems(events: list[dict[str, Any]], page_url: str) -> tuple[list[str], list[str], list[str]]:
    """Console messages, requests other than the page itself, and dialogs."""
    console, requests, dialogs = [], [], []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled":
            console.append(f"console.{params.get('type')}: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            console.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") in ("error", "warning"):
                console.append(f"log {entry.get('level')} ({entry.get('source')}): {entry.get('text')}")
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if url != page_url and not url.startswith("data:"):
                requests.append(url)
        elif method == "Page.javascriptDialogOpening":
            dialogs.append(params.get("message", ""))
    return console, requests, dialogs


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    chrome = Chromium(profile)
    try:
        yield chrome
    finally:
        chrome.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    keep = os.environ.get("PSYCHOMETRICS_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(browser: Chromium, path: Path, shot: Path) -> tuple[dict[str, Any], tuple[list[str], list[str], list[str]]]:
    url = path.resolve().as_uri()
    checks = asyncio.run(browser.visit(url, shot, script=DOM_CHECKS))
    print(f"screenshot: {shot}")
    return checks, _problems(browser.events, url)


def _assert_clean(checks: dict[str, Any], problems: tuple[list[str], list[str], list[str]], shot: Path) -> None:
    console, requests, dialogs = problems
    assert not console, console
    assert not requests, requests
    assert not dialogs, dialogs
    assert checks["scripts"] == 0 and checks["imgs"] == 0 and checks["handlers"] == 0
    assert checks["csp"] and "default-src 'none'" in checks["csp"]
    assert checks["pdf"] == "%PDF-"
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_audit_report_in_browser(runs, browser, shots, tmp_path):
    page = write_audit_report(runs.full, db=runs.db, out=tmp_path / "audit.html", n_boot=100)
    shot = shots / "audit.png"
    checks, problems = _open(browser, page, shot)
    _assert_clean(checks, problems, shot)
    assert [i for i in checks["ids"] if i in SECTION_IDS] == list(SECTION_IDS)
    assert checks["svgs"] >= 9  # profile, reliability and heatmap charts per inventory
    assert "Audit of sim/default?extraversion=1" in checks["title"]


def test_injected_model_text_does_not_execute(runs, browser, shots, tmp_path):
    page = write_audit_report(runs.injected, db=runs.db, out=tmp_path / "injected.html", n_boot=0)
    shot = shots / "injected.png"
    checks, problems = _open(browser, page, shot)
    _assert_clean(checks, problems, shot)  # no dialog, no <script>/<img>, no request to "x"
    assert [i for i in checks["ids"] if i in SECTION_IDS] == list(SECTION_IDS)
    assert PAYLOAD in checks["title"]
    assert sum(PAYLOAD in r for r in checks["replies"]) >= 3  # identical replies of one item are shown once
    assert PAYLOAD in checks["text"]


def test_pages_with_missing_pieces_in_browser(runs, browser, shots, tmp_path):
    for name in ("refusals", "one_template", "empty"):
        page = write_audit_report(getattr(runs, name), db=runs.db, out=tmp_path / f"{name}.html", n_boot=0)
        shot = shots / f"{name}.png"
        checks, problems = _open(browser, page, shot)
        _assert_clean(checks, problems, shot)
        assert [i for i in checks["ids"] if i in SECTION_IDS] == list(SECTION_IDS)
        assert "What this run cannot show" in checks["text"]


LAYOUT = (Path(__file__).with_name("layout.js")).read_text(encoding="utf-8")
"""A script returning the page's layout problems as a JSON list of sentences."""

CHART_X = """JSON.stringify(Array.from(document.querySelectorAll('svg.chart.dots, svg.chart.pairs')).map(svg => {
  const box = svg.getBoundingClientRect();
  const labels = Array.from(svg.querySelectorAll('text.rowlabel')).map(t => t.getBoundingClientRect().right);
  return {chart: svg.getAttribute('aria-label'), left: box.left, width: box.width, axis: Math.max(...labels)};
}))"""
"""Where each profile chart sits on the page and where its plot area starts (right-aligned row labels end there)."""


@pytest.fixture(scope="module")
def every_page(runs, tmp_path_factory) -> dict[str, Path]:
    """One page of each kind: the audit and comparison pages of the shared runs, a shaping page and a schedule's
    index page (both from sim runs)."""
    from typer.testing import CliRunner

    from psychometrics.cli import app
    from psychometrics.shape import shape, write_shaping_report

    folder = tmp_path_factory.mktemp("pages")
    shaped = shape("sim/steady", "bfi44", traits="extraversion,agreeableness", levels=3, db=runs.db)
    plan = folder / "plan.yaml"
    plan.write_text(f"""name: layout-plan
db: {runs.db}
inventories: [bfi44]
design: {{templates: [instruct, qa], orders: [original, reversed], samples: 2, limit_items: 10}}
models: ["sim/steady?extraversion=0", "sim/steady?extraversion=2"]
""", encoding="utf-8")
    result = CliRunner().invoke(app, ["schedule", str(plan), "--out", str(folder / "schedule")])
    assert result.exit_code == 3, result.output  # the planted shift is drift
    return {
        "audit": write_audit_report(runs.full, db=runs.db, out=folder / "audit.html", n_boot=50),
        "compare": write_comparison_report(runs.full, runs.changed, db=runs.db, out=folder / "compare.html",
                                           n_boot=0),
        "shaping": write_shaping_report(shaped, folder),
        "schedule": folder / "schedule" / "index.html",
        "matrix": write_matrix_report(_matrix(runs), out=folder),
    }


def _matrix(runs):
    """Four runs side by side: three inventories, one of them only in some runs, and a model name that carries
    a script-injection payload."""
    return run_matrix([runs.full, runs.changed, runs.one_template, runs.injected], db=runs.db, n_boot=0)


@pytest.mark.parametrize("width", [1280, 800])
def test_every_page_fits_the_window(every_page, browser, shots, width):
    problems = {}
    for name, page in every_page.items():
        found = asyncio.run(browser.visit(page.resolve().as_uri(), shots / f"{name}-{width}.png", script=LAYOUT,
                                          width=width, pdf=False))
        if found:
            problems[name] = found
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


def test_the_layout_check_finds_a_cut_column_and_a_repeated_note(browser, shots, tmp_path):
    page = tmp_path / "bad.html"
    cells = "".join(f"<td>{'x' * 12}{i}</td>" for i in range(40))
    note = "<span class='reason'>the same reason for two cells</span>"
    page.write_text(f"<!doctype html><html><body><div style='overflow-x:auto'><table><tr>{cells}</tr></table></div>"
                    f"<table><tr><td>a {note}</td><td>b {note}</td></tr></table>"
                    "<table style='width:60px'><tr><td><span class='reason' style='display:block'>one word per line "
                    "in a cell far too narrow for it</span></td><td>xxxxxxxxxxxxxxxxxxxxxxxx</td></tr></table>"
                    "</body></html>", encoding="utf-8")
    found = asyncio.run(browser.visit(page.resolve().as_uri(), shots / "bad.png", script=LAYOUT, width=800,
                                      pdf=False))
    text = "\n".join(found)
    assert "sticks out of its container" in text and "wider than its box" in text
    assert "repeats the note" in text and "words onto" in text


@pytest.mark.parametrize("name", ["audit", "compare", "matrix"])
def test_profile_charts_of_different_inventories_share_their_x_positions(every_page, browser, shots, name):
    charts = asyncio.run(browser.visit(every_page[name].resolve().as_uri(), shots / f"{name}-charts.png",
                                       script=CHART_X, pdf=False))
    assert len(charts) >= 3  # bfi44, trait-scenarios, oejts
    for key in ("left", "width", "axis"):
        assert len({round(c[key]) for c in charts}) == 1, (key, charts)


def test_comparison_report_in_browser(runs, browser, shots, tmp_path):
    page = write_comparison_report(runs.full, runs.changed, db=runs.db, out=tmp_path / "compare.html", n_boot=0)
    shot = shots / "compare.png"
    checks, problems = _open(browser, page, shot)
    _assert_clean(checks, problems, shot)
    assert [i for i in checks["ids"] if i in COMPARE_SECTION_IDS] == list(COMPARE_SECTION_IDS)
    assert "What changed" in checks["text"]


def test_matrix_report_in_browser(runs, browser, shots, tmp_path):
    page = write_matrix_report(_matrix(runs), out=tmp_path)
    shot = shots / "matrix.png"
    checks, problems = _open(browser, page, shot)
    _assert_clean(checks, problems, shot)  # the model name's payload is text: no <script>, <img> or dialog
    assert [i for i in checks["ids"] if i in MATRIX_SECTION_IDS] == list(MATRIX_SECTION_IDS)
    assert PAYLOAD in checks["text"]
    assert checks["svgs"] >= 3  # one profile chart per inventory
    assert "4 models side by side" in checks["title"]
