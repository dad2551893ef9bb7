"""What SENTRI/NEXUS or Ready Lane saves over the standard lane, per crossing and port-local hour.

Only **paired** readings count: the standard and the faster lane of the same crossing and mode at the
same CBP source time, both with a number. ``saved_minutes = standard - faster`` (negative when the
faster lane was slower, kept as it is). Nothing is compared across different update times.
"""
from __future__ import annotations

import pandas as pd

from .readings import local, numeric, select

FAST_LANES = ("sentri", "ready")
PAIR_COLUMNS = ["crossing_id", "mode", "lane", "source_time", "local_hour", "standard_minutes",
                "lane_minutes", "saved_minutes"]
TABLE_COLUMNS = ["mode", "lane", "hour", "n_pairs", "median_saved_minutes", "median_standard_minutes",
                 "median_lane_minutes", "shown"]
#: An hour needs this many pairs to show a median saving.
MIN_PAIRS = 3


def savings_pairs(readings: pd.DataFrame, *, crossing_id: str, tz: str, mode: str = "passenger",
                  start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Every (standard, faster lane) pair at the same source time: PAIR_COLUMNS, in time order."""
    r = numeric(select(readings, crossing_id, mode, start=start, end=end))
    std = r[r["lane"] == "standard"][["source_time", "delay_minutes"]].rename(
        columns={"delay_minutes": "standard_minutes"})
    fast = r[r["lane"].isin(FAST_LANES)][["lane", "source_time", "delay_minutes"]].rename(
        columns={"delay_minutes": "lane_minutes"})
    p = fast.merge(std, on="source_time", how="inner")
    p = p.assign(crossing_id=crossing_id, mode=mode,
                 saved_minutes=(p["standard_minutes"] - p["lane_minutes"]).astype("Int64"),
                 local_hour=local(p["source_time"], tz).dt.hour.astype("int64"))
    return p.sort_values(["source_time", "lane"], kind="stable")[PAIR_COLUMNS].reset_index(drop=True)


def savings_table(pairs: pd.DataFrame, min_pairs: int = MIN_PAIRS) -> pd.DataFrame:
    """Per faster lane and local hour (0-23, every hour listed): pairs behind it and the medians of the
    saving, of the standard wait and of the lane's wait; medians NA (``shown`` False) below ``min_pairs``."""
    rows = []
    mode = pairs["mode"].iloc[0] if len(pairs) else "passenger"
    for lane in [ln for ln in FAST_LANES if ln in set(pairs["lane"])]:
        g = pairs[pairs["lane"] == lane].groupby("local_hour")
        med = g[["saved_minutes", "standard_minutes", "lane_minutes"]].median()
        n = g.size()
        for h in range(24):
            k = int(n.get(h, 0))
            shown = k >= min_pairs
            rows.append({"mode": mode, "lane": lane, "hour": h, "n_pairs": k,
                         "median_saved_minutes": med.loc[h, "saved_minutes"] if shown else pd.NA,
                         "median_standard_minutes": med.loc[h, "standard_minutes"] if shown else pd.NA,
                         "median_lane_minutes": med.loc[h, "lane_minutes"] if shown else pd.NA,
                         "shown": shown})
    out = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    for c in ("median_saved_minutes", "median_standard_minutes", "median_lane_minutes"):
        out[c] = out[c].astype("Float64")
    return out


def overall_saving(pairs: pd.DataFrame) -> dict[str, dict]:
    """``{lane: {"n_pairs", "median_saved_minutes"}}`` over every pair of each faster lane."""
    out = {}
    for lane, g in pairs.groupby("lane"):
        out[str(lane)] = {"n_pairs": len(g), "median_saved_minutes": float(g["saved_minutes"].median())}
    return out
