"""The wait-time history section in a real headless Chromium: the heatmap, the trend and the as-of map
drawn from readings of the real San Diego archive (a readings file named by BORDERWATCH_HISTORY_FILE), with
screenshots in test-artifacts/browser/ (looked at by a person before calling the page done)."""
from __future__ import annotations

import pytest

from tests.browser_support import (ARTIFACTS, JS_IDLE, JS_NO_SKELETON, TIMEOUT_MS,  # noqa: F401 (fixtures)
                                   browser, chromium_path, new_page, serving)
from tests.readings_fixtures import sd_readings

pytestmark = pytest.mark.browser
SECTION = "[data-testid=stExpander], .st-key-h_best_chart"


@pytest.fixture(scope="module")
def history_url(tmp_path_factory, shared_data):
    home = tmp_path_factory.mktemp("bw-hist-home")
    readings = home / "readings.csv"
    sd_readings(shared_data).to_csv(readings, index=False)
    with serving(home, {"BORDERWATCH_HISTORY_FILE": str(readings)}) as url:
        yield url


@pytest.fixture(scope="module")
def hpage(browser, history_url):
    with new_page(browser, history_url, viewport={"width": 1440, "height": 1000}) as pg:
        yield pg


def _chart_drawn(key: str, what: str) -> str:
    return (f"({JS_IDLE}) && ({JS_NO_SKELETON}) && "
            f"document.querySelectorAll('.st-key-{key} .js-plotly-plot {what}').length > 0")


def _shot(page, key: str, name: str):
    el = page.locator(f".st-key-{key}")
    el.scroll_into_view_if_needed()
    page.wait_for_timeout(400)
    path = ARTIFACTS / name
    el.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    return path


def _open_tab(page, label: str, key: str, what: str):
    page.get_by_role("tab", name=label).click()
    page.wait_for_function(_chart_drawn(key, what), timeout=TIMEOUT_MS)


def test_heatmap_trend_and_as_of_map(hpage, history_url):
    hpage.goto(f"{history_url}/?hcrossing=ca-san-ysidro&hfrom=2026-08-25&hto=2026-10-11&hat=2026-09-02T07:30")
    hpage.get_by_role("tab", name="Best time to cross").wait_for()
    try:
        hpage.wait_for_function(_chart_drawn("h_best_chart", "g.hm"), timeout=90_000)
    except Exception:
        hpage.screenshot(path=str(ARTIFACTS / "history_failed.png"))
        raise
    # 15 coloured cells with medians, counts in the grey ones
    text = hpage.locator(".st-key-h_best_chart").inner_text()
    assert "120" in text and "n=3" in text and "n=2" in text
    _shot(hpage, "h_best_chart", "history_heatmap.png")

    _open_tab(hpage, "Wait trend", "h_trend_chart", "g.scatterlayer .trace")
    assert "flagged outlier" in hpage.locator(".st-key-h_trend_chart").inner_text()
    _shot(hpage, "h_trend_chart", "history_trend.png")

    _open_tab(hpage, "Map at a past time", "h_map_chart", "g.layer.land path")
    hpage.wait_for_function(_chart_drawn("h_map_chart", "path.point"), timeout=TIMEOUT_MS)
    assert "as of 2026-09-02 07:30 PDT" in hpage.locator("[data-testid=stAlert]").all_inner_texts().__str__()
    _shot(hpage, "h_map_chart", "history_as_of_map.png")

    # the section's choices are in the address, and nothing left the machine
    assert "hcrossing=ca-san-ysidro" in hpage.url and "hat=2026-09-02T07%3A30" in hpage.url.replace(":", "%3A")
    assert all(u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) for u in hpage.requests_seen)


def test_heatmap_on_a_phone(browser, history_url):
    with new_page(browser, history_url, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                  is_mobile=True, has_touch=True) as pg:
        pg.goto(f"{history_url}/?hcrossing=ca-otay-mesa-passenger&hlane=passenger:sentri&hfrom=2026-08-25"
                f"&hto=2026-10-11&htall=1")
        pg.wait_for_function(_chart_drawn("h_best_chart", "g.hm"), timeout=90_000)
        collapse = pg.locator("[data-testid=stSidebarCollapseButton] button")
        if collapse.count() and collapse.first.is_visible():
            collapse.first.click()
            pg.wait_for_timeout(600)
        box = pg.locator(".st-key-h_best_chart").bounding_box()
        assert box["width"] <= 390  # no sideways scrolling of the page
        _shot(pg, "h_best_chart", "history_heatmap_phone.png")
