"""Where a closed crossing's traffic could go: the nearest locations of the same level that count the same
measure, with their straight-line distances, and the share of the lost traffic that appears there.

Neighbours are chosen per measure: locations (BTS ports, or bridges) other than the closed ones that
counted that measure in the trend window, nearest first by great-circle distance between the points of
``data/crossings.csv`` (a port's point is the mean of its crossings'), at most ``n`` within ``max_km``
(the nearest is always kept). Straight-line distance is not road distance: Lukeville's neighbours Sasabe
(~128 km), Nogales (~187 km) and San Luis (~193 km) are all further by road.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .counts import haversine_km
from .expectation import band_halfwidth

N_NEIGHBOURS = 3
MAX_KM = 400.0


def nearest(locs: pd.DataFrame, origin_ids: list[str], candidates: list[str], *, n: int = N_NEIGHBOURS,
            max_km: float = MAX_KM) -> list[tuple[str, float]]:
    """``[(location_id, km), ...]``: the ``n`` candidates nearest to any of ``origin_ids`` (the minimum
    distance to them), within ``max_km`` except the nearest, which is always kept."""
    pts = locs.set_index("location_id")[["lat", "lon"]]
    origins = [pts.loc[o] for o in origin_ids if o in pts.index]
    if not origins:
        return []
    out = []
    for c in candidates:
        if c in origin_ids or c not in pts.index:
            continue
        p = pts.loc[c]
        out.append((c, min(haversine_km(o["lat"], o["lon"], p["lat"], p["lon"]) for o in origins)))
    out.sort(key=lambda t: (t[1], t[0]))
    keep = [t for t in out[:n] if t[1] <= max_km]
    return keep or out[:1]


def share_of_lost(lost_by_lag: dict[int, float], excess_by_lag: dict[int, float],
                  lost: float, excess: float) -> tuple[float, float, float]:
    """Share of the lost traffic seen as excess at neighbours: point ``excess / lost`` and an 80 % band
    from the per-reference-year shares (each reference year is one complete counterfactual).
    NaN when nothing was lost."""
    if not np.isfinite(lost) or lost <= 0:
        return np.nan, np.nan, np.nan
    point = excess / lost
    lags = sorted(set(lost_by_lag) & set(excess_by_lag))
    shares = [excess_by_lag[k] / lost_by_lag[k] for k in lags if lost_by_lag[k] > 0]
    half = band_halfwidth(shares)
    if np.isnan(half):
        return point, np.nan, np.nan
    return point, point - half, point + half
