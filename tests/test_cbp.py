"""CBP wait-time loader: parsed against the real captures in ../shared/data/cbp (values checked by hand)."""
from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from loaders.cbp import fetch_cbp, load_cbp, parse_cbp, parse_cbp_json, parse_cbp_xml, read_cbp
from loaders.config import get_settings
from loaders.crossings import port_zones
from loaders.errors import FeedError
from loaders.http import make_session
from loaders.schema import WAITS_COLUMNS, column_names

HERE = Path(__file__).resolve().parent
JSON_2022 = "cbp/bwtnew_2022-06-29.json"
XML_2014 = "cbp/bwt_xml_2014-04-28.xml"
TRUNCATED_2026 = "cbp/waittimes_2026-08-02_truncated_invalid.json"
HTTP_DATE_2022 = pd.Timestamp("2022-06-29 17:25:15", tz="UTC")  # the capture's HTTP Date header
HTTP_DATE_2022_HEADER = "Wed, 29 Jun 2022 17:25:15 GMT"

#: The 11 Mexican-border ports with <port_status>Closed</port_status> in the 2014 XML (Lynden 302301 is the
#: 12th, on the Canadian border).
CLOSED_MEXICAN_2014 = {
    "230403", "230404",  # Laredo
    "230502",  # Hidalgo/Pharr
    "230701",  # Rio Grande City
    "240204",  # El Paso
    "240801",  # Santa Teresa
    "250301",  # Calexico
    "260201",  # Lukeville
    "260403",  # Nogales (Morley Gate)
    "535502", "535503",  # Brownsville
}


@pytest.fixture(scope="module")
def zones(crossings):
    return port_zones(crossings)


@pytest.fixture(scope="module")
def raw_2022(shared_data) -> bytes:
    return (shared_data / JSON_2022).read_bytes()


@pytest.fixture(scope="module")
def waits_2022(raw_2022, zones, shared_data):
    return parse_cbp_json(raw_2022, source=str(shared_data / JSON_2022), zones=zones, retrieved_at=HTTP_DATE_2022)


@pytest.fixture(scope="module")
def waits_2014(shared_data, zones):
    return read_cbp(shared_data / XML_2014, zones=zones)


def one(df: pd.DataFrame, port: str, mode: str, lane: str) -> pd.Series:
    rows = df[(df["port_number"] == port) & (df["mode"] == mode) & (df["lane"] == lane)]
    assert len(rows) == 1, (port, mode, lane, len(rows))
    return rows.iloc[0]


# ---------------------------------------------------------------------------------------------- 2022 JSON

def test_2022_frame_has_the_declared_columns_and_counts(waits_2022):
    assert list(waits_2022.columns) == column_names(WAITS_COLUMNS)
    for c in WAITS_COLUMNS:
        assert str(waits_2022[c.name].dtype) == c.dtype, c.name
    assert waits_2022["port_number"].nunique() == 76
    mex = waits_2022[waits_2022["border"] == "Mexican Border"]
    assert mex["port_number"].nunique() == 46
    # 7 lanes per crossing: passenger standard/sentri/ready, pedestrian standard/ready, commercial standard/fast
    assert len(waits_2022) == 76 * 7
    assert set(zip(waits_2022["mode"], waits_2022["lane"])) == {
        ("passenger", "standard"), ("passenger", "sentri"), ("passenger", "ready"),
        ("pedestrian", "standard"), ("pedestrian", "ready"),
        ("commercial", "standard"), ("commercial", "fast"),
    }
    assert (waits_2022["retrieved_at"] == HTTP_DATE_2022).all()
    assert not waits_2022["stale_reading"].any()  # every port Open on 2022-06-29


