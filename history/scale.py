"""SCALE TEST history for the benchmarks (issue 15): real readings replayed at shifted times, labelled as such.

Nothing here is real history. :func:`build_scale_store` takes the real lane readings of the embedded history
(every TX/AZ/CA lane the archives saw) and, for each lane, replays its real sequence of values hour after
hour over ``years`` years ending at ``end``: the k-th hour of a lane gets the lane's (k mod n)-th real reading.
Every row has ``source = "scale-test"`` and the store's poll log has one ``import`` row named
``scale-test: ...`` saying how it was made. Rows go in through plain ``executemany`` in large transactions (the
bulk path, not :meth:`Store.add_readings`: a scale build is not an import), with the same columns, indexes and
derived fields (fingerprint, port-local weekday and hour) as real rows.

What the bench times on such a store (each against a floor measured in the same run):

| figure | call | floor |
|---|---|---|
| collect one feed | :func:`time_collect_one_feed` = ``collect_once(store, source=<saved 2022 feed>)`` on the scale store: parse + dedupe lookup + insert of 178 rows + payload + poll log, one transaction | :func:`floor_executemany`: plain ``executemany`` of the same number of rows into an unindexed table |
| import an archive | ``history.imports.import_path(store, <archive>)`` (e.g. the garitas change log, 14,050 states) | the same ``executemany`` floor, rows of that size |
| heatmap | :func:`heatmap_query` = ``Store.wait_histogram`` + ``histogram_medians`` for one crossing and lane over the whole history | :func:`floor_indexed_select`: a plain indexed ``SELECT`` of one lane's delays |
| latest reading per lane | :func:`latest_query` = ``Store.latest()`` (one indexed probe per lane) | same floor |

Targets from the issue: heatmap well under 100 ms, latest per lane under 50 ms, collect within 3x its floor.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from . import tables as t
from .store import Store, epoch_seconds, fingerprints

SOURCE = "scale-test"
LABEL = "SCALE TEST: real readings replayed at shifted times (not real history)"


def real_lanes(store_or_frame) -> pd.DataFrame:
    """The real lane readings to replay (``measure = reading``), ordered per lane by source time."""
    df = store_or_frame if isinstance(store_or_frame, pd.DataFrame) else store_or_frame.readings()
    df = df[df["measure"] == "reading"]
    return df.sort_values(["port_number", "mode", "lane", "source_time", "revision"]).reset_index(drop=True)


def build_scale_store(store: Store, real: pd.DataFrame, *, years: float = 10.0,
                      end: pd.Timestamp | str = "2026-11-01T00:00Z", step_hours: int = 1,
                      chunk_hours: int = 24 * 30, progress=None) -> int:
    """Fill ``store`` with the replay; returns the rows written. ``real`` from :func:`real_lanes`.
    ``progress`` (optional callable) is called with (hours done, hours total)."""
    end = pd.Timestamp(end).tz_convert("UTC")
    hours = int(years * 365.25 * 24) // step_hours
    start_s = int(epoch_seconds([end])[0]) - hours * step_hours * 3600
    lanes = []
    for (port, mode, lane), g in real.groupby(["port_number", "mode", "lane"], sort=True):
        g = g.reset_index(drop=True)
        lanes.append({"crossing_id": g["crossing_id"].iloc[0], "port_number": port, "mode": mode, "lane": lane,
                      "status": _plain(g["operational_status"]), "delay": _plain(g["delay_minutes"], int),
                      "open": _plain(g["lanes_open"], int), "pstat": _plain(g["port_status"]),
                      "fp": fingerprints(g[["operational_status", "delay_minutes", "lanes_open", "port_status"]]),
                      "tz": store.zones[g["crossing_id"].iloc[0]]})
    sql, false = _plain_insert(store)
    written = 0
    with store.write() as conn:
        poll = store.start_poll(conn, "import", f"{SOURCE}: {LABEL}; {len(lanes)} lanes x {hours} steps of "
                                               f"{step_hours} h ending {end.isoformat()}")
    # Bulk load: drop the readings indexes, insert, rebuild them once (sorting once is far cheaper than
    # maintaining four B-trees row by row); the rebuilt indexes are the same as a store's own.
    with store.write() as conn:
        for ix in t.readings.indexes:
            ix.drop(conn, checkfirst=True)
    for h0 in range(0, hours, chunk_hours):
        k = np.arange(h0, min(hours, h0 + chunk_hours))
        times = start_s + k * step_hours * 3600
        utc = pd.DatetimeIndex(pd.to_datetime(times, unit="s", utc=True))
        tlist = times.tolist()
        clist = (times + 300).tolist()
        rows: list[tuple] = []
        for ln in lanes:
            idx = k % len(ln["fp"])
            local = utc.tz_convert(ln["tz"])
            rows.extend(zip(
                *[[v] * len(k) for v in (ln["crossing_id"], ln["port_number"], ln["mode"], ln["lane"], "reading")],
                tlist, [0] * len(k), ln["fp"][idx].tolist(), [false] * len(k), clist,
                local.day_of_week.tolist(), local.hour.tolist(), ln["status"][idx].tolist(),
                ln["delay"][idx].tolist(), ln["open"][idx].tolist(), ln["pstat"][idx].tolist(),
                [SOURCE] * len(k), [poll] * len(k)))
        with store.write() as conn:
            conn.exec_driver_sql(sql, rows)
        written += len(rows)
        if progress:
            progress(min(hours, h0 + chunk_hours), hours)
    with store.write() as conn:
        for ix in t.readings.indexes:
            ix.create(conn, checkfirst=True)
    with store.write() as conn:
        # the lanes table (latest-per-lane probes) and the poll log row
        for ln in lanes:
            stmt = store._insert(conn, t.lanes).values(
                port_number=ln["port_number"], mode=ln["mode"], lane=ln["lane"], measure="reading",
                crossing_id=ln["crossing_id"], first_time=start_s, last_time=start_s + (hours - 1) * step_hours * 3600)
            conn.execute(stmt.on_conflict_do_update(index_elements=["port_number", "mode", "lane", "measure"],
                                                    set_={"first_time": start_s}))
        store.finish_poll(conn, poll, rows_seen=written, rows_added=written)
    return written


def _plain_insert(store: Store) -> tuple[str, object]:
    """A plain DBAPI ``INSERT`` of every readings column but ``id`` (rows as tuples in table order), and
    the backend's value for false (SQLite stores booleans as 0/1)."""
    cols = [c.name for c in t.readings.columns if c.name != "id"]
    mark = "?" if store.dialect == "sqlite" else "%s"
    return (f"INSERT INTO readings ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})",
            False if store.dialect == "postgresql" else 0)


