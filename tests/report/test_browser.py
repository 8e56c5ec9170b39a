"""The report in a real browser: headless Chromium driven over its DevTools protocol (aiohttp websocket).

Checks, for the audit page of a full run, the page of a run whose model replies carry a script-injection payload,
and the comparison page: every section id is in the DOM, nothing was logged to the console (CSP violations
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

from psychometrics.report import COMPARE_SECTION_IDS, SECTION_IDS, write_audit_report, write_comparison_report
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

    async def visit(self, url: str, screenshot: Path, *, script: str) -> dict[str, Any]:
        """Open ``url``; collect every event; evaluate ``script`` (an expression returning JSON); screenshot; PDF."""
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
                await call("Page.navigate", url=url)
                while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
                    await receive()
                await asyncio.sleep(0.5)  # let late console messages or requests arrive
                result = await call("Runtime.evaluate", expression=script, returnByValue=True)
                checks = json.loads(result["result"]["value"])
                metrics = await call("Page.getLayoutMetrics")
                size = metrics.get("cssContentSize") or metrics["contentSize"]
                shot = await call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                                  clip={"x": 0, "y": 0, "width": 1280, "height": min(size["height"], 16000),
                                        "scale": 1})
                screenshot.write_bytes(base64.b64decode(shot["data"]))
                pdf = await call("Page.printToPDF", printBackground=True, preferCSSPageSize=True)
                checks["pdf"] = base64.b64decode(pdf["data"])[:5].decode("latin-1")
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


def test_comparison_report_in_browser(runs, browser, shots, tmp_path):
    page = write_comparison_report(runs.full, runs.changed, db=runs.db, out=tmp_path / "compare.html", n_boot=0)
    shot = shots / "compare.png"
    checks, problems = _open(browser, page, shot)
    _assert_clean(checks, problems, shot)
    assert [i for i in checks["ids"] if i in COMPARE_SECTION_IDS] == list(COMPARE_SECTION_IDS)
    assert "What changed" in checks["text"]
