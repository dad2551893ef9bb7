"""The curated events registry: the shipped file, the validator's line-numbered problems, time queries."""
from pathlib import Path

import pandas as pd
import pytest

from loaders.errors import ValidationError
from loaders.events import (
    FILE_COLUMNS, active_events, events_for_crossing, load_events, parse_events, read_events,
)
from loaders.schema import EVENTS_COLUMNS, column_names

DATA = Path(__file__).parent / "data" / "events"
HEADER = ",".join(FILE_COLUMNS)
N_EVENTS = 99


@pytest.fixture(scope="module")
def events(crossings, data_dir):
    return load_events(data_dir, crossings=crossings)


def by_id(events, eid):
    rows = events[events["id"] == eid]
    assert len(rows) == 1, eid
    return rows.iloc[0]


# --- the shipped registry ------------------------------------------------------------------------------

def test_shipped_file_validates_to_the_frame_contract(events):
    assert list(events.columns) == column_names(EVENTS_COLUMNS)
    assert len(events) == N_EVENTS
    assert events["id"].is_unique
    assert events["line"].tolist() == list(range(2, N_EVENTS + 2))  # one physical line per event
    assert all(isinstance(v, tuple) for col in ("crossings", "modes", "source_urls") for v in events[col])
    assert set(events["state"]) == {"TX", "AZ", "CA"}
    assert all(t.tzinfo is not None for t in events["start"])


def test_every_source_url_is_https(events):
    urls = [u for us in events["source_urls"] for u in us]
    assert len(urls) >= 90
    assert all(u.startswith("https://") for u in urls)
    assert all(len(us) >= 1 for us in events["source_urls"])


def test_lukeville_closure_dates(events):
    ev = by_id(events, "2023-12-lukeville-closure")
    assert ev["crossings"] == ("260201",)
    assert ev["start"] == pd.Timestamp("2023-12-04", tz="America/Phoenix")
    assert ev["end"] == pd.Timestamp("2024-01-04 06:00", tz="America/Phoenix")
    assert ev["confidence"] == "high"
    ids_at = lambda ts: set(active_events(events, pd.Timestamp(ts, tz="America/Phoenix"))["id"])  # noqa: E731
    assert "2023-12-lukeville-closure" in ids_at("2023-12-20 12:00")
    assert "2023-12-lukeville-closure" not in ids_at("2024-01-10 12:00")
    assert "2023-12-lukeville-closure" in ids_at("2024-01-04 05:59")
    assert "2023-12-lukeville-closure" not in ids_at("2024-01-04 06:00")  # end is exclusive


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "America/Phoenix", "America/Chicago"])
def test_active_on_2023_12_20_noon(events, zone):
    active = set(active_events(events, pd.Timestamp("2023-12-20 12:00", tz=zone))["id"])
    assert {
        "2023-12-lukeville-closure",
        "2023-12-san-ysidro-pedwest-suspension",
        "2023-09-nogales-morley-gate-suspension",
        "2023-12-eagle-pass-rail-suspension",
        "2023-12-el-paso-rail-suspension",
        "2023-11-eagle-pass-bridge-1-suspension",
    } <= active
    assert not any(i.endswith("-reopening") for i in active)
    assert "2023-09-eagle-pass-rail-suspension" not in active


def test_rail_reopened_on_dec_22_at_2pm_eastern_in_both_zones(events):
    ep, elp = by_id(events, "2023-12-eagle-pass-rail-suspension"), by_id(events, "2023-12-el-paso-rail-suspension")
    assert str(ep["end"].tz) == "America/Chicago" and str(elp["end"].tz) == "America/Denver"
    assert ep["end"] == elp["end"] == pd.Timestamp("2023-12-22 14:00", tz="America/New_York")
    before = set(active_events(events, pd.Timestamp("2023-12-22 13:59", tz="America/New_York"))["id"])
    after = set(active_events(events, pd.Timestamp("2023-12-22 14:00", tz="America/New_York"))["id"])
    assert {"2023-12-eagle-pass-rail-suspension", "2023-12-el-paso-rail-suspension"} <= before
    assert not {"2023-12-eagle-pass-rail-suspension", "2023-12-el-paso-rail-suspension"} & after
    assert "2023-12-lukeville-closure" in after


