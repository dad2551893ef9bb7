"""Chart builders (dashboard/figures) on frames built from real captures.

The frames here are test frames shaped to the schema contracts in loaders/schema.py, built from
../shared/data (CBP feed 2022-06-29, BTS monthly counts) and the real events of Dec 2023 (Lukeville port
closure, San Ysidro PedWest suspension, Eagle Pass rail suspension). They are not the loaders' output.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from loaders.schema import (EVENTS_COLUMNS, STATUS_COLUMNS, VOLUMES_COLUMNS, WAITS_COLUMNS, column_names,
                            conform)

ROOT = Path(__file__).resolve().parent.parent

# ----------------------------------------------------------------------------------------------------------
# Test frames from real data
# ----------------------------------------------------------------------------------------------------------
_GROUPS = {"passenger_vehicle_lanes": "passenger", "pedestrian_lanes": "pedestrian",
           "commercial_vehicle_lanes": "commercial"}
_LANES = {"standard_lanes": "standard", "NEXUS_SENTRI_lanes": "sentri", "ready_lanes": "ready",
          "FAST_lanes": "fast"}
_UPDATE = re.compile(r"At (Noon|Midnight|(\d{1,2}):(\d{2}) (am|pm))", re.I)


def _int(v: str):
    return int(v) if v not in ("", "N/A") else pd.NA


def _local_update(text: str, day: pd.Timestamp, tz: str):
    m = _UPDATE.match(text or "")
    if not m:
        return pd.NA
    if m.group(1).lower() == "noon":
        h, mi = 12, 0
    elif m.group(1).lower() == "midnight":
        h, mi = 0, 0
    else:
        h, mi = int(m.group(2)) % 12 + (12 if m.group(4).lower() == "pm" else 0), int(m.group(3))
    return pd.Timestamp(day.year, day.month, day.day, h, mi).tz_localize(tz)


def waits_2022(shared_data: Path, crossings: pd.DataFrame) -> pd.DataFrame:
    """WAITS_COLUMNS frame from the real 2022-06-29 feed (Mexican border, crossings in our table)."""
    feed = json.loads((shared_data / "cbp" / "bwtnew_2022-06-29.json").read_text())
    zones = {str(p): (s, t) for p, s, t in zip(crossings["port_number"], crossings["state"], crossings["tz"])
             if not pd.isna(p)}
    retrieved = pd.Timestamp("2022-06-29 17:25:15", tz="UTC")
    rows = []
    for port in feed:
        pn = port["port_number"]
        if port["border"] != "Mexican Border" or pn not in zones:
            continue
        state, tz = zones[pn]
        day = pd.Timestamp(port["date"])
        for gkey, mode in _GROUPS.items():
            g = port[gkey]
            for lkey, lane in _LANES.items():
                if lkey not in g:
                    continue
                r = g[lkey]
                op = r["operational_status"]
                upd = _local_update(r["update_time"], day, tz)
                rows.append({
                    "port_number": pn, "border": port["border"], "port_name": port["port_name"],
                    "crossing_name": port["crossing_name"] or pd.NA, "state": state, "tz": tz,
                    "hours": port["hours"] or pd.NA, "port_status": port["port_status"],
                    "construction_notice": port.get("construction_notice") or pd.NA, "feed_instant": retrieved,
                    "mode": mode, "lane": lane, "operational_status": op or pd.NA,
                    "delay_minutes": _int(r["delay_minutes"]) if op in ("no delay", "delay") else pd.NA,
                    "lanes_open": _int(r["lanes_open"]), "max_lanes": _int(g["maximum_lanes"]),
                    "updated_at": upd,
                    "updated_at_utc": upd.tz_convert("UTC") if not pd.isna(upd) else pd.NaT,
                    "feed_time": pd.Timestamp(f"{port['date']} {port['time']}").tz_localize(tz),
                    "retrieved_at": retrieved,
                    "stale_reading": port["port_status"] == "Closed",
                })
    df = pd.DataFrame(rows)
    df["updated_at_utc"] = pd.to_datetime(df["updated_at_utc"], utc=True)
    return conform(df, WAITS_COLUMNS, "test waits 2022-06-29")


#: Real events of Dec 2023 as test statuses (crossing_id -> status, reason, event id).
EVENT_STATUS = {
    "az-lukeville": ("closed", "lukeville-2023-12-closure", ("lukeville-2023-12-closure",)),
    "ca-san-ysidro-pedwest": ("closed", "san-ysidro-pedwest-2023-suspension", ("san-ysidro-pedwest-2023-suspension",)),
    "tx-eagle-pass-rail": ("closed", "eagle-pass-rail-2023-12-suspension", ("eagle-pass-rail-2023-12-suspension",)),
}


def status_frame(waits: pd.DataFrame, crossings: pd.DataFrame) -> pd.DataFrame:
    """STATUS_COLUMNS frame: feed-derived status (open / partial when some lanes are closed / unknown when
    every lane is pending), rail bridges and others absent from the feed unknown, plus the three events."""
    from dashboard.figures.status_map import lane_line
    rows = []
    for c in crossings.to_dict("records"):
        cid, pn = c["crossing_id"], c["port_number"]
        w = waits[waits["port_number"] == pn] if not pd.isna(pn) else waits.iloc[0:0]
        if w.empty:
            status, reason, upd = "unknown", "not in the CBP wait-time feed", pd.NA
        else:
            ops = w["operational_status"].dropna()
            ops = ops[ops != "N/A"]
            upd = w["updated_at"].dropna().max() if w["updated_at"].notna().any() else pd.NA
            if (ops == "Update Pending").all():
                status, reason = "unknown", "feed: every lane Update Pending"
            elif (ops == "Lanes Closed").any():
                n = int((ops == "Lanes Closed").sum())
                status, reason = "partial", f"feed: {n} lane group(s) Lanes Closed"
            else:
                status, reason = "open", "feed: port_status Open"
        events: tuple = ()
        if cid in EVENT_STATUS:
            status, reason, events = EVENT_STATUS[cid]
        # the lanes the status analysis reports as its evidence (here: every lane the feed describes)
        evidence = tuple(x for x in (lane_line(r["mode"], r["lane"], r["operational_status"], r["delay_minutes"],
                                               r["lanes_open"]) for r in w.to_dict("records")) if x)
        rows.append({"crossing_id": cid, "port_number": pn, "port_name": c["port_name"],
                     "crossing_name": c["crossing_name"], "state": c["state"], "status": status,
                     "reason": reason, "notes": pd.NA, "modes_open": (), "modes_closed": (),
                     "modes_unknown": (), "port_status": "Open" if not w.empty else pd.NA, "updated_at": upd,
                     "age_minutes": pd.NA, "age_text": pd.NA, "evidence": evidence,
                     "latest_capture": pd.NA, "hours": pd.NA, "notice": pd.NA,
                     "tz": c["tz"], "event_ids": events})
    return conform(pd.DataFrame(rows), STATUS_COLUMNS, "test status")


_FAMILY = {"Personal Vehicles": ("vehicles", "vehicles"), "Trucks": ("vehicles", "vehicles"),
           "Buses": ("vehicles", "vehicles"), "Trains": ("vehicles", "vehicles"),
           "Personal Vehicle Passengers": ("people", "people"), "Pedestrians": ("people", "people"),
           "Bus Passengers": ("people", "people"), "Train Passengers": ("people", "people"),
           "Truck Containers Loaded": ("freight", "containers"), "Truck Containers Empty": ("freight", "containers"),
           "Rail Containers Loaded": ("freight", "containers"), "Rail Containers Empty": ("freight", "containers")}
_STATES = {"Texas": "TX", "Arizona": "AZ", "California": "CA"}


def volumes_frame(shared_data: Path) -> pd.DataFrame:
    """VOLUMES_COLUMNS frame from the real BTS TX/AZ/CA file (duplicates dropped, last kept)."""
    raw = pd.read_csv(shared_data / "bts" / "bts_us_mexico_tx_az_ca_2018-01_to_2025-02.csv",
                      dtype={"Port Code": str})
    raw = raw.drop_duplicates(["Port Code", "Date", "Measure"], keep="last")
    fam = raw["Measure"].map(lambda m: _FAMILY[m][0])
    unit = raw["Measure"].map(lambda m: _FAMILY[m][1])
    df = pd.DataFrame({
        "port_code": raw["Port Code"], "port_name": raw["Port Name"], "state": raw["State"].map(_STATES),
        "border": raw["Border"], "month": pd.to_datetime(raw["Date"], format="%b %Y"),
        "measure": raw["Measure"], "value": raw["Value"], "unit": unit, "family": fam,
    })
    return conform(df, VOLUMES_COLUMNS, "test volumes")


def events_frame() -> pd.DataFrame:
    """EVENTS_COLUMNS frame: three real events of Dec 2023 (ends exclusive)."""
    az, ca, tx = "America/Phoenix", "America/Los_Angeles", "America/Chicago"
    rows = [
        {"id": "lukeville-2023-12-closure", "title": "Lukeville port closed", "kind": "closure",
         "crossings": ("260201",), "state": "AZ", "modes": ("all",), "direction": "both",
         "start": pd.Timestamp("2023-12-04", tz=az), "end": pd.Timestamp("2024-01-04", tz=az),
         "summary": "CBP suspended all operations at Lukeville to redirect staff to migrant processing.",
         "source_urls": ("https://www.cbp.gov/newsroom/national-media-release/a",
                         "https://www.azcentral.com/story/b"), "confidence": "high", "line": 2},
        {"id": "san-ysidro-pedwest-2023-suspension", "title": "San Ysidro PedWest suspended",
         "kind": "suspension", "crossings": ("250407",), "state": "CA", "modes": ("pedestrian",),
         "direction": "northbound", "start": pd.Timestamp("2023-12-09", tz=ca), "end": pd.NaT,
         "summary": "Pedestrian processing at PedWest suspended; travelers redirected to PedEast.",
         "source_urls": ("https://www.cbp.gov/newsroom/c",), "confidence": "high", "line": 3},
        {"id": "eagle-pass-rail-2023-12-suspension", "title": "Eagle Pass rail suspended",
         "kind": "rail_suspension", "crossings": ("tx-eagle-pass-rail",), "state": "TX", "modes": ("rail",),
         "direction": "both", "start": pd.Timestamp("2023-12-18", tz=tx), "end": pd.Timestamp("2023-12-23", tz=tx),
         "summary": "CBP suspended freight rail crossings at Eagle Pass.",
         "source_urls": ("https://www.reuters.com/d",), "confidence": "high", "line": 4},
    ]
    df = pd.DataFrame(rows)
    df["end"] = df["end"].astype(object).where(df["end"].notna(), pd.NA)
    return conform(df, EVENTS_COLUMNS, "test events")


# ----------------------------------------------------------------------------------------------------------
# Fixtures
# ----------------------------------------------------------------------------------------------------------
import plotly.io as pio  # noqa: E402

from dashboard.figures import (compare_table, events_timeline_table, make_compare_figure,  # noqa: E402
                               make_events_timeline_figure, make_status_map_figure, make_volumes_figure,
                               make_waits_figure, status_map_table, volumes_table, waits_table)
from dashboard.figures.theme import STATUS_STYLE, caption_text  # noqa: E402

CAPTION = "Filters: TX, AZ, CA\nSource: CBP Border Wait Times (bwt.cbp.gov)"


@pytest.fixture(scope="module")
def waits(shared_data, crossings):
    return waits_2022(shared_data, crossings)


@pytest.fixture(scope="module")
def status(waits, crossings):
    return status_frame(waits, crossings)


@pytest.fixture(scope="module")
def volumes(shared_data):
    return volumes_frame(shared_data)


@pytest.fixture(scope="module")
def events():
    return events_frame()


def _status_traces(fig):
    return [t for t in fig.data if t.type == "scattergeo" and t.meta in STATUS_STYLE]


def _is_borderwatch(fig) -> bool:
    """The Borderwatch look is written into the figure itself, and no template (e.g. plotly's default,
    "streamlit" once Streamlit is imported) can add anything on top of it."""
    from dashboard.figures.theme import FONT_FAMILY, GRID, OKABE_ITO
    lay = fig.layout
    axes_ok = all(getattr(lay, k).gridcolor == GRID for k in fig.to_dict()["layout"] if k[:5] in ("xaxis", "yaxis"))
    return (not fig.to_dict()["layout"].get("template") and lay.font.family == FONT_FAMILY and tuple(lay.colorway) == OKABE_ITO
            and lay.paper_bgcolor == "white" and axes_ok and bool(lay.datarevision))


# ----------------------------------------------------------------------------------------------------------
# Status map
# ----------------------------------------------------------------------------------------------------------
def test_map_one_trace_per_present_status_with_counts(status, waits, crossings):
    fig = make_status_map_figure(status, crossings, waits=waits, title="Status", caption=CAPTION)
    traces = _status_traces(fig)
    present = [s for s in ("open", "partial", "closed", "unknown") if s in set(status["status"])]
    assert [t.meta for t in traces] == present
    counts = status["status"].value_counts()
    for t in traces:
        assert len(t.lat) == counts[t.meta]
        assert t.name.startswith(f"{STATUS_STYLE[t.meta]['label']} ({counts[t.meta]}")
    # closed: Lukeville, PedWest and the Eagle Pass rail bridge (rail counted in the legend label)
    closed = next(t for t in traces if t.meta == "closed")
    assert sorted(c[0] for c in closed.customdata) == ["az-lukeville", "ca-san-ysidro-pedwest",
                                                         "tx-eagle-pass-rail"]
    assert "1 rail/dam/ferry" in closed.name
    assert len({t.marker.symbol for t in traces}) == len(traces)
    assert len({t.marker.color for t in traces}) == len(traces)
    assert fig.layout.geo.resolution == 50 and fig.layout.geo.showsubunits


def test_map_customdata_carries_crossing_id_for_every_point(status, crossings):
    fig = make_status_map_figure(status, crossings)
    ids = [c[0] for t in _status_traces(fig) for c in t.customdata]
    assert sorted(ids) == sorted(crossings["crossing_id"].tolist())
    assert len(ids) == 54


def test_map_az_only_zooms_to_arizona(status, crossings):
    fig = make_status_map_figure(status, crossings, states=("AZ",))
    ids = [c[0] for t in _status_traces(fig) for c in t.customdata]
    assert ids and all(i.startswith("az-") for i in ids) and len(ids) == 9
    lon0, lon1 = fig.layout.geo.lonaxis.range
    lat0, lat1 = fig.layout.geo.lataxis.range
    assert -117.5 < lon0 < -114.8 and -109.5 < lon1 < -106.5   # Arizona is ~-114.8 .. -109.0
    assert 29 < lat0 < 31.3 and 32.5 < lat1 < 35
    lons = [x for t in _status_traces(fig) for x in t.lon]
    assert all(lon0 < x < lon1 for x in lons)


def test_map_hover_lane_waits_and_no_reading(status, waits, crossings):
    table = status_map_table(status, crossings, waits=waits)
    sy = table.set_index("crossing_id").loc["ca-san-ysidro"]
    assert "Passenger standard: 140 min, 5 lanes open" in sy["lanes"]
    assert sy["updated"] == "updated 2022-06-29 10:00 PDT"  # not today: with its year
    fig = make_status_map_figure(status, crossings, waits=waits)
    hover = {c[0]: h for t in _status_traces(fig) for c, h in zip(t.customdata, t.hovertext)}
    # Calexico West passenger Ready lanes are 'Lanes Closed' in the 2022 feed: no number, never 0
    assert "Passenger Ready: no reading (Lanes Closed)" in hover["ca-calexico-west"]
    assert "Passenger Ready: 0 min" not in hover["ca-calexico-west"]
    assert "updated 2022-06-29" in hover["az-nogales-mariposa"] and "MST" in hover["az-nogales-mariposa"]
    assert "Rail bridge" in hover["tx-eagle-pass-rail"]


def test_map_colocated_crossings_are_fanned_out(status, crossings):
    table = status_map_table(status, crossings, states=("AZ",)).set_index("crossing_id")
    # Morley Gate has no public point: it sits (flagged approximate) on DeConcini's and is fanned out
    nog = table.loc[["az-nogales-deconcini", "az-nogales-morley-gate"]]
    assert nog["lat"].nunique() == 1 and nog["lon"].nunique() == 1          # one true point
    assert len(set(zip(nog["map_lat"].round(5), nog["map_lon"].round(5)))) == 2   # two drawn points
    d = ((nog["map_lat"] - nog["lat"]) ** 2 + (nog["map_lon"] - nog["lon"]) ** 2) ** 0.5
    assert (d > 0.003).all() and (d < 0.2).all()                             # > 300 m, < ~20 km
    assert "Morley Gate" in nog.loc["az-nogales-deconcini", "shares_point_with"]
    # deterministic
    again = status_map_table(status, crossings, states=("AZ",)).set_index("crossing_id")
    assert again.loc[nog.index, "map_lon"].tolist() == nog["map_lon"].tolist()
    # crossings with their own point (crossing-level AZ/CA coordinates) are not moved
    for cid in ("az-lukeville", "az-nogales-mariposa", "az-san-luis-1", "az-san-luis-2"):
        assert table.loc[cid, "map_lon"] == table.loc[cid, "lon"], cid
        assert not table.loc[cid, "shares_point_with"], cid


def test_map_labels_closed_partial_and_busiest_always_others_where_they_fit(status, crossings, waits):
    from dashboard.figures.status_map import busiest_crossings
    fig = make_status_map_figure(status, crossings, waits=waits, states=("AZ", "CA", "TX"))
    labels = next(t for t in fig.data if t.meta == "labels")
    labelled = set(labels.ids)
    must = set(status[status["status"].isin(["closed", "partial"])]["crossing_id"])
    busiest = busiest_crossings(crossings, waits)
    assert len(busiest) == 10 and busiest[0] == "ca-san-ysidro" and "tx-el-paso-bota" in busiest
    assert must | set(busiest) <= labelled
    assert len(labelled) > len(must | set(busiest))  # quieter crossings too, where their label fits
    text = dict(zip(labels.ids, labels.text))
    assert labels.customdata is None                      # not a status point: the page never selects it
    assert text["az-lukeville"] == "Lukeville"
    assert text["tx-eagle-pass-rail"] == "Eagle Pass rail"
    assert text["ca-san-ysidro-pedwest"] == "PedWest"
    assert text["ca-san-ysidro"] == "San Ysidro"           # open, but among the busiest: always named


@pytest.mark.parametrize("region", ["san-diego", "nogales", "el-paso", "laredo", "rio-grande-valley"])
def test_map_region_zoom_names_every_crossing_in_view_without_collisions(status, crossings, waits, region):
    from dashboard.figures.status_map import _label_box, _place_labels, region_ranges, status_map_table
    from dashboard.regions import REGIONS
    fig = make_status_map_figure(status, crossings, waits=waits, region=region, title="t")
    w, e, s_, n_ = REGIONS[region]["box"]
    lon0, lon1 = fig.layout.geo.lonaxis.range
    lat0, lat1 = fig.layout.geo.lataxis.range
    assert lon0 <= w and lon1 >= e and lat0 <= s_ and lat1 >= n_        # the whole area in view
    table = status_map_table(status, crossings, waits=waits, region=region)
    inside = table[table["lon"].between(w, e) & table["lat"].between(s_, n_)]
    assert len(inside) >= 3
    labels = next(t for t in fig.data if t.meta == "labels")
    assert set(inside["crossing_id"]) <= set(labels.ids), set(inside["crossing_id"]) - set(labels.ids)


def test_map_highlights_the_selected_crossing(status, crossings):
    fig = make_status_map_figure(status, crossings, states=("AZ",), selected="az-lukeville")
    for t in fig.data:
        if t.type == "scattergeo" and t.customdata is not None:
            ids = [c[0] for c in t.customdata]
            if "az-lukeville" in ids:
                i = ids.index("az-lukeville")
                assert list(t.marker.size)[i] > STATUS_STYLE[t.meta]["size"]
                assert t.marker.line.width[i] == 3
    labels = next(t for t in fig.data if t.meta == "labels")
    assert dict(zip(labels.ids, labels.text))["az-lukeville"] == "<b>Lukeville</b>"


def test_map_az_fills_the_figure_width(status, crossings):
    from dashboard.figures.status_map import _merc_y
    fig = make_status_map_figure(status, crossings, states=("AZ",), title="AZ", caption=CAPTION)
    geo, m = fig.layout.geo, fig.layout.margin
    lon0, lon1 = geo.lonaxis.range
    lat0, lat1 = geo.lataxis.range
    plot_aspect = (1200 - m.l - m.r) / (fig.layout.height - m.t - m.b)
    assert abs((lon1 - lon0) / (_merc_y(lat1) - _merc_y(lat0)) - plot_aspect) < 0.02
    assert lon0 < -114.8 and lon1 > -109.05                                   # the whole AZ border


def test_volumes_two_measures_two_traces_never_summed(volumes):
    az = volumes[volumes["state"] == "AZ"]
    fig = make_volumes_figure(az, family="vehicles", measures=["Personal Vehicles", "Trucks"])
    assert [t.name for t in fig.data] == ["Personal Vehicles", "Trucks"]
    assert all(t.connectgaps is False for t in fig.data)
    assert fig.layout.yaxis.title.text == "Vehicles per month"
    pv = az[(az["measure"] == "Personal Vehicles") & (az["month"] == "2023-12-01")]["value"].sum()
    tr = az[(az["measure"] == "Trucks") & (az["month"] == "2023-12-01")]["value"].sum()
    i = list(pd.to_datetime(fig.data[0].x)).index(pd.Timestamp("2023-12-01"))
    assert fig.data[0].y[i] == pv and fig.data[1].y[i] == tr
    assert all(y != pv + tr for t in fig.data for y in t.y if y is not None)


def test_volumes_group_by_state_needs_one_measure(volumes):
    with pytest.raises(ValueError, match="ONE measure"):
        make_volumes_figure(volumes, family="vehicles", measures=["Personal Vehicles", "Trucks"],
                            group_by="state")
    with pytest.raises(ValueError, match="ONE measure"):
        volumes_table(volumes, family="people", group_by="port")
    fig = make_volumes_figure(volumes, family="people", measures=["Pedestrians"], group_by="state")
    assert sorted(t.name for t in fig.data) == ["AZ", "CA", "TX"]
    assert fig.layout.yaxis.title.text == "People per month"


def test_volumes_gaps_are_none_not_zero(volumes):
    # Otay Mesa (2506) has 85 of 86 months of Personal Vehicles: the missing month stays <NA> (a gap)
    sas = volumes[volumes["port_code"] == "2506"]
    table = volumes_table(sas, family="vehicles", measures=["Personal Vehicles"], group_by="port")
    n_months = len(pd.date_range("2018-01-01", "2025-02-01", freq="MS"))
    assert len(table) == n_months
    have = set(sas[sas["measure"] == "Personal Vehicles"]["month"])
    missing = table[~table["month"].isin(have)]
    assert len(missing) == 1 and missing["value"].isna().all()
    fig = make_volumes_figure(sas, family="vehicles", measures=["Personal Vehicles"], group_by="port")
    assert sum(y is None for y in fig.data[0].y) == len(missing)
    assert fig.data[0].connectgaps is False


def test_volumes_event_spans_named_in_legend(volumes, events):
    luk = volumes[volumes["port_code"] == "2602"]
    fig = make_volumes_figure(luk, events=events[events["state"] == "AZ"], family="vehicles",
                              measures=["Personal Vehicles"], caption=CAPTION)
    spans = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(spans) == 1
    s = spans[0]
    assert s.showlegend and s.name == "1 · Lukeville port closed — Dec 4, 2023 – Jan 3, 2024"
    assert pd.Timestamp(s.x0) == pd.Timestamp("2023-12-04") and pd.Timestamp(s.x1) == pd.Timestamp("2024-01-04")
    assert caption_text(fig) == CAPTION
    # an ongoing event is clipped to the end of the axis and says so
    fig = make_volumes_figure(volumes, events=events, family="people", measures=["Pedestrians"],
                              group_by="state")
    names = [s.name for s in fig.layout.shapes]
    assert "2 · San Ysidro PedWest suspended — since Dec 9, 2023, ongoing" in names and len(names) == 3
    assert not any("((" in n or "))" in n for n in names)
    ped = next(s for s in fig.layout.shapes if "PedWest" in s.name)
    assert pd.Timestamp(ped.x1) == pd.Timestamp("2025-03-01")
    # events outside the x-range are not drawn
    early = volumes[volumes["month"] < "2023-01-01"]
    fig = make_volumes_figure(early, events=events, family="people", measures=["Pedestrians"])
    assert len(fig.layout.shapes) == 0


def test_volumes_table_is_what_is_plotted(volumes):
    az = volumes[volumes["state"] == "AZ"]
    table = volumes_table(az, family="vehicles", measures=["Trucks"])
    fig = make_volumes_figure(az, family="vehicles", measures=["Trucks"])
    assert list(table.columns) == ["month", "series", "measure", "unit", "value"]
    assert [None if pd.isna(v) else int(v) for v in table["value"]] == list(fig.data[0].y)
    assert list(table["month"]) == list(pd.to_datetime(fig.data[0].x))


def test_compare_small_multiples_and_index(volumes):
    az = volumes[volumes["state"] == "AZ"]
    fig = make_compare_figure(az, measure="Trucks", group_by="port")
    table = compare_table(az, measure="Trucks", group_by="port")
    assert len(fig.data) == table["series"].nunique() >= 4
    assert "Nogales (2604)" in [t.name for t in fig.data]
    fig = make_compare_figure(volumes, measure="Personal Vehicles", group_by="state", index_to="2019")
    t = compare_table(volumes, measure="Personal Vehicles", group_by="state", index_to="2019")
    assert sorted(tr.name for tr in fig.data) == ["AZ", "CA", "TX"]
    base = t[t["month"].dt.year == 2019].groupby("series")["index"].mean()
    assert ((base - 100).abs() < 0.1).all()
    assert "2019 = 100" in fig.layout.yaxis.title.text


def _policy_events(events):
    """The three test events plus a border-wide policy (per-state copies, as in the registry) and a
    reopening."""
    az, ca = "America/Phoenix", "America/Los_Angeles"
    extra = pd.DataFrame([
        {"id": "2024-06-proclamation-az", "title": "Securing the Border proclamation", "kind": "policy",
         "crossings": ("260401",), "state": "AZ", "modes": ("all",), "direction": "northbound",
         "start": pd.Timestamp("2024-06-04 21:01", tz=az), "end": pd.NA, "summary": "Asylum limits.",
         "source_urls": ("https://www.dhs.gov/p",), "confidence": "high", "line": 5},
        {"id": "2024-06-proclamation-ca", "title": "Securing the Border proclamation", "kind": "policy",
         "crossings": ("250407", "250302"), "state": "CA", "modes": ("all",), "direction": "northbound",
         "start": pd.Timestamp("2024-06-04 21:01", tz=ca), "end": pd.NA, "summary": "Asylum limits.",
         "source_urls": ("https://www.dhs.gov/p",), "confidence": "high", "line": 6},
        {"id": "2024-01-lukeville-reopening", "title": "Lukeville port reopens", "kind": "reopening",
         "crossings": ("260201",), "state": "AZ", "modes": ("all",), "direction": "both",
         "start": pd.Timestamp("2024-01-04 06:00", tz=az), "end": pd.Timestamp("2024-01-04 06:00", tz=az),
         "summary": "Reopened.", "source_urls": ("https://www.cbp.gov/r",), "confidence": "high", "line": 7},
    ])
    extra["end"] = extra["end"].astype(object).where(extra["end"].notna(), pd.NA)
    return conform(pd.concat([events, extra], ignore_index=True), EVENTS_COLUMNS, "test events + policy")


def test_volumes_policy_is_a_line_at_its_start_not_a_span(volumes, events):
    ev = _policy_events(events)
    fig = make_volumes_figure(volumes[volumes["state"] == "AZ"], events=ev, family="vehicles",
                              measures=["Personal Vehicles"], caption=CAPTION)
    by_name = {s.name.split(" · ", 1)[1].split(" — ")[0]: s for s in fig.layout.shapes}
    pol = by_name["Securing the Border proclamation"]
    assert pol.type == "line" and pd.Timestamp(pol.x0) == pd.Timestamp(pol.x1) == pd.Timestamp("2024-06-04 21:01")
    assert pol.name.endswith("— since Jun 4, 2024, ongoing")
    # the AZ and CA copies of the proclamation are one entry, one line
    assert sum("proclamation" in s.name for s in fig.layout.shapes) == 1
    assert by_name["Lukeville port reopens"].type == "line"
    assert by_name["Lukeville port closed"].type == "rect"                    # closures stay spans
    assert not any(s.type == "rect" and "proclamation" in s.name for s in fig.layout.shapes)


def test_volumes_event_tags_match_legend_and_never_overlap(volumes, events):
    ev = _policy_events(events)
    fig = make_volumes_figure(volumes, events=ev, family="people", measures=["Pedestrians"],
                              group_by="state")
    tags = [a for a in fig.layout.annotations if a.name == "event-tag"]
    numbers = {n for a in tags for n in re.split(r"[,–]", a.text)}
    legend_numbers = {s.name.split(" · ")[0] for s in fig.layout.shapes}
    assert legend_numbers == {"1", "2", "3", "4", "5"} and numbers <= legend_numbers
    # tags in one row (same ay) are apart by more than their width at the export width
    x0, x1 = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    px = lambda t: (pd.Timestamp(t) - x0) / (x1 - x0) * (1200 - 90)  # noqa: E731
    by_row: dict = {}
    for a in tags:
        by_row.setdefault(a.ay, []).append((px(a.x), 7.2 * len(a.text) + 10))
    for row in by_row.values():
        row.sort()
        assert all(b[0] - a[0] >= (a[1] + b[1]) / 2 for a, b in zip(row, row[1:]))
    # the series legend sits above the tags, the title at the top
    assert fig.layout.legend.y > 1


# ----------------------------------------------------------------------------------------------------------
# Events timeline, waits
# ----------------------------------------------------------------------------------------------------------
def test_timeline_one_bar_per_event_and_ongoing(events):
    at = pd.Timestamp("2024-01-15")
    fig = make_events_timeline_figure(events, at=at, caption=CAPTION)
    assert sum(len(t.y) for t in fig.data) == len(events) == 3
    assert {t.meta for t in fig.data} == {"closure", "suspension", "rail_suspension"}
    assert len({t.marker.pattern.shape for t in fig.data}) == 3
    table = events_timeline_table(events, at=at)
    ped = table.set_index("id").loc["san-ysidro-pedwest-2023-suspension"]
    assert ped["ongoing"] and ped["drawn_end"] == at
    assert any("ongoing" in a.text for a in fig.layout.annotations)
    assert any(a.text.startswith("as of Jan 15, 2024") for a in fig.layout.annotations)
    luk = next(t for t in fig.data if t.meta == "closure")
    assert "Dec 4, 2023 – Jan 3, 2024" in luk.hovertext[0] and "cbp.gov, azcentral.com" in luk.hovertext[0]


def test_timeline_labels_rows_with_crossing_names(events, crossings):
    at = pd.Timestamp("2024-01-15")
    raw = make_events_timeline_figure(events, at=at)
    assert any("260201" in y for t in raw.data for y in t.y)                 # no crossings table: raw keys
    fig = make_events_timeline_figure(events, at=at, crossings=crossings)
    ys = [y for t in fig.data for y in t.y]
    assert any("Lukeville" in y for y in ys) and any("San Ysidro – PedWest" in y for y in ys)
    assert any("Eagle Pass – Union Pacific Rail Bridge" in y for y in ys)
    assert not any(re.search(r"\d{6}|tx-eagle", y) for y in ys)
    table = events_timeline_table(events, at=at, crossings=crossings).set_index("id")
    assert table.loc["lukeville-2023-12-closure", "crossings"] == "Lukeville"


def test_timeline_every_kind_differs_in_colour_and_pattern_or_symbol(events, crossings):
    from dashboard.figures.theme import EVENT_STYLE
    assert len({s["color"] for s in EVENT_STYLE.values()}) == len(EVENT_STYLE)
    assert len({s["pattern"] for s in EVENT_STYLE.values()}) == len(EVENT_STYLE)
    assert len({s["symbol"] for s in EVENT_STYLE.values()}) == len(EVENT_STYLE)
    fig = make_events_timeline_figure(_policy_events(events), at=pd.Timestamp("2024-01-15"),
                                      crossings=crossings)
    shown = {t.meta: t for t in fig.data if t.showlegend is not False}
    assert set(shown) == {"closure", "suspension", "rail_suspension", "reopening", "policy"}
    # the reopening (an instant) and the policy starting after "as of" are markers with their own symbol
    assert shown["reopening"].type == "scatter" and shown["reopening"].marker.symbol == "triangle-up"
    assert shown["policy"].type == "scatter" and shown["policy"].marker.symbol == "star"
    assert shown["reopening"].marker.color != shown["policy"].marker.color


def test_waits_no_reading_text_not_zero_bars_and_stale(waits):
    cw = waits[waits["port_number"] == "250302"].copy()   # Calexico West: Ready lanes 'Lanes Closed'
    fig = make_waits_figure(cw)
    table = waits_table(cw)
    bars = {y: x for t in fig.data for y, x in zip(t.y, t.x)}
    assert "Passenger Ready" not in bars
    assert any(a.text.startswith("<i>no reading (Lanes Closed)") and a.y == "Passenger Ready"
               for a in fig.layout.annotations)
    assert table.set_index("row").loc["Passenger Ready", "shown_as"] == "no reading"
    assert len(bars) == (table["shown_as"] == "bar").sum()
    stale = cw.assign(stale_reading=True)
    fig = make_waits_figure(stale)
    assert all("(stale)" in t.name and t.marker.pattern.shape == "/" for t in fig.data)
    assert all("stale" in txt for t in fig.data for txt in t.text)


# ----------------------------------------------------------------------------------------------------------
# Template
# ----------------------------------------------------------------------------------------------------------
def _all_figures(status, waits, crossings, volumes, events):
    return [
        make_status_map_figure(status, crossings, waits=waits),
        make_volumes_figure(volumes, family="vehicles", measures=["Trucks"]),
        make_compare_figure(volumes, measure="Trucks", group_by="state"),
        make_compare_figure(volumes, measure="Trucks", group_by="state", index_to="2019"),
        make_events_timeline_figure(events, at=pd.Timestamp("2024-01-15")),
        make_waits_figure(waits[waits["port_number"] == "250401"]),
    ]


def test_template_is_borderwatch_on_every_figure(status, waits, crossings, volumes, events):
    for fig in _all_figures(status, waits, crossings, volumes, events):
        assert _is_borderwatch(fig)


def test_template_survives_import_streamlit(status, waits, crossings, volumes, events):
    pytest.importorskip("streamlit")
    import streamlit  # noqa: F401  (switches plotly's default template to "streamlit")
    old = pio.templates.default
    try:
        pio.templates.default = "streamlit" if "streamlit" in pio.templates else "ggplot2"
        for fig in _all_figures(status, waits, crossings, volumes, events):
            assert _is_borderwatch(fig)
    finally:
        pio.templates.default = old


def test_template_in_fresh_interpreter_after_streamlit_import():
    code = ("import streamlit, plotly.io as pio, pandas as pd\n"
            "from dashboard.figures import make_events_timeline_figure\n"
            "assert pio.templates.default != 'borderwatch'\n"
            "f = make_events_timeline_figure(pd.DataFrame(columns=['id','title','kind','crossings','start','end',"
            "'summary','source_urls']))\n"
            "assert not f.to_dict()['layout'].get('template') and f.layout.font.family.startswith('Inter'), f.layout\n"
            "print(pio.templates.default)\n")
    pytest.importorskip("streamlit")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


# ----------------------------------------------------------------------------------------------------------
# Template flattening and data revisions (what lets plotly.js skip a redraw of an equal figure)
# ----------------------------------------------------------------------------------------------------------
def test_flatten_template_styles_every_axis_and_item_and_keeps_explicit_values():
    from dashboard.figures.theme import GRID, flatten_template
    data = [dict(type="scatter", y=[1, 2]), dict(type="scatter", y=[3, 4], xaxis="x2", yaxis="y2")]
    layout = dict(template="borderwatch", xaxis=dict(title=dict(text="month")), yaxis2=dict(gridcolor="red"),
                  annotations=[dict(text="a", showarrow=True)], font=dict(size=20))
    flat = flatten_template(data, layout)
    assert "template" not in flat
    assert flat["xaxis"]["gridcolor"] == GRID and flat["xaxis"]["title"]["text"] == "month"
    assert flat["xaxis2"]["gridcolor"] == GRID            # axes the layout never mentioned get the look too
    assert flat["yaxis2"]["gridcolor"] == "red"           # explicit values win
    assert flat["font"]["size"] == 20 and flat["font"]["family"].startswith("Inter")
    tpl = pio.templates["borderwatch"].layout
    assert flat["annotations"][0]["arrowcolor"] == tpl.annotationdefaults.arrowcolor
    assert "geo" not in flat                              # no geo trace, no geo subplot invented


def test_flattened_figure_renders_like_the_template_would():
    """plotly's own template machinery and the flattened layout agree on every resolved value."""
    import plotly.graph_objects as go

    from dashboard.figures.theme import new_figure
    data = [dict(type="scatter", y=[1, 2], name="a"), dict(type="bar", y=[2, 1], xaxis="x2", yaxis="y2")]
    layout = dict(template="borderwatch", title=dict(text="t"), xaxis2=dict(anchor="y2"),
                  yaxis2=dict(anchor="x2"))
    flat = new_figure(data, layout).to_dict()["layout"]
    ref = go.Figure(data=data, layout=layout).to_dict()["layout"]
    tpl = ref.pop("template")["layout"]
    for key in ("font", "colorway", "paper_bgcolor", "plot_bgcolor", "hoverlabel", "legend"):
        assert flat[key] == {**tpl[key], **ref.get(key, {})} if isinstance(tpl[key], dict) else flat[key] == tpl[key]
    for ax in ("xaxis", "yaxis", "xaxis2", "yaxis2"):
        for k, v in tpl[ax[:5]].items():
            assert flat[ax][k] == ({**v, **ref.get(ax, {}).get(k, {})} if isinstance(v, dict) else v), (ax, k)


