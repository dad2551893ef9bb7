"""Figures of the history page on the real San Diego archive: what is drawn equals the analysis tables."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis import as_of, best_time, data_quality, lane_savings, nearby, wait_trend
from analysis.status import crossing_status
from dashboard.figures.best_time import make_best_time_figure
from dashboard.figures.lane_savings import make_lane_savings_figure
from dashboard.figures.nearby import make_nearby_figure
from dashboard.figures.wait_trend import make_wait_trend_figure
from tests.readings_fixtures import sd_readings

LA = "America/Los_Angeles"


@pytest.fixture(scope="module")
def readings(shared_data):
    return sd_readings(shared_data)


@pytest.fixture(scope="module")
def sy_table(readings):
    return best_time.best_time_table(readings, crossing_id="ca-san-ysidro", mode="passenger", lane="standard", tz=LA)


def _heat(fig, name_part):
    return [t for t in fig.data if t.type == "heatmap" and name_part in (t.name or "")]


def test_heatmap_draws_exactly_the_shown_cells(sy_table):
    fig = make_best_time_figure(sy_table, tz_label="Pacific time", title="Best time", caption="c\nSource: s")
    ours = _heat(fig, "Median")[0]
    assert list(ours.y) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] and len(ours.x) == 24
    # Monday 17:00: 120 min from 3 readings; Monday 00:00 has 2 readings: blank, grey, with its count
    assert ours.z[0][17] == 120 and "n=3" in ours.text[0][17]
    assert ours.z[0][0] is None
    thin = _heat(fig, "fewer than")[0]
    assert thin.z[0][0] == 1 and "n=2" in thin.text[0][0] and thin.z[0][17] is None
    assert "fewer than 3" in ours.customdata[0][0][0] or "left blank" in thin.customdata[0][0]
    shown = sum(v is not None for row in ours.z for v in row)
    assert shown == int(sy_table["shown"].sum()) == 15
    # hours never observed (21-23 Pacific) are neither coloured nor grey
    assert all(ours.z[d][22] is None and thin.z[d][22] is None for d in range(7))
    assert fig.layout.xaxis.title.text == "Hour of the day (Pacific time)"
    assert ours.colorbar.title.text.startswith("Median wait")


def test_heatmap_text_contrast_switches_on_dark_cells(sy_table):
    fig = make_best_time_figure(sy_table)
    ours = _heat(fig, "Median")[0]
    zmax = ours.zmax
    for d in range(7):
        for h in range(24):
            v = ours.z[d][h]
            if v is not None:
                assert ("color:white" in ours.text[d][h]) == (v / zmax >= 0.5)


def test_heatmap_typical_panel_is_separate_and_labelled(sy_table, shared_data):
    typ = pd.read_csv(shared_data / "cbp" / "historicalwaittimes_09250401_san_ysidro_POV_2021-01.csv")
    typ = typ[typ["bwt_month"] == 9].rename(columns={"bwt_day": "weekday", "bwt_hour": "hour",
                                                      "pv_time_avg": "minutes"})
    fig = make_best_time_figure(sy_table, typical=typ[["weekday", "hour", "minutes"]],
                                typical_title="CBP's typical waits (CBP averages)")
    cbp = _heat(fig, "CBP")[0]
    assert cbp.yaxis == "y2" and cbp.z[0][0] == typ[(typ.weekday == 0) & (typ.hour == 0)]["minutes"].iloc[0]
    ours = _heat(fig, "Median")[0]
    assert ours.yaxis == "y" and ours.z[0][0] is None  # ours stay blank: never filled from CBP's
    assert any("CBP's typical" in (a.text or "") for a in fig.layout.annotations)


def test_trend_figure_gaps_and_outlier(readings):
    t = wait_trend.trend_table(readings, crossing_id="ca-san-ysidro", tz=LA,
                               start=pd.Timestamp("2026-08-30T00:00Z"), end=pd.Timestamp("2026-09-06T00:00Z"))
    fig = make_wait_trend_figure(t, tz_label="Pacific time", tz=LA, outliers=data_quality.outliers(readings),
                                 gap_spans=wait_trend.gap_spans(t), title="Trend", caption="c")
    std = next(tr for tr in fig.data if tr.name == "Passenger vehicles, Standard")
    assert std.connectgaps is False
    assert None in std.y  # gap rows break the line
    # the 1000-minute reading is not on the axis: pinned at the top and written out
    assert 1000 not in [v for v in std.y if v is not None]
    assert fig.layout.yaxis.range[1] < 400
    assert any("1000 min" in (a.text or "") for a in fig.layout.annotations)
    assert any(s.name == "no readings" for s in fig.layout.shapes)


def test_trend_figure_marks_events(readings, events):
    t = wait_trend.trend_table(readings, crossing_id="ca-tecate", tz=LA)
    ev = events.head(1).copy()
    ev["start"] = [pd.Timestamp("2026-09-10T00:00", tz=LA)]
    ev["end"] = [pd.Timestamp("2026-09-12T00:00", tz=LA)]
    fig = make_wait_trend_figure(t, events=ev, tz=LA)
    assert any(s.type == "rect" and (s.name or "").startswith("1 · ") for s in fig.layout.shapes)


def test_savings_figure_bars_equal_table(readings):
    p = lane_savings.savings_pairs(readings, crossing_id="ca-san-ysidro", tz=LA)
    tbl = lane_savings.savings_table(p)
    fig = make_lane_savings_figure(tbl, tz_label="Pacific time")
    sentri = next(tr for tr in fig.data if tr.meta == "sentri")
    exp = tbl[tbl["lane"] == "sentri"].set_index("hour")["median_saved_minutes"]
    assert [None if pd.isna(v) else float(v) for v in exp] == list(sentri.y)


def test_nearby_figure_order_and_notes(readings, crossings):
    at = pd.Timestamp("2026-08-25T22:30Z")
    w = as_of.waits_as_of(readings, crossings, at)
    st = crossing_status(w, None, crossings, at, states=("CA",))
    tbl = nearby.nearby_table(crossings, st, w, crossing_id="ca-otay-mesa-passenger", at=at)
    fig = make_nearby_figure(tbl, title="Nearby")
    bar = fig.data[0]
    assert list(bar.x[:2]) == [120, 140] and bar.y[1].endswith("(selected)")
    assert any("no current reading" in (a.text or "") for a in fig.layout.annotations)


def test_nearby_from_the_live_feed_shape(snapshot, readings):
    """With the live source on, 'nearby' reads the feed (here the embedded 2022 capture, at its own time)."""
    from dashboard import history_views as hv
    at = snapshot.cbp_as_of
    c = hv.HistoryChoice(crossing_id="ca-san-ysidro", at=at)
    spec = hv.nearby_chart(snapshot, readings.iloc[:0], c, "test", at=at, live_waits=snapshot.waits)
    t = spec.table.set_index("crossing_id")
    w = snapshot.waits
    sy = w[(w["port_number"] == "250401") & (w["mode"] == "passenger") & (w["lane"] == "standard")]
    assert t.loc["ca-san-ysidro", "delay_minutes"] == sy["delay_minutes"].iloc[0]
    assert "live CBP feed" in spec.figure.layout.annotations[-1].text.replace("<br>", " ")  # captions wrap


def test_tall_heatmap_is_the_same_cells_transposed(sy_table):
    wide = _heat(make_best_time_figure(sy_table), "Median")[0]
    tall = _heat(make_best_time_figure(sy_table, tall=True), "Median")[0]
    assert list(tall.x) == list(wide.y) and len(tall.y) == 24
    assert all(tall.z[h][d] == wide.z[d][h] for d in range(7) for h in range(24))
