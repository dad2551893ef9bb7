"""Bridge-level volume charts (issue 10 item 5): a crossing's chart draws its own counts, port totals say so,
modes and events follow the measures drawn. Values hand-checked against the raw files in ../shared."""
import pandas as pd
import pytest

from analysis.crossing_volumes import crossing_volumes, events_for_measures, missing_ports
from dashboard import views
from dashboard.filters import Filters


def chart(snapshot, **q):
    return views.volumes_chart(snapshot, Filters.from_query(q))


def y_at(fig, name, month):
    t = next(t for t in fig.data if t.name == name)
    return dict(zip(t.x, t.y))[pd.Timestamp(month).strftime("%Y-%m-%dT%H:%M:%S")]


def event_ids(fig):
    return {s.legendgroup.removeprefix("event-") for s in fig.layout.shapes if s.showlegend}


def test_eagle_pass_bridge_1_chart_is_its_own_bridge_count(snapshot):
    c = chart(snapshot, crossing="tx-eagle-pass-bridge-1", **{"from": "2023-06", "to": "2024-03"})
    fig = c.figure
    title = fig.layout.title.text.replace("<br>", " ")  # titles wrap to the image width
    assert "Eagle Pass – Bridge I" in title and "bridge counts" in title
    assert "port total" not in fig.layout.title.text
    # TxDOT/UNT raw lines 30404 and 30569: 2023-11-EAGL-POVs 99269, 2023-12-EAGL-POVs 551
    assert y_at(fig, "Personal Vehicles", "2023-11-01") == 99269
    assert y_at(fig, "Personal Vehicles", "2023-12-01") == 551
    # buses are 0 in every month on Bridge I: noted, not drawn as a flat line; trucks are not a mode of it
    assert {t.name for t in fig.data} == {"Personal Vehicles"}
    assert "TxDOT/UNT" in fig.layout.annotations[-1].text or any("TxDOT/UNT" in a.text for a in fig.layout.annotations)
    # the vehicle suspension is drawn on the vehicle chart ...
    assert "2023-11-eagle-pass-bridge-1-suspension" in event_ids(fig)
    # ... and not on the pedestrian chart (pedestrians kept crossing: 38,960 in Dec 2023, raw line 30570)
    p = chart(snapshot, crossing="tx-eagle-pass-bridge-1", family="people", **{"from": "2023-06", "to": "2024-03"})
    assert y_at(p.figure, "Pedestrians and Bicyclists", "2023-12-01") == 38960
    assert "2023-11-eagle-pass-bridge-1-suspension" not in event_ids(p.figure)


def test_laredo_bridges_draw_different_counts(snapshot):
    wtb = chart(snapshot, crossing="tx-laredo-world-trade", **{"from": "2023-01", "to": "2023-12"}).figure
    col = chart(snapshot, crossing="tx-laredo-colombia", **{"from": "2023-01", "to": "2023-12"}).figure
    assert y_at(wtb, "Trucks", "2023-12-01") == 161871  # raw line 30598, 2023-12-WORL-Trucks
    assert y_at(col, "Trucks", "2023-12-01") == 62106   # raw line 30583, 2023-12-COLO-Trucks
    assert {t.name for t in wtb.data} == {"Trucks"}     # World Trade Bridge: trucks only


def test_morley_gate_never_plots_vehicles_and_names_its_port_total(snapshot):
    fig = chart(snapshot, crossing="az-nogales-morley-gate").figure
    assert not [t for t in fig.data if t.type == "scatter"]
    assert any("serves pedestrian only" in a.text for a in fig.layout.annotations)
    ppl = chart(snapshot, crossing="az-nogales-morley-gate", family="people", **{"from": "2023-01", "to": "2023-12"})
    t = ppl.figure.layout.title.text
    assert "port total" in t and "DeConcini, Mariposa, Morley Gate" in t
    assert {tr.name for tr in ppl.figure.data} == {"Pedestrians"}