def test_data_revision_changes_with_the_data_only():
    from dashboard.figures.theme import data_revision, new_figure
    a = new_figure([dict(type="scatter", y=[1, 2])], dict(template="borderwatch", title=dict(text="a")))
    b = new_figure([dict(type="scatter", y=[1, 2])], dict(template="borderwatch", title=dict(text="b")))
    c = new_figure([dict(type="scatter", y=[1, 3])], dict(template="borderwatch", title=dict(text="a")))
    assert a.layout.datarevision == b.layout.datarevision != c.layout.datarevision
    ts = pd.Timestamp("2024-01-01", tz="UTC")
    assert data_revision([dict(x=[ts])]) != data_revision([dict(x=[ts + pd.Timedelta(days=1)])])
    import numpy as np
    big = np.arange(5000)
    big2 = big.copy()
    big2[2500] = -1  # numpy's repr elides the middle of long arrays: the digest must not
    assert data_revision([dict(y=big)]) != data_revision([dict(y=big2)])


@pytest.mark.parametrize("validate", [True, False])
def test_no_figure_ships_a_template(status, waits, crossings, volumes, events, validate, monkeypatch):
    """Neither with validation (tests) nor without (the page): no template key at all, not even a None,
    which plotly.io.to_image / fig.write_image would trip over."""
    from dashboard.figures import theme
    monkeypatch.setattr(theme, "VALIDATE", validate)
    for fig in _all_figures(status, waits, crossings, volumes, events):
        assert "template" not in fig.to_dict()["layout"]
        spec = json.loads(fig.to_json())
        assert "template" not in spec["layout"] and spec["layout"]["datarevision"]
        # what plotly.io.to_image does before it renders
        assert fig.to_dict().get("layout", {}).get("template", {}).get("layout", {}) == {}