def test_2022_san_ysidro_passenger_standard(waits_2022):
    r = one(waits_2022, "250401", "passenger", "standard")
    # raw: "update_time": "At 10:00 am PDT", "operational_status": "delay", "delay_minutes": "140", "lanes_open": "5"
    assert (r["port_name"], r["state"], r["tz"]) == ("San Ysidro", "CA", "America/Los_Angeles")
    assert r["operational_status"] == "delay"
    assert r["delay_minutes"] == 140
    assert r["lanes_open"] == 5
    assert r["max_lanes"] == 34
    assert pd.isna(r["crossing_name"])  # "" in the feed
    assert r["updated_at"] == pd.Timestamp("2022-06-29 10:00", tz="America/Los_Angeles")
    assert str(r["updated_at"].tz) == "America/Los_Angeles"
    assert (r["updated_at"].hour, r["updated_at"].utcoffset()) == (10, pd.Timedelta(hours=-7))
    assert r["updated_at_utc"] == pd.Timestamp("2022-06-29 17:00", tz="UTC")
    assert r["feed_time"] == pd.Timestamp("2022-06-29 10:25:16", tz="America/Los_Angeles")  # "time": "10:25:16"
    assert str(r["feed_time"].tz) == "America/Los_Angeles"


def test_2022_fort_hancock_keeps_its_letter_id(waits_2022):
    fh = waits_2022[waits_2022["port_number"] == "l24501"]
    assert len(fh) == 7
    assert set(fh["state"]) == {"TX"} and set(fh["tz"]) == {"America/Denver"}
    r = one(waits_2022, "l24501", "passenger", "standard")  # "At 8:00 am MDT", no delay, "1", "1"
    assert (r["delay_minutes"], r["lanes_open"], r["max_lanes"]) == (1, 1, 2)
    assert r["updated_at"] == pd.Timestamp("2022-06-29 08:00", tz="America/Denver")
    assert r["updated_at"].utcoffset() == pd.Timedelta(hours=-6)


def test_2022_arizona_label_pst_is_ignored(waits_2022):
    r = one(waits_2022, "260101", "passenger", "standard")  # Douglas: "At 8:00 am PST"
    assert (r["state"], r["tz"]) == ("AZ", "America/Phoenix")
    assert str(r["updated_at"].tz) == "America/Phoenix"
    assert (r["updated_at"].hour, r["updated_at"].minute) == (8, 0)
    assert r["updated_at"].utcoffset() == pd.Timedelta(hours=-7)  # MST, not PST (-8) nor PDT
    assert r["updated_at_utc"] == pd.Timestamp("2022-06-29 15:00", tz="UTC")
    assert (r["delay_minutes"], r["lanes_open"]) == (3, 2)


def test_2022_noon(waits_2022):
    r = one(waits_2022, "535501", "passenger", "standard")  # Brownsville: "At Noon CDT"
    assert r["updated_at"] == pd.Timestamp("2022-06-29 12:00", tz="America/Chicago")
    assert r["updated_at_utc"] == pd.Timestamp("2022-06-29 17:00", tz="UTC")


def test_2022_closed_and_pending_lanes_are_missing_not_zero(waits_2022):
    r = one(waits_2022, "260101", "pedestrian", "ready")  # Douglas: "Lanes Closed", "", ""
    assert r["operational_status"] == "Lanes Closed"
    assert pd.isna(r["delay_minutes"]) and pd.isna(r["lanes_open"]) and pd.isna(r["updated_at"])
    counts = waits_2022["operational_status"].value_counts()
    assert counts["Lanes Closed"] == 48 and counts["Update Pending"] == 35
    assert counts["no delay"] == 115 and counts["delay"] == 75 and counts["N/A"] == 259
    not_reading = ~waits_2022["operational_status"].isin(["no delay", "delay"])
    assert waits_2022.loc[not_reading, "delay_minutes"].isna().all()
    assert waits_2022.loc[not_reading, "lanes_open"].isna().all()
    assert waits_2022["delay_minutes"].notna().sum() == 115 + 75
    assert (waits_2022["delay_minutes"] == 0).sum() == 62  # real zeros stay zeros


def test_2022_max_lanes_na(waits_2022):
    r = one(waits_2022, "250401", "commercial", "standard")  # San Ysidro: "maximum_lanes": "N/A"
    assert pd.isna(r["max_lanes"])
    groups = waits_2022.drop_duplicates(["port_number", "mode"])
    assert groups["max_lanes"].isna().sum() == 81  # 81 of 228 lane groups say "N/A"


