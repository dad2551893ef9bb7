"""Seasonal expectation of a monthly count: what the month would have held without the event.

Method ("same months of prior years, scaled by the recent trend"; a seasonal-naive forecast with a level
adjustment, one estimate per reference year):

* The **trend window** is the 12 months before the event's first month, minus months that an event at
  this location touches (``exclude``) and the pandemic months.
* For a lag of ``k`` years, the trend ratio is ``r_k = sum(window) / sum(window shifted back k years)``
  over the month pairs where both counts exist and neither month is excluded (at least
  :data:`MIN_PAIRS` pairs).
* The estimate for target month ``m`` from reference year ``k`` is ``count(m - k years) * r_k``.
  The first :data:`N_YEARS` usable lags (searching back :data:`MAX_LAG` years) give ``N`` estimates.
* **Expected** = their mean; the **band** is an 80 % prediction interval from their spread,
  ``mean +/- t(0.90, N-1) * sd * sqrt(1 + 1/N)`` (clipped at 0): the year-to-year variation of the
  seasonal pattern is the uncertainty, which is what a reader needs to judge whether a deficit is real.

Why this and not a fitted model: a closure month is compared with the same month of ordinary years, the
comparison is reproducible by hand from the raw file (tests do it), and it needs no fitted parameters that
the 2020-21 pandemic break would distort. Months from March 2020 to November 2021 (U.S. land-border
restrictions on non-essential travel, 21 Mar 2020 - 8 Nov 2021) are never used as reference or trend.
Limits: monthly grain (a 4-day suspension is ~13 % of a month, often inside the band); other causes in the
same month (holidays moving, exchange rates, other closures) are not modelled.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

N_YEARS = 4
MAX_LAG = 10
MIN_PAIRS = 6
TREND_MONTHS = 12
LEVEL = 0.80
#: Months never used as reference or trend: the land-border restrictions of 2020-21.
PANDEMIC = (pd.Timestamp("2020-03-01"), pd.Timestamp("2021-11-01"))
#: BTS counts Ysleta (2401) inside El Paso (2402) before this month: never pair months across it there.
EL_PASO_SPLIT = pd.Timestamp("2020-03-01")
SPLIT_PORTS = {"port:2401", "port:2402"}

#: Student t quantile t(0.90, df) for df = 1..10 (80 % two-sided), from the t table.
_T90 = {1: 3.078, 2: 1.886, 3: 1.638, 4: 1.533, 5: 1.476, 6: 1.440, 7: 1.415, 8: 1.397, 9: 1.383, 10: 1.372}


def pandemic_months() -> set[pd.Timestamp]:
    return set(pd.date_range(PANDEMIC[0], PANDEMIC[1], freq="MS"))


def shift_years(month: pd.Timestamp, k: int) -> pd.Timestamp:
    return pd.Timestamp(year=month.year - k, month=month.month, day=1)


def band_halfwidth(values: Sequence[float]) -> float:
    """Half-width of the 80 % prediction interval from ``values`` (NaN with fewer than 2)."""
    v = np.asarray(values, dtype=float)
    n = len(v)
    if n < 2:
        return float("nan")
    return _T90[min(n - 1, 10)] * float(np.std(v, ddof=1)) * float(np.sqrt(1 + 1 / n))


def trend_ratios(series: pd.Series, window: Iterable[pd.Timestamp], *, exclude: Iterable[pd.Timestamp] = (),
                 location_id: str | None = None, max_lag: int = MAX_LAG) -> dict[int, float]:
    """``{k: r_k}`` for every usable lag ``k`` (1..max_lag). ``series``: counts indexed by month (NA =
    no count). A lag is usable when at least :data:`MIN_PAIRS` window months pair with a count k years
    earlier, neither month excluded, and the earlier sum is > 0."""
    bad = set(exclude) | pandemic_months()
    window = [m for m in window if m not in bad]
    out: dict[int, float] = {}
    for k in range(1, max_lag + 1):
        now = past = 0.0
        pairs = 0
        for m in window:
            p = shift_years(m, k)
            if p in bad or not _same_side(m, p, location_id):
                continue
            a, b = series.get(m), series.get(p)
            if a is None or b is None or pd.isna(a) or pd.isna(b):
                continue
            now += float(a)
            past += float(b)
            pairs += 1
        if pairs >= MIN_PAIRS and past > 0:
            out[k] = now / past
    return out


def _same_side(m: pd.Timestamp, p: pd.Timestamp, location_id: str | None) -> bool:
    if location_id not in SPLIT_PORTS:
        return True
    return (m >= EL_PASO_SPLIT) == (p >= EL_PASO_SPLIT)


def expected_months(series: pd.Series, months: Sequence[pd.Timestamp], ratios: dict[int, float], *,
                    exclude: Iterable[pd.Timestamp] = (), location_id: str | None = None,
                    n_years: int = N_YEARS) -> pd.DataFrame:
    """For each target month: ``month, expected, low, high, n_years, reference_years`` and the per-lag
    estimates in ``estimates`` (a ``{k: value}`` dict, used for totals). Reference months must hold a
    count and not be excluded; the first ``n_years`` usable lags in ``ratios`` are used."""
    bad = set(exclude) | pandemic_months()
    rows = []
    for m in months:
        est: dict[int, float] = {}
        for k in sorted(ratios):
            p = shift_years(m, k)
            if p in bad or not _same_side(m, p, location_id):
                continue
            v = series.get(p)
            if v is None or pd.isna(v):
                continue
            est[k] = float(v) * ratios[k]
            if len(est) == n_years:
                break
        rows.append(_summarise(m, est))
    return pd.DataFrame(rows, columns=["month", "expected", "low", "high", "n_years", "reference_years", "estimates"])


def _summarise(month, est: dict[int, float]) -> dict:
    vals = list(est.values())
    if not vals:
        return {"month": month, "expected": np.nan, "low": np.nan, "high": np.nan, "n_years": 0,
                "reference_years": "", "estimates": {}}
    mean = float(np.mean(vals))
    half = band_halfwidth(vals)
    years = ";".join(str(month.year - k) for k in est) if isinstance(month, pd.Timestamp) else ""
    return {"month": month, "expected": mean, "low": max(mean - half, 0.0) if not np.isnan(half) else np.nan,
            "high": mean + half if not np.isnan(half) else np.nan, "n_years": len(vals),
            "reference_years": years, "estimates": est}


def total_with_band(estimates: Sequence[dict[int, float]]) -> tuple[float, float, float, list[int]]:
    """Sum over months of per-lag estimates: ``(expected, low, high, lags)`` over the lags every month
    has (each lag is one complete counterfactual); NaN band with fewer than 2 common lags."""
    if not estimates:
        return np.nan, np.nan, np.nan, []
    common = set(estimates[0])
    for e in estimates[1:]:
        common &= set(e)
    lags = sorted(common)
    if not lags:
        return np.nan, np.nan, np.nan, []
    totals = [sum(e[k] for e in estimates) for k in lags]
    mean = float(np.mean(totals))
    half = band_halfwidth(totals)
    if np.isnan(half):
        return mean, np.nan, np.nan, lags
    return mean, max(mean - half, 0.0), mean + half, lags
