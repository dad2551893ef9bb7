"""The fetch path against servers that hang, drip, flood, bomb, throttle and redirect: every case ends within
its deadline with one line naming the URL, and the refreshed snapshot is byte-identical afterwards."""
from __future__ import annotations

import gzip
import time

import pytest

from tests.faults import helpers

#: FAST_ENV gives each fetch a 2 s deadline; allow for the machine being busy, never for a hang.
BOUND_S = 12

CASES = [
    # (id, route, needle)
    ("drip-bytes", helpers.drip, "deadline"),
    ("endless-body", helpers.endless, "limit"),
    ("endless-chunked", helpers.endless_chunked, "limit"),
    ("slow-headers", helpers.slow_headers, "timed out|deadline"),
    ("close-at-once", helpers.close_at_once, "request failed"),
    ("truncated-body", helpers.truncated, "failed"),
    ("content-length-200mb", helpers.big_length, "larger than the 5.0 mb limit"),
    ("gzip-bomb-1gib", helpers.bomb("gzip", 1 << 30), "after decompression"),
    ("deflate-bomb", helpers.bomb("deflate", 64 << 20), "after decompression"),
    ("double-gzip-bomb", helpers.double_gzip, "limit"),
    ("gzip-header-not-gzip", lambda h: h.reply(200, b"plain text", headers={"Content-Encoding": "gzip"}), "failed"),
    ("gzip-truncated", lambda h: h.reply(200, gzip.compress(helpers.CBP_CAPTURE.read_bytes())[:3000],
                                         headers={"Content-Encoding": "gzip"}), "failed|not valid"),
    ("503-retry-after-3600", helpers.retry_after(503, "3600"), "retry after 3600 s"),
    ("429-retry-after-3600", helpers.retry_after(429, "3600"), "retry after 3600 s"),
    ("503-retry-after-date", helpers.retry_after(503, "Fri, 31 Dec 2100 23:59:59 GMT"), "more than this fetch may wait"),
    ("503-retry-after-garbage", helpers.retry_after(503, "soon-ish"), "http 503"),
    ("503-no-retry-after", lambda h: h.reply(503, b"down", "text/plain"), "http 503"),
    ("500", lambda h: h.reply(500, b"oops", "text/plain"), "http 500"),
    ("502", lambda h: h.reply(502, b"bad gateway", "text/plain"), "http 502"),
    ("404", lambda h: h.reply(404, b"gone", "text/plain"), "http 404"),
    ("401", lambda h: h.reply(401, b"who", "text/plain"), "http 401"),
    ("403", lambda h: h.reply(403, b"no", "text/plain"), "http 403"),
    ("204", lambda h: h.reply(204, b""), "not valid"),
    ("redirect-to-http-elsewhere", helpers.redirect("http://evil.example/feed"), "plain http:// is refused"),
    ("redirect-to-file", helpers.redirect("file:///etc/passwd"), "only https:// urls"),
    ("redirect-to-ftp", helpers.redirect("ftp://evil.example/feed"), "only https:// urls"),
    ("redirect-with-credentials", helpers.redirect("https://user:pw@evil.example/"), "user name or password"),
    ("redirect-loop", None, "redirects"),
    ("html-200", lambda h: h.reply(200, b"<html><body>Please enable cookies</body></html>", "text/html"),
     "not valid|no <port> elements"),
]


@pytest.fixture(scope="module")
def urls(server):
    helpers.double_gzip  # noqa: B018
    out = {}
    for cid, route, _ in CASES:
        if cid == "redirect-loop":
            path_url = server.add(lambda h: None, name="loop")
            path = path_url.removeprefix(server.base)
            server.routes[path] = helpers.redirect(path)
            out[cid] = path_url
        else:
            out[cid] = server.add(route, name=cid)
    return out


@pytest.mark.parametrize("cid,needle", [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_status_source_url(cid, needle, urls, env, refused):
    t0 = time.monotonic()
    line = refused(["status", "--source", urls[cid]], needle)
    assert time.monotonic() - t0 < BOUND_S
    assert "127.0.0.1" in line


@pytest.mark.parametrize("cid,needle", [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_refresh(cid, needle, urls, env, refused):
    env.set(CBP_JSON_URL=urls[cid], CBP_XML_URL=urls[cid])
    t0 = time.monotonic()
    line = refused(["refresh", "--skip", "bts"], needle)
    assert time.monotonic() - t0 < 2 * BOUND_S  # JSON, then the XML fallback
    assert "nothing refreshed" in line


def test_retry_after_within_bounds_is_honoured(server, env, cli):
    """429 with Retry-After: 1 once, then the real feed: one retry, success."""
    state = {"n": 0}
    body = helpers.CBP_CAPTURE.read_bytes()

    def route(h):
        state["n"] += 1
        if state["n"] == 1:
            return h.reply(429, b"slow down", "text/plain", {"Retry-After": "1"})
        h.reply(200, body)
    url = server.add(route, name="ra-ok")
    env.set(HTTP_RETRY_AFTER_MAX="3", HTTP_DEADLINE="6")
    code, out, err = cli("status", "--source", url, "--format", "csv")
    assert code == 0, err
    assert state["n"] == 2


REFUSED_URLS = [
    ("plain-http-remote", "http://bwt.cbp.gov/api/bwtnew", "plain http:// is refused"),
    ("ftp", "ftp://bwt.cbp.gov/api/bwtnew", "only https:// urls"),
    ("file", "file:///etc/passwd", "only https:// urls"),
    ("credentials", "https://user:secret@bwt.cbp.gov/api/bwtnew", "user name or password"),
    ("bad-port", "https://bwt.cbp.gov:99999/api", "not a valid url"),
    ("connection-refused", "http://127.0.0.1:9/api", "connection refused"),
]


@pytest.mark.parametrize("cid,url,needle", REFUSED_URLS, ids=[c[0] for c in REFUSED_URLS])
def test_refused_before_any_network(cid, url, needle, env, refused):
    """URLs the policy refuses never reach the network (the test machine has none anyway)."""
    env.set(CBP_JSON_URL=url, CBP_XML_URL=url)
    line = refused(["status", "--source", "live"], needle)
    assert url.split("//")[0] in line
