"""Importing the real archives in ../shared/data/history: counts checked from the raw files, re-import adds
zero, the garitas change log carried forward correctly at hand-checked instants, SANDAG kept apart."""
from __future__ import annotations

import csv
import gzip
import json

import pandas as pd
import pytest

from history.imports import detect_format, import_path
from history.imports.garitas import captures, carry_forward, read_changelog
from loaders.errors import BorderwatchError

SD_NDJSON = "cbp_sd_2026-08-25_to_2026-10-11.ndjson.gz"
SD_CSV = "cbp_sd_history_2026-08-25_to_2026-10-11.csv"
GARITAS = "garitas_2026-08/garitas_cbp_changelog_2026-08-19_to_2026-08-22.csv"
SANDAG = "sandag_daily_waits_2023-01_to_2026-08_calexico_east_tecate_andrade.csv"
RSS = "brownsville_rss_2026-08"
UTC = "UTC"


def ts(text):
    return pd.Timestamp(text).tz_convert(UTC) if pd.Timestamp(text).tzinfo else pd.Timestamp(text, tz=UTC)


@pytest.mark.parametrize("name, fmt", [(SD_NDJSON, "cbp-sd-ndjson"), (SD_CSV, "cbp-sd-csv"),
                                       (GARITAS, "garitas-changelog"), (SANDAG, "sandag-daily"),
                                       (RSS, "brownsville-rss")])
def test_formats_are_detected(history_dir, name, fmt):
    assert detect_format(history_dir / name).FORMAT == fmt


