"""Wait trend: one crossing's readings over time, per mode and lane, with gaps kept as gaps.

A reading without a number (``Update Pending``, ``Lanes Closed``) is a row with NA minutes, and so is a
break inserted wherever two consecutive readings of a lane lie more than :data:`GAP_AFTER` apart: a chart
drawn with ``connectgaps=False`` then never bridges hours nobody observed.
"""
from __future__ import annotations

import pandas as pd

from .readings import lane_label, local, select

#: Consecutive readings of a lane further apart than this are not joined (CBP updates about hourly).
GAP_AFTER = pd.Timedelta(minutes=90)
TABLE_COLUMNS = ["series", "mode", "lane", "source_time", "local_time", "delay_minutes",
                 "operational_status", "lanes_open", "kind"]
#: ``kind``: 'reading' (a number), 'no number' (a reading without minutes), 'gap' (no reading at all).
KINDS = ("reading", "no number", "gap")


def trend_table(readings: pd.DataFrame, *, crossing_id: str, tz: str, lanes: list[tuple[str, str]] | None = None,
                start: pd.Timestamp | None = None, end: pd.Timestamp | None = None,
                gap_after: pd.Timedelta = GAP_AFTER) -> pd.DataFrame:
    """Rows per lane in time order: ``series`` ('Passenger vehicles, Standard'), ``mode``, ``lane``,
    ``source_time`` (UTC), ``local_time`` (the crossing's wall clock, naive, for the axis),
    ``delay_minutes`` (NA for 'no number' and 'gap' rows), ``operational_status``, ``lanes_open``, ``kind``.
    A 'gap' row sits midway between two readings more than ``gap_after`` apart. ``lanes``: (mode, lane)
    pairs to keep, default every lane the crossing has readings for."""
    r = select(readings, crossing_id, start=start, end=end)
    if lanes is not None:
        keep = {tuple(x) for x in lanes}
        r = r[[(m, ln) in keep for m, ln in zip(r["mode"], r["lane"])]]
    parts = []
    for (mode, lane), g in r.groupby(["mode", "lane"], sort=False):
        g = g.sort_values("source_time")
        has_number = g["delay_minutes"].notna() & g["operational_status"].isin(("no delay", "delay"))
        rows = pd.DataFrame({
            "mode": mode, "lane": lane, "source_time": g["source_time"].to_numpy(),
            "delay_minutes": g["delay_minutes"].where(has_number, pd.NA).astype("Int64").to_numpy(),
            "operational_status": g["operational_status"].to_numpy(),
            "lanes_open": g["lanes_open"].astype("Int64").to_numpy(),
            "kind": ["reading" if b else "no number" for b in has_number],
        })
        rows["source_time"] = pd.to_datetime(rows["source_time"], utc=True)
        delta = rows["source_time"].diff()
        gaps = rows.loc[delta > gap_after, "source_time"] - delta[delta > gap_after] / 2
        if len(gaps):
            gap_rows = pd.DataFrame({"mode": mode, "lane": lane, "source_time": gaps.to_numpy(),
                                     "delay_minutes": pd.array([pd.NA] * len(gaps), dtype="Int64"),
                                     "operational_status": pd.NA,
                                     "lanes_open": pd.array([pd.NA] * len(gaps), dtype="Int64"), "kind": "gap"})
            gap_rows["source_time"] = pd.to_datetime(gap_rows["source_time"], utc=True)
            rows = pd.concat([rows, gap_rows], ignore_index=True).sort_values("source_time", kind="stable")
        parts.append(rows)
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in zip(
            TABLE_COLUMNS, ["string", "string", "string", "datetime64[ns, UTC]", "datetime64[ns]", "Int64",
                            "string", "Int64", "string"])})
    out = pd.concat(parts, ignore_index=True)
    mode_rank = {m: i for i, m in enumerate(("passenger", "pedestrian", "commercial"))}
    lane_rank = {m: i for i, m in enumerate(("standard", "sentri", "ready", "fast"))}
    out = out.assign(_m=out["mode"].map(mode_rank).fillna(9), _l=out["lane"].map(lane_rank).fillna(9))
    out = out.sort_values(["_m", "_l", "source_time"], kind="stable").drop(columns=["_m", "_l"])
    out["series"] = [lane_label(m, ln) for m, ln in zip(out["mode"], out["lane"])]
    out["local_time"] = local(out["source_time"], tz).dt.tz_localize(None)
    out["operational_status"] = out["operational_status"].astype("string")
    return out[TABLE_COLUMNS].reset_index(drop=True)


def gap_spans(table: pd.DataFrame, gap_after: pd.Timedelta = GAP_AFTER) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(from, to) UTC of every stretch of more than GAP_AFTER with no reading of any lane in ``table``
    (what the chart shades as 'no readings')."""
    t = table.loc[table["kind"] != "gap", "source_time"].drop_duplicates().sort_values()
    if len(t) < 2:
        return []
    d = t.diff()
    big = d > gap_after
    return [(a - b, a) for a, b in zip(t[big], d[big])]
