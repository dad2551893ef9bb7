"""Coverage: the share of port-local hours in a window (default the last 28 days) in which a crossing has at
least one reading (any lane; ``measure = reading`` only: SANDAG daily averages are not observations of an
hour). Hours are counted on the source time, in whole hours since the epoch: for every zone of the three
states that is the same as counting the crossing's local clock hours (their offsets are whole hours)."""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from . import tables as t
from .store import Store, epoch_seconds

WINDOW = pd.Timedelta(days=28)


def coverage(store: Store, crossings: pd.DataFrame, *, end=None, window: pd.Timedelta = WINDOW,
             states: tuple[str, ...] = ("TX", "AZ", "CA")) -> pd.DataFrame:
    """One row per crossing of the reference that is in the CBP feed (in ``states``): ``crossing_id,
    port_number, port_name, crossing_name, state, hours_observed, hours_in_window, share, first_reading,
    last_reading`` (readings inside the window). ``end`` defaults to now (UTC), exclusive."""
    end = pd.Timestamp.now(tz="UTC").floor("h") if end is None else pd.Timestamp(end).tz_convert("UTC")
    start = end - window
    s, e = (int(x) for x in epoch_seconds([start, end]))
    r = t.readings.c
    q = (sa.select(r.crossing_id, sa.func.count(sa.distinct(r.source_time // 3600)),
                   sa.func.min(r.source_time), sa.func.max(r.source_time))
         .where(r.measure == "reading", r.source_time >= s, r.source_time < e)
         .group_by(r.crossing_id))
    with store.read() as conn:
        got = {row[0]: row[1:] for row in conn.execute(q)}
    ref = crossings[crossings["in_cbp_feed"].astype(bool) & crossings["state"].isin(states)]
    hours = int(window / pd.Timedelta(hours=1))
    rows = []
    for c in ref.itertuples(index=False):
        n, lo, hi = got.get(c.crossing_id, (0, None, None))
        rows.append({"crossing_id": c.crossing_id, "port_number": c.port_number, "port_name": c.port_name,
                     "crossing_name": c.crossing_name, "state": c.state, "hours_observed": int(n),
                     "hours_in_window": hours, "share": round(int(n) / hours, 4),
                     "first_reading": pd.Timestamp(lo, unit="s", tz="UTC") if lo is not None else pd.NaT,
                     "last_reading": pd.Timestamp(hi, unit="s", tz="UTC") if hi is not None else pd.NaT})
    out = pd.DataFrame(rows)
    out.attrs.update(start=start, end=end)
    return out.sort_values(["state", "crossing_id"]).reset_index(drop=True)