def test_each_closure_ending_on_jan_4_2024_has_its_reopening(events):
    closures = events[(events["kind"] != "reopening") & events["end"].notna()]
    ended = closures[closures["end"].map(lambda t: t.date() == pd.Timestamp("2024-01-04").date())]
    assert set(ended["id"]) == {
        "2023-12-lukeville-closure", "2023-12-san-ysidro-pedwest-suspension",
        "2023-09-nogales-morley-gate-suspension", "2023-11-eagle-pass-bridge-1-suspension",
    }
    reopenings = events[events["kind"] == "reopening"]
    for _, c in ended.iterrows():
        match = reopenings[(reopenings["crossings"] == c["crossings"]) & (reopenings["start"] == c["end"])]
        assert len(match) == 1, c["id"]


def test_sept_2023_events(events):
    pedwest = by_id(events, "2023-09-san-ysidro-pedwest-suspension")
    assert pedwest["direction"] == "northbound"
    assert pedwest["end"] == pd.Timestamp("2023-11-16 06:00", tz="America/Los_Angeles")
    bridge = by_id(events, "2023-09-eagle-pass-bridge-1-suspension")
    assert (bridge["start"], bridge["end"]) == (
        pd.Timestamp("2023-09-20 18:00", tz="America/Chicago"), pd.Timestamp("2023-10-16", tz="America/Chicago"))
    rail = by_id(events, "2023-09-eagle-pass-rail-suspension")
    assert rail["kind"] == "rail_suspension" and rail["crossings"] == ("tx-eagle-pass-rail",)


def test_open_ended_policy_events_stay_active(events):
    active = set(active_events(events, pd.Timestamp("2026-01-01", tz="UTC"))["id"])
    assert {"2025-01-cbp-one-appointments-ended-tx", "2025-01-cbp-one-appointments-ended-ca",
            "2024-06-securing-the-border-proclamation-az"} <= active
    assert "2023-12-lukeville-closure" not in active


def test_events_for_crossing_matches_either_name(events, crossings):
    by_port = set(events_for_crossing(events, "260201")["id"])
    assert by_port == set(events_for_crossing(events, "az-lukeville", crossings=crossings)["id"])
    assert by_port == {"2023-11-lukeville-reduced-vehicle-processing", "2023-12-lukeville-closure",
                       "2024-01-lukeville-reopening", *COVID_AZ}
    assert events_for_crossing(events, "az-lukeville").empty  # literal match without the table
    rail = set(events_for_crossing(events, "tx-el-paso-up-rail")["id"])
    assert rail == {"2023-12-el-paso-rail-suspension", "2023-12-el-paso-rail-reopening"}


COVID_AZ = {"2020-03-land-border-essential-travel-restriction-az", "2021-11-land-border-reopening-vaccinated-az",
            "2021-11-non-essential-vaccination-requirement-az", "2022-01-essential-traveler-vaccination-requirement-az"}


def test_sorted_by_start_then_id(events):
    keys = list(zip(events["start"].map(lambda t: t.strftime("%Y-%m-%dT%H:%M")), events["id"]))
    assert keys == sorted(keys)


