"""Fastest nearby now: the crossings within a stated distance of the selected one, with their current
wait in the same mode and lane, fastest first.

Distances are great-circle (haversine) between the points of ``data/crossings.csv``. A crossing is listed
when its status is open or partial and it has a current reading for the mode and lane; crossings without
one are listed after, saying why (closed, no current reading), never with a made-up wait.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: Default search radius, km (San Ysidro to Otay Mesa is ~9 km, to Tecate ~40 km).
DEFAULT_RADIUS_KM = 50.0
EARTH_RADIUS_KM = 6371.0088
TABLE_COLUMNS = ["crossing_id", "crossing", "distance_km", "status", "mode", "lane", "delay_minutes",
                 "lanes_open", "updated_at", "selected", "note"]


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (scalars or arrays)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def distances_from(crossings: pd.DataFrame, crossing_id: str) -> pd.Series:
    """km from ``crossing_id`` to every crossing (indexed by crossing_id). ValueError for an unknown id."""
    c = crossings.set_index("crossing_id")
    if crossing_id not in c.index:
        raise ValueError(f"unknown crossing {crossing_id!r} (see crossing_id in data/crossings.csv)")
    o = c.loc[crossing_id]
    return pd.Series(haversine_km(o["lat"], o["lon"], c["lat"].to_numpy(), c["lon"].to_numpy()), index=c.index)


def nearby_table(crossings: pd.DataFrame, status: pd.DataFrame, waits: pd.DataFrame, *, crossing_id: str,
                 at: pd.Timestamp, mode: str = "passenger", lane: str = "standard",
                 radius_km: float = DEFAULT_RADIUS_KM) -> pd.DataFrame:
    """The selected crossing and every crossing within ``radius_km`` that has ``mode``: TABLE_COLUMNS, the
    ones with a current wait first (fastest first, then nearest), then the others with a ``note``.
    ``status`` is a STATUS_COLUMNS frame at ``at``; ``waits`` a WAITS_COLUMNS frame (live or as of ``at``):
    only readings current at ``at`` count (the status module's freshness rule)."""
    from .status import current_readings
    if not math.isfinite(radius_km) or radius_km <= 0:
        raise ValueError(f"radius must be a positive number of km, not {radius_km}")
    dist = distances_from(crossings, crossing_id)
    ref = crossings.set_index("crossing_id")
    near = [c for c in dist.index if dist[c] <= radius_km and mode in tuple(ref.loc[c, "modes"])]
    st = status.dropna(subset=["crossing_id"]).set_index("crossing_id")
    w = waits
    if len(w):
        w = w[current_readings(w, at).to_numpy() & (w["mode"] == mode).to_numpy() & (w["lane"] == lane).to_numpy()]
    by_port = {str(p): r for p, r in zip(w["port_number"], w.to_dict("records"))}
    rows = []
    for c in near:
        r = ref.loc[c]
        name = r["port_name"] if pd.isna(r["crossing_name"]) else f"{r['port_name']} – {r['crossing_name']}"
        s = str(st.loc[c, "status"]) if c in st.index else "unknown"
        reading = by_port.get(str(r["port_number"])) if not pd.isna(r["port_number"]) else None
        note = ""
        minutes = lanes = updated = pd.NA
        if s == "closed":
            note = "closed"
        elif reading is None or pd.isna(reading["delay_minutes"]):
            note = ("no current reading" if reading is None
                    else f"no number ({reading['operational_status']})")
        else:
            minutes, lanes, updated = reading["delay_minutes"], reading["lanes_open"], reading["updated_at"]
        rows.append({"crossing_id": c, "crossing": name, "distance_km": round(float(dist[c]), 1), "status": s,
                     "mode": mode, "lane": lane, "delay_minutes": minutes, "lanes_open": lanes,
                     "updated_at": updated, "selected": c == crossing_id, "note": note})
    out = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    out["delay_minutes"] = out["delay_minutes"].astype("Int64")
    out["lanes_open"] = out["lanes_open"].astype("Int64")
    out["_has"] = out["delay_minutes"].notna() & out["status"].isin(["open", "partial"])
    out = out.sort_values(["_has", "delay_minutes", "distance_km"], ascending=[False, True, True],
                          na_position="last", kind="stable")
    return out.drop(columns="_has").reset_index(drop=True)