def test_2022_update_35_min_ahead_of_the_feed_is_todays(waits_2022):
    # Progreso Donna 230902: feed at 12:25:16 CDT, "update_time": "At 1:00 pm CDT", 35 min ahead. CBP stamps
    # run ahead of the feed (up to ~40 min in the real captures): that is today's 1 pm, not yesterday's.
    r = one(waits_2022, "230902", "passenger", "standard")
    assert r["feed_time"] == pd.Timestamp("2022-06-29 12:25:16", tz="America/Chicago")
    assert r["updated_at"] == pd.Timestamp("2022-06-29 13:00", tz="America/Chicago")
    assert r["updated_at_utc"] == pd.Timestamp("2022-06-29 18:00", tz="UTC")


def test_2022_arizona_port_clocks_run_an_hour_ahead_and_are_outvoted(raw_2022, zones):
    """The real 2022 capture (HTTP Date 17:25:15 GMT): Nogales, Lukeville and San Luis write "time"
    11:25:16 while Douglas and Naco write 10:25:16, all in Arizona (UTC-7 all year). Read in each port's own
    zone, every other port says 17:25:16 UTC; the consensus is that instant, never one port's clock."""
    from loaders.cbp import consensus_clock
    ports = json.loads(raw_2022)
    by = {p["port_number"]: p["time"] for p in ports}
    assert {by[p] for p in ("260401", "260402", "260403", "260201", "260801")} == {"11:25:16"}
    assert {by[p] for p in ("260101", "260301", "250401")} == {"10:25:16"}
    assert consensus_clock(ports, zones) == pd.Timestamp("2022-06-29 17:25:16", tz="UTC")
    # Loaded from a file (no HTTP Date), the frame's feed instant is the consensus for every port.
    df = parse_cbp(raw_2022, source="bwtnew", zones=zones)
    assert set(df["feed_instant"]) == {pd.Timestamp("2022-06-29 17:25:16", tz="UTC")}
    nog = one(df, "260401", "passenger", "standard")  # "At 10:00 am MST": 25 min before the feed
    assert nog["updated_at"] == pd.Timestamp("2022-06-29 10:00", tz="America/Phoenix")


def test_hours_and_construction_notice_are_kept_as_plain_text(waits_2022, waits_2014):
    r = one(waits_2022, "230301", "passenger", "standard")  # Eagle Pass Bridge I
    assert r["hours"] == "7 am-11 pm"
    assert r["construction_notice"].startswith("File FinCEN105 - Currency and Monetary Instrument Report")
    assert pd.isna(one(waits_2022, "250401", "passenger", "standard")["construction_notice"])  # ""
    # XML: the element's text, its line breaks and indentation collapsed to single spaces.
    nog = one(waits_2014, "260401", "passenger", "standard")
    assert nog["construction_notice"] == ("Ready Lane is open from 6AM - 10PM seven days a week. Ready Lane is on "
                                          "the left side as you approach the port. Go to www.GetYouHome.gov for "
                                          "more information.")
    assert pd.isna(one(waits_2014, "090104", "passenger", "standard")["construction_notice"])  # <construction_notice />


def test_2022_ports_outside_the_reference_get_zone_from_label(waits_2022):
    # Columbus and Santa Teresa (New Mexico) are not in our TX/AZ/CA reference: state NA, zone from "MDT".
    for port in ("240601", "240801"):
        r = one(waits_2022, port, "passenger", "standard")
        assert pd.isna(r["state"]) and r["tz"] == "America/Denver"
    # Calais (Maine) from "EDT"; Alexandria Bay 070803 has no update_time label at all -> UTC.
    assert one(waits_2022, "011501", "passenger", "standard")["tz"] == "America/New_York"
    assert set(waits_2022.loc[waits_2022["port_number"] == "070803", "tz"]) == {"UTC"}


def test_2022_without_retrieved_at_uses_feed_time_as_reference(raw_2022, zones, waits_2022):
    df = parse_cbp(raw_2022, source="bwtnew", zones=zones)
    assert df["retrieved_at"].isna().all()
    # the payload's consensus clock, one second after the HTTP Date
    assert set(df["feed_instant"]) == {pd.Timestamp("2022-06-29 17:25:16", tz="UTC")}
    drop = ["retrieved_at", "feed_instant"]
    pd.testing.assert_frame_equal(df.drop(columns=drop), waits_2022.drop(columns=drop))