def test_title_19_essential_travel_restriction_from_march_21_2020(events):
    """11:59 p.m. EDT March 20, 2020 = 03:59 UTC March 21, in every state's local time; lifted Nov. 8, 2021."""
    rows = [by_id(events, f"2020-03-land-border-essential-travel-restriction-{s}") for s in ("tx", "az", "ca")]
    for ev in rows:
        assert ev["kind"] == "policy" and ev["direction"] == "northbound"
        assert ev["modes"] == ("passenger", "pedestrian")
        assert ev["start"] == pd.Timestamp("2020-03-21 03:59", tz="UTC")
        assert ev["end"].date() == pd.Timestamp("2021-11-08").date()
    tx, az, ca = rows
    assert str(tx["start"].tz) == "America/Chicago" and tx["start"].hour == 22
    assert {"230401", "240202", "tx-los-ebanos-ferry", "tx-boquillas"} <= set(tx["crossings"])
    assert "230404" not in tx["crossings"]  # commercial-only crossings are not listed
    assert {"260201", "260401", "260403"} <= set(az["crossings"])
    assert {"250401", "250407"} <= set(ca["crossings"]) and "250602" not in ca["crossings"]
    active = set(active_events(events, pd.Timestamp("2020-03-21 12:00", tz="America/Phoenix"))["id"])
    assert {r["id"] for r in rows} <= active
    later = set(active_events(events, pd.Timestamp("2021-12-01 12:00", tz="America/Phoenix"))["id"])
    assert not {r["id"] for r in rows} & later
    assert "2021-11-non-essential-vaccination-requirement-az" in later
    jan = set(active_events(events, pd.Timestamp("2022-06-01 12:00", tz="America/Phoenix"))["id"])
    assert "2022-01-essential-traveler-vaccination-requirement-az" in jan
    assert "2022-01-essential-traveler-vaccination-requirement-az" not in set(
        active_events(events, pd.Timestamp("2023-06-01 12:00", tz="America/Phoenix"))["id"])


def test_pandemic_closures_of_single_crossings(events):
    boq = by_id(events, "2020-03-boquillas-closure")
    assert (boq["start"], boq["end"]) == (pd.Timestamp("2020-03-18", tz="America/Chicago"),
                                          pd.Timestamp("2021-11-17", tz="America/Chicago"))
    morley = by_id(events, "2020-03-nogales-morley-gate-closure")
    assert morley["crossings"] == ("260403",) and morley["end"] == pd.Timestamp("2021-11-08", tz="America/Phoenix")
    pedwest = by_id(events, "2020-04-san-ysidro-pedwest-closure")
    assert pedwest["direction"] == "both" and pedwest["confidence"] == "medium"  # sources disagree on the start
    assert pedwest["end"] == pd.Timestamp("2023-01-09 06:00", tz="America/Los_Angeles")
    south = by_id(events, "2023-01-san-ysidro-pedwest-southbound-closure")
    assert south["direction"] == "southbound" and south["start"] == pedwest["end"]
    assert south["end"] == by_id(events, "2023-11-san-ysidro-pedwest-southbound-reopening")["start"]


def test_del_rio_2021_passenger_before_cargo(events):
    closure, cargo = by_id(events, "2021-09-del-rio-closure"), by_id(events, "2021-09-del-rio-cargo-closure")
    assert closure["modes"] == ("all",) and closure["end"] == pd.Timestamp("2021-09-25 16:00", tz="America/Chicago")
    assert cargo["modes"] == ("commercial",) and cargo["start"] == closure["end"]
    assert "tx-del-rio-amistad-dam" in closure["crossings"]


def test_april_2022_inspections_are_slowdowns_and_blockades_close_commercial_only(events):
    dps = events[events["id"].str.startswith("2022-04-dps-enhanced-inspections")]
    assert len(dps) == 4 and set(dps["kind"]) == {"other"} and set(dps["direction"]) == {"northbound"}
    ends = {i: e.date().isoformat() for i, e in zip(dps["id"], dps["end"])}
    assert ends["2022-04-dps-enhanced-inspections-laredo-colombia"] == "2022-04-13"
    assert ends["2022-04-dps-enhanced-inspections-tamaulipas-ports"] == "2022-04-15"
    for eid in ("2022-04-pharr-trucker-blockade", "2022-04-ysleta-zaragoza-trucker-blockade"):
        ev = by_id(events, eid)
        assert ev["kind"] == "closure" and ev["modes"] == ("commercial",)
    ysleta = by_id(events, "2022-04-ysleta-zaragoza-trucker-blockade")
    assert ysleta["start"] == pd.Timestamp("2022-04-11 17:00", tz="America/Denver") and ysleta["confidence"] == "low"