def test_map_sea_is_the_background_not_the_ocean_layer(status, crossings, waits):
    """plotly's ocean layer is one polygon holding every coastline of the continent, projected on each draw;
    the geo background in the same colour looks the same."""
    geo = make_status_map_figure(status, crossings, waits=waits).layout.geo
    assert geo.showocean is False
    assert geo.bgcolor == "#eef5fb" and geo.showland is True and geo.landcolor != geo.bgcolor


def test_flattening_keeps_the_axis_flags_the_template_implied():
    """plotly.js shows an axis line / grid by default only when the layout itself sets its colour, never
    because a template does; flattened colours must not switch them on (pixel-identical exports)."""
    from dashboard.figures.theme import flatten_template
    data = [dict(type="bar", orientation="h", y=["a", "b"], x=[1, 2]),
            dict(type="scatter", x=[1, 2], y=[1, 2], xaxis="x2", yaxis="y2")]
    flat = flatten_template(data, dict(template="borderwatch", xaxis2=dict(linecolor="red"),
                                       yaxis2=dict(showgrid=False)))
    assert flat["xaxis"]["showline"] is False and flat["yaxis"]["showline"] is False
    assert flat["yaxis"]["showgrid"] is False     # the bars' category axis: no grid, as plotly defaults
    assert flat["xaxis"]["showgrid"] is True
    assert "showline" not in flat["xaxis2"]       # the layout set a line colour itself: plotly decides
    assert flat["yaxis2"]["showgrid"] is False    # explicit values are kept
    vertical = flatten_template([dict(type="bar", x=["a"], y=[1])], dict(template="borderwatch"))
    assert vertical["xaxis"]["showgrid"] is False and vertical["yaxis"]["showgrid"] is True