def test_wrapper_gives_the_same_frame_as_bare_array(raw_2022, zones, waits_2022):
    wrapped = json.dumps({"port": json.loads(raw_2022)})
    df = parse_cbp(wrapped, source="wrapped", zones=zones, retrieved_at=HTTP_DATE_2022)
    pd.testing.assert_frame_equal(df, waits_2022)


def test_future_update_rule_on_derived_payload(raw_2022, zones):
    # DERIVED fixture: the real San Ysidro 250401 crossing, only date/time/update_time changed.
    base = next(p for p in json.loads(raw_2022) if p["port_number"] == "250401")
    p = copy.deepcopy(base)
    p["date"], p["time"] = "1/1/2023", "00:20:00"  # just after midnight on New Year's day
    p["passenger_vehicle_lanes"]["standard_lanes"]["update_time"] = "At 11:00 pm PST"  # must be Dec 31
    p["passenger_vehicle_lanes"]["NEXUS_SENTRI_lanes"]["update_time"] = "At Midnight PST"  # today, 00:00
    p["passenger_vehicle_lanes"]["ready_lanes"]["update_time"] = "At 12:30 am PST"  # 10 min ahead: tolerated
    p["pedestrian_lanes"]["standard_lanes"]["update_time"] = "At 1:15 am PST"  # 55 min ahead: still today
    p["pedestrian_lanes"]["ready_lanes"]["update_time"] = "At 1:30 am PST"  # 70 min ahead: yesterday
    df = parse_cbp_json(json.dumps([p]), source="derived", zones=zones)
    assert one(df, "250401", "passenger", "standard")["updated_at"] == pd.Timestamp(
        "2022-12-31 23:00", tz="America/Los_Angeles")
    assert one(df, "250401", "passenger", "sentri")["updated_at"] == pd.Timestamp(
        "2023-01-01 00:00", tz="America/Los_Angeles")
    assert one(df, "250401", "passenger", "ready")["updated_at"] == pd.Timestamp(
        "2023-01-01 00:30", tz="America/Los_Angeles")
    assert one(df, "250401", "pedestrian", "standard")["updated_at"] == pd.Timestamp(
        "2023-01-01 01:15", tz="America/Los_Angeles")
    assert one(df, "250401", "pedestrian", "ready")["updated_at"] == pd.Timestamp(
        "2022-12-31 01:30", tz="America/Los_Angeles")
    # retrieved_at (HTTP Date), when given, is the feed instant instead of the payload's clock.
    # 06:30 UTC = 22:30 PST Dec 31: "At Midnight" is 90 min ahead -> Dec 31 00:00.
    df2 = parse_cbp_json(json.dumps([p]), source="derived", zones=zones,
                         retrieved_at=pd.Timestamp("2023-01-01 06:30", tz="UTC"))
    assert one(df2, "250401", "passenger", "sentri")["updated_at"] == pd.Timestamp(
        "2022-12-31 00:00", tz="America/Los_Angeles")
    # 07:40 UTC = 23:40 PST Dec 31: "At Midnight" 20 min ahead is the coming midnight, not 24 h ago.
    df3 = parse_cbp_json(json.dumps([p]), source="derived", zones=zones,
                         retrieved_at=pd.Timestamp("2023-01-01 07:40", tz="UTC"))
    assert one(df3, "250401", "passenger", "sentri")["updated_at"] == pd.Timestamp(
        "2023-01-01 00:00", tz="America/Los_Angeles")


# ---------------------------------------------------------------------------------------------- 2014 XML

