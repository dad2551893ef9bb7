"""The page's wait-time history section, headless through AppTest, on readings from the real San Diego
archive handed to the section in place of the store (the store has its own tests)."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.readings_fixtures import sd_readings

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


@pytest.fixture
def with_history(shared_data, monkeypatch):
    from dashboard.sections import history
    src = history.FrameSource(sd_readings(shared_data), label="San Diego archive")
    monkeypatch.setattr(history, "open_source", lambda: src)
    history._source.clear()
    yield src
    history._source.clear()


def new_app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def specs(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def heatmap(at):
    for s in specs(at):
        if any(t.get("type") == "heatmap" for t in s["data"]):
            return s
    raise AssertionError("no heatmap on the page")


def open_tab(at, label):
    tabs = [t for t in at.tabs if t.label == label]
    assert tabs, [t.label for t in at.tabs]
    return at.tabs


def test_section_without_history_says_how_to_get_it(monkeypatch):
    from dashboard.sections import history
    monkeypatch.setattr(history, "open_source", lambda: None)
    history._source.clear()
    at = new_app()
    assert not at.exception
    assert any("No wait-time history" in i.value for i in at.info)
    history._source.clear()


def test_heatmap_from_url(with_history):
    at = new_app(hcrossing="ca-san-ysidro", hlane="passenger:standard", hfrom="2026-08-25", hto="2026-10-11")
    assert not at.exception, at.exception
    spec = heatmap(at)
    ours = next(t for t in spec["data"] if t["type"] == "heatmap" and "Median" in t["name"])
    assert ours["z"][0][17] == 120  # Monday 17:00 PDT, three readings (see test_history_analysis)
    assert "Best time to cross — San Ysidro (CA), Passenger vehicles, Standard" in spec["layout"]["title"]["text"]
    assert at.session_state["w_hcrossing"] == "ca-san-ysidro"
    # the section's choices are kept in the address
    assert at.query_params["hcrossing"] == ["ca-san-ysidro"] or at.query_params["hcrossing"] == "ca-san-ysidro"


def test_bad_link_values_are_reported_not_fatal(with_history):
    at = new_app(hcrossing="tx-nowhere", hlane="rail:standard", hfrom="yesterday")
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "hcrossing=tx-nowhere" in text and "hfrom=yesterday" in text


def test_lane_change_rebuilds_heatmap(with_history):
    at = new_app(hcrossing="ca-otay-mesa-passenger", hfrom="2026-08-25", hto="2026-10-11")
    at.selectbox(key="w_hlane").set_value("passenger:sentri").run()
    assert not at.exception
    assert "SENTRI/NEXUS" in heatmap(at)["layout"]["title"]["text"]


@pytest.mark.parametrize("tab, check", [
    ("Wait trend", lambda at, s: "Wait trend — San Ysidro (CA)" in s[-1]["layout"]["title"]["text"]),
    ("SENTRI / Ready savings", lambda at, s: any(t.get("meta") == "sentri" for t in s[-1]["data"])),
    ("Fastest nearby", lambda at, s: "Fastest nearby — San Ysidro (CA)" in s[-1]["layout"]["title"]["text"]),
    ("Map at a past time", lambda at, s: any("as of 2026-09-02 07:30 PDT" in i.value for i in at.info)),
    ("Data quality", lambda at, s: any(m.label == "Outliers flagged" and m.value == "1" for m in at.metric)),
])
def test_each_tab_builds_only_when_open(with_history, tab, check):
    at = new_app(hcrossing="ca-san-ysidro", hfrom="2026-08-25", hto="2026-10-11", hat="2026-09-02T07:30")
    n_before = len(specs(at))
    at.session_state["w_htab"] = tab
    at.run()
    assert not at.exception, at.exception
    s = specs(at)
    # the open tab's chart replaces the heatmap: one history chart at a time
    assert len(s) == n_before - (1 if tab == "Data quality" else 0)
    assert not any(t.get("type") == "heatmap" for sp in s for t in sp["data"])
    assert check(at, s)


def test_store_source_gives_the_same_heatmap(shared_data, tmp_path, snapshot):
    """The section's StoreSource over a real SQLite history store holding the same archive readings."""
    from dashboard import history_views as hv
    from dashboard.sections.history import FrameSource, StoreSource
    from history.store import Store
    readings = sd_readings(shared_data)
    store = Store.open(f"sqlite:///{tmp_path / 'h.sqlite3'}", crossings=snapshot.crossings)
    cols = [c for c in readings.columns if c not in ("revision", "poll_id")]
    with store.write() as conn:
        poll = store.start_poll(conn, "import", "test")
        store.add_readings(conn, readings[cols], poll_id=poll)
    src = StoreSource(store)
    assert src.revision() == f"poll-{poll}"
    choice = hv.HistoryChoice(crossing_id="ca-san-ysidro")
    a = hv.best_time_chart(snapshot, src.readings("ca-san-ysidro"), choice, "x").table
    b = hv.best_time_chart(snapshot, FrameSource(readings).readings("ca-san-ysidro"), choice, "x").table
    assert a[["median_minutes", "n_readings"]].equals(b[["median_minutes", "n_readings"]])
    assert set(src.latest()["crossing_id"]) == {"ca-san-ysidro", "ca-otay-mesa-passenger", "ca-tecate"}
    store.close()


