"""The BTS Socrata query against servers that ignore $offset, never stop paging, or answer nonsense:
bounded pages and time, one line, the refreshed snapshot byte-identical."""
from __future__ import annotations

import json
import time

import pytest

from tests.faults import helpers


def _rows(socrata_rows, mutate):
    rows = json.loads(json.dumps(socrata_rows))
    mutate(rows)
    return rows


CASES = [
    ("ignores-offset", lambda rows: helpers.socrata(rows * 3, ignore_offset=True), "ignores $offset"),
    ("endless-pages", lambda rows: helpers.socrata(rows, endless_pages=True), "more than 5 pages"),
    ("error-object", lambda rows: lambda h: h.reply(200, b'{"error": true, "message": "no-such-column: x"}'),
     "no-such-column"),
    ("html-200", lambda rows: lambda h: h.reply(200, b"<html>login</html>", "text/html"), "not valid json"),
    ("http-500", lambda rows: lambda h: h.reply(500, b"x", "text/plain"), "http 500"),
    ("retry-after-3600", lambda rows: helpers.retry_after(503, "3600"), "retry after 3600 s"),
    ("drip", lambda rows: helpers.drip, "deadline"),
    ("gzip-bomb", lambda rows: helpers.bomb("gzip", 1 << 30), "after decompression"),
    ("deep-json", lambda rows: lambda h: h.reply(200, b"[" * 100000 + b"]" * 100000), "not valid json"),
    ("empty-list", lambda rows: helpers.socrata([]), "no bts rows"),
    ("canadian-border-only", lambda rows: helpers.socrata(_rows(rows, lambda r: [x.update(border="US-Canada Border")
                                                                                for x in r])), "outside the us-mexico border"),
    ("bad-values", lambda rows: helpers.socrata(_rows(rows, lambda r: r[3].update(value="lots"))), "not a number"),
    ("superscript-value", lambda rows: helpers.socrata(_rows(rows, lambda r: r[3].update(value="²"))), "not a number"),
    ("missing-measure", lambda rows: helpers.socrata(_rows(rows, lambda r: r[5].pop("measure"))), "measure is missing"),
    ("one-port-only", lambda rows: helpers.socrata([x for x in rows if x["port_code"] == "2602"]), "bts port(s)"),
    ("records-not-objects", lambda rows: helpers.socrata([1, 2, 3]), "not an object"),
]


@pytest.fixture(scope="module")
def urls(server, socrata_rows):
    return {cid: server.add(make(socrata_rows), name=cid) for cid, make, _ in CASES}


@pytest.mark.parametrize("cid,needle", [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_refresh_bts(cid, needle, urls, env, refused):
    env.set(BTS_URL=urls[cid])
    t0 = time.monotonic()
    line = refused(["refresh", "--skip", "cbp", "--bts-from", "2023-11"], needle)
    assert time.monotonic() - t0 < 15
    assert "nothing refreshed" in line


def test_bts_failure_keeps_previous_while_cbp_refreshes(urls, env, cli, home):
    """One source fails, the other refreshes: exit 0, a warning line, the BTS file byte-identical."""
    before = {k: v for k, v in helpers.fingerprint(home).items() if k.startswith("snapshot/") and "bts_volumes" in k}
    env.set(BTS_URL=urls["ignores-offset"])
    # (port pages skipped: this fault server has none, and their own warning line is tested in test_refresh)
    code, out, err = cli("refresh", "--bts-from", "2023-11", "--skip", "portinfo")
    assert code == 0, err
    assert "kept the previous bts data" in helpers.one_line(err)
    after = {k: v for k, v in helpers.fingerprint(home).items() if k.startswith("snapshot/") and "bts_volumes" in k}
    assert list(before.values()) == list(after.values())
