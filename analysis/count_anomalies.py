"""Crossing-months whose count falls far below the seasonal expectation, with no event to explain them:
candidates for curation in the years before any wait-time history exists (BTS counts run from 1996).

Each month of each series is compared with the expectation of :mod:`analysis.expectation` computed as if
that month were an event month (trend from the 12 months before it, same months of the first 4 usable
prior years). A month is **far below** when all of these hold:

* the count is under the 80 % band's low end,
* it is at least ``min_drop`` (default 30 %) under the expectation,
* the expectation is at least ``min_expected`` (default 500 a month: tiny counts swing by chance).

Consecutive far-below months form one record. Months of March 2020 - November 2021 (the land-border
restrictions) are never flagged. A record with an event of the registry at that place and mode in those
months is ``recorded`` (the event explains it); otherwise it is a ``candidate`` with a pre-filled
``data/events.csv`` line for the curator (kind ``other``: counts cannot tell a closure from other causes).
"""
from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from .counts import measure_mode
from .expectation import (EL_PASO_SPLIT, MIN_PAIRS, N_YEARS, SPLIT_PORTS, TREND_MONTHS, _T90, MAX_LAG,
                          pandemic_months)
from .impact import disruption_months, event_crossings, event_modes, event_months
from .reconcile import EVENT_FILE_COLUMNS

PRIMARY_MEASURES = ("Personal Vehicles", "Pedestrians", "Trucks", "Trains")
MIN_DROP = 0.30
MIN_EXPECTED = 500
ANOMALY_COLUMNS = ["status", "location_id", "location", "level", "measure", "unit", "first_month", "last_month",
                   "months", "observed", "expected", "low", "high", "drop_pct", "event_ids", "events_line"]


