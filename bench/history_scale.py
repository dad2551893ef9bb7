"""History figures for issue 15 on a SCALE TEST store (real readings replayed at shifted times).

    python -m bench.history_scale [--years 10] [--db PATH] [--n 5] [--json OUT]

Builds (once, cached at ``--db``; default ``bench/.work/history_scale_<years>y.sqlite3``) a history of every
TX/AZ/CA lane the embedded archives saw, hourly over ``--years`` years (:mod:`history.scale`), then times, n
runs each, medians, every figure against its floor measured in the same run:

- collect one feed: ``collect_once`` of the real 2022 feed with its dates moved past the scale history's end
  (so each run adds its 178 rows) vs a plain ``executemany`` of 178 rows into an unindexed table (the issue's
  target: <= 3x); the same feed polled again (all rows dedupe: the common poll) reported beside it;
- the store's part of a poll alone (poll log, payload, ``add_readings`` of the parsed frame, committed) vs a
  plain ``executemany`` of as many full rows into the store's own indexed ``readings`` table (<= 3x);
- import an archive: the garitas change log (14,050 states) into the scale store vs ``executemany`` of as
  many rows (first run adds, later runs only dedupe: both reported);
- heatmap: ``wait_histogram`` + exact medians, San Ysidro passenger standard, whole history (target < 100 ms)
  vs a plain indexed SELECT;
- latest reading per lane: ``Store.latest()`` (target < 50 ms) vs the same indexed SELECT.
Prints one JSON object (and writes it to ``--json``). ``python -m bench`` runs :func:`measure` in its worker
(figures ``history_*``).
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _median_ms(fn, n):
    xs = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(xs), 2), [round(x, 2) for x in xs]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=float, default=10.0)
    ap.add_argument("--db")
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    out = measure(args)
    text = json.dumps(out, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


def measure(args) -> dict:
    """Every figure (``args``: years, db, n); also what :mod:`bench.worker` calls."""

    from history.imports import import_path
    from history.imports.exported import read as read_export
    import pandas as pd

    from history.ingest import waits_to_readings
    from history.scale import (SOURCE, build_scale_store, floor_executemany, floor_executemany_readings,
                               floor_indexed_select, heatmap_query, latest_query, real_lanes,
                               time_collect_one_feed, time_store_one_feed)
    from loaders.cbp import parse_cbp
    from loaders.crossings import port_zones
    from history.store import Store
    from loaders.crossings import load_crossings

    crossings = load_crossings(REPO / "data")
    db = Path(args.db) if args.db else HERE / ".work" / f"history_scale_{args.years:g}y.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    fresh = not db.exists()
    store = Store.open(f"sqlite:///{db}", crossings=crossings)
    build_s = None
    if fresh:
        real = real_lanes(next(read_export(REPO / "data/history/readings.parquet", crossings=crossings)).readings)
        t0 = time.perf_counter()
        build_scale_store(store, real, years=args.years)
        build_s = round(time.perf_counter() - t0, 1)
    rows = store.count(sources=["scale-test"])
    out = {"scale_rows": rows, "years": args.years, "build_s": build_s, "label": "SCALE TEST: real readings "
           "replayed at shifted times"}

    feed = json.loads((REPO / "data/cbp/bwtnew_2022-06-29.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        def shifted(k):
            d = date(2026, 11, 2) + timedelta(days=k + int(time.time()) % 10000)
            for c in feed:
                c["date"] = f"{d.month}/{d.day}/{d.year}"
            p = Path(tmp) / f"feed{k}.json"
            p.write_text(json.dumps(feed))
            return p
        files = [shifted(k) for k in range(args.n)]
        it = iter(files)
        out["collect_ms"], out["collect_runs"] = _median_ms(
            lambda: time_collect_one_feed(store, next(it), crossings), args.n)
        # the common poll: the feed has not changed since the last one (every row dedupes, nothing added)
        out["collect_again_ms"], out["collect_again_runs"] = _median_ms(
            lambda: time_collect_one_feed(store, files[-1], crossings), args.n)
    out["collect_floor_ms"], out["collect_floor_runs"] = _median_ms(lambda: floor_executemany(store, 178), args.n)
    # the store's part alone (parsed frame in; poll log + payload + add_readings, committed) vs a plain
    # executemany of as many full rows into the store's own indexed readings table
    prepared = waits_to_readings(parse_cbp(json.dumps(feed).encode(), source="bench", zones=port_zones(crossings)),
                                 crossings=crossings, source=SOURCE).frame
    days = iter(range(20000 + int(time.time()) % 5000, 30000))  # 2077-2090: apart from the floor's rows

    def store_part():
        frame = prepared.copy()
        frame["source_time"] = frame["source_time"] + pd.Timedelta(days=next(days))
        return time_store_one_feed(store, frame)
    out["store_ms"], out["store_runs"] = _median_ms(store_part, args.n)
    out["store_floor_ms"], out["store_floor_runs"] = _median_ms(
        lambda: floor_executemany_readings(store, prepared), args.n)
    out["store_rows"] = len(prepared)
    garitas = REPO.parent / "shared/data/history/garitas_2026-08/garitas_cbp_changelog_2026-08-19_to_2026-08-22.csv"
    if garitas.is_file():
        t0 = time.perf_counter()
        res = import_path(store, garitas, crossings=crossings, show_progress=False)
        out["import_first_s"], out["import_rows_added"] = round(time.perf_counter() - t0, 2), res.rows_added
        out["import_again_ms"], out["import_again_runs"] = _median_ms(
            lambda: import_path(store, garitas, crossings=crossings, show_progress=False), max(1, args.n // 2))
        out["import_floor_ms"], out["import_floor_runs"] = _median_ms(lambda: floor_executemany(store, 14050), args.n)
    out["heatmap_ms"], out["heatmap_runs"] = _median_ms(lambda: heatmap_query(store), args.n)
    out["latest_ms"], out["latest_runs"] = _median_ms(lambda: latest_query(store), args.n)
    out["select_floor_ms"], out["select_floor_runs"] = _median_ms(lambda: floor_indexed_select(store), args.n)
    store.close()
    return out


if __name__ == "__main__":
    raise SystemExit(main())
