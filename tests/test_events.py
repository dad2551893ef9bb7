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
    assert len(events) == 33
    assert events["id"].is_unique
    assert events["line"].tolist() == list(range(2, 35))  # one physical line per event
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
                       "2024-01-lukeville-reopening"}
    assert events_for_crossing(events, "az-lukeville").empty  # literal match without the table
    rail = set(events_for_crossing(events, "tx-el-paso-up-rail")["id"])
    assert rail == {"2023-12-el-paso-rail-suspension", "2023-12-el-paso-rail-reopening"}


def test_active_events_needs_an_aware_instant(events):
    with pytest.raises(ValueError, match="naive"):
        active_events(events, pd.Timestamp("2023-12-20 12:00"))


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
        parse_events(HEADER + "\n" + row.format(c="230301;tx-eagle-pass-rail", m="pedestrian"), source="t",
                     crossings=crossings)
    with pytest.raises(ValidationError, match="'all' must stand alone"):
        parse_events(HEADER + "\n" + row.format(c="230301", m="all;passenger"), source="t", crossings=crossings)
