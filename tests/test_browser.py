"""The dashboard in a real headless Chromium, started exactly the way ``make run`` starts it.

One server (``borderwatch run --port <free> --address 127.0.0.1``) and one Chromium serve the whole module;
every test opens its own browser context. Every request a page makes is recorded and must go to
127.0.0.1: the page, its scripts and fonts, the offline basemap (``app/static/topojson/``) and the image
downloads all come from the local server. Screenshots land in ``test-artifacts/browser/``.

Expected numbers come from the data, not from the page: the marker count from the crossings table, the
status counts from ``borderwatch status`` (the CLI and the page must agree).

Waiting: a Streamlit rerun is finished when ``[data-testid=stApp]`` has
``data-test-script-state="notRunning"``; the map is drawn when its plotly geo subplot has land paths and
``path.point`` markers. Every wait combines both with the condition the test is after (e.g. "9 markers"),
so a test never races the rerun it triggered.
"""
from __future__ import annotations

import contextlib
import io
import json
import struct
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser_support import (ARTIFACTS, JS_IDLE, JS_NO_SKELETON, TIMEOUT_MS,  # noqa: F401 (fixtures)
                                   browser, chromium_path, new_page, serving)

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1440, "height": 900}

# --- selectors (see the module docstring) -------------------------------------------------------------
MAP = ".st-key-map_chart"                      # st.plotly_chart(key="map_chart") -> element class
MAP_POINTS = f"{MAP} .js-plotly-plot g.trace.scattergeo path.point"   # one per crossing marker
MAP_LAND = f"{MAP} .js-plotly-plot g.layer.land path"                # basemap drawn (topojson loaded)
JS_N_POINTS = f"document.querySelectorAll({json.dumps(MAP_POINTS)}).length"
JS_MAP_DRAWN = f"document.querySelectorAll({json.dumps(MAP_LAND)}).length > 0 && {JS_N_POINTS} > 0"
#: (crossing_id, centre x, centre y) of every visible marker, read from plotly's own data binding.
JS_MARKERS = f"""() => {{
  const gd = document.querySelector('{MAP} .js-plotly-plot');
  return [...document.querySelectorAll({json.dumps(MAP_POINTS)})].map(p => {{
    const ti = p.closest('g.trace').__data__[0].trace.index;
    const cd = gd._fullData[ti].customdata[p.__data__.i];
    const r = p.getBoundingClientRect();
    return [cd[0], r.x + r.width / 2, r.y + r.height / 2];
  }});
}}"""