def test_map_table_joins_status_rows_by_id_then_port_number(status, crossings):
    """Rows without a crossing_id are placed by port_number, a later row for a crossing replaces an earlier
    one, rows that match no crossing are left out, and only the asked states are kept."""
    by_id = status.set_index("crossing_id")
    sy = status[status["crossing_id"] == "ca-san-ysidro"].assign(crossing_id=pd.NA)   # port 250401 only
    lv = status[status["crossing_id"] == "az-lukeville"]
    extra = pd.concat([sy, lv], ignore_index=True).assign(status="closed", reason="later row")
    stray = status[status["crossing_id"] == "tx-eagle-pass-bridge-1"].assign(crossing_id="xx-nowhere",
                                                                             port_number="999999")
    table = status_map_table(pd.concat([status, extra, stray], ignore_index=True), crossings)
    t = table.set_index("crossing_id")
    assert len(table) == len(status) == 54 and "xx-nowhere" not in t.index
    assert t.loc["ca-san-ysidro", ["status", "reason"]].tolist() == ["closed", "later row"]   # via 250401
    assert t.loc["az-lukeville", ["status", "reason"]].tolist() == ["closed", "later row"]
    assert t.loc["tx-eagle-pass-bridge-1", "status"] == by_id.loc["tx-eagle-pass-bridge-1", "status"]
    assert list(table[["state", "crossing_id"]].itertuples(index=False)) == sorted(
        table[["state", "crossing_id"]].itertuples(index=False))
    ca = status_map_table(status, crossings, states=iter(["CA"]))       # any iterable, read once
    assert set(ca["state"]) == {"CA"} and len(ca) == 9
    none = status_map_table(status, crossings, states=("NM",))
    assert none.empty and list(none.columns) == list(table.columns)