def monthly_expectation(values: np.ndarray, months: pd.DatetimeIndex, bad: np.ndarray, *,
                        split: bool = False, n_years: int = N_YEARS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised :mod:`analysis.expectation` for every month of one series on a full monthly grid:
    ``(expected, low, high)`` arrays (NaN where fewer than 2 reference years are usable)."""
    T = len(values)
    v = np.asarray(values, dtype=float)
    valid = ~np.isnan(v) & ~bad
    after_split = np.asarray(months >= EL_PASO_SPLIT) if split else np.zeros(T, bool)
    ests, oks = [], []
    vz = np.where(np.isnan(v), 0.0, v)
    for k in range(1, MAX_LAG + 1):
        L = 12 * k
        pair = np.zeros(T, bool)
        pair[L:] = valid[L:] & valid[:-L] & (after_split[L:] == after_split[:-L])
        now = np.zeros(T)
        past = np.zeros(T)
        n = np.zeros(T)
        a = np.where(pair, vz, 0.0)
        b = np.zeros(T)
        b[L:] = np.where(pair[L:], vz[:-L], 0.0)
        ca, cb, cn = (np.concatenate([[0.0], np.cumsum(x)]) for x in (a, b, pair.astype(float)))
        idx = np.arange(T)
        lo = np.clip(idx - TREND_MONTHS, 0, None)
        now, past, n = ca[idx] - ca[lo], cb[idx] - cb[lo], cn[idx] - cn[lo]
        ratio = np.where((n >= MIN_PAIRS) & (past > 0), now / np.where(past > 0, past, 1), np.nan)
        ref = np.full(T, np.nan)
        ref[L:] = np.where(valid[:-L] & (after_split[L:] == after_split[:-L]), v[:-L], np.nan)
        est = ref * ratio
        ests.append(est)
        oks.append(~np.isnan(est))
    E = np.vstack(ests)
    OK = np.vstack(oks)
    use = OK & (np.cumsum(OK, axis=0) <= n_years)
    cnt = use.sum(axis=0)
    Ez = np.where(use, E, 0.0)
    mean = np.where(cnt > 0, Ez.sum(axis=0) / np.maximum(cnt, 1), np.nan)
    dev = np.where(use, (E - mean) ** 2, 0.0).sum(axis=0)
    sd = np.sqrt(dev / np.maximum(cnt - 1, 1))
    t = np.array([_T90.get(min(max(int(c) - 1, 1), 10), np.nan) for c in cnt])
    half = t * sd * np.sqrt(1 + 1 / np.maximum(cnt, 1))
    half = np.where(cnt >= 2, half, np.nan)
    mean = np.where(cnt >= 2, mean, np.nan)
    return mean, np.maximum(mean - half, 0), mean + half


def count_anomalies(counts: pd.DataFrame, events: pd.DataFrame, crossings: pd.DataFrame, *,
                    measures=PRIMARY_MEASURES, since: str | None = None, min_drop: float = MIN_DROP,
                    min_expected: float = MIN_EXPECTED) -> pd.DataFrame:
    """Far-below-expectation runs of months (``ANOMALY_COLUMNS``), candidates first, newest first."""
    c = counts[counts["measure"].isin(measures)] if measures else counts
    disrupted = disruption_months(events, crossings)
    covering = _event_months_any(events, crossings)
    pandemic = pandemic_months()
    port_keys: dict[tuple[str, str | None], tuple[list[str], str]] = {}
    rows = []
    for (lid, measure), g in c.groupby(["location_id", "measure"], sort=True):
        g = g.sort_values("month")
        months = pd.date_range(g["month"].min(), g["month"].max(), freq="MS")
        s = g.set_index("month")["value"].reindex(months)
        values = s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        mode = measure_mode(measure)
        dis = disrupted.get((lid, mode), {})
        bad = np.array([(m in pandemic) or (m in dis) for m in months])
        exp, lo, hi = monthly_expectation(values, months, bad, split=lid in SPLIT_PORTS and mode != "rail")
        flag = (~np.isnan(values) & ~np.isnan(lo) & (values < lo) & (values <= (1 - min_drop) * exp)
                & (exp >= min_expected) & ~np.array([m in pandemic for m in months]))
        if since:
            flag &= np.asarray(months >= pd.Timestamp(since))
        i = 0
        while i < len(flag):
            if not flag[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(flag) and flag[j + 1]:
                j += 1
            run = months[i:j + 1]
            ev = sorted({e for m in run for e in covering.get((lid, mode), {}).get(m, [])})
            obs, e_, l_, h_ = (float(np.nansum(x[i:j + 1])) for x in (values, exp, lo, hi))
            rec = {"status": "recorded" if ev else "candidate", "location_id": lid,
                   "location": str(g["location"].iloc[-1]), "level": str(g["level"].iloc[0]), "measure": measure,
                   "unit": str(g["unit"].iloc[0]), "first_month": run[0], "last_month": run[-1], "months": len(run),
                   "observed": int(round(obs)), "expected": int(round(e_)), "low": int(round(l_)),
                   "high": int(round(h_)), "drop_pct": round(100 * (1 - obs / e_), 1) if e_ else np.nan,
                   "event_ids": ";".join(ev), "events_line": ""}
            if not ev:
                rec["events_line"] = _candidate_line(rec, mode, crossings, port_keys)
            rows.append(rec)
            i = j + 1
    out = pd.DataFrame(rows, columns=ANOMALY_COLUMNS)
    if out.empty:
        return out
    out["_o"] = out["status"].map({"candidate": 0, "recorded": 1})
    return out.sort_values(["_o", "first_month"], ascending=[True, False]).drop(columns="_o").reset_index(drop=True)


def _event_months_any(events: pd.DataFrame, crossings: pd.DataFrame) -> dict:
    """Like :func:`analysis.impact.disruption_months` but for every kind of event (policy included)."""
    out: dict = {}
    for e in events[events["kind"] != "reopening"].to_dict("records"):
        ec = event_crossings(e, crossings)
        locs = {f"port:{c}" for c in ec["bts_port_code"]} | {f"bridge:{c}" for c in ec["crossing_id"]}
        for mode in event_modes(e, ec):
            for loc in locs:
                d = out.setdefault((loc, mode), {})
                for m in event_months(e, pd.Timestamp.now().normalize().replace(day=1)):
                    d.setdefault(m, []).append(e["id"])
    return out


def _candidate_line(rec: dict, mode: str | None, crossings: pd.DataFrame, cache: dict | None = None) -> str:
    lid = rec["location_id"]
    kind_, key = lid.split(":", 1)
    cache = {} if cache is None else cache
    if (lid, mode) not in cache:
        if kind_ == "port":
            cs = crossings[(crossings["bts_port_code"] == key) & crossings["modes"].map(lambda ms: mode in ms)]
        else:
            cs = crossings[crossings["crossing_id"] == key]
        cache[(lid, mode)] = ([str(p) if not pd.isna(p) else c for p, c in zip(cs["port_number"], cs["crossing_id"])],
                              str(cs["state"].iloc[0]) if len(cs) else "")
    keys, state = cache[(lid, mode)]
    end = rec["last_month"] + pd.offsets.MonthBegin(1)
    slug = lid.replace(":", "-").replace("_", "-")
    row = {"id": f"{rec['first_month']:%Y-%m}-{slug}-{rec['measure'].lower().replace(' ', '-')}-drop-candidate",
           "title": f"{rec['location']}: {rec['measure']} {rec['drop_pct']:.0f}% below expectation (detected in counts, unverified)",
           "kind": "other", "crossings": ";".join(keys), "state": state, "modes": mode or "all",
           "direction": "northbound", "start": f"{rec['first_month']:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}",
           "summary": f"CANDIDATE from monthly counts: {rec['observed']:,} {rec['unit']} observed vs {rec['expected']:,} "
                      f"expected (80% band {rec['low']:,}-{rec['high']:,}) over {rec['months']} month(s). Monthly "
                      "counts cannot say what happened or on which days: find the cause and its https source.",
           "source_urls": "", "confidence": "low"}
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([row[c] for c in EVENT_FILE_COLUMNS])
    return buf.getvalue()
