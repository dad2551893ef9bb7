"""The page when its data source fails: a banner and the last good data; a dead live feed costs one
timeout, not one per rerun."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import live
from tests.faults import helpers

APP = str(helpers.ROOT / "dashboard" / "app.py")


@pytest.fixture
def page(env):
    live.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _metrics(at):
    return {m.label: m.value for m in at.metric}


CASES = [
    ("drip", helpers.drip, "deadline"),
    ("503-retry-after-3600", helpers.retry_after(503, "3600"), "retry after 3600"),
    ("canadian-only", None, "no texas"),
    ("html-200", lambda h: h.reply(200, b"<html></html>", "text/html"), "not valid|elements under"),
    ("gzip-bomb", helpers.bomb("gzip", 1 << 30), "limit"),
]


def _live_banner(at) -> str | None:
    """The one plain banner the page shows when the live feed failed (a warning, not an error)."""
    texts = [w.value for w in at.warning if "live CBP feed could not be reached" in w.value]
    return texts[0] if texts else None


@pytest.mark.parametrize("cid,route,needle", CASES, ids=[c[0] for c in CASES])
def test_dead_live_feed_costs_one_timeout(cid, route, needle, server, env, page):
    import json
    if route is None:
        body = json.dumps([c for c in helpers.cbp_doc() if c["border"] != "Mexican Border"]).encode()
        route = lambda h: h.reply(200, body)  # noqa: E731
    url = server.add(route, name=f"page-{cid}")
    path = url.removeprefix(server.base)
    env.set(CBP_JSON_URL=url, CBP_XML_URL=url, LIVE_DEADLINE="1.5")
    before = _metrics(page)
    page.sidebar.radio[0].set_value("live").run()
    assert not page.exception
    banner = _live_banner(page)
    assert banner and any(n in banner.lower() for n in needle.split("|")), [w.value for w in page.warning]
    assert page.sidebar.radio[0].value == "embedded"  # the source control is back on the snapshot
    assert _metrics(page) == before  # the last good data (the snapshot) is still shown
    hits = server.hits.get(path, 0)
    assert hits >= 1
    # Choosing Live again within the failure's TTL does not fetch again: a dead feed costs one timeout.
    for _ in range(3):
        page.sidebar.radio[0].set_value("live").run()
        assert not page.exception
        assert _live_banner(page)
        assert page.sidebar.radio[0].value == "embedded"
    assert server.hits.get(path, 0) == hits


def test_failure_is_forgotten_after_its_ttl():
    live.clear()
    live.remember_failure("k", "down", now=100.0)
    assert live.recent_failure("k", now=100.0 + live.FAILURE_TTL_S - 1) == "down"
    assert live.recent_failure("k", now=100.0 + live.FAILURE_TTL_S + 1) is None


def test_unreadable_refreshed_snapshot_shows_a_banner(env, home):
    (home / "snapshot" / "manifest.json").write_bytes(b"{broken")
    live.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    at.sidebar.radio[0].set_value("refreshed").run()
    assert not at.exception
    assert any("refreshed snapshot cannot be read" in e.value for e in at.error)