def test_records_matches_to_dict_with_missing_values_and_timestamps():
    from dashboard.figures.theme import records
    df = pd.DataFrame({
        "s": pd.array(["a", None, "c"], dtype="string"),
        "n": pd.array([1, None, 3], dtype="Int64"),
        "f": [1.5, float("nan"), 2.0],
        "t": pd.to_datetime(["2023-12-01", None, "2024-01-01"]).tz_localize("America/Phoenix"),
    })
    fast, slow = records(df), df.to_dict("records")
    assert [list(r) for r in fast] == [list(r) for r in slow] == [["s", "n", "f", "t"]] * 3
    for a, b in zip(fast, slow):
        for k in a:
            assert (pd.isna(a[k]) and pd.isna(b[k])) or a[k] == b[k], (k, a[k], b[k])
            assert type(a[k]) is type(b[k]), (k, type(a[k]), type(b[k]))
    assert records(df.iloc[:0]) == []


def test_records_matches_to_dict_on_the_real_frames(status, events, crossings):
    from dashboard.figures.theme import records
    for frame in (status, events, crossings):
        fast, slow = records(frame), frame.to_dict("records")
        assert len(fast) == len(slow) == len(frame) > 0
        for a, b in zip(fast, slow):
            assert list(a) == list(b)
            for k in a:
                same = (a[k] is b[k] or (_scalar_na(a[k]) and _scalar_na(b[k])) or a[k] == b[k])
                assert same and type(a[k]) is type(b[k]), (k, a[k], b[k])


def _scalar_na(v) -> bool:
    return not isinstance(v, (list, tuple, dict)) and bool(pd.isna(v))
