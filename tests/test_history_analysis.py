"""The history analyses (analysis/best_time, wait_trend, lane_savings, nearby, data_quality, as_of) on
readings built from the real San Diego archive (../shared/data/history), values checked by hand against
the raw CSV."""
from __future__ import annotations

import csv
import statistics
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analysis import as_of, best_time, data_quality, lane_savings, nearby, wait_trend
from tests.readings_fixtures import SD_CSV, sd_readings

LA = "America/Los_Angeles"


@pytest.fixture(scope="module")
def readings(shared_data):
    return sd_readings(shared_data)


@pytest.fixture(scope="module")
def raw_rows(shared_data):
    with open(shared_data / SD_CSV, newline="") as f:
        return list(csv.DictReader(f))


def _hand_median(raw_rows, port, lane, weekday, hour):
    """The cell's median straight from the CSV text: UTC -> Pacific wall clock with zoneinfo."""
    vals = []
    for r in raw_rows:
        if r["port_number"] != port or r["lane"] != lane or r["delay_minutes"] == "":
            continue
        t = datetime.fromisoformat(r["source_observed_at"].replace("Z", "+00:00")).astimezone(ZoneInfo(LA))
        if t.weekday() == weekday and t.hour == hour:
            vals.append(int(r["delay_minutes"]))
    return vals


# ------------------------------------------------------------------ best time
def test_heatmap_cells_equal_hand_medians(readings, raw_rows):
    t = best_time.best_time_table(readings, crossing_id="ca-san-ysidro", mode="passenger", lane="standard", tz=LA)
    assert len(t) == 168 and list(t["weekday"].head(2)) == [0, 0] and list(t["hour"].head(2)) == [0, 1]
    cell = t.set_index(["weekday", "hour"])
    # Monday 17:00 PDT = Tuesday 00:00Z: 2026-09-08 170, 09-15 120, 09-22 80 (read off the CSV)
    assert cell.loc[(0, 17), "n_readings"] == 3 and cell.loc[(0, 17), "median_minutes"] == 120
    # Wednesday 02:00 PDT: 09-02 65, 09-16 95, 09-23 130
    assert cell.loc[(2, 2), "n_readings"] == 3 and cell.loc[(2, 2), "median_minutes"] == 95
    for (wd, h) in [(0, 17), (1, 17), (2, 2), (2, 6), (5, 6)]:
        vals = _hand_median(raw_rows, "250401", "passengerStandard", wd, h)
        assert cell.loc[(wd, h), "n_readings"] == len(vals)
        if len(vals) >= best_time.MIN_READINGS:
            assert cell.loc[(wd, h), "median_minutes"] == statistics.median(vals)
    assert t["n_readings"].sum() == 166  # every San Ysidro standard reading is in exactly one cell


def test_heatmap_blank_below_threshold_never_guessed(readings):
    t = best_time.best_time_table(readings, crossing_id="ca-san-ysidro", mode="passenger", lane="standard", tz=LA)
    thin = t[t["n_readings"] < best_time.MIN_READINGS]
    assert len(thin) == 153 and thin["median_minutes"].isna().all() and not thin["shown"].any()
    cell = t.set_index(["weekday", "hour"])
    assert cell.loc[(0, 0), "n_readings"] == 2 and pd.isna(cell.loc[(0, 0), "median_minutes"])
    # Pacific 21:00-24:00 was never observed: zero readings, blank
    assert (t[t["hour"].isin([21, 22, 23])]["n_readings"] == 0).all()
    assert "15 of 168" in best_time.coverage_note(t)
    # with a threshold of 1 every observed cell shows
    t1 = best_time.best_time_table(readings, crossing_id="ca-san-ysidro", mode="passenger", lane="standard",
                                   tz=LA, min_readings=1)
    assert t1["shown"].sum() == (t1["n_readings"] > 0).sum()
    assert t1.set_index(["weekday", "hour"]).loc[(0, 0), "median_minutes"] == 147.5  # 190 (2026-09-28 07Z) and 105 (10-05 07Z)


def test_heatmap_rejects_bad_threshold(readings):
    with pytest.raises(ValueError, match="min_readings"):
        best_time.best_time_table(readings, crossing_id="ca-tecate", mode="passenger", lane="standard", tz=LA,
                                  min_readings=0)