def test_2014_closed_ports_are_stale(waits_2014):
    assert waits_2014["port_number"].nunique() == 71
    closed = waits_2014[waits_2014["port_status"] == "Closed"]
    assert set(closed["port_number"]) == CLOSED_MEXICAN_2014 | {"302301"}
    mex_closed = set(closed.loc[closed["border"] == "Mexican Border", "port_number"])
    assert mex_closed == CLOSED_MEXICAN_2014 and len(mex_closed) == 11
    assert {"260201", "260403", "230502"} <= mex_closed  # Lukeville, Morley Gate, Pharr
    assert waits_2014["stale_reading"].eq(waits_2014["port_status"] == "Closed").all()
    assert closed["stale_reading"].all() and len(closed) == 12 * 7


def test_2014_text_delays_become_minutes(waits_2014):
    pharr = one(waits_2014, "230502", "commercial", "standard")  # Closed, "1 hrs 10 min", 4 lanes, At 8:00 pm CDT
    assert (pharr["operational_status"], pharr["delay_minutes"], pharr["lanes_open"]) == ("delay", 70, 4)
    assert pharr["stale_reading"]  # reading kept, never current
    assert pharr["updated_at"] == pd.Timestamp("2014-04-28 20:00", tz="America/Chicago")
    assert one(waits_2014, "230502", "commercial", "fast")["delay_minutes"] == 30  # "30 min"
    assert one(waits_2014, "250401", "passenger", "standard")["delay_minutes"] == 60  # "1 hr"
    calexico = waits_2014[(waits_2014["port_number"] == "250302") & (waits_2014["delay_minutes"] >= 60)]
    assert sorted(calexico["delay_minutes"]) == [75, 90]  # "1 hrs 15 min", "1 hrs 30 min"


def test_2014_clock_is_eastern(waits_2014):
    # <last_updated_date>2014-4-28</...> <last_updated_time>21:41:1</...> in U.S. Eastern (EDT)
    assert (waits_2014["retrieved_at"] == pd.Timestamp("2014-04-29 01:41:01", tz="UTC")).all()
    r = one(waits_2014, "250401", "passenger", "standard")
    assert r["feed_time"] == pd.Timestamp("2014-04-28 18:41:01", tz="America/Los_Angeles")
    assert r["updated_at"] == pd.Timestamp("2014-04-28 18:00", tz="America/Los_Angeles")  # "At 6:00 pm PDT"
    assert pd.isna(one(waits_2014, "250401", "commercial", "standard")["max_lanes"])  # N/A
    assert one(waits_2014, "250401", "passenger", "standard")["max_lanes"] == 24


def test_2014_xml_retrieved_at_argument_wins(shared_data, zones):
    raw = (shared_data / XML_2014).read_bytes()
    df = parse_cbp_xml(raw, source="bwt.xml", zones=zones, retrieved_at="2014-04-29 02:00:00+00:00")
    assert (df["retrieved_at"] == pd.Timestamp("2014-04-29 02:00", tz="UTC")).all()


# ---------------------------------------------------------------------------------------------- 2026 key set

def test_2026_waittimes_key_set_is_accepted(zones):
    # The first two complete crossings of the real 2026 /api/waittimes capture (tests/data/cbp/README.md).
    df = read_cbp(HERE / "data/cbp/waittimes_2026-08-02_first2.json", zones=zones)
    assert list(df["port_number"].unique()) == ["070801", "300401"]
    blaine = one(df, "300401", "passenger", "standard")  # "At 3:00 am PDT", no delay, 5 min, 1 lane; max 7
    assert pd.isna(blaine["state"]) and blaine["tz"] == "America/Los_Angeles"  # Canadian: zone from label
    assert (blaine["delay_minutes"], blaine["lanes_open"], blaine["max_lanes"]) == (5, 1, 7)
    assert blaine["updated_at"] == pd.Timestamp("2026-08-02 03:00", tz="America/Los_Angeles")
    assert blaine["feed_time"] == pd.Timestamp("2026-08-02 03:24:07", tz="America/Los_Angeles")


# ---------------------------------------------------------------------------------------------- errors

def test_truncated_payload_raises_feed_error_naming_the_file(shared_data, zones):
    path = shared_data / TRUNCATED_2026
    with pytest.raises(FeedError) as e:
        read_cbp(path, zones=zones)
    assert e.value.source == str(path)
    assert str(path) in str(e.value)
    assert "not valid JSON" in str(e.value) and "line 170 column 7" in str(e.value)


