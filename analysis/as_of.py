"""The map at any time from history: a CBP-feed-shaped waits frame "as of t" built from the readings
nearest before ``t``.

For each crossing x mode x lane the latest reading whose CBP source time is at or before ``t`` is taken
(latest revision). The result has the live feed's columns (loaders/schema.py WAITS_COLUMNS), so the same
status function judges it with the same freshness rules as the live feed: a reading too old at ``t`` is
not current and the crossing is unknown. ``retrieved_at`` is when the reading was collected, but never
later than ``t`` (a reading collected just after ``t`` still describes a time before it).
"""
from __future__ import annotations

import pandas as pd

from loaders.schema import WAITS_COLUMNS, conform

from .readings import latest_revisions

#: Statuses that carry a number; the feed dates only these (garitas 2026-08: 6,713 of 6,713 dated, 0 of 1,088
#: Lanes Closed / Update Pending rows).
NUMBERED = frozenset({"no delay", "delay"})
AS_OF_COLUMNS = ["crossing_id", "port_number", "mode", "lane", "source_time", "collected_at", "age",
                 "operational_status", "delay_minutes", "lanes_open", "port_status", "source"]


def readings_as_of(readings: pd.DataFrame, at: pd.Timestamp, *, crossings: pd.DataFrame | None = None,
                   lookback: pd.Timedelta | None = None) -> pd.DataFrame:
    """The latest reading per crossing x mode x lane with ``source_time <= at`` (and, with ``lookback``,
    not older than ``at - lookback``): AS_OF_COLUMNS plus ``at`` (the instant used), ``age = at -
    source_time``. A naive ``at`` is a wall-clock time at each crossing and needs ``crossings`` (zones)."""
    t = instants(readings["crossing_id"], at, crossings)
    keep = readings["source_time"] <= t
    if lookback is not None:
        keep &= readings["source_time"] >= t - lookback
    r = latest_revisions(readings[keep.to_numpy()])
    r = r.sort_values("source_time", kind="stable").drop_duplicates(["crossing_id", "mode", "lane"], keep="last")
    t = instants(r["crossing_id"], at, crossings)
    out = r.assign(at=t, age=t - r["source_time"])
    return out[AS_OF_COLUMNS + ["at"]].sort_values(["crossing_id", "mode", "lane"]).reset_index(drop=True)


def instants(crossing_ids: pd.Series, at, crossings: pd.DataFrame | None) -> pd.Series:
    """``at`` as a UTC instant per row: a tz-aware ``at`` as it is, a naive one read in each crossing's zone."""
    at = pd.Timestamp(at)
    if at.tzinfo is not None:
        return pd.Series(at.tz_convert("UTC"), index=crossing_ids.index)
    if crossings is None:
        raise ValueError("a wall-clock 'at' (no zone) needs the crossings table to resolve each crossing's zone")
    from .status import resolve_at
    zones = dict(zip(crossings["crossing_id"], crossings["tz"]))
    by_zone = {z: resolve_at(at, z).tz_convert("UTC") for z in set(zones.values())}
    fallback = resolve_at(at, "UTC")
    return pd.Series(pd.to_datetime([by_zone.get(zones.get(c), fallback) for c in crossing_ids], utc=True),
                     index=crossing_ids.index)


def waits_as_of(readings: pd.DataFrame, crossings: pd.DataFrame, at: pd.Timestamp, *,
                lookback: pd.Timedelta | None = None) -> pd.DataFrame:
    """A WAITS_COLUMNS frame as the feed would have read at ``at``, from :func:`readings_as_of`. Crossings
    with no reading are absent (the status function lists them as unknown)."""
    r = readings_as_of(readings, at, crossings=crossings, lookback=lookback)
    ref = crossings.set_index("crossing_id")
    r = r[r["crossing_id"].isin(ref.index)]
    if r.empty:
        return conform(pd.DataFrame({c.name: pd.Series([], dtype="object") for c in WAITS_COLUMNS}),
                       WAITS_COLUMNS, "history as of")
    c = ref.loc[r["crossing_id"]]
    tz = c["tz"].astype(str).to_numpy()
    src = pd.to_datetime(r["source_time"], utc=True)
    local = [t.tz_convert(z) for t, z in zip(src, tz)]
    # CBP never dates a flag (Lanes Closed / Update Pending): the store gave it the crossing's newest update
    # time, else the feed time (history.schema). Handed on undated, the status rules date it as they date
    # the live feed's: by the crossing's dated readings, and never when it has none.
    dated = r["operational_status"].isin(tuple(NUMBERED)).fillna(False).to_numpy()
    upd_utc = src.where(dated, pd.NaT)
    upd_local = [t if d else pd.NaT for t, d in zip(local, dated)]
    collected = pd.to_datetime(r["collected_at"], utc=True)
    retrieved = collected.where(collected <= r["at"], r["at"])
    # port_status is one fact per port, as in a feed payload: lanes carried forward from an older state (a
    # change log) can keep a stale 'Closed'. Take the port's newest reading, a lane with a number first.
    has_num = r["operational_status"].isin(("no delay", "delay")) & r["delay_minutes"].notna()
    newest = (r.assign(_n=has_num.astype(int)).sort_values(["source_time", "_n", "collected_at"], kind="stable")
              .drop_duplicates("port_number", keep="last").set_index("port_number")["port_status"])
    port_status = r["port_number"].map(newest).astype("string")
    frame = pd.DataFrame({
        "port_number": r["port_number"].astype(str).to_numpy(), "border": "Mexican Border",
        "port_name": c["port_name"].to_numpy(), "crossing_name": c["crossing_name"].to_numpy(),
        "state": c["state"].to_numpy(), "tz": tz, "hours": pd.NA, "construction_notice": pd.NA,
        "port_status": port_status.fillna("Open").to_numpy(),
        "mode": r["mode"].to_numpy(), "lane": r["lane"].to_numpy(),
        "operational_status": r["operational_status"].to_numpy(),
        "delay_minutes": r["delay_minutes"].astype("Int64").to_numpy(),
        "lanes_open": r["lanes_open"].astype("Int64").to_numpy(),
        "max_lanes": pd.array([pd.NA] * len(r), dtype="Int64"),
        "updated_at": upd_local, "updated_at_utc": upd_utc.to_numpy(), "feed_time": local,
        "retrieved_at": retrieved.to_numpy(), "feed_instant": retrieved.to_numpy(),
        "stale_reading": (port_status == "Closed").fillna(False).to_numpy(),
    })
    frame["updated_at_utc"] = pd.to_datetime(frame["updated_at_utc"], utc=True)
    frame["retrieved_at"] = pd.to_datetime(frame["retrieved_at"], utc=True)
    frame["feed_instant"] = pd.to_datetime(frame["feed_instant"], utc=True)
    return conform(frame, WAITS_COLUMNS, "history as of")


def as_of_summary(asof: pd.DataFrame, usable: pd.Timedelta | None = None) -> dict[str, int]:
    """Counts for the page's sentence: crossings with a reading, and with one no older than ``usable``
    (default: the status rules' USABLE_FOR)."""
    if usable is None:
        from .status import USABLE_FOR as usable
    per = asof.groupby("crossing_id")["age"].min()
    return {"crossings_with_reading": int(len(per)), "crossings_recent": int((per <= usable).sum())}