def test_2023_2025_disruptions_are_recorded_by_mode_and_direction(events):
    pdn = by_id(events, "2023-03-el-paso-pdn-port-hardening")
    assert pdn["start"] == pd.Timestamp("2023-03-12 13:30", tz="America/Denver") and pdn["direction"] == "northbound"
    stanton = by_id(events, "2023-03-el-paso-stanton-port-hardening")
    assert stanton["end"] - stanton["start"] == pd.Timedelta(minutes=45)
    # CBP stopped BOTA cargo processing outright in Sept. 2023: a suspension of the commercial mode, not "partial"
    bota = by_id(events, "2023-09-el-paso-bota-cargo-suspension")
    assert bota["kind"] == "suspension" and bota["modes"] == ("commercial",)
    rail_workers = by_id(events, "2023-12-el-paso-bota-rail-workers-blockade")
    assert rail_workers["modes"] == ("passenger",) and rail_workers["direction"] == "northbound"
    wtb = by_id(events, "2024-11-world-trade-bridge-protest")
    assert (wtb["kind"], wtb["modes"], wtb["direction"]) == ("closure", ("commercial",), "both")
    for eid in ("2025-11-juarez-farmers-blockade-bota", "2025-11-juarez-farmers-blockade-ysleta",
                "2025-12-juarez-farmers-blockade-2"):
        ev = by_id(events, eid)
        assert ev["modes"] == ("commercial",)  # cars and pedestrians kept crossing
    second = by_id(events, "2025-12-juarez-farmers-blockade-2")
    assert second["end"] == pd.Timestamp("2025-12-05 11:00", tz="America/Denver")


def test_blockades_are_local_to_each_state(events):
    mariposa = by_id(events, "2025-11-nogales-mariposa-farmers-blockade")
    assert str(mariposa["start"].tz) == "America/Phoenix" and mariposa["crossings"] == ("260402",)
    assert mariposa["start"] == pd.Timestamp("2025-11-24 17:30", tz="UTC")  # Sonora and Arizona: UTC-7, no DST
    tecate = by_id(events, "2021-03-tecate-closure")
    assert (tecate["direction"], tecate["end"] - tecate["start"]) == ("northbound", pd.Timedelta(hours=3, minutes=15))
    gateway = by_id(events, "2023-08-brownsville-gateway-closure")
    assert gateway["crossings"] == ("535504",) and gateway["end"] == pd.Timestamp("2023-08-08 09:42", tz="America/Chicago")


def test_tornillo_cargo_closed_until_august_2023(events):
    ids_at = lambda ts: set(active_events(events, pd.Timestamp(ts, tz="America/Denver"))["id"])  # noqa: E731
    assert "2020-01-tornillo-cargo-suspension" in ids_at("2022-06-29 10:00")
    assert "2020-01-tornillo-cargo-suspension" not in ids_at("2023-08-07 10:00")
    dec = by_id(events, "2025-12-juarez-farmers-blockade-2")
    assert set(dec["crossings"]) == {"240201", "240203", "240401"}


def test_every_closing_event_that_ended_has_an_end(events):
    """An empty end means 'still in force' to every consumer: only policy rows are open-ended."""
    open_ended = events[events["end"].isna()]
    assert set(open_ended["kind"]) <= {"policy"}


def test_active_events_needs_an_aware_instant(events):
    with pytest.raises(ValueError, match="naive"):
        active_events(events, pd.Timestamp("2023-12-20 12:00"))


