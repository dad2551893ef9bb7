"""Outage detection (analysis/outages.py) and reconciliation with the registry (analysis/reconcile.py) on
sequences built from real captures: the 2014 XML (12 ports Closed) followed by the 2022 JSON, and the
garitas change log of Aug 2026 (57 captures of every crossing)."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.outages import detect_outages, readings_from_waits
from analysis.reconcile import reconcile
from loaders.cbp import read_cbp
from loaders.crossings import load_crossings, port_zones
from loaders.events import parse_events

from ._captures import garitas_readings
from .conftest import SHARED_DATA

XML_2014 = SHARED_DATA / "cbp" / "bwt_xml_2014-04-28.xml"
JSON_2022 = SHARED_DATA / "cbp" / "bwtnew_2022-06-29.json"


@pytest.fixture(scope="module")
def crossings():
    return load_crossings()


@pytest.fixture(scope="module")
def seq(crossings):
    z = port_zones(crossings)
    w14 = read_cbp(XML_2014, zones=z)
    w22 = read_cbp(JSON_2022, zones=z, retrieved_at=pd.Timestamp("2022-06-29T17:25:15Z"))
    return readings_from_waits([w14, w22], crossings)


def test_2014_closed_ports_detected(seq, crossings):
    d = detect_outages(seq, crossings=crossings, include_scheduled=True)
    closed = d[d["kind"] == "port_closed"]
    # the 2014 XML (last_updated 2014-4-28 21:41:01, read as 01:41:01Z) has 12 Closed ports; 10 are TX/AZ/CA
    # crossings of our reference (Lynden is in Canada, Santa Teresa in New Mexico)
    assert sorted(closed["crossing_id"]) == sorted([
        "az-lukeville", "az-nogales-morley-gate", "ca-calexico-east", "tx-brownsville-los-indios",
        "tx-brownsville-veterans", "tx-el-paso-stanton", "tx-laredo-colombia", "tx-laredo-world-trade",
        "tx-pharr", "tx-rio-grande-city"])
    assert set(closed["start"]) == {pd.Timestamp("2014-04-29T01:41:01Z")}
    # the next capture is eight years later: the end is unknown, not "recovered in 2022"
    assert not closed["end_known"].any() and closed["end"].isna().all()
    assert closed["evidence"].str.contains("no capture for 71,608 h").all()
    assert set(closed["confidence"]) == {"low"}  # one capture each
    # none of the 2022 crossings is Closed: no port_closed detection starts in 2022
    assert not (d["start"] > pd.Timestamp("2020-01-01", tz="UTC"))[d["kind"] == "port_closed"].any()


def test_posted_hours_make_morley_gate_scheduled(seq, crossings):
    pytest.importorskip("analysis.hours")
    d = detect_outages(seq, crossings=crossings, include_scheduled=True)
    mg = d[(d["crossing_id"] == "az-nogales-morley-gate") & (d["kind"] == "port_closed")].iloc[0]
    # Morley Gate posts "10 am-6 pm"; the capture is 18:41 MST: closed for the night, not an outage
    assert bool(mg["scheduled"])
    default = detect_outages(seq, crossings=crossings)
    assert "az-nogales-morley-gate" not in set(default.loc[default["kind"] == "port_closed", "crossing_id"])
    # Lukeville posts "6 am-Midnight": Closed at 18:41 MST is inside its hours, so it stays a detection
    assert "az-lukeville" in set(default.loc[default["kind"] == "port_closed", "crossing_id"])


def test_unrecorded_candidates_have_a_prefilled_line(seq, crossings):
    from loaders.snapshot import load_snapshot
    snap = load_snapshot()
    d = detect_outages(seq, crossings=crossings, include_scheduled=True)
    rc = reconcile(d, snap.events, crossings, seq)
    # no registry event covers the 2014 capture; PedWest's 2022 lanes all say "Update Pending" during its
    # 2020-23 closure: that says nothing, so the event is not "unsupported"
    assert set(rc["status"]) == {"unrecorded"}
    line = rc.loc[(rc["crossing_id"] == "az-lukeville") & (rc["kind"] == "port_closed"), "events_line"].iloc[0]
    assert line.startswith("2014-04-28-az-lukeville-port-closed-candidate,")
    assert ",closure,260201,AZ,all,northbound,2014-04-28T18:41,," in line  # local time, Arizona (MST)
    # the line parses with the registry's own validator except for the source the curator must add
    text = ",".join(["id", "title", "kind", "crossings", "state", "modes", "direction", "start", "end", "summary",
                     "source_urls", "confidence"]) + "\n" + line + "\n"
    with pytest.raises(Exception, match="source"):
        parse_events(text, crossings=crossings)
    fixed = text.replace(",,low\n", ",https://www.cbp.gov/newsroom,low\n")
    ev = parse_events(fixed, crossings=crossings)
    assert ev["start"].iloc[0] == pd.Timestamp("2014-04-28T18:41", tz="America/Phoenix")


def test_confirmed_and_unsupported_against_a_test_registry(seq, crossings):
    # a registry written for this test only (not real events): one covering the 2014 Lukeville closure,
    # one at Pharr during the 2022 capture when Pharr is open
    head = "id,title,kind,crossings,state,modes,direction,start,end,summary,source_urls,confidence\n"
    text = head + (
        "test-lukeville,Test closure,closure,260201,AZ,all,both,2014-04-28,2014-04-30,test,https://example.org/a,low\n"
        "test-bota,Test suspension,suspension,240201,TX,passenger,northbound,2022-06-29,2022-06-30,test,https://example.org/b,low\n")
    ev = parse_events(text, crossings=crossings)
    d = detect_outages(seq, crossings=crossings, include_scheduled=True)
    rc = reconcile(d, ev, crossings, seq)
    luke = rc[(rc["crossing_id"] == "az-lukeville") & (rc["kind"] == "port_closed")].iloc[0]
    assert luke["status"] == "confirmed" and luke["event_id"] == "test-lukeville" and luke["events_line"] == ""
    bota = rc[rc["event_id"] == "test-bota"].iloc[0]
    assert bota["status"] == "unsupported"
    assert bota["evidence"].startswith("2 readings with lanes working during the event, e.g. 2022-06-29 17:25Z passenger")


def test_garitas_nightly_closures_are_scheduled(crossings):
    r = garitas_readings(crossings)
    assert r["collected_at"].nunique() == 57
    d = detect_outages(r, crossings=crossings, detect_stuck=False, include_scheduled=True)
    luke = d[(d["crossing_id"] == "az-lukeville") & (d["kind"] == "port_closed")]
    # Lukeville turns Closed every evening and Open every morning (change-log rows of port_status)
    spans = [(a.tz_convert("America/Phoenix").strftime("%m-%d %H:%M"), b.tz_convert("America/Phoenix").strftime("%m-%d %H:%M"))
             for a, b in zip(luke["start"], luke["end"])]
    # first seen Closed at these captures (MST) and Open again at these: three nights; on the second
    # night no capture was taken between 19:57 and 00:56
    assert spans == [("08-19 20:12", "08-20 07:19"), ("08-21 00:56", "08-21 07:08"), ("08-21 20:08", "08-22 06:45")]
    assert luke["scheduled"].all()
    assert luke["evidence"].str.contains("recurs daily").all()
    default = detect_outages(r, crossings=crossings, detect_stuck=False)
    assert (default["kind"] != "port_closed").all()  # every port closure of those 3 days recurs nightly
    # what remains are mode-level closures with their evidence and a recovery time
    assert len(default) > 0 and default["evidence"].str.len().gt(20).all()


def test_vanished_from_consecutive_captures(crossings):
    z = port_zones(crossings)
    w22 = read_cbp(JSON_2022, zones=z, retrieved_at=pd.Timestamp("2022-06-29T17:25:15Z"))
    # the same real capture replayed 30 and 60 minutes later (labelled replay), Lukeville missing in the
    # second one: it vanished and came back
    later = w22.assign(retrieved_at=w22["retrieved_at"] + pd.Timedelta(minutes=30))
    later = later[later["port_number"] != "260201"]
    last = w22.assign(retrieved_at=w22["retrieved_at"] + pd.Timedelta(minutes=60))
    r = readings_from_waits([w22, later, last], crossings, source="replay of the 2022 capture")
    d = detect_outages(r, crossings=crossings, detect_stuck=False, include_scheduled=True)
    v = d[d["kind"] == "vanished"]
    assert list(v["crossing_id"]) == ["az-lukeville"]
    assert v["start"].iloc[0] == pd.Timestamp("2022-06-29T17:55:15Z")
    assert v["end"].iloc[0] == pd.Timestamp("2022-06-29T18:25:15Z")