# ------------------------------------------------------------------ trend
def test_trend_breaks_at_gaps(readings):
    t = wait_trend.trend_table(readings, crossing_id="ca-otay-mesa-passenger", tz=LA,
                               lanes=[("passenger", "standard")],
                               start=pd.Timestamp("2026-08-25T19:00Z"), end=pd.Timestamp("2026-08-26T04:00Z"))
    # 20, 21, 22Z then 00Z (2 h later: a gap), 02Z (gap), 03Z
    got = list(zip(t["source_time"].dt.strftime("%H:%M"), t["kind"], t["delay_minutes"].astype(object)))
    assert got == [("20:00", "reading", 140), ("21:00", "reading", 140), ("22:00", "reading", 140),
                   ("23:00", "gap", pd.NA), ("00:00", "reading", 110), ("01:00", "gap", pd.NA),
                   ("02:00", "reading", 40), ("03:00", "reading", 30)]
    assert t["local_time"].iloc[0] == pd.Timestamp("2026-08-25 13:00")  # PDT wall clock, naive
    assert set(t["series"]) == {"Passenger vehicles, Standard"}
    spans = wait_trend.gap_spans(t)
    assert spans[0] == (pd.Timestamp("2026-08-25T22:00Z"), pd.Timestamp("2026-08-26T00:00Z"))


def test_trend_keeps_no_number_readings_as_missing():
    r = pd.DataFrame({
        "crossing_id": ["x"] * 3, "port_number": ["250401"] * 3, "mode": ["passenger"] * 3,
        "lane": ["standard"] * 3,
        "source_time": pd.to_datetime(["2026-01-01T10:00Z", "2026-01-01T11:00Z", "2026-01-01T12:00Z"]),
        "collected_at": pd.to_datetime(["2026-01-01T10:05Z", "2026-01-01T11:05Z", "2026-01-01T12:05Z"]),
        "operational_status": ["delay", "Update Pending", "delay"],
        "delay_minutes": pd.array([30, pd.NA, 40], dtype="Int64"), "lanes_open": pd.array([2, pd.NA, 3], dtype="Int64"),
        "port_status": ["Open"] * 3, "source": ["test"] * 3, "revision": pd.array([0, 0, 0], dtype="Int64")})
    t = wait_trend.trend_table(r, crossing_id="x", tz=LA)
    assert list(t["kind"]) == ["reading", "no number", "reading"]
    assert pd.isna(t["delay_minutes"].iloc[1])  # never 0


def test_trend_uses_latest_revision(readings):
    r = readings[(readings["crossing_id"] == "ca-tecate")].head(2).copy()
    fix = r.iloc[[0]].assign(delay_minutes=pd.array([95], dtype="Int64"), revision=pd.array([1], dtype="Int64"))
    t = wait_trend.trend_table(pd.concat([r, fix]), crossing_id="ca-tecate", tz=LA, lanes=[("passenger", "standard")])
    assert list(t["delay_minutes"]) == [95]


# ------------------------------------------------------------------ savings
def test_savings_on_hand_picked_pairs(readings):
    p = lane_savings.savings_pairs(readings, crossing_id="ca-otay-mesa-passenger", tz=LA,
                                   end=pd.Timestamp("2026-08-26T04:00Z"))
    s = p[p["lane"] == "sentri"]
    # standard/SENTRI at the same source time: 140/20, 140/20, 140/20, 110/10, 40/10, 30/10
    assert list(s["saved_minutes"]) == [120, 120, 120, 100, 30, 20]
    assert list(s["local_hour"]) == [13, 14, 15, 17, 19, 20]
    r = p[p["lane"] == "ready"]
    assert list(r["saved_minutes"].head(3)) == [0, 0, 30]  # ready 140, 140, 110
    # The 1000-minute San Ysidro reading pairs with SENTRI 15 and Ready 80 (kept: it is flagged elsewhere)
    sy = lane_savings.savings_pairs(readings, crossing_id="ca-san-ysidro", tz=LA,
                                    start=pd.Timestamp("2026-09-02T14:00Z"), end=pd.Timestamp("2026-09-02T14:01Z"))
    assert dict(zip(sy["lane"], sy["saved_minutes"])) == {"ready": 920, "sentri": 985}