def test_events_md_generated_sections_are_current():
    """EVENTS.md's coverage table and source list are generated from events.csv (tools/build_events_doc.py)."""
    import subprocess
    import sys
    tool = Path(__file__).resolve().parent.parent / "tools" / "build_events_doc.py"
    proc = subprocess.run([sys.executable, str(tool), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


# --- the validator -------------------------------------------------------------------------------------

def test_broken_file_lists_every_problem_with_its_physical_line(crossings):
    with pytest.raises(ValidationError) as info:
        read_events(DATA / "broken_events.csv", crossings=crossings)
    got = [(p.line, p.message) for p in info.value.problems]
    expected = [
        (5, "end 2023-12-01 is before start 2023-12-04"),
        (6, "kind 'shutdown'"),
        (7, "crossing '999999' is neither a port_number nor a crossing_id"),
        (8, "crossing '260201' (Lukeville) is in AZ, not TX"),
        (9, "mode 'rail' is not served by any listed crossing"),
        (10, "'http://example.com/g' is not https"),
        (11, "id 'ok-multiline' repeats line 2"),
        (12, "has 5 fields, expected 12"),
        (13, "confidence 'certain'"),
        (15, "title is empty"),
        (15, "start '2023-02-30' is not a valid date"),
        (16, "is ambiguous or does not exist in America/Chicago"),
        (17, "crossing 'az-lukeville' has CBP port_number '260201'"),
        (18, "no source"),
    ]
    for line, text in expected:
        assert any(l == line and text in m for l, m in got), (line, text, got)
    assert len(got) == len(expected)
    assert not any(l in (2, 3, 4, 14) for l, _ in got)  # the multi-line records themselves are fine
    assert str(info.value.problems[0]).endswith("broken_events.csv:5: end 2023-12-01 is before start 2023-12-04")


def test_quoted_multiline_fields_keep_first_line_and_text(crossings):
    text = HEADER + "\n\n" + (
        'a,"Title, with comma",closure,260403,AZ,pedestrian,both,2023-09-25,2024-01-04T10:00,'
        '"Line one,\nline two",https://example.com/x;https://example.org/y,medium\n'
        "b,Second,reopening,260403,AZ,pedestrian,both,2024-01-04T10:00,,Reopened.,https://example.com/z,high\n"
    )
    ev = parse_events(text, source="t.csv", crossings=crossings)
    assert ev["line"].tolist() == [3, 5]
    assert ev.loc[0, "title"] == "Title, with comma"
    assert ev.loc[0, "summary"] == "Line one,\nline two"
    assert ev.loc[0, "source_urls"] == ("https://example.com/x", "https://example.org/y")
    assert pd.isna(ev.loc[1, "end"])


def test_header_only_gives_an_empty_frame(crossings):
    ev = parse_events(HEADER + "\n", source="t.csv", crossings=crossings)
    assert ev.empty and list(ev.columns) == column_names(EVENTS_COLUMNS)


@pytest.mark.parametrize("header", ["id,title", HEADER.replace("kind", "type"), ""])
def test_bad_header_is_reported_on_line_1(crossings, header):
    with pytest.raises(ValidationError) as info:
        parse_events(header, source="t.csv", crossings=crossings)
    assert [p.line for p in info.value.problems] == [1]


def test_mode_check_passes_when_any_listed_crossing_serves_it(crossings):
    row = "x,T,suspension,{c},TX,{m},both,2023-12-18,,S.,https://example.com/x,low\n"
    ok = parse_events(HEADER + "\n" + row.format(c="230301;tx-eagle-pass-rail", m="rail"), source="t", crossings=crossings)
    assert ok.loc[0, "crossings"] == ("230301", "tx-eagle-pass-rail")
    with pytest.raises(ValidationError, match="'pedestrian' is not served"):
        # World Trade Bridge: trucks only (Eagle Pass Bridge I has pedestrians, from its TxDOT/UNT counts)
        parse_events(HEADER + "\n" + row.format(c="230404;tx-eagle-pass-rail", m="pedestrian"), source="t",
                     crossings=crossings)
    with pytest.raises(ValidationError, match="'all' must stand alone"):
        parse_events(HEADER + "\n" + row.format(c="230301", m="all;passenger"), source="t", crossings=crossings)
