"""The collector against a local HTTP server replaying the real 2022 feed at shifted dates (a test replay):
one transaction per poll, failures logged, and kill -9 in the middle of writing loses nothing committed."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pandas as pd
import pytest
import sqlalchemy as sa

from history import tables
from history.collector import collect_loop, collect_once

from .replay_server import ReplayServer

FEED_ROWS = 178  # TX/AZ/CA lane readings (status other than N/A) of the 2022-06-29 feed


@pytest.fixture
def replay(shared_data):
    with ReplayServer(shared_data / "cbp" / "bwtnew_2022-06-29.json") as srv:
        yield srv


def test_collect_once_stores_payload_readings_and_poll(store, replay, crossings):
    res = collect_once(store, crossings=crossings, source=f"{replay.url}/api/bwtnew")
    assert (res.error, res.http_status, res.rows_seen, res.rows_added) == (None, 200, FEED_ROWS, FEED_ROWS)
    polls = store.polls()
    assert polls.loc[0, "rows_added"] == FEED_ROWS and polls.loc[0, "http_status"] == 200
    assert polls.loc[0, "location"].startswith("http://127.0.0.1:")
    raw = store.payload(res.payload_sha256)
    assert raw.startswith(b"[{") and b'"port_number"' in raw
    # the second request is the same feed one day later: 178 new rows; the same payload again adds none
    assert collect_once(store, crossings=crossings, source=f"{replay.url}/api/bwtnew").rows_added == FEED_ROWS
    assert store.count() == 2 * FEED_ROWS


def test_a_failing_feed_is_logged_and_the_loop_goes_on(store, replay, crossings, tmp_path, monkeypatch):
    monkeypatch.setenv("BORDERWATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BORDERWATCH_HTTP_RETRIES", "0")
    from loaders.config import get_settings
    results = collect_loop(store, crossings=crossings, every=0.01, source=f"{replay.url}/fail",
                           settings=get_settings(), max_polls=2, show_progress=False)
    assert [r.http_status for r in results] == [503, 503]
    assert all("503" in r.error for r in results)
    bad = collect_once(store, crossings=crossings, source=f"{replay.url}/garbage", settings=get_settings())
    assert bad.error and bad.payload_sha256  # the unreadable answer is kept for inspection
    ok = collect_once(store, crossings=crossings, source=f"{replay.url}/api/bwtnew", settings=get_settings())
    assert ok.rows_added == FEED_ROWS
    polls = store.polls()
    assert len(polls) == 4 and polls["error"].notna().sum() == 3


def _collector(db_url, home, url):
    env = {**os.environ, "BORDERWATCH_DB": db_url, "BORDERWATCH_HOME": str(home),
           "BORDERWATCH_HISTORY_SEED": "0", "BORDERWATCH_HTTP_RETRIES": "0"}
    return subprocess.Popen([sys.executable, "-m", "dashboard.cli", "collect", "--every", "0.05",
                             "--source", url], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_kill_9_mid_write_loses_nothing_committed(db_url, replay, crossings, tmp_path):
    from history.store import Store
    Store.open(db_url, crossings=crossings).close()  # schema in place before the race starts
    engine = sa.create_engine(db_url)
    for round_ in range(2):
        proc = _collector(db_url, tmp_path / "home", f"{replay.url}/api/bwtnew")
        deadline = time.monotonic() + 60
        # let it commit a few polls, then kill it at an arbitrary point of its loop
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                n = conn.execute(sa.select(sa.func.count()).select_from(tables.polls)).scalar()
            if n >= 3 * (round_ + 1):
                break
            time.sleep(0.05)
        time.sleep(0.013 * (round_ + 1))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    with engine.connect() as conn:
        polls = conn.execute(sa.select(tables.polls.c.rows_added, tables.polls.c.error,
                                       tables.polls.c.finished_at)).all()
        readings = conn.execute(sa.select(sa.func.count()).select_from(tables.readings)).scalar()
        payloads = conn.execute(sa.select(sa.func.count()).select_from(tables.payloads)).scalar()
        dupes = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT port_number, mode, lane, source_time, revision FROM readings "
            "GROUP BY port_number, mode, lane, source_time, revision HAVING count(*) > 1) d")).scalar()
    engine.dispose()
    # every committed poll is complete (finished, counted) and its rows are all there: nothing half-written
    assert len(polls) >= 6
    assert all(p.finished_at is not None and p.error is None for p in polls)
    assert readings == sum(p.rows_added for p in polls) == FEED_ROWS * len(polls)
    assert payloads == len(polls) and dupes == 0
    if db_url.startswith("sqlite"):
        path = db_url.removeprefix("sqlite:///")
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM readings").fetchone()[0] == readings
        con.close()


def test_a_saved_capture_keeps_its_own_dates(store, crossings, shared_data):
    """`collect --source FILE` of the real 2022-06-29 capture stores 2022-06-29 readings (the payload's own
    clock), not readings dated the day it was collected; collecting the file again adds nothing."""
    path = shared_data / "cbp" / "bwtnew_2022-06-29.json"
    res = collect_once(store, crossings=crossings, source=str(path))
    assert (res.error, res.rows_added) == (None, FEED_ROWS)
    got = store.readings(crossing_ids=["ca-san-ysidro"], modes=["passenger"], lanes=["standard"])
    local = got["source_time"].dt.tz_convert("America/Los_Angeles")
    assert list(local.dt.strftime("%Y-%m-%d")) == ["2022-06-29"]
    assert (got["collected_at"] > got["source_time"] + pd.Timedelta(days=365)).all()
    assert collect_once(store, crossings=crossings, source=str(path)).rows_added == 0