def test_savings_table_medians_and_threshold(readings):
    p = lane_savings.savings_pairs(readings, crossing_id="ca-otay-mesa-passenger", tz=LA)
    t = lane_savings.savings_table(p)
    assert len(t) == 48 and set(t["lane"]) == {"sentri", "ready"}
    for _, row in t.iterrows():
        sub = p[(p["lane"] == row["lane"]) & (p["local_hour"] == row["hour"])]
        assert row["n_pairs"] == len(sub)
        if len(sub) >= lane_savings.MIN_PAIRS:
            assert row["median_saved_minutes"] == statistics.median(sub["saved_minutes"].astype(int))
        else:
            assert pd.isna(row["median_saved_minutes"])
    # a pair needs both readings: Otay Mesa has 172 standard readings and 146 SENTRI readings
    assert len(p[p["lane"] == "sentri"]) <= 146


# ------------------------------------------------------------------ nearby
def test_haversine_known_distance():
    # San Ysidro (32.543, -117.029) to Otay Mesa (32.550, -116.939): about 8.5 km
    d = nearby.haversine_km(32.543, -117.029, 32.550, -116.939)
    assert 8.3 < float(d) < 8.7


def test_nearby_from_history_as_of(readings, crossings):
    at = pd.Timestamp("2026-08-25T22:30Z")
    waits = as_of.waits_as_of(readings, crossings, at)
    from analysis.status import crossing_status
    status = crossing_status(waits, None, crossings, at, states=("CA",))
    t = nearby.nearby_table(crossings, status, waits, crossing_id="ca-otay-mesa-passenger", at=at, radius_km=50)
    got = t.set_index("crossing_id")
    assert got.loc["ca-otay-mesa-passenger", "selected"]
    assert got.loc["ca-tecate", "delay_minutes"] == 120  # Tecate standard at 22:00Z
    assert got.loc["ca-otay-mesa-passenger", "delay_minutes"] == 140
    assert list(t["crossing_id"][:2]) == ["ca-tecate", "ca-otay-mesa-passenger"]  # fastest first
    # San Ysidro has no reading that afternoon: listed after, with a note and no wait
    assert pd.isna(got.loc["ca-san-ysidro", "delay_minutes"]) and got.loc["ca-san-ysidro", "note"]
    assert (t["distance_km"] <= 50).all() and "ca-calexico-east" not in got.index  # ~160 km away
    with pytest.raises(ValueError, match="positive"):
        nearby.nearby_table(crossings, status, waits, crossing_id="ca-tecate", at=at, radius_km=-1)


# ------------------------------------------------------------------ quality
def test_quality_card_flags_the_1000_minute_reading(readings):
    card = data_quality.quality_card(readings, crossing_id="ca-san-ysidro", tz=LA)
    o = card["outlier_rows"]
    assert card["outliers"] == 1 and o["delay_minutes"].tolist() == [1000]
    assert o["source_time"].iloc[0] == pd.Timestamp("2026-09-02T14:00Z") and o["lane"].iloc[0] == "standard"
    # no other lane of the three crossings trips the rule
    all_o = data_quality.outliers(readings)
    assert all_o["delay_minutes"].tolist() == [1000]


def test_quality_card_values(readings, raw_rows):
    card = data_quality.quality_card(readings, crossing_id="ca-san-ysidro", tz=LA)
    rows = [r for r in raw_rows if r["port_number"] == "250401"]
    assert card["n_readings"] == len(rows) == 664
    times = sorted({r["source_observed_at"] for r in rows})
    assert card["first_reading"] == pd.Timestamp(times[0]) and card["last_reading"] == pd.Timestamp(times[-1])
    assert card["hours_observed"] == len(times)  # source times are on the hour: one per observed hour
    span_h = (pd.Timestamp(times[-1]) - pd.Timestamp(times[0])).total_seconds() / 3600 + 1
    assert card["hours_in_window"] == span_h and card["coverage"] == pytest.approx(len(times) / span_h)
    ages = [(pd.Timestamp(r["collected_at"]) - pd.Timestamp(r["source_observed_at"])).total_seconds() / 60
            for r in rows]
    assert card["median_age_minutes"] == pytest.approx(statistics.median(ages))
    assert card["share_update_pending"] == 0.0  # the archive kept only delay / no delay readings
    assert "CBP" in card["method"]
    tbl = data_quality.quality_table(card)
    assert tbl.set_index("measure").loc["outliers", "value"] == 1


