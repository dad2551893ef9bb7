"""The bench's scale history: real readings replayed at shifted times, labelled as a scale test."""
from __future__ import annotations

import pandas as pd

from history.imports import import_path
from history.scale import SOURCE, build_scale_store, heatmap_query, latest_query, real_lanes
from history.store import Store


def test_scale_history_replays_real_values_and_says_so(history_dir, crossings, tmp_path):
    src = Store.open(f"sqlite:///{tmp_path / 'real.sqlite3'}", crossings=crossings)
    import_path(src, history_dir / "cbp_sd_2026-08-25_to_2026-10-11.ndjson.gz", crossings=crossings)
    real = real_lanes(src)
    lanes = real.groupby(["port_number", "mode", "lane"]).ngroups
    assert lanes == 10  # San Ysidro, Otay Mesa, Tecate lanes in the archive
    scale = Store.open(f"sqlite:///{tmp_path / 'scale.sqlite3'}", crossings=crossings)
    hours = int(7 / 365.25 * 365.25 * 24)
    n = build_scale_store(scale, real, years=7 / 365.25, end="2026-11-01T00:00Z")
    assert n == lanes * hours == scale.count(sources=[SOURCE])
    df = scale.readings(crossing_ids=["ca-san-ysidro"], modes=["passenger"], lanes=["standard"])
    assert set(df["source"]) == {"scale-test"}
    first_real = real[(real["port_number"] == "250401") & (real["mode"] == "passenger")
                      & (real["lane"] == "standard")].reset_index(drop=True)
    # hour k of the lane replays its k-th real reading
    assert df["delay_minutes"].iloc[:24].tolist() == first_real["delay_minutes"].iloc[:24].tolist()
    assert df["source_time"].iloc[0] == pd.Timestamp("2026-11-01T00:00Z") - pd.Timedelta(hours=hours)
    assert "SCALE TEST" in scale.polls()["location"].iloc[0]
    med = heatmap_query(scale)
    assert int(med["n"].sum()) == int(df["delay_minutes"].notna().sum())
    assert len(latest_query(scale)) == lanes
    src.close()
    scale.close()


def test_a_poll_probes_only_its_own_lane_times(history_dir, crossings, tmp_path, shared_data):
    """The dedupe lookup of a poll reads exact (lane, source time) keys through a unique index, never a
    range over a lane's history: on a store with a week of scale history per lane, adding the real 2022 feed
    fetches only rows with the poll's own (lane, source time) keys, and SQLite plans each probe as an index
    SEARCH on all five key columns (so a ten-year store costs a poll what a one-week store does)."""
    import sqlalchemy as sa

    from history.collector import collect_once

    src = Store.open(f"sqlite:///{tmp_path / 'real.sqlite3'}", crossings=crossings)
    import_path(src, history_dir / "cbp_sd_2026-08-25_to_2026-10-11.ndjson.gz", crossings=crossings)
    scale = Store.open(f"sqlite:///{tmp_path / 'scale.sqlite3'}", crossings=crossings)
    build_scale_store(scale, real_lanes(src), years=7 / 365.25, end="2022-06-29T00:00Z")  # the week before
    seen: list[tuple[str, tuple]] = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT") and "FROM readings WHERE" in statement:
            seen.append((statement, parameters))
    sa.event.listen(scale.engine, "before_cursor_execute", spy)
    res = collect_once(scale, crossings=crossings, source=str(shared_data / "cbp" / "bwtnew_2022-06-29.json"))
    sa.event.remove(scale.engine, "before_cursor_execute", spy)
    assert res.error is None and res.rows_added == 178
    assert len(seen) == 1
    statement, params = seen[0]
    with scale.engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
        assert not any(p.startswith("SCAN") for p in plan), plan
        searches = [p for p in plan if p.startswith("SEARCH readings")]
        exact = "(port_number=? AND mode=? AND lane=? AND measure=? AND source_time=?)"
        assert searches and all(exact in p for p in searches), plan  # uq_readings_value or _key
        # run again now: it finds the poll's own 178 rows and not one of the scale history's
        assert len(conn.exec_driver_sql(statement, params).all()) == 178
    src.close()
    scale.close()
