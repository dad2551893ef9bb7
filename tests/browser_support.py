"""What the browser tests share (tests/test_browser.py, tests/test_history_browser.py): the Chromium they
accept, ``borderwatch run`` started as ``make run`` starts it on a free loopback port, one headless browser
per test module, and a fresh page that records every URL it asks for.

The fixtures ``chromium_path`` and ``browser`` are module-scoped: a module that imports them gets its own
Chromium for its tests (one sync Playwright at a time; a second one in the same module fails).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
BORDERWATCH = Path(sys.executable).with_name("borderwatch")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 120_000  # generous: the machine is shared (timing lives in make bench)
#: A Streamlit rerun is finished; no loading skeleton is left.
JS_IDLE = ("document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state')"
           " === 'notRunning'")
JS_NO_SKELETON = "document.querySelectorAll('[data-testid=stSkeleton]').length === 0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(home: Path, env: dict[str, str] | None = None, *, ready_s: float = 30) -> Iterator[str]:
    """``borderwatch run --port <free> --address 127.0.0.1`` with ``BORDERWATCH_HOME=home`` (and ``env``),
    its output in ``home/server.log``; yields the URL once ``/_stcore/health`` answers, stops it after."""
    if not BORDERWATCH.exists():
        pytest.fail(f"{BORDERWATCH} not found: install the project into this venv (make install-test)")
    port = free_port()
    log = open(home / "server.log", "w+b")
    proc = subprocess.Popen([str(BORDERWATCH), "run", "--port", str(port), "--address", "127.0.0.1"],
                            cwd=ROOT, env={**os.environ, "BORDERWATCH_HOME": str(home), **(env or {})},
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def server_log() -> str:
        log.flush()
        return (home / "server.log").read_text(errors="replace")[-3000:]

    try:
        deadline = time.monotonic() + ready_s
        while True:
            if proc.poll() is not None:
                pytest.fail(f"borderwatch run exited with {proc.returncode}:\n{server_log()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{url}/_stcore/health not OK within {ready_s:g} s:\n{server_log()}")
            time.sleep(0.2)
        yield url
    finally:
        # SIGTERM lets Streamlit shut down its kaleido Chromium (own session, not in our process group).
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        log.close()


@contextlib.contextmanager
def new_page(browser, base_url: str | None = None, *, websockets: bool = False, **context):
    """A fresh browser context (``context``: viewport, user agent, ...) and page; ``page.requests_seen``
    lists every URL it asked for (and websocket URLs with ``websockets``), ``page.base_url`` the server."""
    ctx = browser.new_context(**context)
    ctx.set_default_timeout(TIMEOUT_MS)
    pg = ctx.new_page()
    seen: list[str] = []
    ctx.on("request", lambda r: seen.append(r.url))
    if websockets:
        pg.on("websocket", lambda ws: seen.append(ws.url))
    pg.requests_seen = seen
    pg.base_url = base_url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield pg
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def chromium_path() -> str:
    """The Chrome/Chromium ``make chromium`` accepts: $BROWSER_PATH, /usr/bin/chromium, or one on PATH."""
    candidates = (os.environ.get("BROWSER_PATH"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser"), shutil.which("google-chrome"))
    path = next((p for p in candidates if p and os.path.isfile(p) and os.access(p, os.X_OK)), None)
    if path is None:
        pytest.fail("Chromium not found ($BROWSER_PATH, /usr/bin/chromium, or chromium/chromium-browser/"
                    "google-chrome on PATH): the browser tests need one. `make test` installs Debian's "
                    "chromium package (`make chromium`); no browser is ever downloaded by playwright.")
    return path


@pytest.fixture(scope="module")
def browser(chromium_path):
    """One headless Chromium for the module's tests."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