def test_heatmap_has_cbp_typical_panel_for_san_ysidro(with_history):
    at = new_app(hcrossing="ca-san-ysidro", hfrom="2026-08-25", hto="2026-10-11")
    spec = heatmap(at)
    names = [t["name"] for t in spec["data"] if t["type"] == "heatmap"]
    assert any("CBP" in n for n in names)
    assert any("CBP's typical waits for September" in (a.get("text") or "") for a in spec["layout"]["annotations"])


# ------------------------------------------------------------------ caching: per store revision, never stale
def _store_with(readings, path, crossings):
    from history.store import Store
    store = Store.open(f"sqlite:///{path}", crossings=crossings)
    _add(store, readings)
    return store


def _add(store, readings):
    cols = [c for c in readings.columns if c not in ("revision", "poll_id")]
    with store.write() as conn:
        poll = store.start_poll(conn, "import", "test")
        store.add_readings(conn, readings[cols], poll_id=poll)
    return poll


def _caption(spec) -> str:
    text = " ".join(a.get("text") or "" for a in spec["layout"].get("annotations", []))
    return re.sub(r"\s*<br>\s*", " ", text)  # captions are wrapped for the image


def test_new_reading_in_the_store_shows_on_the_next_run(shared_data, tmp_path, snapshot, monkeypatch):
    """The section caches its menus and charts per store revision: a reading added by a poll (a new
    revision) is on the page at the next rerun, in the crossing menu and in the heatmap."""
    from dashboard.sections import history
    readings = sd_readings(shared_data)
    sy = readings[(readings["crossing_id"] == "ca-san-ysidro") & (readings["mode"] == "passenger")
                  & (readings["lane"] == "standard")]
    last = sy["source_time"].max()
    store = _store_with(readings, tmp_path / "h.sqlite3", snapshot.crossings)
    src = history.StoreSource(store)
    monkeypatch.setattr(history, "open_source", lambda: src)
    history._source.clear()
    try:
        at = new_app(hcrossing="ca-san-ysidro", hfrom="2026-08-25", hto="2026-10-11")
        assert not at.exception, at.exception
        rev0 = src.revision()
        menu0 = at.selectbox(key="w_hcrossing").options
        cap0 = _caption(heatmap(at))
        label0 = next(o for o in menu0 if o.startswith("San Ysidro"))
        assert f"last reading {last.tz_convert('America/Los_Angeles'):%Y-%m-%d %H:%M}" in label0
        # a States change elsewhere on the page: same revision, same heatmap
        at.sidebar.multiselect[0].set_value(["CA"]).run()
        assert _caption(heatmap(at)) == cap0

        new = sy[sy["source_time"] == last].copy()
        new["source_time"] = last + pd.Timedelta(minutes=15)
        new["collected_at"] = new["source_time"] + pd.Timedelta(minutes=2)
        new["operational_status"] = "delay"
        new["delay_minutes"] = pd.array([55] * len(new), dtype="Int64")
        _add(store, new)
        assert src.revision() != rev0
        at.run()
        assert not at.exception, at.exception
        label1 = next(o for o in at.selectbox(key="w_hcrossing").options if o.startswith("San Ysidro"))
        newest = (last + pd.Timedelta(minutes=15)).tz_convert("America/Los_Angeles")
        assert f"last reading {newest:%Y-%m-%d %H:%M}" in label1
        n0 = int(re.search(r"Median wait of (\d+) CBP readings", cap0).group(1))
        cap1 = _caption(heatmap(at))
        assert f"Median wait of {n0 + 1} CBP readings" in cap1
        assert f"store revision {src.revision()}" in cap1
    finally:
        history._source.clear()
        store.close()