def test_flat_runs_found_and_ended_by_missing():
    times = pd.date_range("2026-01-01T08:00Z", periods=9, freq="h")
    vals = [20, 20, 20, 20, 20, 20, 20, None, 20]
    r = pd.DataFrame({
        "crossing_id": "x", "port_number": "1", "mode": "passenger", "lane": "standard", "source_time": times,
        "collected_at": times, "operational_status": ["delay" if v else "Update Pending" for v in vals],
        "delay_minutes": pd.array(vals, dtype="Int64"), "lanes_open": pd.array([1] * 9, dtype="Int64"),
        "port_status": "Open", "source": "test", "revision": pd.array([0] * 9, dtype="Int64")})
    f = data_quality.flat_runs(r)
    assert len(f) == 1 and f["n_readings"].iloc[0] == 7 and f["hours"].iloc[0] == 6.0
    card = data_quality.quality_card(r, crossing_id="x", tz=LA)
    assert card["share_update_pending"] == pytest.approx(1 / 9) and card["flat_runs"] == 1
    # the same values with a 2-hour hole in the middle: two short runs, none long enough
    holed = r.drop(index=[3]).reset_index(drop=True)
    assert data_quality.flat_runs(holed).empty


def test_flat_runs_in_the_real_archive(readings):
    # Repeats in the archive are either 'no delay' (normal at night) or span hours nobody observed:
    # with runs broken at gaps there is no stuck value in it
    assert data_quality.flat_runs(readings).empty
    loose = data_quality.flat_runs(readings, max_step=pd.Timedelta(days=30))
    assert len(loose) and (loose["hours"] >= data_quality.FLAT_RUN_MIN_HOURS).all()


# ------------------------------------------------------------------ as of
def test_waits_as_of_takes_nearest_before(readings, crossings):
    at = pd.Timestamp("2026-09-02T14:30Z")
    a = as_of.readings_as_of(readings, at)
    sy = a[(a["crossing_id"] == "ca-san-ysidro") & (a["lane"] == "standard") & (a["mode"] == "passenger")]
    assert sy["delay_minutes"].iloc[0] == 1000 and sy["age"].iloc[0] == pd.Timedelta(minutes=30)
    w = as_of.waits_as_of(readings, crossings, at)
    assert set(w["port_number"]) == {"250401", "250601", "250501"}
    assert (w["updated_at_utc"] <= at).all() and (w["retrieved_at"] <= at).all()
    assert str(w["updated_at"].iloc[0].tz) == LA


def test_status_from_history_as_of(readings, crossings):
    from analysis.status import crossing_status
    at = pd.Timestamp("2026-09-02T14:30Z")
    st = crossing_status(as_of.waits_as_of(readings, crossings, at), None, crossings, at, states=("CA",))
    s = st.set_index("crossing_id")["status"]
    assert s["ca-san-ysidro"] == "open"
    assert s["ca-calexico-east"] == "unknown"  # no reading in the archive
    # A day without readings nearby: the latest one is too old to count, so unknown, not open
    later = pd.Timestamp("2026-09-02T23:00Z")
    st2 = crossing_status(as_of.waits_as_of(readings, crossings, later), None, crossings, later, states=("CA",))
    assert st2.set_index("crossing_id").loc["ca-san-ysidro", "status"] == "unknown"


def test_as_of_wall_clock_per_crossing(readings, crossings):
    a = as_of.readings_as_of(readings, pd.Timestamp("2026-09-02 07:30"), crossings=crossings)
    assert (a["at"] == pd.Timestamp("2026-09-02T14:30Z")).all()  # 07:30 PDT
    with pytest.raises(ValueError, match="crossings table"):
        as_of.readings_as_of(readings, pd.Timestamp("2026-09-02 07:30"))


def test_as_of_port_status_is_one_fact_per_port(readings, crossings):
    """Lanes carried forward from a night closure may still say 'Closed' beside a lane reading a number at
    the same time (the garitas change log does): the port is open, as one feed payload would say."""
    at = pd.Timestamp("2026-08-25T20:30Z")
    r = readings[(readings["crossing_id"] == "ca-tecate") & (readings["source_time"] == pd.Timestamp("2026-08-25T20:00Z"))]
    stale = r.iloc[[1]].assign(port_status=pd.array(["Closed"], dtype="string"),
                               operational_status=pd.array(["Update Pending"], dtype="string"),
                               delay_minutes=pd.array([pd.NA], dtype="Int64"))
    frame = pd.concat([r.iloc[[0]], stale])
    w = as_of.waits_as_of(frame, crossings, at)
    assert set(w["port_status"]) == {"Open"} and not w["stale_reading"].any()