# ------------------------------------------------------------------ expected values, from the data
def _cli(*args: str) -> list[dict]:
    """``borderwatch <args> --format json``, run in this process (no second interpreter start-up)."""
    from dashboard.cli import main
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main([*args, "--format", "json"])
    assert code == 0, f"borderwatch {' '.join(args)} exited with {code}"
    return json.loads(buf.getvalue())


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> dict:
    """Status rows per state (default time) and for AZ at 2023-12-20, as ``borderwatch status`` gives them
    with the same empty BORDERWATCH_HOME as the server (so both read the embedded snapshot)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BORDERWATCH_HOME", str(tmp_path_factory.mktemp("bw-cli-home")))
        return {"rows": _cli("status"), "az_dec20": _cli("status", "--state", "AZ", "--at", "2023-12-20")}


def _n(rows: list[dict], *states: str) -> int:
    return sum(r["state"] in states for r in rows)


# ------------------------------------------------------------------ server and browser
@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """``borderwatch run`` as ``make run`` does it, on a free loopback port, with a private BORDERWATCH_HOME."""
    with serving(tmp_path_factory.mktemp("bw-home")) as url:
        yield url


@pytest.fixture
def page(browser, app_url):
    """A fresh context and page; ``page.requests_seen`` lists every URL it asked for (HTTP and websocket)."""
    with new_page(browser, app_url, websockets=True, viewport=VIEWPORT, accept_downloads=True) as pg:
        yield pg


#: An iPhone 13/14-sized phone: 390x844 CSS px, its Safari user agent (the page fits the map to a phone by it).
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                       "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"}


@pytest.fixture
def phone(browser, app_url):
    with new_page(browser, app_url, accept_downloads=True, **PHONE) as pg:
        yield pg


# ------------------------------------------------------------------ helpers
def wait_idle(page, condition: str = "true") -> None:
    """Script finished, map drawn, no loading skeleton, and ``condition`` (a JS expression) holds."""
    page.wait_for_function(f"({JS_IDLE}) && ({JS_MAP_DRAWN}) && ({JS_NO_SKELETON}) && ({condition})",
                           timeout=TIMEOUT_MS)
    # The condition could have held for a moment between two reruns: require it again after a beat.
    page.wait_for_timeout(300)
    page.wait_for_function(f"({JS_IDLE}) && ({JS_MAP_DRAWN}) && ({condition})", timeout=TIMEOUT_MS)


def open_page(page, query: str = "") -> None:
    page.goto(page.base_url + "/" + query)
    wait_idle(page)


def n_markers(page) -> int:
    return page.evaluate(JS_N_POINTS)


def markers(page) -> list[tuple[str, float, float]]:
    return [tuple(m) for m in page.evaluate(JS_MARKERS)]


def legend(page) -> list[str]:
    return page.evaluate(f"[...document.querySelectorAll('{MAP} .legendtext')].map(e => e.textContent)")


def metrics(page) -> dict[str, int]:
    out = {}
    for m in page.get_by_test_id("stMetric").all():
        label = m.get_by_test_id("stMetricLabel").inner_text().strip().split()[-1].lower()
        out[label] = int(m.get_by_test_id("stMetricValue").inner_text().strip())
    return out


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def assert_healthy(page) -> None:
    errors = page.get_by_test_id("stException").all_inner_texts()
    assert not errors, f"the page shows an exception: {errors[0][:500]}"


def assert_stayed_local(page) -> None:
    outside = sorted({u for u in page.requests_seen if urlsplit(u).hostname != "127.0.0.1"
                      and not u.startswith(("data:", "blob:", "about:"))})
    assert page.requests_seen, "no request recorded"
    assert not outside, f"the page requested {len(outside)} URL(s) off this machine: {outside}"


def screenshot(page, name: str, viewport: dict = VIEWPORT) -> Path:
    """The whole page. Streamlit scrolls inside ``stMain`` (the document itself never grows), so
    ``full_page=True`` would capture one viewport: grow the viewport to the content instead."""
    height = page.evaluate("""() => Math.max(
        document.querySelector('[data-testid=stMain]')?.scrollHeight || 0,
        document.querySelector('[data-testid=stSidebarContent]')?.scrollHeight || 0,
        window.innerHeight)""")
    page.set_viewport_size({"width": viewport["width"], "height": min(int(height) + 20, 6000)})
    page.wait_for_timeout(400)  # plotly's responsive relayout
    page.evaluate("document.fonts.ready")
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)
    return path


# ------------------------------------------------------------------ tests
def test_default_page(page, expected):
    open_page(page)
    rows = expected["rows"]
    assert query(page) == {}, f"the default view should keep a clean address, got {page.url}"
    n = n_markers(page)
    assert n == len(rows) == _n(rows, "TX", "AZ", "CA"), (n, len(rows))
    assert len({m[0] for m in markers(page)}) == n, "two markers carry the same crossing_id"
    want = Counter(r["status"] for r in rows)
    got = metrics(page)
    assert got == {k: want.get(k, 0) for k in ("open", "partial", "closed", "unknown")}, (got, want)
    # the legend names every status on the map with its count: "Open (18)", "Unknown (16, 8 rail/dam/ferry)"
    leg = legend(page)
    for status, count in want.items():
        assert any(t.startswith(f"{status.capitalize()} ({count}") for t in leg), (status, count, leg)
    assert_healthy(page)
    screenshot(page, "default.png")
    assert_stayed_local(page)


def test_state_filter_via_ui(page, expected):
    rows = expected["rows"]
    open_page(page)
    side = page.get_by_test_id("stSidebar")
    states = side.get_by_test_id("stMultiSelect").filter(has_text="States")
    states.get_by_role("button", name="Remove Texas").click()
    wait_idle(page, f"{JS_N_POINTS} === {_n(rows, 'AZ', 'CA')}")
    states.get_by_role("button", name="Remove California").click()
    page.keyboard.press("Escape")
    n_az = _n(rows, "AZ")  # 9 today
    wait_idle(page, f"{JS_N_POINTS} === {n_az} && location.search.includes('state=AZ')")
    assert n_markers(page) == n_az
    assert {m[0].split("-")[0] for m in markers(page)} == {"az"}
    assert query(page).get("state") == ["AZ"], page.url
    assert sum(metrics(page).values()) == n_az
    assert states.get_by_test_id("stMultiSelectTagsContainer").inner_text().split() == ["Arizona"]
    assert_healthy(page)
    screenshot(page, "az.png")
    assert_stayed_local(page)


def test_shared_link_az_on_2023_12_20(page, expected):
    open_page(page, "?state=AZ&at=2023-12-20")
    rows = expected["az_dec20"]
    closed = sorted(r["crossing_id"] for r in rows if r["status"] == "closed")
    assert closed == ["az-lukeville", "az-nogales-morley-gate"]
    assert n_markers(page) == len(rows)
    leg = legend(page)
    assert any(t.startswith(f"Closed ({len(closed)}") for t in leg), leg
    # the closed trace holds exactly Lukeville and Morley Gate
    on_map = page.evaluate(f"""() => document.querySelector('{MAP} .js-plotly-plot').data
        .filter(t => t.meta === 'closed').flatMap(t => t.customdata.map(c => c[0])).sort()""")
    assert on_map == closed
    assert metrics(page)["closed"] == len(closed)
    banner = page.get_by_test_id("stAlert").filter(has_text="2023-12-20")
    assert banner.count() == 1, page.get_by_test_id("stAlert").all_inner_texts()
    assert "as of 2023-12-20" in banner.inner_text()
    # the sidebar shows the time switch on, and the address keeps the view
    assert page.get_by_test_id("stSidebar").get_by_role("switch").first.is_checked()
    assert query(page) == {"state": ["AZ"], "at": ["2023-12-20"]}, page.url
    assert_healthy(page)
    screenshot(page, "az_2023-12-20.png")
    assert_stayed_local(page)


def test_click_marker_selects_crossing(page):
    open_page(page, "?state=AZ")
    target = [m for m in markers(page) if m[0] == "az-lukeville"]
    assert len(target) == 1, markers(page)
    _, x, y = target[0]
    page.mouse.move(x, y)
    hover = page.locator(f"{MAP} .hoverlayer")
    page.wait_for_function(f"document.querySelector('{MAP} .hoverlayer')?.textContent.includes('Lukeville')")
    assert "Lukeville (AZ)" in hover.text_content()  # an SVG group: no inner_text
    page.mouse.click(x, y)
    wait_idle(page, "location.search.includes('crossing=')")
    assert query(page).get("crossing") == ["az-lukeville"], page.url
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="Crossing")
    assert box.locator("input").input_value() == "Lukeville (AZ)"
    main = page.get_by_test_id("stMain")
    assert "Crossing detail" in main.inner_text()
    detail = main.locator(".st-key-crossing_detail")
    assert "event 2023-12-lukeville-closure" not in detail.inner_text()  # ?state=AZ only: no 'at', feed time
    assert "Lukeville (AZ)" in detail.inner_text()
    assert_healthy(page)
    screenshot(page, "az_lukeville_clicked.png")
    assert_stayed_local(page)


def test_map_png_download(page):
    open_page(page, "?state=AZ&at=2023-12-20")
    button = page.locator(f"{MAP}_png").get_by_role("button")
    assert button.count() == 1, "no PNG button under the map (image export unavailable?)"
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    download = info.value
    assert download.failure() is None, download.failure()
    data = Path(download.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    assert len(data) > 10_000, f"PNG of only {len(data)} bytes: an empty map?"
    width, height = struct.unpack(">II", data[16:24])  # IHDR
    assert width >= 600 and height >= 400, (width, height)
    assert download.suggested_filename.endswith(".png"), download.suggested_filename
    (ARTIFACTS / "map_download.png").write_bytes(data)
    assert_healthy(page)
    assert_stayed_local(page)


# ------------------------------------------------------------------ phone and accessibility
def test_phone_layout_390x844(phone):
    open_page(phone, "?region=san-diego")
    # the sidebar starts collapsed on a narrow screen instead of covering three quarters of it
    side = phone.get_by_test_id("stSidebar")
    assert side.get_attribute("data-collapsed") == "true", side.get_attribute("data-collapsed")
    assert side.bounding_box() is None or side.bounding_box()["x"] + side.bounding_box()["width"] <= 1
    # the map is tall enough to use and fits the screen
    box = phone.locator(f"{MAP} .js-plotly-plot").bounding_box()
    assert box["width"] <= 390 and box["height"] >= 450, box
    # every crossing of the area is named on the map
    names = phone.evaluate(f"""() => [...document.querySelectorAll('{MAP} g.trace.scattergeo text')]
        .map(t => t.textContent)""")
    for n in ("San Ysidro", "PedWest", "Otay Mesa Commercial", "Tecate"):
        assert any(n in t for t in names), (n, names)
    # titles are page text that wraps: nothing sticks out sideways
    main = phone.get_by_test_id("stMain")
    assert "Status of border crossings into the U.S.: San Diego" in main.inner_text()
    width = phone.evaluate("document.querySelector('[data-testid=stMain]').scrollWidth")
    assert width <= 392, f"the page is {width} px wide on a 390 px screen"
    assert_healthy(phone)
    screenshot(phone, "phone_390x844.png", viewport=PHONE["viewport"])
    assert_stayed_local(phone)


def _serious_axe_violations(page) -> list[str]:
    """axe-core (shipped inside axe-playwright-python) on the page as it stands: serious and critical
    violations, one line each."""
    from axe_playwright_python.sync_playwright import Axe
    res = Axe().run(page, options={"resultTypes": ["violations"]})
    out = []
    for v in res.response["violations"]:
        if v["impact"] in ("serious", "critical"):
            targets = [n["target"] for n in v["nodes"]][:3]
            out.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']} {targets}")
    return out


@pytest.mark.parametrize("view", ["", "?state=AZ&at=2023-12-20&crossing=az-lukeville&tab=events",
                                  "?state=TX&tab=crossings&lane=commercial-standard"])
def test_axe_no_serious_violations_desktop(page, view):
    open_page(page, view)
    bad = _serious_axe_violations(page)
    assert not bad, "\n".join(bad)
    # charts and their downloads have accessible names
    assert page.get_by_role("img", name="Status map").count() or page.locator(f"{MAP} [aria-label]").count()
    assert page.get_by_role("button", name="PNG: status map").count() == 1


def test_axe_no_serious_violations_phone(phone):
    open_page(phone)
    bad = _serious_axe_violations(phone)
    assert not bad, "\n".join(bad)
