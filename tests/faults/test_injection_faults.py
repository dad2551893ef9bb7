"""Hostile text in the events file, the feed and the page address: shown as text everywhere, never as a
link, an image, a tag or a formula (markdown on the page, plotly text on the page and in exports)."""
from __future__ import annotations

import csv
import io
import re

import pytest

from dashboard import safe_text
from tests.faults import helpers

HOSTILE = [
    "[Sign in again](https://evil.example/login)",
    "![b](http://evil.example/beacon.png)",
    "<a href='https://evil.example'>click</a>",
    "<b>bold</b><img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "**loud** _quiet_ ~~gone~~",
    "$\\frac{1}{0}$",
    ":red[alarm] :material/warning:",
    "https://evil.example/auto",
    "www.evil.example",
    "mail me@evil.example",
    "`code` <style>body{display:none}</style>",
    "line one\n# heading\n- item",
    "&lt;a href=x&gt;entity&lt;/a&gt;",
    "%{x} template",
]

_LINK_MD = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\((?!<https://)")


def _renders_plain(markdown: str) -> bool:
    """No unescaped markdown link/image, HTML tag, emphasis, code, LaTeX or autolink survives."""
    unescaped = re.sub("\u2060.", "", re.sub(r"\\.", "", markdown))  # escaped, or broken by a word joiner
    return not re.search(r"[\[\]<>`*_$~]|https?://|www\.|@|:material/", unescaped)  # U+2060 breaks autolinks


@pytest.mark.parametrize("text", HOSTILE)
def test_md_escapes(text):
    assert _renders_plain(safe_text.md(text))
    assert "\n" not in safe_text.md(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_plotly_text_escapes(text):
    out = safe_text.plotly_text(text)
    assert "<" not in out and ">" not in out


BAD_URLS = ["http://evil.example/", "javascript:alert(1)", "https://x.example/)[t](https://evil.example",
            "https://x.example/<img>", "https://a b.example/", "data:text/html,<b>x</b>", "//evil.example/x",
            "https://user:pw@evil.example/", "https://", "ftp://evil.example/", "https://x.example/\"onmouseover=x"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_only_safe_https_links(url):
    assert safe_text.safe_url(url) is None
    assert "](" not in safe_text.md_link("source", url).replace("\\]", "")


def test_md_link_for_a_good_url():
    assert safe_text.md_link("cbp.gov", "https://www.cbp.gov/newsroom?a=1") == \
        "[cbp.gov](<https://www.cbp.gov/newsroom?a=1>)"


def _hostile_events_csv(crossings) -> str:
    """The real registry with hostile titles, summaries and (valid https) source URLs on every row."""
    rows = list(csv.DictReader(io.StringIO((helpers.DATA / "events.csv").read_text())))
    for i, r in enumerate(rows):
        r["title"] = HOSTILE[i % len(HOSTILE)].replace("\n", " ")
        r["summary"] = HOSTILE[(i + 3) % len(HOSTILE)].replace("\n", " ")
        r["source_urls"] = f"https://evil.example/%5Bx%5D{i}" if i % 2 else f"https://evil.example/a?b={i}"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


@pytest.fixture(scope="module")
def hostile_snapshot(snapshot):
    from dataclasses import replace

    from loaders.events import parse_events
    ev = parse_events(_hostile_events_csv(snapshot.crossings), source="hostile.csv", crossings=snapshot.crossings)
    return replace(snapshot, events=ev, extra={})


def _figure_strings(fig):
    js = fig.to_plotly_json()
    out = []

    def walk(o):
        if isinstance(o, str):
            out.append(o)
        elif isinstance(o, dict):
            for k, v in o.items():
                if k not in ("lat", "lon", "x", "y", "customdata_ids"):
                    walk(v)
        elif isinstance(o, (list, tuple)):
            for v in o:
                walk(v)
    walk(js)
    return out


@pytest.mark.parametrize("chart", ["map", "volumes", "compare", "events"])
@pytest.mark.parametrize("at", [None, "2023-12-20"])
def test_figures_carry_no_markup_from_data(chart, at, hostile_snapshot):
    from dashboard import views
    from dashboard.filters import Filters
    f = Filters(at=at, start="2023-06", end="2024-06")
    spec = views.all_charts(hostile_snapshot, f)[chart]
    for s in _figure_strings(spec.figure):
        assert not re.search(r"<\s*(a|img|script|style)\b", s, re.I), s[:200]
        assert "evil.example'>" not in s


def test_sources_markdown_has_no_foreign_link(hostile_snapshot):
    from dashboard import views
    text = views.sources_markdown(hostile_snapshot.events)
    for line in text.splitlines():
        title = line.split("**")[1]
        assert _renders_plain(title), title
    assert "](<https://evil.example/" in text  # the registry's own https sources stay links, as built


def test_url_parameters_are_plain_on_the_page(env):
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(helpers.ROOT / "dashboard" / "app.py"), default_timeout=120)
    at.query_params["mode"] = "[Sign in again](https://evil.example/x)"
    at.query_params["family"] = "![b](http://evil.example/beacon.png)"
    at.run()
    assert not at.exception
    texts = [w.value for w in at.warning]
    assert any("Sign in again" in t for t in texts)
    for t in texts:
        if "evil" in t:
            assert _renders_plain(t.split("Link: ", 1)[-1]), t


def test_feed_text_in_an_error_is_plain(server, env):
    """A feed whose port_status is a markdown link: the page's banner shows it as text."""
    import json
    from streamlit.testing.v1 import AppTest
    doc = helpers.cbp_doc()
    doc[0]["port_status"] = "[Sign in](https://evil.example/x)"
    url = server.add_body(json.dumps(doc).encode(), name="evil-status")
    env.set(CBP_JSON_URL=url, CBP_XML_URL=url)
    from dashboard import live
    live.clear()
    at = AppTest.from_file(str(helpers.ROOT / "dashboard" / "app.py"), default_timeout=120)
    at.run()
    at.sidebar.radio[0].set_value("live").run()
    assert not at.exception
    # the live-failure banner is a warning (issue 12: one plain banner, the source back on the snapshot)
    banners = [e.value for e in (*at.error, *at.warning)]
    assert any("Sign in" in e for e in banners), banners
    assert all(_renders_plain(e.split("Reason: ", 1)[-1]) for e in banners if "Sign in" in e)