def test_states_change_does_not_rebuild_the_history_chart(with_history, monkeypatch):
    """Only the as-of map draws the page's states: the heatmap is built once for a crossing, lane and window."""
    from dashboard import history_views as hv
    calls = []
    real = hv.best_time_chart
    monkeypatch.setattr(hv, "best_time_chart", lambda *a, **kw: calls.append(a[2]) or real(*a, **kw))
    at = new_app(hcrossing="ca-otay-mesa-passenger", hfrom="2026-08-26", hto="2026-10-10")
    n = len(calls)
    assert n <= 1
    at.sidebar.multiselect[0].set_value(["AZ", "CA"]).run()
    at.sidebar.multiselect[0].set_value(["CA"]).run()
    assert not at.exception, at.exception
    assert len(calls) == n
    # a different window is a different chart
    at.date_input(key="w_hfrom").set_value(dt.date(2026, 9, 1)).run()
    assert len(calls) == n + 1
    assert "2026-09-01" in _caption(heatmap(at))


def test_chart_key_keeps_only_what_each_chart_reads():
    from dashboard import history_views as hv
    from dashboard.sections.history import chart_key
    t = pd.Timestamp("2026-09-02T14:30Z")
    c = hv.HistoryChoice(crossing_id="ca-san-ysidro", at=t, states=("CA",))
    assert chart_key("best_time", c) == chart_key("best_time", hv.HistoryChoice(crossing_id="ca-san-ysidro"))
    assert chart_key("trend", c).at is None and chart_key("quality", c).states == ("TX", "AZ", "CA")
    assert chart_key("nearby", c).at == t and chart_key("nearby", c).states == ("TX", "AZ", "CA")
    assert chart_key("map", c) == c


def test_snap_tz_is_the_reference_zone(snapshot):
    from dashboard.sections.history import snap_tz
    assert snap_tz(snapshot, "az-nogales-deconcini") == "America/Phoenix"
    assert snap_tz(snapshot, "ca-san-ysidro") == "America/Los_Angeles"
    with pytest.raises(ValueError, match="unknown crossing 'nowhere'"):
        snap_tz(snapshot, "nowhere")


# ------------------------------------------------------------------ closed until asked for
def _qp(at, key):
    v = at.query_params.get(key)
    return v[0] if isinstance(v, list) and v else v


def test_section_is_closed_on_the_plain_page_and_opens_on_demand(with_history):
    """The plain page builds no history chart (its controls and downloads neither); the toggle opens it,
    the address keeps it open (history=1), and closing it drops the section's keys."""
    at = new_app()
    assert not at.exception, at.exception
    assert not any(t.get("type") == "heatmap" for s in specs(at) for t in s["data"])
    assert not [s for s in at.selectbox if s.key == "w_hcrossing"]
    show = at.toggle(key="w_hshow")
    assert show.value is False and "3 crossings" in show.label
    assert _qp(at, "history") is None
    show.set_value(True).run()
    assert not at.exception, at.exception
    spec = heatmap(at)
    assert "Best time to cross — " in spec["layout"]["title"]["text"]
    assert _qp(at, "history") == "1"
    at.selectbox(key="w_hcrossing").set_value("ca-san-ysidro").run()
    assert _qp(at, "hcrossing") == "ca-san-ysidro" and _qp(at, "history") is None  # hcrossing opens it too
    at.toggle(key="w_hshow").set_value(False).run()
    assert not at.exception, at.exception
    assert _qp(at, "hcrossing") is None and _qp(at, "history") is None
    assert not any(t.get("type") == "heatmap" for s in specs(at) for t in s["data"])
    # reopened: the default window of the page's crossing, not an empty one
    at.toggle(key="w_hshow").set_value(True).run()
    assert not at.exception, at.exception
    assert "Median wait of" in _caption(heatmap(at))


def test_history_link_opens_the_section(with_history):
    at = new_app(history="1")
    assert not at.exception, at.exception
    assert at.toggle(key="w_hshow").value is True
    assert heatmap(at)
    assert _qp(at, "history") == "1"