def test_modes_filter_applies_to_measures(snapshot):
    v = chart(snapshot, state="TX", mode="pedestrian")
    assert v.table.empty and not v.figure.data
    assert any("modes chosen" in a.text for a in v.figure.layout.annotations)
    p = chart(snapshot, state="TX", mode="pedestrian", family="people")
    assert set(p.table["measure"]) == {"Pedestrians"}


def test_pedestrian_only_events_are_not_shaded_on_vehicle_charts(snapshot):
    veh = chart(snapshot, state="CA", **{"from": "2023-01", "to": "2024-06"}).figure
    ppl = chart(snapshot, state="CA", family="people", **{"from": "2023-01", "to": "2024-06"}).figure
    assert "2023-09-san-ysidro-pedwest-suspension" not in event_ids(veh)
    assert "2023-09-san-ysidro-pedwest-suspension" in event_ids(ppl)
    # a southbound-only event is not drawn on northbound counts
    assert "2023-01-san-ysidro-pedwest-southbound-closure" not in event_ids(ppl)
    ev = snapshot.events
    assert events_for_measures(ev, ["Trucks"])["modes"].map(lambda m: "all" in m or "commercial" in m).all()


def test_ports_win_over_a_chosen_crossing_for_events_too(snapshot):
    fig = chart(snapshot, port="2602,2604", crossing="tx-laredo-world-trade", **{"from": "2023-01", "to": "2024-06"}).figure
    assert [t.name for t in fig.data] == ["Lukeville (2602)", "Nogales (2604)"]
    assert "2023-12-lukeville-closure" in event_ids(fig)


def test_ports_are_one_line_each(snapshot):
    c = chart(snapshot, port="2602,2604,2608", **{"from": "2023-01", "to": "2024-06"})
    fig = c.figure
    names = [t.name for t in fig.data]
    assert names == ["Lukeville (2602)", "Nogales (2604)", "San Luis (2608)"]
    # raw BTS rows, Dec 2023 Personal Vehicles: Lukeville 3966, Nogales 317137, San Luis 271148 (not summed)
    assert [y_at(fig, n, "2023-12-01") for n in names] == [3966, 317137, 271148]
    title = fig.layout.title.text.replace("<br>", " ")
    assert "Personal vehicles entering the U.S. per month, one line per port" in title
    assert any("port total of DeConcini, Mariposa, Morley Gate" in a.text for a in fig.layout.annotations)
    # only events at crossings of these ports: Lukeville's closure, not Eagle Pass Bridge I's suspension
    assert "2023-12-lukeville-closure" in event_ids(fig)
    assert not any("eagle-pass" in e for e in event_ids(fig))


def test_el_paso_split_marked_on_el_paso_port_chart(snapshot):
    fig = chart(snapshot, port="2402", **{"from": "2019-01", "to": "2021-12"}).figure
    lines = [s for s in fig.layout.shapes if s.name == "source-change"]
    assert len(lines) == 1 and pd.Timestamp(lines[0].x0) == pd.Timestamp("2020-03-01")
    assert any("Ysleta (2401)" in a.text for a in fig.layout.annotations if a.name == "source-change")
    other = chart(snapshot, port="2602", **{"from": "2019-01", "to": "2021-12"}).figure
    assert not [s for s in other.layout.shapes if s.name == "source-change"]


def test_total_with_a_missing_port_month_says_so(snapshot):
    c = chart(snapshot, state="AZ", **{"from": "2020-06", "to": "2021-06"})
    t = c.table.set_index(["measure", "month"])
    # BTS has no San Luis (2608) Buses row for Aug 2020; Douglas 9 + Lukeville 48 + Nogales 303 = 360
    r = t.loc[("Buses", pd.Timestamp("2020-08-01"))]
    assert (r["value"], r["ports_missing"], r["missing"]) == (360, 1, "San Luis (2608)")
    assert t.loc[("Personal Vehicles", pd.Timestamp("2020-08-01")), "ports_missing"] == 0
    mark = next(tr for tr in c.figure.data if tr.meta == "partial-total")
    assert any("San Luis (2608)" in x for x in mark.text)