def test_unknown_file_is_one_clear_error(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello\n")
    with pytest.raises(BorderwatchError, match=r"notes.txt: not a history archive"):
        detect_format(p)


def test_san_diego_archive_both_layouts(store, history_dir, crossings):
    # 1,609 lines in the NDJSON (one per lane reading, no two with the same lane and source time).
    with gzip.open(history_dir / SD_NDJSON, "rt") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    assert len(lines) == 1609
    r = import_path(store, history_dir / SD_NDJSON, crossings=crossings)
    assert (r.rows_seen, r.rows_added) == (1609, 1609)
    # the CSV holds the same observations: nothing new; and re-importing either adds zero
    assert import_path(store, history_dir / SD_CSV, crossings=crossings).rows_added == 0
    assert import_path(store, history_dir / SD_NDJSON, crossings=crossings).rows_added == 0
    assert store.count() == 1609
    df = store.readings(ports=["250401"])
    assert len(df) == 664  # San Ysidro lines in the file
    # the 1000-minute reading (San Ysidro standard, 2026-09-02 14:00Z) is kept as the feed gave it
    odd = df[(df["source_time"] == ts("2026-09-02 14:00")) & (df["lane"] == "standard") &
             (df["mode"] == "passenger")]
    assert odd["delay_minutes"].tolist() == [1000]
    first = lines[0]  # Tecate passengerStandard, At 1:00 pm PDT on 2026-08-25, 90 min, 2 lanes
    row = store.readings(ports=["250501"], modes=["passenger"], lanes=["standard"],
                         start=ts("2026-08-25 20:00"), end=ts("2026-08-25 20:01"))
    assert row[["delay_minutes", "lanes_open"]].values.tolist() == [[first["delayMinutes"], first["lanesOpen"]]]
    assert row["collected_at"].iloc[0] == ts("2026-08-25 20:51:58")
    assert row["source"].iloc[0] == "cbp-sd-archive"


@pytest.fixture(scope="module")
def carried(history_dir, crossings):
    path = history_dir / GARITAS
    log = read_changelog(path)
    zones = {p: tz for p, tz in zip(crossings["port_number"], crossings["tz"]) if isinstance(p, str)}
    return carry_forward(log, captures(path, log), zones=zones)


def state(carried, port, mode, lane, at):
    row = carried[(carried["port_number"] == port) & (carried["mode"] == mode) & (carried["lane"] == lane)
                  & (carried["captured_at"] == ts(at))]
    assert len(row) == 1
    return row.iloc[0]


def test_garitas_carried_forward_at_hand_checked_instants(carried, history_dir):
    # 57 captures; every TX/AZ/CA northbound lane has a state at every capture from its first appearance.
    with open(history_dir / GARITAS, newline="") as f:
        raw = list(csv.DictReader(f))
    caps = sorted({r["capturado_utc"] for r in raw})
    assert len(caps) == 57
    assert carried["captured_at"].nunique() == 57
    # San Ysidro pedestrians: a row at capture 4 (19:12:11, 30 min, 20 lanes, At 11:00 am PDT), none at
    # capture 5 (19:57:15): the state carried to 19:57:15 is capture 4's, with its own update time.
    s = state(carried, "250401", "pedestrian", "standard", "2026-08-19T19:57:15Z")
    assert (s["delay_minutes"], s["lanes_open"], s["operational_status"]) == (30, 20, "delay")
    assert s["changed_at"] == ts("2026-08-19T19:12:11Z") and s["update_utc"] == ts("2026-08-19T18:00Z")
    # Lukeville passenger: 'no delay' 0 min, port Closed, At 7:00 pm MST at 03:12:10 on the 20th; unchanged
    # at 05:06:33 (capture 11); Update Pending from 08:07:41 (capture 13).
    s = state(carried, "260201", "passenger", "standard", "2026-08-20T05:06:33Z")
    assert (s["operational_status"], s["delay_minutes"], s["port_status"]) == ("no delay", 0, "Closed")
    assert s["update_utc"] == ts("2026-08-20T02:00Z")  # 7 pm MST on the 19th (Arizona: UTC-7)
    s = state(carried, "260201", "passenger", "standard", "2026-08-20T08:07:41Z")
    assert s["operational_status"] == "Update Pending" and pd.isna(s["delay_minutes"])
    # Veterans FAST: closed in the first snapshot, 'no delay' At 4:00 pm CDT at 20:58:40, carried to 21:55:04
    s = state(carried, "535502", "commercial", "fast", "2026-08-19T21:55:04Z")
    assert (s["operational_status"], s["delay_minutes"], s["lanes_open"]) == ("no delay", 0, 1)
    assert s["update_utc"] == ts("2026-08-19T21:00Z")
    assert state(carried, "535502", "commercial", "fast", "2026-08-19T14:15:56Z")["operational_status"] \
        == "Lanes Closed"


def test_garitas_import_counts_and_reimport(store, history_dir, crossings):
    # 280 lanes of TX/AZ/CA crossings, each from its first capture to the last: 14,050 lane states.
    # Stored: one row per distinct (lane, source time, value) -> 10,998, of which 4,141 carry minutes (the
    # log's 4,142 numbered change rows less one that returns to a value already stored for that update time).
    r = import_path(store, history_dir / GARITAS, crossings=crossings)
    assert (r.rows_seen, r.rows_added) == (14050, 10998)
    assert "070801" in r.unknown_ports  # Canadian ports are left out (the raw file keeps them)
    assert import_path(store, history_dir / GARITAS, crossings=crossings).rows_added == 0
    df = store.readings(sources=["garitas-changelog"], all_revisions=True)
    assert len(df) == 10998 and int(df["delay_minutes"].notna().sum()) == 4141
    assert df["crossing_id"].str[:2].isin(["tx", "az", "ca"]).all()
    assert not df["operational_status"].isin(["ok", "N/A"]).any()  # southbound 'ok' rows are not CBP's


def test_sandag_daily_averages_are_a_separate_measure(store, history_dir, crossings):
    r = import_path(store, history_dir / SANDAG, crossings=crossings)
    assert (r.rows_seen, r.rows_added) == (11882, 11882)
    assert store.count() == 0  # readings queries never see them
    daily = store.readings(measure="daily_average")
    assert len(daily) == 11882 and set(daily["source"]) == {"sandag-daily"}
    assert daily["operational_status"].isna().all()
    first = daily[(daily["port_number"] == "250301") & (daily["lane"] == "sentri")].iloc[0]
    # 2023-01-29, Calexico East SENTRI, 20 min: the local day starts at 08:00Z (PST)
    assert (first["source_time"], first["delay_minutes"]) == (ts("2023-01-29T08:00Z"), 20)
    assert import_path(store, history_dir / SANDAG, crossings=crossings).rows_added == 0


def test_brownsville_rss_archive(store, history_dir, crossings):
    files = sorted((history_dir / RSS).glob("*.xml"))
    assert len(files) == 424
    # 7,290 lane lines that are not N/A (grep 'Lanes: At|Lanes Closed|Update Pending' over the 424 files)
    r = import_path(store, history_dir / RSS, crossings=crossings)
    assert r.rows_seen == 7290
    assert r.rows_added == 4635
    df = store.readings(sources=["brownsville-rss"], all_revisions=True)
    assert set(df["crossing_id"]) == {"tx-brownsville-bm", "tx-brownsville-gateway", "tx-brownsville-los-indios",
                                      "tx-brownsville-veterans"}
    # 2,439 distinct numbered readings: the distinct (crossing, mode, lane, Date, "At ... N min delay N lane(s)
    # open") texts over the 424 files, counted with grep/sort -u
    assert int(df["delay_minutes"].notna().sum()) == 2439
    assert int((df["revision"] > 0).sum()) == 17
    # A real revision: B&M passenger standard "At 7:00 am CDT" on 8/16 read 45 min at 11:52Z, 40 at 12:24Z
    rev = df[(df["crossing_id"] == "tx-brownsville-bm") & (df["mode"] == "passenger") &
             (df["lane"] == "standard") & (df["source_time"] == ts("2026-08-16T12:00Z"))]
    assert rev[["revision", "delay_minutes"]].values.tolist() == [[0, 45], [1, 40]]
    assert rev["collected_at"].tolist() == [ts("2026-08-16T11:52:26Z"), ts("2026-08-16T12:24:24Z")]
    # At Noon: the 17:00Z (noon CDT) readings exist
    assert (df["source_time"].dt.tz_convert("America/Chicago").dt.hour == 12).any()
    assert import_path(store, history_dir / RSS, crossings=crossings).rows_added == 0


def test_pubdate_says_est_but_is_utc_minus_4(history_dir, crossings):
    from history.imports.brownsville import _pubdate
    assert _pubdate("Wed, 12 Aug 2026 00:14:34 EST", "x") == ts("2026-08-12T04:14:34Z")


def test_overlapping_archives_do_not_duplicate_readings(store, history_dir, crossings):
    # The garitas log and the Brownsville RSS both saw the Brownsville crossings on 19-22 August. The RSS has
    # no port status and writes 'no delay' as "N min delay": the same reading is not stored twice.
    import_path(store, history_dir / GARITAS, crossings=crossings)
    r = import_path(store, history_dir / RSS, crossings=crossings)
    assert r.rows_added == 3881  # of the 4,635 the RSS holds alone
    df = store.readings(all_revisions=True, crossing_ids=["tx-brownsville-bm"], start=ts("2026-08-19T16:00Z"),
                        end=ts("2026-08-19T16:01Z"), modes=["passenger"], lanes=["ready"])
    assert df[["source", "delay_minutes", "port_status"]].values.tolist() == [["garitas-changelog", 10, "Open"]]
