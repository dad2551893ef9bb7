"""Status at time t on the real captures: the 2022 JSON, the 2014 XML, and the curated events."""
import pandas as pd
import pytest

from loaders.cbp import read_cbp
from loaders.crossings import port_zones
from analysis.status import crossing_status, feed_as_of, parse_at

AS_OF_2022 = pd.Timestamp("2022-06-29T17:25:15Z")


@pytest.fixture(scope="module")
def waits_2022(shared_data, crossings):
    return read_cbp(shared_data / "cbp/bwtnew_2022-06-29.json", zones=port_zones(crossings), retrieved_at=AS_OF_2022)


@pytest.fixture(scope="module")
def waits_2014(shared_data, crossings):
    return read_cbp(shared_data / "cbp/bwt_xml_2014-04-28.xml", zones=port_zones(crossings))


def by_id(st):
    return st.set_index("crossing_id")


def test_2014_xml_closed_ports_are_closed_at_feed_time(waits_2014, crossings):
    st = crossing_status(waits_2014, None, crossings, states=("TX", "AZ", "CA"))  # at = feed as-of
    closed = set(st.loc[st["status"] == "closed", "port_number"])
    # The 11 Mexican-border Closed ports of the 2014 XML, less Santa Teresa (NM, outside TX/AZ/CA).
    assert closed == {"230403", "230404", "230502", "230701", "240204", "250301", "260201", "260403",
                      "535502", "535503"}
    s = by_id(st)
    assert s.loc["az-lukeville", "reason"] == "feed: port_status Closed"
    assert s.loc["az-lukeville", "port_status"] == "Closed"


def test_2022_snapshot_statuses(waits_2022, crossings):
    st = by_id(crossing_status(waits_2022, None, crossings, AS_OF_2022, states=("TX", "AZ", "CA")))
    # San Ysidro: every lane updated at 10:00 PDT, 25 min before the feed: open.
    assert st.loc["ca-san-ysidro", "status"] == "open"
    assert st.loc["ca-san-ysidro", "updated_at"] == pd.Timestamp("2022-06-29 10:00", tz="America/Los_Angeles")
    # PedWest, San Luis II and the two legacy ids carry only 'Update Pending': unknown, never open.
    for cid in ("ca-san-ysidro-pedwest", "az-san-luis-2", "tx-fort-hancock-legacy", "tx-brownsville-gateway-legacy"):
        assert st.loc[cid, "status"] == "unknown", cid
        assert st.loc[cid, "reason"] == "feed: readings pending"
    # Fort Hancock's only reading is 'At 8:00 am MDT' at 11:25 MDT: older than 2 h -> unknown.
    assert st.loc["tx-fort-hancock", "status"] == "unknown"
    assert st.loc["tx-fort-hancock", "reason"] == "feed: no lane reading within 2 h"
    # Pharr: passenger lanes 'Lanes Closed', commercial delayed -> partial.
    assert st.loc["tx-pharr", "status"] == "partial"
    assert st.loc["tx-pharr", "reason"].startswith("feed: 3 of 5 current lane types report Lanes Closed")
    # Rail bridges are not in the feed: unknown, with that reason.
    assert st.loc["tx-el-paso-bnsf-rail", "status"] == "unknown"
    assert st.loc["tx-el-paso-bnsf-rail", "reason"] == "no wait-time feed for this crossing"
    counts = st["status"].value_counts().to_dict()
    assert sum(counts.values()) == 44 + 10  # 44 feed crossings in TX/AZ/CA + 10 reference-only crossings
    assert counts.get("closed", 0) == 0  # nothing was closed on 2022-06-29: never invent a closure


def test_at_2023_12_20_events_close_the_december_2023_crossings(waits_2022, crossings, events):
    st = by_id(crossing_status(waits_2022, events, crossings, parse_at("2023-12-20")))
    expect = {
        "az-lukeville": "event 2023-12-lukeville-closure",
        "ca-san-ysidro-pedwest": "event 2023-12-san-ysidro-pedwest-suspension",
        "az-nogales-morley-gate": "event 2023-09-nogales-morley-gate-suspension",
        "tx-eagle-pass-rail": "event 2023-12-eagle-pass-rail-suspension",
        "tx-el-paso-bnsf-rail": "event 2023-12-el-paso-rail-suspension",
        "tx-el-paso-up-rail": "event 2023-12-el-paso-rail-suspension",
    }
    for cid, reason in expect.items():
        assert st.loc[cid, "status"] == "closed", cid
        assert st.loc[cid, "reason"] == reason
    assert set(st.index[st["status"] == "closed"]) == set(expect)
    # Eagle Pass Bridge I: northbound vehicles suspended, pedestrians kept crossing (TxDOT/UNT: 38,960 in
    # Dec 2023; the crossing has the pedestrian mode from its counts): partial, never closed.
    assert st.loc["tx-eagle-pass-bridge-1", "status"] == "partial"
    assert "2023-11-eagle-pass-bridge-1-suspension" in st.loc["tx-eagle-pass-bridge-1", "event_ids"]
    # The 2022 feed says nothing about Dec 2023: no port_status is claimed, others are unknown.
    assert st["port_status"].isna().all()
    assert st.loc["ca-san-ysidro", "status"] == "unknown"


def test_events_end_is_exclusive_and_reopening_restores(waits_2022, crossings, events):
    before = by_id(crossing_status(waits_2022, events, crossings, parse_at("2024-01-04T05:59")))
    after = by_id(crossing_status(waits_2022, events, crossings, parse_at("2024-01-04T06:00")))
    assert before.loc["az-lukeville", "status"] == "closed"
    assert after.loc["az-lukeville", "status"] == "unknown"  # reopened; no feed for that day


def test_naive_at_is_local_wall_time_per_crossing(waits_2022, crossings):
    # 10:25 local in California is the feed time there; in Texas 10:25 CDT is 2 h before the feed.
    st = by_id(crossing_status(waits_2022, None, crossings, parse_at("2022-06-29T10:25")))
    assert st.loc["ca-san-ysidro", "status"] == "open"
    aware = by_id(crossing_status(waits_2022, None, crossings, pd.Timestamp("2022-06-29T10:25-07:00")))
    assert aware.loc["ca-san-ysidro", "status"] == "open"


def test_feed_taken_after_t_is_not_current(waits_2022, crossings):
    st = by_id(crossing_status(waits_2022, None, crossings, AS_OF_2022 - pd.Timedelta(hours=3)))
    assert (st["status"] == "unknown").all()


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