def test_crossing_volumes_names_what_a_port_total_includes(snapshot):
    sel = crossing_volumes(snapshot.volumes, snapshot.bridge_volumes, snapshot.crossings, "az-san-luis-2")
    assert sel.source == "BTS" and sel.includes == ("San Luis I", "San Luis II")
    assert set(sel.frame["measure"]) <= {"Trucks", "Truck Containers Loaded", "Truck Containers Empty"}
    rail = crossing_volumes(snapshot.volumes, snapshot.bridge_volumes, snapshot.crossings, "tx-el-paso-up-rail")
    assert rail.source == "TxDOT/UNT" and len(rail.includes) == 2 and set(rail.frame["measure"]) == {"Railcars"}
    assert missing_ports(sel.frame).empty  # one port: nothing is summed


def test_cli_volumes_crossing(capsys):
    from dashboard.cli import main
    assert main(["volumes", "--crossing", "tx-eagle-pass-bridge-1", "--from", "2023-12", "--to", "2023-12",
                 "--measure", "Personal Vehicles", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "crossing_id,source,counts,includes,port_code,month,measure,value,unit,source_row"
    assert out[1] == ("tx-eagle-pass-bridge-1,TxDOT/UNT,bridge,Eagle Pass – Bridge I,2303,2023-12,Personal Vehicles,"
                      "551,vehicles,2023-12-EAGL-POVs")
    assert main(["volumes", "--crossing", "az-nogales-morley-gate", "--from", "2023-12", "--to", "2023-12",
                 "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert rows == ["az-nogales-morley-gate,BTS,port total,DeConcini; Mariposa; Morley Gate,2604,2023-12,"
                    "Pedestrians,267036,people,"]
    assert main(["volumes", "--crossing", "nowhere"]) == 1
    assert "unknown crossing" in capsys.readouterr().err


def test_el_paso_split_marked_on_compare_panels(snapshot):
    fig = views.compare_chart(snapshot, Filters.from_query({"state": "TX", "from": "2019-01", "to": "2021-12"})).figure
    lines = [s for s in fig.layout.shapes if s.name == "source-change"]
    assert len(lines) == 2  # the El Paso (2402) and Ysleta (2401) panels, none elsewhere
    assert {pd.Timestamp(s.x0) for s in lines} == {pd.Timestamp("2020-03-01")}


def _total_the_direct_way(snapshot, f):
    """The states' total table as volumes_chart built it from one selection frame (before per-state parts)."""
    from dashboard.figures import volumes_table
    start, end = views.effective_months(snapshot, f)
    f = f.with_(start=start, end=end)
    sel = views.volume_selection(snapshot, f)
    t0, t1 = pd.Timestamp(start + "-01"), pd.Timestamp(end + "-01")
    v = sel.frame
    v = v[(v["family"] == f.family).to_numpy(dtype=bool, na_value=False)
          & (v["month"] >= t0).to_numpy() & (v["month"] <= t1).to_numpy()].reset_index(drop=True)
    present = sorted(v["measure"].astype(str).unique())
    measures = [f.measure] if f.measure and f.measure in present else None
    table = volumes_table(v, family=f.family, measures=measures, group_by="measure", missing=missing_ports(v))
    return sel, table


@pytest.mark.parametrize("q", [
    {}, {"state": "AZ,CA"}, {"state": "TX,CA"}, {"state": "TX,AZ"}, {"state": "CA"}, {"state": "AZ"},
    {"state": "TX", "family": "people"}, {"state": "AZ,CA", "family": "freight"},
    {"state": "AZ,CA", "mode": "pedestrian"}, {"mode": "rail"}, {"state": "AZ", "mode": "rail,commercial"},
    {"from": "1996-01", "to": "2025-02"}, {"state": "CA,AZ", "from": "2023-01", "to": "2023-12"},
    {"state": "AZ", "from": "2020-03", "to": "2020-05", "family": "people"},
    {"measure": "Trucks"}, {"state": "AZ,CA", "measure": "Pedestrians", "family": "people"},
    {"state": "AZ", "mode": "pedestrian", "family": "freight"},  # nothing to draw
])
def test_states_total_from_per_state_parts_is_the_direct_total(snapshot, q):
    """A states' total is summed from per-state parts (reused across States changes): same table, same
    'ports missing' marks, same title and ports as summing the states' frame at once."""
    f = Filters.from_query(q)
    sel, want = _total_the_direct_way(snapshot, f)
    start, end = views.effective_months(snapshot, f)
    got = views.states_total(snapshot, f.with_(start=start, end=end), pd.Timestamp(start + "-01"),
                             pd.Timestamp(end + "-01"))
    assert got is not None
    gsel, table, _, group = got
    assert group == "measure"
    pd.testing.assert_frame_equal(table, want)
    assert (gsel.where, gsel.ports, gsel.level, gsel.source) == (sel.where, sel.ports, sel.level, sel.source)
    # and a second look-up (parts cached) gives the same
    again = views.states_total(snapshot, f.with_(start=start, end=end), pd.Timestamp(start + "-01"),
                               pd.Timestamp(end + "-01"))[1]
    pd.testing.assert_frame_equal(again, want)


def test_states_total_marks_a_missing_port_count(snapshot):
    """All three states 1996-2025: some month lacks a port's count, and the total says which port."""
    f = Filters.from_query({"from": "1996-01", "to": "2025-02"})
    table = chart(snapshot, **{"from": "1996-01", "to": "2025-02"}).table
    part = table[table["ports_missing"] > 0]
    assert len(part) and part["missing"].str.contains(r"\(\d{4}\)").all()
    assert views.states_total(snapshot, f.with_(crossing="tx-eagle-pass-bridge-1"), pd.Timestamp("2020-01-01"),
                              pd.Timestamp("2020-02-01")) is None


def test_states_total_parts_are_shared_by_the_live_feeds_snapshots(snapshot):
    """With the live feed on, each rerun has a new Snapshot object over the same counts: the per-state parts
    are reused, not recomputed."""
    from loaders.snapshot import with_live_waits
    f = Filters.from_query({"state": "AZ,CA", "from": "2021-01", "to": "2021-06"})
    t0, t1 = pd.Timestamp("2021-01-01"), pd.Timestamp("2021-06-01")
    a, b = with_live_waits(snapshot, snapshot.waits), with_live_waits(snapshot, snapshot.waits)
    first = views.states_total(a, f, t0, t1)[1]
    n = len(views._state_parts)
    again = views.states_total(b, f, t0, t1)[1]
    assert len(views._state_parts) == n
    pd.testing.assert_frame_equal(first, again)
    assert first["value"].notna().any()


# ------------------------------------------------------------------ Compare: each panel its own events
def test_panel_events_are_the_panels_own_port_and_mode(events, crossings):
    """On the real registry: a Compare panel of a port gets the events of the crossings that port counts,
    for the measure's mode; a state panel the events of its state; southbound-only events never."""
    from analysis.crossing_volumes import panel_events

    def ids(panel, measure, group_by="port"):
        return set(panel_events(events, crossings, group_by=group_by, panel=panel, measure=measure)["id"])
    covid = {"2020-03-land-border-essential-travel-restriction-az", "2021-11-land-border-reopening-vaccinated-az",
             "2021-11-non-essential-vaccination-requirement-az", "2022-01-essential-traveler-vaccination-requirement-az"}
    lukeville = {"2023-11-lukeville-reduced-vehicle-processing", "2023-12-lukeville-closure", "2024-01-lukeville-reopening"}
    assert ids("2602", "Personal Vehicles") == covid | lukeville
    assert ids("2608", "Personal Vehicles") == covid  # San Luis: nothing of Lukeville's
    nogales = ids("2604", "Personal Vehicles")
    assert not nogales & lukeville and "2024-06-securing-the-border-proclamation-az" in nogales
    assert "2023-09-nogales-morley-gate-suspension" not in nogales  # a pedestrian gate: not on a vehicle panel
    assert "2023-09-nogales-morley-gate-suspension" in ids("2604", "Pedestrians")
    # San Ysidro (2504) with PedWest: its southbound-only closure is not drawn on northbound counts
    sy = ids("2504", "Pedestrians")
    assert "2023-01-san-ysidro-pedwest-southbound-closure" not in sy
    assert ids("CA", "Trucks", "state") == {"2021-03-tecate-closure", "2024-06-securing-the-border-proclamation-ca",
                                            "2025-01-cbp-one-appointments-ended-ca"}
    az = panel_events(events, crossings, group_by="state", panel="AZ", measure="Personal Vehicles")
    assert set(az["state"]) == {"AZ"} and lukeville <= set(az["id"])
    with pytest.raises(ValueError, match="state or a port"):
        panel_events(events, crossings, group_by="measure", panel="x", measure="Trucks")


def _panel_shapes(fig):
    """{panel title: set of event ids shaded there} of a Compare figure (legend groups are 'event-<id>')."""
    titles = [a.text for a in fig.layout.annotations if a.xref == "paper" and a.yref == "paper"][:len(fig.data)]
    out: dict[str, set[str]] = {t: set() for t in titles}
    for s in fig.layout.shapes:
        if s.legendgroup and s.legendgroup.startswith("event-"):
            out[titles[int(s.xref[1:] or 1) - 1]].add(s.legendgroup.removeprefix("event-"))
    return out


def test_compare_panels_shade_only_their_own_events(snapshot):
    """Arizona ports compared on personal vehicles, 2023-2024: the Lukeville closure is shaded on the
    Lukeville panel only (it used to be on Nogales and San Luis too); every event is in the legend once."""
    fig = views.compare_chart(snapshot, Filters.from_query(
        {"state": "AZ", "port": "2602,2604,2608", "from": "2023-01", "to": "2024-12"})).figure
    got = _panel_shapes(fig)
    assert got["Lukeville (2602)"] == {"2023-11-lukeville-reduced-vehicle-processing", "2023-12-lukeville-closure",
                                       "2024-01-lukeville-reopening"}
    assert got["Nogales (2604)"] == {"2024-06-securing-the-border-proclamation-az"}
    assert got["San Luis (2608)"] == set()
    legend = [s.legendgroup for s in fig.layout.shapes if s.showlegend]
    assert sorted(legend) == sorted(set(legend)) and len(legend) == 4
    # Pedestrians: the Morley Gate suspension is Nogales' own, not Lukeville's
    ped = _panel_shapes(views.compare_chart(snapshot, Filters.from_query(
        {"state": "AZ", "port": "2602,2604,2608", "family": "people", "measure": "Pedestrians",
         "from": "2023-01", "to": "2024-12"})).figure)
    assert "2023-09-nogales-morley-gate-suspension" in ped["Nogales (2604)"]
    assert "2023-09-nogales-morley-gate-suspension" not in ped["Lukeville (2602)"]
    # States: California's panel does not carry Arizona's or Texas' closures
    st = _panel_shapes(views.compare_chart(snapshot, Filters.from_query(
        {"state": "TX,AZ,CA", "from": "2020-01", "to": "2024-12"})).figure)
    assert "2023-12-lukeville-closure" in st["AZ"] and "2023-12-lukeville-closure" not in st["CA"]
    assert "2021-03-tecate-closure" in st["CA"] and "2021-03-tecate-closure" not in st["TX"]
    assert "2023-09-eagle-pass-bridge-1-suspension" in st["TX"] and "2023-09-eagle-pass-bridge-1-suspension" not in st["AZ"]
