""""When should I cross?": median wait per port-local weekday x hour for one crossing and lane.

Each cell is the median of the readings whose CBP source time falls in that local weekday and hour (the
latest revision of each, numbers only: ``Update Pending`` / ``Lanes Closed`` are not zero). Cells with
fewer than :data:`MIN_READINGS` readings are left blank (``median_minutes`` NA, ``shown`` False) and never
filled from neighbours. Hours are the crossing's wall clock (its IANA zone, DST included).
"""
from __future__ import annotations

import pandas as pd

from .readings import WEEKDAYS, local, numeric, select

#: A cell needs at least this many readings to show a median (fewer: blank, with the count kept).
MIN_READINGS = 3
TABLE_COLUMNS = ["weekday", "weekday_name", "hour", "median_minutes", "n_readings", "shown",
                 "min_minutes", "max_minutes", "first_reading", "last_reading"]


def best_time_table(readings: pd.DataFrame, *, crossing_id: str, mode: str, lane: str, tz: str,
                    start: pd.Timestamp | None = None, end: pd.Timestamp | None = None,
                    min_readings: int = MIN_READINGS) -> pd.DataFrame:
    """All 7 x 24 cells, Monday 00:00 first: ``weekday`` (0 = Monday), ``weekday_name``, ``hour`` (local),
    ``median_minutes`` (Float64, NA when blank), ``n_readings`` (readings behind the cell, also when
    blank), ``shown``, ``min_minutes``/``max_minutes`` (of the shown cells), ``first_reading``/
    ``last_reading`` (UTC source times behind the cell)."""
    if min_readings < 1:
        raise ValueError(f"min_readings must be at least 1, not {min_readings}")
    r = numeric(select(readings, crossing_id, mode, lane, start, end))
    t = local(r["source_time"], tz)
    d = pd.DataFrame({"weekday": t.dt.day_of_week.to_numpy(), "hour": t.dt.hour.to_numpy(),
                      "v": r["delay_minutes"].astype("float64").to_numpy(),
                      "st": r["source_time"].to_numpy()})
    g = d.groupby(["weekday", "hour"])
    agg = pd.DataFrame({"median_minutes": g["v"].median(), "n_readings": g["v"].size(),
                        "min_minutes": g["v"].min(), "max_minutes": g["v"].max(),
                        "first_reading": g["st"].min(), "last_reading": g["st"].max()})
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    out = agg.reindex(grid).reset_index()
    out["n_readings"] = out["n_readings"].fillna(0).astype("int64")
    out["shown"] = out["n_readings"] >= min_readings
    for c in ("median_minutes", "min_minutes", "max_minutes"):
        out[c] = out[c].astype("Float64").where(out["shown"], pd.NA)
    for c in ("first_reading", "last_reading"):
        out[c] = pd.to_datetime(out[c], utc=True)
    out["weekday_name"] = out["weekday"].map(dict(enumerate(WEEKDAYS)))
    return out[TABLE_COLUMNS]


def best_cells(table: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` shown cells with the lowest median (ties: fewer minutes first, then earlier in the week)."""
    s = table[table["shown"]]
    return s.sort_values(["median_minutes", "weekday", "hour"], kind="stable").head(n).reset_index(drop=True)


def coverage_note(table: pd.DataFrame, min_readings: int = MIN_READINGS) -> str:
    """'112 of 168 hours shown; 56 have fewer than 3 readings (blank)'."""
    shown = int(table["shown"].sum())
    blank = len(table) - shown
    return (f"{shown} of {len(table)} weekday-hours shown; {blank} have fewer than {min_readings} "
            f"readings (blank, not estimated)")