def test_missing_port_status_names_the_crossing(raw_2022, zones):
    # DERIVED: the real payload with port_status removed from San Ysidro.
    ports = json.loads(raw_2022)
    i = next(k for k, p in enumerate(ports) if p["port_number"] == "250401")
    del ports[i]["port_status"]
    with pytest.raises(FeedError) as e:
        parse_cbp(json.dumps(ports), source="bwtnew-derived.json", zones=zones)
    msg = str(e.value)
    assert msg.startswith("bwtnew-derived.json: ")
    assert f"crossing #{i}" in msg and "250401" in msg and "San Ysidro" in msg and "'port_status'" in msg


def test_missing_port_number_names_the_crossing_by_index(raw_2022, zones):
    ports = json.loads(raw_2022)
    del ports[3]["port_number"]
    with pytest.raises(FeedError, match=r"crossing #3 \(.+\): required field 'port_number' is missing"):
        parse_cbp(json.dumps(ports), source="x.json", zones=zones)


def test_neither_json_nor_xml(zones):
    with pytest.raises(FeedError, match=r"^blob: not valid JSON: .* at line 1 column 1"):
        parse_cbp(b"Service Unavailable", source="blob", zones=zones)
    with pytest.raises(FeedError, match=r"^blob: not valid XML"):
        parse_cbp(b"<html><body>", source="blob", zones=zones)
    with pytest.raises(FeedError, match="no crossings"):
        parse_cbp(b"[]", source="blob", zones=zones)


# ---------------------------------------------------------------------------------------------- HTTP

class _Server:
    """A local HTTP server whose answers are scripted per path: a list of (status, body), the last repeated."""

    def __init__(self):
        self.script: dict[str, list[tuple[int, bytes]]] = {}
        self.hits: dict[str, int] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.hits[self.path] = outer.hits.get(self.path, 0) + 1
                answers = outer.script.get(self.path, [(404, b"not found")])
                status, body = answers[min(outer.hits[self.path], len(answers)) - 1]
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def date_time_string(self, timestamp=None):
                return HTTP_DATE_2022_HEADER  # the real capture's Date header

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    def settings(self, retries: int = 0):
        return get_settings({
            "BORDERWATCH_CBP_JSON_URL": f"{self.base}/api/bwtnew",
            "BORDERWATCH_CBP_XML_URL": f"{self.base}/xml/bwt.xml",
            "BORDERWATCH_HTTP_RETRIES": str(retries),
            "BORDERWATCH_HTTP_TIMEOUT": "5",
            "BORDERWATCH_HTTP_CONNECT_TIMEOUT": "2",
        })

    @staticmethod
    def session(settings):
        s = make_session(settings, backoff=0.01)
        s.trust_env = False  # never route 127.0.0.1 through a proxy from the environment
        return s

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server():
    s = _Server()
    yield s
    s.close()


def test_fetch_json(server, raw_2022):
    server.script["/api/bwtnew"] = [(200, raw_2022)]
    settings = server.settings()
    fetched, kind = fetch_cbp(settings, session=server.session(settings))
    assert kind == "json" and fetched.content == raw_2022
    assert fetched.server_date == HTTP_DATE_2022.to_pydatetime()
    assert "/xml/bwt.xml" not in server.hits


@pytest.mark.parametrize("json_answer", [(500, b"boom"), (200, b"<html>maintenance</html>")])
def test_fetch_falls_back_to_xml(server, shared_data, json_answer):
    xml = (shared_data / XML_2014).read_bytes()
    server.script["/api/bwtnew"] = [json_answer]
    server.script["/xml/bwt.xml"] = [(200, xml)]
    settings = server.settings()
    fetched, kind = fetch_cbp(settings, session=server.session(settings))
    assert kind == "xml" and fetched.content == xml


def test_fetch_retries_a_503(server, raw_2022):
    server.script["/api/bwtnew"] = [(503, b"busy"), (200, raw_2022)]
    settings = server.settings(retries=2)
    fetched, kind = fetch_cbp(settings, session=server.session(settings))
    assert kind == "json" and fetched.content == raw_2022
    assert server.hits["/api/bwtnew"] == 2  # one retry by urllib3, no XML fallback needed
    assert "/xml/bwt.xml" not in server.hits


