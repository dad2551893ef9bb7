"""Live by default: the page and `borderwatch status` start from the live CBP feed and fall back to the
embedded snapshot within a few seconds when it cannot be reached.

A local HTTP server on 127.0.0.1 stands in for CBP, serving the real 2022 capture (and, as the broken
case, a port that refuses connections and a server that never answers). The rest of the suite runs with
BORDERWATCH_OFFLINE=1 (tests/conftest.py); these tests unset it.
"""
from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


class _Server:
    def __init__(self, body: bytes | None, delay: float = 0.0):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.hits += 1
                if delay:
                    time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *a):
                pass

        self.hits = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/bwtnew"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _refused_url() -> str:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/bwtnew"


@pytest.fixture
def cbp_2022(shared_data):
    srv = _Server((shared_data / "cbp" / "bwtnew_2022-06-29.json").read_bytes())
    yield srv
    srv.close()


@pytest.fixture
def online(monkeypatch, tmp_path):
    """The default environment of a user's machine: not offline, an empty BORDERWATCH_HOME."""
    import streamlit as st
    st.cache_data.clear()  # the page caches a good live fetch for 5 minutes, per feed URL
    monkeypatch.delenv("BORDERWATCH_OFFLINE", raising=False)
    monkeypatch.setenv("BORDERWATCH_HOME", str(tmp_path))
    return monkeypatch


def _set_feed(mp, url: str) -> None:
    mp.setenv("BORDERWATCH_CBP_JSON_URL", url)
    mp.setenv("BORDERWATCH_CBP_XML_URL", url.replace("bwtnew", "bwt.xml"))


def _page() -> AppTest:
    return AppTest.from_file(APP, default_timeout=90).run()


def test_page_starts_on_the_live_feed(online, cbp_2022):
    _set_feed(online, cbp_2022.url)
    at = _page()
    assert not at.exception
    assert cbp_2022.hits >= 1
    assert at.sidebar.radio(key="w_source").value == "live"
    banners = " ".join(a.value for a in [*at.success, *at.warning])
    # the page says which source it shows and since when
    assert "Live CBP feed, as of" in banners and "live since" in banners, banners
    assert "Snapshot, not live" not in banners
    assert "source" not in at.query_params  # live is the default: a clean address


def test_page_falls_back_to_the_snapshot_within_seconds_with_one_banner(online):
    _set_feed(online, _refused_url())
    t0 = time.monotonic()
    at = _page()
    took = time.monotonic() - t0
    assert not at.exception
    assert at.sidebar.radio(key="w_source").value == "embedded"   # the control says what is shown
    texts = [w.value.replace("\\", "") for w in at.warning]
    fallback = [t for t in texts if "could not be reached" in t]
    assert len(fallback) == 1, texts
    assert "The live CBP feed could not be reached — showing the snapshot of 2022-06-29" in fallback[0]
    assert not [t for t in texts if "Snapshot, not live" in t]  # one banner, not two
    assert not at.error and not at.exception
    assert took < 60  # generous on a shared machine; the fetch itself is bounded to a few seconds


def test_unanswering_feed_is_abandoned_after_the_wall_clock_limit(online):
    from loaders.auto_source import AUTO_WALL_S, try_live_waits
    from loaders.crossings import load_crossings
    slow = _Server(b"[]", delay=30)
    try:
        _set_feed(online, slow.url)
        t0 = time.monotonic()
        waits, reason = try_live_waits(load_crossings(), wall_s=2.0)
        assert waits is None and reason
        assert time.monotonic() - t0 < AUTO_WALL_S
    finally:
        slow.close()


def test_offline_env_and_source_in_the_url_choose_explicitly(online, cbp_2022):
    _set_feed(online, cbp_2022.url)
    online.setenv("BORDERWATCH_OFFLINE", "1")
    at = _page()
    assert at.sidebar.radio(key="w_source").value == "embedded" and cbp_2022.hits == 0
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["source"] = "live"
    at.run()
    assert at.sidebar.radio(key="w_source").value == "live" and cbp_2022.hits >= 1
    assert at.query_params["source"] in ("live", ["live"])  # not the default when offline: kept


def _status(*args: str) -> tuple[int, list, str]:
    from dashboard.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["status", *args, "--format", "json"])
    return code, json.loads(out.getvalue() or "[]"), err.getvalue()


def test_status_command_is_live_by_default_and_falls_back(online, cbp_2022):
    _set_feed(online, cbp_2022.url)
    code, rows, err = _status()
    assert code == 0 and cbp_2022.hits >= 1 and "live CBP feed" in err
    assert len(rows) > 40
    _set_feed(online, _refused_url())
    code, rows2, err = _status()
    assert code == 0 and "could not be reached — showing the snapshot of 2022-06-29" in err
    assert len(rows2) == len(rows)
    assert {r["crossing_id"] for r in rows2} == {r["crossing_id"] for r in rows}
    hits = cbp_2022.hits
    _set_feed(online, cbp_2022.url)
    code, _, err = _status("--offline")
    assert code == 0 and cbp_2022.hits == hits and "live" not in err
