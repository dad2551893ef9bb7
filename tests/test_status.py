"""Status at time t, judged by mode, on the real captures: the 2022 JSON, the 2014 XML, the summer 2026
full-feed change log (garitas) and the curated events."""
import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.status import crossing_status, feed_as_of, mode_status, parse_at, roll_up
from loaders.cbp import parse_cbp, read_cbp
from loaders.crossings import port_zones
from loaders.schema import MODE_STATUS_COLUMNS, STATUS_COLUMNS, column_names

from .garitas import captures, state_at

HERE = Path(__file__).parent
AS_OF_2022 = pd.Timestamp("2022-06-29T17:25:15Z")  # the capture's HTTP Date
EXPECTED_2022 = HERE / "data" / "expected_status_2022-06-29.csv"
#: Feed entries that duplicate a real crossing: unknown while they are drawn, or gone once the reference hides them.
DUPLICATES = {"tx-fort-hancock-legacy", "tx-brownsville-gateway-legacy"}


def expected_2022() -> list[dict]:
    with open(EXPECTED_2022, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def evidence_crossings(crossings):
    """The crossings reference with the modes of the hand-checked table (each backed by BTS / TxDOT counts
    and the feed's lanes, see the table's reasons), so that the status rules are tested on their own."""
    modes = {r["crossing_id"]: tuple(r["modes"].split(";")) for r in expected_2022()}
    cx = crossings.copy()
    cx["modes"] = [modes.get(c, m) for c, m in zip(cx["crossing_id"], cx["modes"])]
    return cx


@pytest.fixture(scope="module")
def waits_2022(shared_data, crossings):
    return read_cbp(shared_data / "cbp/bwtnew_2022-06-29.json", zones=port_zones(crossings), retrieved_at=AS_OF_2022)


@pytest.fixture(scope="module")
def waits_2014(shared_data, crossings):
    return read_cbp(shared_data / "cbp/bwt_xml_2014-04-28.xml", zones=port_zones(crossings))


def by_id(st):
    return st.set_index("crossing_id")


# ------------------------------------------------------------------------------------------- the 2022 table
def test_2022_snapshot_matches_the_hand_checked_table(waits_2022, evidence_crossings):
    """Every TX/AZ/CA crossing of the embedded snapshot, the status a person gives from the raw feed
    (tests/data/expected_status_2022-06-29.csv, one reason per row)."""
    st = by_id(crossing_status(waits_2022, None, evidence_crossings, AS_OF_2022, states=("TX", "AZ", "CA")))
    rows = expected_2022()
    wrong = []
    for r in rows:
        cid = r["crossing_id"]
        if cid not in st.index:
            assert cid in DUPLICATES, f"{cid} missing from the status frame"
            continue
        if st.loc[cid, "status"] != r["status"]:
            wrong.append(f"{cid}: {st.loc[cid, 'status']} ({st.loc[cid, 'reason']}), expected {r['status']}: {r['reason']}")
    assert not wrong, "\n".join(wrong)
    assert set(st.index) <= {r["crossing_id"] for r in rows}
    counts = st["status"].value_counts().to_dict()
    assert counts.get("closed", 0) == 0  # nothing was closed on 2022-06-29 afternoon: never invent a closure
    # was 18 open / 20 partial when a closed lane type counted as partial
    assert counts == {"open": 33, "partial": 6, "unknown": 15}


def test_crossings_reference_has_the_evidence_modes(crossings):
    """data/crossings.csv (rebuilt from counts, issue 10 item 4) gives the modes the table was judged on."""
    ref = dict(zip(crossings["crossing_id"], crossings["modes"]))
    wrong = [f"{r['crossing_id']}: {';'.join(ref[r['crossing_id']])} vs {r['modes']}" for r in expected_2022()
             if r["crossing_id"] in ref and set(ref[r["crossing_id"]]) != set(r["modes"].split(";"))]
    assert not wrong, "; ".join(wrong)


def test_2022_reasons_name_modes_lanes_and_ages(waits_2022, evidence_crossings):
    st = by_id(crossing_status(waits_2022, None, evidence_crossings, AS_OF_2022, states=("TX", "AZ", "CA")))
    # One closed lane type of an open mode is a note, never partial.
    assert st.loc["ca-calexico-west", "status"] == "open"
    assert st.loc["ca-calexico-west", "notes"] == "passenger vehicles: Ready lanes closed"
    assert st.loc["tx-el-paso-stanton", "notes"] == "passenger vehicles: standard lanes closed"
    # A mode whose every reporting lane is closed is closed, and the crossing partial, saying which.
    assert st.loc["tx-pharr", "reason"].startswith(
        "passenger vehicles closed: every reporting lane reads Lanes Closed (standard, SENTRI, Ready)")
    assert st.loc["tx-pharr", "modes_open"] == ("commercial",)
    # Readings past 90 minutes carry their age.
    assert st.loc["tx-fort-hancock", "age_text"] == "as of 3 h 25 min ago"
    assert st.loc["tx-fort-hancock", "age_minutes"] == 205
    assert st.loc["ca-cross-border-xpress", "age_text"] == "as of 2 h 25 min ago"
    assert pd.isna(st.loc["ca-otay-mesa-passenger", "age_text"])  # 85 min: not flagged
    # The newest reading used, local; what the feed says about San Ysidro's lanes.
    assert st.loc["ca-san-ysidro", "updated_at"] == pd.Timestamp("2022-06-29 10:00", tz="America/Los_Angeles")
    assert "Passenger standard: 140 min, 5 lanes open" in st.loc["ca-san-ysidro", "evidence"]
    # Pending is unknown, never open; rail bridges say why they are unknown.
    assert st.loc["ca-san-ysidro-pedwest", "reason"] == "pedestrians: CBP: update pending"
    assert st.loc["tx-el-paso-bnsf-rail", "reason"] == "rail: CBP publishes no wait times for rail crossings"
    # Progreso: an undated 'Lanes Closed' takes the age of the 7:00 reading (5 h 25 min): nothing usable.
    assert st.loc["tx-progreso", "status"] == "unknown"
    assert "no reading within 4 h (newest 2022-06-29 07:00 CDT)" in st.loc["tx-progreso", "reason"]


def test_2022_mode_frame_is_tidy(waits_2022, evidence_crossings):
    mf = mode_status(waits_2022, None, evidence_crossings, AS_OF_2022, states=("TX", "AZ", "CA"))
    assert list(mf.columns) == column_names(MODE_STATUS_COLUMNS)
    assert not mf.duplicated(["crossing_id", "port_number", "mode"]).any()
    d = mf.set_index(["crossing_id", "mode"])
    assert d.loc[("tx-pharr", "passenger"), "status"] == "closed"
    assert d.loc[("tx-pharr", "commercial"), "status"] == "open"
    assert d.loc[("tx-eagle-pass-bridge-1", "pedestrian"), "reason"] == "CBP lists no pedestrians lanes for this crossing"
    assert d.loc[("ca-calexico-east", "commercial"), "hours"] == "6 am-Midnight"
    assert d.loc[("ca-calexico-east", "commercial"), "notice"].startswith("Calexico/East Ready Lane is open west side")
    st = roll_up(mf)
    assert list(st.columns) == column_names(STATUS_COLUMNS)


def test_mode_filter_judges_only_the_selected_modes(waits_2022, evidence_crossings):
    """?mode=commercial: Pharr's closed passenger lanes do not make it partial."""
    st = by_id(crossing_status(waits_2022, None, evidence_crossings, AS_OF_2022, modes=("commercial",)))
    assert st.loc["tx-pharr", "status"] == "open"
    assert "ca-san-ysidro" not in st.index  # no commercial mode there: not judged at all
    ped = by_id(crossing_status(waits_2022, None, evidence_crossings, AS_OF_2022, modes=("passenger",)))
    assert ped.loc["tx-pharr", "status"] == "closed"


# ------------------------------------------------------------------------------------------- the feed clock
def test_arizona_ports_are_current_at_the_feeds_own_time_when_loaded_from_a_file(shared_data, evidence_crossings):
    """The 2022 capture is a summer one: Nogales, Lukeville and San Luis write 'time' 11:25 while Arizona's
    clock says 10:25. Loaded from a file (no HTTP Date), the feed instant is the payload's consensus clock."""
    waits = parse_cbp((shared_data / "cbp/bwtnew_2022-06-29.json").read_bytes(), source="file",
                      zones=port_zones(evidence_crossings))
    assert feed_as_of(waits) == pd.Timestamp("2022-06-29T17:25:16Z")
    st = by_id(crossing_status(waits, None, evidence_crossings, None, states=("AZ",)))
    for cid in ("az-nogales-deconcini", "az-nogales-mariposa", "az-nogales-morley-gate", "az-san-luis-1"):
        assert st.loc[cid, "status"] == "open", (cid, st.loc[cid, "reason"])
    assert st.loc["az-lukeville", "modes_open"] == ("passenger",)  # current, 10 min waits


def test_summer_2026_full_feed_arizona_current_at_capture_time(shared_data, crossings):
    """A real full feed state (garitas change log, 2026-08-19 17:54:42Z = 10:54 MST): every Arizona port that
    reported is judged on its own readings ('At 10:00 am MST'), none unknown for clock reasons."""
    cap = pd.Timestamp("2026-08-19T17:54:42Z")
    waits = state_at(shared_data, cap, crossings)
    st = by_id(crossing_status(waits, None, crossings, cap, states=("AZ",), include_reference_only=False))
    for cid in ("az-douglas", "az-lukeville", "az-naco", "az-nogales-deconcini", "az-nogales-mariposa"):
        assert st.loc[cid, "status"] == "open", (cid, st.loc[cid, "reason"])
        assert st.loc[cid, "updated_at"] == pd.Timestamp("2026-08-19 10:00", tz="America/Phoenix")
    assert st.loc["az-nogales-morley-gate", "status"] == "closed"  # port_status Closed in the feed
    # San Luis I still shows last night's 'At 11:00 pm MST' readings: too old, unknown, saying so.
    assert st.loc["az-san-luis-1", "status"] == "unknown"
    assert "newest 2026-08-18 23:00 MST" in st.loc["az-san-luis-1", "reason"]


def test_san_ysidro_is_never_partial_over_57_real_captures(shared_data, crossings):
    """San Ysidro reports every lane type around the clock: at each capture's own time it is open."""
    seen = {}
    for cap in captures(shared_data):
        waits = state_at(shared_data, cap, crossings, states=("CA",))
        st = by_id(crossing_status(waits, None, crossings, cap, states=("CA",), include_reference_only=False))
        seen[cap] = (st.loc["ca-san-ysidro", "status"], st.loc["ca-san-ysidro", "reason"])
    assert len(seen) == 57
    assert {s for s, _ in seen.values()} == {"open"}, {c: v for c, v in seen.items() if v[0] != "open"}


def test_undated_flag_never_outranks_dated_readings(waits_2022, evidence_crossings):
    """Real 2022 Otay Mesa Passenger, viewed 50 min after the feed (time shifted, data real): its dated
    readings (At 9:00 am PDT) are 2 h 15 min old, the pedestrian Ready 'Lanes Closed' has no time. The
    flag takes the dated readings' age: the crossing is open, not 'partial: 1 of 1 lane types closed'."""
    t = AS_OF_2022 + pd.Timedelta(minutes=50)
    st = by_id(crossing_status(waits_2022, None, evidence_crossings, t, states=("CA",)))
    r = st.loc["ca-otay-mesa-passenger"]
    assert r["status"] == "open"
    assert r["notes"] == "pedestrians: Ready lanes closed"
    assert r["age_text"] == "as of 2 h 15 min ago"
    # Past the 4 hours, the flag goes with the readings: unknown, not closed.
    late = by_id(crossing_status(waits_2022, None, evidence_crossings, pd.Timestamp("2022-06-29T16:01Z")
                                 + pd.Timedelta(hours=4), states=("CA",)))
    assert late.loc["ca-otay-mesa-passenger", "status"] == "unknown"
    # Douglas: the undated commercial 'Lanes Closed' is as old as its 8:00 readings, and says so.
    dg = by_id(crossing_status(waits_2022, None, evidence_crossings, AS_OF_2022, states=("AZ",))).loc["az-douglas"]
    assert dg["status"] == "partial" and dg["modes_closed"] == ("commercial",)
    assert "commercial vehicles closed: every reporting lane reads Lanes Closed (standard), as of 2 h 25 min ago" in dg["reason"]


def test_update_35_minutes_ahead_is_todays_reading(waits_2022, evidence_crossings):
    """Progreso Donna says 'At 1:00 pm CDT' in a 12:25 CDT feed: today's 1 pm, so it is current."""
    st = by_id(crossing_status(waits_2022, None, evidence_crossings, AS_OF_2022, states=("TX",)))
    assert st.loc["tx-progreso-donna", "modes_open"] == ("passenger",)  # its pedestrian lanes read closed
    assert "CBP update 13:00 CDT" in st.loc["tx-progreso-donna", "reason"]
    assert st.loc["tx-progreso-donna", "age_minutes"] == 0  # capped at the feed instant, never negative


# ------------------------------------------------------------------------------------------- hours
def test_2014_xml_closed_ports_are_closed_and_off_hours_are_labelled(waits_2014, crossings):
    st = by_id(crossing_status(waits_2014, None, crossings, states=("TX", "AZ", "CA")))  # at = feed instant
    closed = set(st.loc[st["status"] == "closed", "port_number"])
    # The 11 Mexican-border Closed ports of the 2014 XML, less Santa Teresa (NM, outside TX/AZ/CA).
    assert closed == {"230403", "230404", "230502", "230701", "240204", "250301", "260201", "260403",
                      "535502", "535503"}
    assert st.loc["az-lukeville", "reason"] == "all modes closed: CBP: port closed (port_status Closed)"
    assert st.loc["az-lukeville", "port_status"] == "Closed"
    # Morley Gate posts 10 am-6 pm; the feed is 18:41 MST: closed, and labelled as outside its hours.
    assert st.loc["az-nogales-morley-gate", "reason"] == (
        "pedestrians closed: closed — outside posted hours 10 am–6 pm (port_status Closed)")
    assert st.loc["az-nogales-morley-gate", "hours"] == "10 am-6 pm"


def test_hours_never_make_a_crossing_open(waits_2022, evidence_crossings):
    # At 2022-06-29 03:00 local every crossing is off the 2022 feed's time: posted '24 hrs/day' opens nothing.
    st = by_id(crossing_status(waits_2022, None, evidence_crossings, parse_at("2022-06-29T03:00")))
    assert (st["status"] == "unknown").all()


def test_port_information_supplies_hours_and_notice(shared_data, waits_2022, evidence_crossings):
    from loaders.portinfo import read_port_info
    info = read_port_info(shared_data / "cbp/portmoreinformation_300401.json")
    assert info.loc[0, "hours"] == "24 hrs/day" and pd.isna(info.loc[0, "notice"])  # "No border notices at this time."
    # Attach it to a crossing that lacks feed hours (a real record, relabelled to San Ysidro PedWest's port).
    info = info.assign(port_number="250407", notice="PedWest closed for construction (test text)")
    mf = mode_status(waits_2022, None, evidence_crossings, AS_OF_2022, states=("CA",), port_info=info)
    pw = mf[mf["crossing_id"] == "ca-san-ysidro-pedwest"].iloc[0]
    assert pw["hours"] == "24 hrs/day"
    assert pw["notice"] == "PedWest closed for construction (test text)"


# ------------------------------------------------------------------------------------------- other times
def test_at_2023_12_20_events_close_the_december_2023_crossings(waits_2022, crossings, events):
    st = by_id(crossing_status(waits_2022, events, crossings, parse_at("2023-12-20")))
    expect = {
        "az-lukeville": "2023-12-lukeville-closure",
        "ca-san-ysidro-pedwest": "2023-12-san-ysidro-pedwest-suspension",
        "az-nogales-morley-gate": "2023-09-nogales-morley-gate-suspension",
        "tx-eagle-pass-rail": "2023-12-eagle-pass-rail-suspension",
        "tx-el-paso-bnsf-rail": "2023-12-el-paso-rail-suspension",
        "tx-el-paso-up-rail": "2023-12-el-paso-rail-suspension",
    }
    for cid, ev in expect.items():
        assert st.loc[cid, "status"] == "closed", cid
        assert f"event {ev}" in st.loc[cid, "reason"]
    assert set(st.index[st["status"] == "closed"]) == set(expect)
    # Eagle Pass Bridge I: northbound vehicles suspended, pedestrians kept crossing (TxDOT/UNT: 38,960 in
    # Dec 2023; the reference has the pedestrian mode from its counts) -> partial, never closed.
    ep = st.loc["tx-eagle-pass-bridge-1"]
    assert ep["status"] == "partial"
    assert ep["modes_closed"] == ("passenger",) and "pedestrian" not in ep["modes_closed"]
    assert ep["reason"].startswith("passenger vehicles closed: event 2023-11-eagle-pass-bridge-1-suspension")
    # The 2022 feed says nothing about Dec 2023: no port_status, no reading shown as current.
    assert st["port_status"].isna().all()
    assert st["updated_at"].isna().all()
    assert (st["evidence"].map(len) == 0).all()
    sy = st.loc["ca-san-ysidro"]
    assert sy["status"] == "unknown"
    assert sy["reason"] == "no reading at this time (latest capture 2022-06-29 10:25 PDT)"


def test_events_end_is_exclusive_and_reopening_restores(waits_2022, crossings, events):
    before = by_id(crossing_status(waits_2022, events, crossings, parse_at("2024-01-04T05:59")))
    after = by_id(crossing_status(waits_2022, events, crossings, parse_at("2024-01-04T06:00")))
    assert before.loc["az-lukeville", "status"] == "closed"
    assert after.loc["az-lukeville", "status"] == "unknown"  # reopened; no feed for that day


def test_naive_at_is_local_wall_time_per_crossing(waits_2022, crossings):
    # 10:25 local in California is the feed time there; in Texas 10:25 CDT is 2 h before the feed.
    st = by_id(crossing_status(waits_2022, None, crossings, parse_at("2022-06-29T10:25")))
    assert st.loc["ca-san-ysidro", "status"] == "open"
    assert st.loc["tx-laredo-bridge-2", "status"] == "unknown"  # its noon readings lie after 10:25 CDT
    aware = by_id(crossing_status(waits_2022, None, crossings, pd.Timestamp("2022-06-29T10:25-07:00")))
    assert aware.loc["ca-san-ysidro", "status"] == "open"


def test_feed_taken_after_t_only_speaks_through_dated_readings_before_t(waits_2022, crossings):
    """Three hours before the capture, only readings CBP dated before then count (the latest one at the
    capture was the latest at t too); port_status and undated flags, seen only at the capture, do not."""
    st = by_id(crossing_status(waits_2022, None, crossings, AS_OF_2022 - pd.Timedelta(hours=3),
                               states=("TX", "AZ", "CA")))
    known = st[st["status"] != "unknown"]
    assert set(known.index) == {"tx-fort-hancock", "tx-progreso"}  # At 8:00 am MDT, At 7:00 am CDT
    assert (known["status"] == "open").all() and known["port_status"].isna().all()


def test_state_filter_and_as_of(waits_2022, crossings):
    assert feed_as_of(waits_2022) == AS_OF_2022
    st = crossing_status(waits_2022, None, crossings, AS_OF_2022, states=("AZ",))
    assert set(st["state"]) == {"AZ"}
    assert len(st) == 9  # 8 feed crossings + Sasabe


def test_parse_at():
    assert parse_at("2023-12-20") == pd.Timestamp("2023-12-20 12:00")
    assert parse_at("2023-12-20T08:30-07:00").tzinfo is not None
    assert parse_at(None) is None
    with pytest.raises(ValueError, match="cannot read"):
        parse_at("next tuesday")


def test_livestock_import_suspension_does_not_close_commercial_traffic(waits_2022, crossings, events):
    """Only live-animal imports stopped at Douglas in 2025; trucks kept crossing: not partial, not closed."""
    st = by_id(crossing_status(waits_2022, events, crossings, parse_at("2025-06-01")))
    assert "2025-05-livestock-import-suspension-az" in st.loc["az-douglas", "event_ids"]
    assert st.loc["az-douglas", "status"] == "unknown"  # the 2022 feed says nothing about 2025


def test_southbound_only_events_close_nothing(waits_2022, crossings, events):
    ev = events[events["id"] == "2023-12-lukeville-closure"].copy()
    ev["direction"] = "southbound"
    st = by_id(crossing_status(waits_2022, ev, crossings, parse_at("2023-12-20")))
    assert st.loc["az-lukeville", "status"] == "unknown"
    assert st.loc["az-lukeville", "event_ids"] == ("2023-12-lukeville-closure",)
    # ... also when it would close a mode the feed says is open, at the feed's own time.
    ev2 = ev.assign(start=pd.Timestamp("2022-06-01", tz="America/Phoenix"), end=pd.NaT)
    now = by_id(crossing_status(waits_2022, ev2, crossings, AS_OF_2022, states=("AZ",)))
    assert "passenger" in now.loc["az-lukeville", "modes_open"]


# ------------------------------------------------------------------------------------------- no dated lane
UNDATED_CAPTURE = pd.Timestamp("2026-08-20T08:07:41Z")  # garitas: 01:07 PDT, Calexico East all 'Lanes Closed'


def test_crossing_without_any_dated_lane_is_unknown_not_closed(shared_data, crossings):
    """Real full feed state (garitas change log): Calexico East (250301) reads 'Lanes Closed' on all six lanes,
    none with an update time, port_status Open, in 19 captures from 2026-08-19 14:15Z to 08-20 12:02Z (day and
    night). Nothing dates those flags: unknown, saying why, and none of its lanes counts as current. A
    port_status Closed port with undated lanes (Tecate at night) stays closed: port_status is the feed's own
    word at the feed instant."""
    waits = state_at(shared_data, UNDATED_CAPTURE, crossings)
    ce = waits[waits["port_number"] == "250301"]
    assert len(ce) == 6 and set(ce["operational_status"]) == {"Lanes Closed"} and ce["updated_at_utc"].isna().all()
    st = by_id(crossing_status(waits, None, crossings, UNDATED_CAPTURE, include_reference_only=False))
    r = st.loc["ca-calexico-east"]
    assert r["status"] == "unknown" and r["port_status"] == "Open"
    assert r["reason"] == "no update time in the feed (every lane undated: Lanes Closed)"
    assert pd.isna(r["updated_at"])
    from analysis.status import current_readings
    assert not current_readings(waits, UNDATED_CAPTURE)[ce.index].any()
    assert st.loc["ca-tecate", "status"] == "closed"
    assert st.loc["ca-tecate", "reason"] == "all modes closed: CBP: port closed (port_status Closed)"
    tc = waits[waits["port_number"] == "250501"]
    assert tc["updated_at_utc"].isna().all() and set(tc["port_status"]) == {"Closed"}


def test_no_dated_lane_never_closes_over_57_real_captures(shared_data, crossings):
    """Every crossing x capture of the August 2026 change log whose lanes are all undated and whose port is
    Open is unknown (60 of them were 'closed' or 'partial' when undated flags took the feed instant); every
    one whose port_status is Closed stays closed."""
    seen = {"open-port": 0, "closed-port": 0}
    changed = {}
    for cap in captures(shared_data):
        waits = state_at(shared_data, cap, crossings)
        w = waits[waits["operational_status"].fillna("N/A") != "N/A"]
        undated = w.groupby("port_number")["updated_at_utc"].apply(lambda s: s.isna().all())
        st = crossing_status(waits, None, crossings, cap, include_reference_only=False).set_index("port_number")
        for pn in undated[undated].index:
            if st.loc[pn, "port_status"] == "Closed":
                seen["closed-port"] += 1
                assert st.loc[pn, "status"] == "closed", (cap, pn)
                continue
            seen["open-port"] += 1
            assert st.loc[pn, "status"] == "unknown", (cap, pn, st.loc[pn, "reason"])
            if "no update time in the feed" in st.loc[pn, "reason"]:
                changed[st.loc[pn, "crossing_id"]] = changed.get(st.loc[pn, "crossing_id"], 0) + 1
    assert changed == {"ca-calexico-east": 19, "tx-brownsville-los-indios": 10, "tx-laredo-colombia": 9,
                       "tx-hidalgo-anzalduas": 9, "tx-pharr": 8, "ca-san-ysidro-pedwest": 5}
    assert seen["open-port"] > sum(changed.values())  # the rest read 'Update Pending' everywhere


@pytest.mark.parametrize("blank", [None, ""])
def test_real_2022_feed_with_every_update_time_blank_is_unknown(shared_data, crossings, evidence_crossings, blank):
    """The real 2022 payload with Douglas's update times removed (JSON null, or the feed's own ''): nothing
    dates Douglas's readings any more, so it is unknown, not 'open at the feed instant'; the other crossings
    keep their status."""
    payload = json.loads((shared_data / "cbp/bwtnew_2022-06-29.json").read_text(encoding="utf-8"))
    for c in payload:
        if c["port_number"] == "260101":
            for group in ("passenger_vehicle_lanes", "pedestrian_lanes", "commercial_vehicle_lanes"):
                for lane in c[group].values():
                    if isinstance(lane, dict):
                        lane["update_time"] = blank
    waits = parse_cbp(json.dumps(payload), source="bwtnew_2022-06-29.json (Douglas undated)",
                      zones=port_zones(crossings), retrieved_at=AS_OF_2022)
    assert waits.loc[waits["port_number"] == "260101", "updated_at_utc"].isna().all()
    st = by_id(crossing_status(waits, None, evidence_crossings, AS_OF_2022, states=("AZ",)))
    assert st.loc["az-douglas", "status"] == "unknown"
    assert "no update time in the feed (every lane undated: " in st.loc["az-douglas", "reason"]
    assert st.loc["az-douglas", "modes_open"] == () and st.loc["az-douglas", "modes_closed"] == ()
    before = by_id(crossing_status(read_cbp(shared_data / "cbp/bwtnew_2022-06-29.json", zones=port_zones(crossings),
                                            retrieved_at=AS_OF_2022), None, evidence_crossings, AS_OF_2022,
                                   states=("AZ",)))
    assert before.loc["az-douglas", "status"] == "partial"
    others = [c for c in st.index if c != "az-douglas"]
    assert (st.loc[others, "status"] == before.loc[others, "status"]).all()


def test_history_judges_a_crossing_without_dated_lanes_like_the_live_feed(shared_data, crossings):
    """Stored from the same real capture (history.ingest keeps the undated lanes at the feed time) and read
    back as of that time, Calexico East is unknown as from the feed, and Tecate's port_status Closed still
    closes it; every crossing gets the same status from history as from the feed."""
    from analysis.as_of import waits_as_of
    from history.ingest import waits_to_readings
    waits = state_at(shared_data, UNDATED_CAPTURE, crossings)
    readings = waits_to_readings(waits, crossings=crossings, source="garitas-changelog").frame
    stored = readings[readings["port_number"] == "250301"]
    assert len(stored) == 6 and (stored["source_time"] == UNDATED_CAPTURE).all()  # feed time: kept, not dated
    at = UNDATED_CAPTURE + pd.Timedelta(minutes=5)
    hist = by_id(crossing_status(waits_as_of(readings, crossings, at), None, crossings, at,
                                 include_reference_only=False))
    live = by_id(crossing_status(waits, None, crossings, at, include_reference_only=False))
    assert hist.loc["ca-calexico-east", "status"] == live.loc["ca-calexico-east", "status"] == "unknown"
    assert "no update time in the feed" in hist.loc["ca-calexico-east", "reason"]
    assert hist.loc["ca-tecate", "status"] == "closed"
    same = hist.index.intersection(live.index)
    diff = {c: (hist.loc[c, "status"], live.loc[c, "status"]) for c in same if hist.loc[c, "status"] != live.loc[c, "status"]}
    assert not diff
