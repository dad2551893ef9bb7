"""The store on both backends: schema versioning, dedupe, revisions, latest / as of, heatmap histogram."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from history import tables
from history.ingest import waits_to_readings
from history.migrations import CURRENT_VERSION
from history.store import Store, histogram_medians
from loaders.cbp import read_cbp
from loaders.crossings import port_zones
from loaders.errors import BorderwatchError


@pytest.fixture(scope="module")
def feed_2022(shared_data, crossings):
    """The real 2022-06-29 feed as readings (178 TX/AZ/CA lane rows with a status other than N/A)."""
    waits = read_cbp(shared_data / "cbp" / "bwtnew_2022-06-29.json", zones=port_zones(crossings))
    return waits_to_readings(waits, crossings=crossings).frame


def add(store, frame):
    with store.write() as conn:
        return store.add_readings(conn, frame)


def test_open_creates_versioned_schema_and_reopen_is_a_no_op(store, db_url, crossings):
    with store.read() as conn:
        versions = conn.execute(sa.select(tables.schema_version.c.version)).scalars().all()
        names = set(sa.inspect(conn).get_table_names())
    assert versions == list(range(1, CURRENT_VERSION + 1))
    assert {"readings", "lanes", "polls", "payloads", "schema_version"} <= names
    again = Store.open(db_url, crossings=crossings)
    with again.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tables.schema_version)).scalar() == 1
    again.close()


def test_a_newer_schema_is_refused_with_one_clear_line(store, db_url, crossings):
    with store.write() as conn:
        conn.execute(tables.schema_version.insert().values(version=CURRENT_VERSION + 1, applied_at=0,
                                                           description="from the future"))
    with pytest.raises(BorderwatchError, match=r"schema version 2 is newer than this borderwatch"):
        Store.open(db_url, crossings=crossings)


def test_sqlite_store_uses_wal(tmp_path, crossings):
    s = Store.open(f"sqlite:///{tmp_path / 'h.sqlite3'}", crossings=crossings)
    with s.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    s.close()


def test_rereading_the_same_feed_adds_nothing(store, feed_2022):
    assert len(feed_2022) == 178
    assert add(store, feed_2022) == 178
    assert add(store, feed_2022) == 0
    assert store.count() == 178


def test_changed_value_for_the_same_source_time_is_a_revision(store, feed_2022):
    add(store, feed_2022)
    # San Ysidro passenger standard, 2022-06-29 "At 10:00 am PDT" = 17:00Z: 140 min in the real feed.
    key = (feed_2022["port_number"] == "250401") & (feed_2022["mode"] == "passenger") & \
          (feed_2022["lane"] == "standard")
    row = feed_2022[key].copy()
    assert row["delay_minutes"].tolist() == [140]
    assert row["source_time"].iloc[0] == pd.Timestamp("2022-06-29 17:00", tz="UTC")
    changed = row.copy()
    changed["delay_minutes"] = pd.array([145], dtype="Int64")
    changed["collected_at"] = changed["collected_at"] + pd.Timedelta(minutes=5)
    assert add(store, changed) == 1
    assert add(store, changed) == 0  # the revision itself is not repeated
    assert add(store, row) == 0  # nor is the original value seen again
    every = store.readings(crossing_ids=["ca-san-ysidro"], modes=["passenger"], lanes=["standard"],
                           all_revisions=True)
    assert every["revision"].tolist() == [0, 1]
    assert every["delay_minutes"].tolist() == [140, 145]
    newest = store.readings(crossing_ids=["ca-san-ysidro"], modes=["passenger"], lanes=["standard"])
    assert newest["delay_minutes"].tolist() == [145]
    latest = store.latest(crossing_ids=["ca-san-ysidro"])
    assert latest.loc[(latest["mode"] == "passenger") & (latest["lane"] == "standard"),
                      "delay_minutes"].tolist() == [145]
    assert store.count() == 179


def test_missing_is_never_zero(store, feed_2022):
    add(store, feed_2022)
    df = store.readings(measure="reading")
    closed = df[df["operational_status"].isin(["Lanes Closed", "Update Pending"])]
    assert len(closed) > 0
    assert closed["delay_minutes"].isna().all() and closed["lanes_open"].isna().all()


def test_latest_and_as_of(store, feed_2022):
    add(store, feed_2022)
    later = feed_2022.copy()
    later["source_time"] = later["source_time"] + pd.Timedelta(hours=1)
    later["collected_at"] = later["collected_at"] + pd.Timedelta(hours=1)
    later["delay_minutes"] = (later["delay_minutes"] + 1).astype("Int64")
    add(store, later)
    now = store.latest()
    assert len(now) == 178
    pd.testing.assert_series_equal(
        now.sort_values(["port_number", "mode", "lane"])["delay_minutes"].reset_index(drop=True),
        later.sort_values(["port_number", "mode", "lane"])["delay_minutes"].reset_index(drop=True),
        check_names=False)
    before = store.latest(at=pd.Timestamp("2022-06-29 17:30", tz="UTC"), crossing_ids=["ca-san-ysidro"])
    std = before[(before["mode"] == "passenger") & (before["lane"] == "standard")]
    assert std["delay_minutes"].tolist() == [140]
    fresh = store.latest(at=pd.Timestamp("2022-06-29 23:00", tz="UTC"), max_age=pd.Timedelta(hours=2))
    assert len(fresh) == 0  # every reading of that feed is older than 2 h at 23:00Z


def test_wait_histogram_gives_exact_medians(store, feed_2022):
    frames = []
    # Four hours of San Ysidro passenger standard on one Wednesday: 105, 90, 120, 100 min at 10:00 local
    # on four consecutive weeks.
    base = feed_2022[(feed_2022["port_number"] == "250401") & (feed_2022["mode"] == "passenger")
                     & (feed_2022["lane"] == "standard")]
    for week, minutes in enumerate([105, 90, 120, 100]):
        f = base.copy()
        f["source_time"] = f["source_time"] + pd.Timedelta(weeks=week)
        f["delay_minutes"] = pd.array([minutes], dtype="Int64")
        frames.append(f)
    add(store, pd.concat(frames, ignore_index=True))
    hist = store.wait_histogram("ca-san-ysidro", "passenger", "standard")
    assert sorted(hist.itertuples(index=False, name=None)) == [(2, 10, m, 1) for m in (90, 100, 105, 120)]
    med = histogram_medians(hist)
    assert med.to_dict("records") == [{"dow": 2, "hour": 10, "median_minutes": 102.5, "n": 4}]
    assert med["median_minutes"].iloc[0] == pd.Series([105, 90, 120, 100]).median()


def test_payloads_are_kept_compressed_by_hash(store, shared_data):
    raw = (shared_data / "cbp" / "bwtnew_2022-06-29.json").read_bytes()
    with store.write() as conn:
        sha = store.put_payload(conn, raw, location="test")
        assert store.put_payload(conn, raw, location="test again") == sha
    assert store.payload(sha) == raw
    with store.read() as conn:
        size, n = conn.execute(sa.select(sa.func.max(sa.func.length(tables.payloads.c.data)),
                                         sa.func.count()).select_from(tables.payloads)).one()
    assert n == 1 and size < len(raw) / 5


def test_a_failed_write_commits_nothing(store, feed_2022):
    with pytest.raises(RuntimeError):
        with store.write() as conn:
            store.add_readings(conn, feed_2022)
            raise RuntimeError("boom")
    assert store.count() == 0


def test_unknown_crossing_is_refused(store, feed_2022):
    bad = feed_2022.head(1).copy()
    bad["crossing_id"] = pd.array(["xx-nowhere"], dtype="string")
    with pytest.raises(BorderwatchError, match="xx-nowhere"):
        add(store, bad)