def test_fetch_both_down(server):
    server.script["/api/bwtnew"] = [(500, b"boom")]
    server.script["/xml/bwt.xml"] = [(503, b"busy")]
    settings = server.settings(retries=1)
    with pytest.raises(FeedError) as e:
        fetch_cbp(settings, session=server.session(settings))
    msg = str(e.value)
    assert settings.cbp_json_url in msg and settings.cbp_xml_url in msg
    assert "HTTP 500" in msg and "HTTP 503" in msg
    assert server.hits["/api/bwtnew"] == 2 and server.hits["/xml/bwt.xml"] == 2  # 1 try + 1 retry each


def test_load_live_url_and_path(server, raw_2022, crossings, shared_data, waits_2022):
    server.script["/api/bwtnew"] = [(200, raw_2022)]
    settings = server.settings()
    session = server.session(settings)
    live = load_cbp(crossings=crossings, settings=settings, session=session)
    # retrieved_at comes from the HTTP Date header: the same frame as the parsed capture.
    pd.testing.assert_frame_equal(live, waits_2022)
    by_url = load_cbp(f"{server.base}/api/bwtnew", crossings=crossings, settings=settings, session=session)
    pd.testing.assert_frame_equal(by_url, waits_2022)
    from_file = load_cbp(shared_data / JSON_2022, crossings=crossings, retrieved_at=HTTP_DATE_2022)
    pd.testing.assert_frame_equal(from_file, waits_2022)
    with pytest.raises(FeedError, match="cannot read"):
        load_cbp(shared_data / "cbp/no_such_file.json", crossings=crossings)


def test_unreadable_value_names_crossing_and_field(raw_2022, zones):
    # DERIVED: the real San Ysidro crossing with one update_time garbled.
    p = next(p for p in json.loads(raw_2022) if p["port_number"] == "250401")
    p["pedestrian_lanes"]["ready_lanes"]["update_time"] = "At 25:00 am PDT"
    with pytest.raises(FeedError, match=r"x.json: crossing #0 \(250401 San Ysidro\): "
                                        r"pedestrian_lanes.ready_lanes.update_time 'At 25:00 am PDT'"):
        parse_cbp(json.dumps([p]), source="x.json", zones=zones)


def test_brownsville_rss_update_times_land_on_their_own_date(shared_data):
    """All 424 real versions of CBP's Brownsville RSS (Aug 2026): every 'At 4:00 pm CDT' / 'At Noon CDT' /
    'At Midnight CDT' placed by the feed-clock rule relative to the channel pubDate (labelled EST, really
    UTC-4) falls on the date the item itself states; some stamps run up to 41 min ahead of the feed."""
    import glob
    import re

    from loaders.cbp import parse_update_time
    item = re.compile(r"<item><title>(.*?)</title><description>(.*?)</description>", re.S)
    n, wrong, ahead = 0, [], []
    files = sorted(glob.glob(str(shared_data / "history/brownsville_rss_2026-08/*.xml")))
    assert len(files) == 424
    for f in files:
        s = Path(f).read_text(encoding="utf-8")
        inst = pd.Timestamp(re.search(r"<pubDate>\w+, (.*?) EST</pubDate>", s)[1]).tz_localize("Etc/GMT+4")
        for _, desc in item.findall(s):
            date = re.search(r"Date: (\d+/\d+/\d{4})", desc)[1]
            for u in re.findall(r"At (?:\d{1,2}:\d{2} [ap]m|Noon|Midnight) CDT", desc):
                t = parse_update_time(u, inst, "America/Chicago")
                n += 1
                ahead.append(t - inst)
                if f"{t.month}/{t.day}/{t.year}" != date:
                    wrong.append((Path(f).name, u, date, t))
    assert n == 4497 and not wrong, wrong[:5]
    assert pd.Timedelta(minutes=40) < max(ahead) <= pd.Timedelta(minutes=60)
    assert sum(a > pd.Timedelta(minutes=15) for a in ahead) > 0  # a 15-minute tolerance would misdate these