def _plain(s: pd.Series, cast=str) -> np.ndarray:
    """An object array of plain Python values (None for NA) for the DBAPI."""
    return np.array([None if pd.isna(v) else cast(v) for v in s], dtype=object)


# ---------------------------------------------------------------------------------------------- the queries
def heatmap_query(store: Store, crossing_id: str = "ca-san-ysidro", mode: str = "passenger",
                  lane: str = "standard") -> pd.DataFrame:
    from .store import histogram_medians
    return histogram_medians(store.wait_histogram(crossing_id, mode, lane))


def latest_query(store: Store) -> pd.DataFrame:
    return store.latest()


def time_collect_one_feed(store: Store, feed: Path, crossings: pd.DataFrame) -> float:
    """Seconds for one ``collect_once`` of a saved feed (shifted past the store's newest hour so it adds)."""
    from .collector import collect_once
    t0 = time.perf_counter()
    collect_once(store, crossings=crossings, source=str(feed))
    return time.perf_counter() - t0


def floor_executemany(store: Store, n_rows: int) -> float:
    """Seconds for a plain ``executemany`` of ``n_rows`` 8-column rows into a fresh unindexed table."""
    with store.write() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench_floor")
        conn.exec_driver_sql("CREATE TABLE bench_floor (a TEXT, b TEXT, c TEXT, d BIGINT, e INTEGER, "
                             "f INTEGER, g TEXT, h TEXT)")
    rows = [{"a": "250401", "b": "passenger", "c": "standard", "d": i, "e": 30, "f": 5, "g": "delay",
             "h": "Open"} for i in range(n_rows)]
    q = sa.text("INSERT INTO bench_floor VALUES (:a, :b, :c, :d, :e, :f, :g, :h)")
    t0 = time.perf_counter()
    with store.write() as conn:
        conn.execute(q, rows)
    dt = time.perf_counter() - t0
    with store.write() as conn:
        conn.exec_driver_sql("DROP TABLE bench_floor")
    return dt


def time_store_one_feed(store: Store, frame: pd.DataFrame) -> float:
    """Seconds for the store's part of a poll: one write transaction with the poll log row, the raw
    payload and :meth:`Store.add_readings` of an already parsed readings frame (dedupe probes, revisions,
    inserts, lanes table), committed. ``frame`` should hold source times the store has not seen."""
    t0 = time.perf_counter()
    with store.write() as conn:
        poll = store.start_poll(conn, "collect", f"{SOURCE}: store part of one poll")
        sha = store.put_payload(conn, f"{SOURCE} {t0}".encode(), location=SOURCE)
        added = store.add_readings(conn, frame, poll_id=poll)
        store.finish_poll(conn, poll, payload_sha256=sha, rows_seen=len(frame), rows_added=added)
    return time.perf_counter() - t0


def floor_executemany_readings(store: Store, frame: pd.DataFrame) -> float:
    """Seconds for a plain ``executemany`` of ``frame``'s rows (the same lanes, so the same index pages) into
    the store's own ``readings`` table (its four indexes at the store's depth), committed: what storing a
    poll's rows costs with no dedupe, revision, lanes-table or validation work at all. The rows (``source =
    'scale-test'``, times past 2096) are deleted afterwards, untimed."""
    sql, false = _plain_insert(store)
    mark = "?" if store.dialect == "sqlite" else "%s"
    base = 4_000_000_000 + int(time.time() * 1000) % 1_000_000 * 1000
    lanes = zip(*(frame[k].tolist() for k in ("crossing_id", "port_number", "mode", "lane")))
    rows = [(c, p, m, ln, "reading", base + i, 0, 1, false, base + i, 0, 0, "delay", 30, 5, "Open", SOURCE, None)
            for i, (c, p, m, ln) in enumerate(lanes)]
    t0 = time.perf_counter()
    with store.write() as conn:
        conn.exec_driver_sql(sql, rows)
    dt = time.perf_counter() - t0
    with store.write() as conn:
        conn.exec_driver_sql(f"DELETE FROM readings WHERE source_time >= {mark}", (4_000_000_000,))
    return dt


def floor_indexed_select(store: Store, crossing_id: str = "ca-san-ysidro", mode: str = "passenger",
                         lane: str = "standard") -> float:
    """Seconds for a plain indexed SELECT of one lane's delays (the heatmap index), rows fetched."""
    r = t.readings.c
    q = sa.select(r.delay_minutes).where(r.crossing_id == crossing_id, r.mode == mode, r.lane == lane,
                                         r.measure == "reading", r.superseded.is_(False)).limit(1000)
    t0 = time.perf_counter()
    with store.read() as conn:
        conn.execute(q).all()
    return time.perf_counter() - t0
