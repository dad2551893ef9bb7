"""Data-quality card per crossing: how much of the time we observed it, how often CBP had no number,
how old readings were when collected, values stuck for hours, readings that cannot be right, and how the
numbers were measured where that is known.

Rules (each stated on the card):

* **coverage** — share of the port-local clock hours between the first and the last reading (or the given
  window) with at least one reading of any lane;
* **Update Pending** — share of readings whose operational_status is ``Update Pending``;
* **age** — median of ``collected_at - source_time`` (how late we saw CBP's update);
* **flat run** — a lane repeating exactly the same ``delay`` number for at least
  :data:`FLAT_RUN_MIN_READINGS` consecutive readings (none more than 90 min apart) spanning at least
  :data:`FLAT_RUN_MIN_HOURS` hours (a stuck estimate or feed; 'no delay' at night is normal, not counted);
* **outlier** — a reading more than :data:`OUTLIER_Z` robust standard deviations (1.4826 x MAD, at least
  :data:`OUTLIER_SCALE_FLOOR` minutes) above its lane's median, or above :data:`IMPLAUSIBLE_MINUTES`. Kept
  in the data, flagged, never silently dropped.
"""
from __future__ import annotations

import pandas as pd

from .readings import lane_label, latest_revisions, local, numeric
from .wait_trend import GAP_AFTER

FLAT_RUN_MIN_READINGS = 4
FLAT_RUN_MIN_HOURS = 6.0
OUTLIER_Z = 8.0
OUTLIER_SCALE_FLOOR = 15.0
IMPLAUSIBLE_MINUTES = 720

#: How each source measured what it relays (shown on the card; "not published" when nobody says).
#: Keys are history.schema.SOURCES labels (matched as substrings, so 'cbp-sd-archive' finds 'cbp').
_CBP_METHOD = ("CBP's own per-lane estimate from the Border Wait Times feed, updated about hourly "
               "(CBP does not publish how each port measures it)")
SOURCE_METHODS = {
    "collector": _CBP_METHOD + "; polled by borderwatch collect",
    "cbp-sd-archive": _CBP_METHOD + "; archived by a third party (XML feed)",
    "garitas": _CBP_METHOD + "; third-party change log, carried forward between changes",
    "rss": "CBP's per-port RSS feed (the same CBP estimates as the wait-time feed)",
    "sandag": "SANDAG daily average of CBP readings (one value per day, not a reading)",
    "cbp": _CBP_METHOD,
}

CARD_COLUMNS = ["crossing_id", "first_reading", "last_reading", "n_readings", "hours_in_window",
                "hours_observed", "coverage", "share_update_pending", "median_age_minutes",
                "flat_runs", "longest_flat_run_hours", "outliers", "sources", "method"]
OUTLIER_COLUMNS = ["crossing_id", "mode", "lane", "series", "source_time", "delay_minutes", "lane_median",
                   "robust_z", "reason"]
FLAT_COLUMNS = ["crossing_id", "mode", "lane", "series", "start", "end", "hours", "n_readings", "delay_minutes"]


def method_for(source: str) -> str:
    s = str(source).lower()
    for key, text in SOURCE_METHODS.items():
        if key in s:
            return text
    return "not published"


def outliers(readings: pd.DataFrame, *, z: float = OUTLIER_Z, scale_floor: float = OUTLIER_SCALE_FLOOR,
             implausible: float = IMPLAUSIBLE_MINUTES) -> pd.DataFrame:
    """Every outlier reading (OUTLIER_COLUMNS) among the numeric, latest-revision readings."""
    r = numeric(latest_revisions(readings))
    rows = []
    for (cid, mode, lane), g in r.groupby(["crossing_id", "mode", "lane"], sort=True):
        v = g["delay_minutes"].astype("float64")
        med = float(v.median())
        scale = max(1.4826 * float((v - med).abs().median()), scale_floor)
        rz = (v - med) / scale
        hit = (rz > z) | (v > implausible)
        for i in g.index[hit.to_numpy()]:
            why = []
            if v[i] > implausible:
                why.append(f"over {implausible:g} min")
            if rz[i] > z:
                why.append(f"{rz[i]:.0f} robust SD above the lane median")
            rows.append({"crossing_id": cid, "mode": mode, "lane": lane, "series": lane_label(mode, lane),
                         "source_time": g.at[i, "source_time"], "delay_minutes": int(v[i]), "lane_median": med,
                         "robust_z": round(float(rz[i]), 1), "reason": "; ".join(why)})
    out = pd.DataFrame(rows, columns=OUTLIER_COLUMNS)
    out["source_time"] = pd.to_datetime(out["source_time"], utc=True)
    return out


def flat_runs(readings: pd.DataFrame, *, min_readings: int = FLAT_RUN_MIN_READINGS,
              min_hours: float = FLAT_RUN_MIN_HOURS, max_step: pd.Timedelta = GAP_AFTER) -> pd.DataFrame:
    """Runs of one lane repeating the same 'delay' number (FLAT_COLUMNS) in consecutive readings no more
    than ``max_step`` apart. A reading without a number, a 'no delay' reading or a gap ends a run."""
    r = latest_revisions(readings)
    rows = []
    for (cid, mode, lane), g in r.groupby(["crossing_id", "mode", "lane"], sort=True):
        g = g.sort_values("source_time")
        ok = (g["operational_status"].eq("delay") & g["delay_minutes"].notna()).to_numpy(bool)
        v = g["delay_minutes"].astype("float64").to_numpy()
        far = (g["source_time"].diff() > max_step).to_numpy(bool)
        # a new run starts at each change of value, after every reading that is not a 'delay' number and
        # after a stretch with no reading (an unobserved gap is not evidence of a stuck value)
        run_id, prev, rid = [], None, 0
        for has, x, jump in zip(ok, v, far):
            if not has or prev is None or x != prev or jump:
                rid += 1
            run_id.append(rid)
            prev = x if has else None
        run_id = pd.Series(run_id, index=g.index)
        for _, run in g[ok].groupby(run_id[ok]):
            hours = (run["source_time"].max() - run["source_time"].min()).total_seconds() / 3600
            if len(run) >= min_readings and hours >= min_hours:
                rows.append({"crossing_id": cid, "mode": mode, "lane": lane, "series": lane_label(mode, lane),
                             "start": run["source_time"].min(), "end": run["source_time"].max(),
                             "hours": round(hours, 1), "n_readings": len(run),
                             "delay_minutes": int(run["delay_minutes"].iloc[0])})
    out = pd.DataFrame(rows, columns=FLAT_COLUMNS)
    for c in ("start", "end"):
        out[c] = pd.to_datetime(out[c], utc=True)
    return out


def quality_card(readings: pd.DataFrame, *, crossing_id: str, tz: str, start: pd.Timestamp | None = None,
                 end: pd.Timestamp | None = None) -> dict:
    """The card for one crossing as a dict (CARD_COLUMNS keys, plus ``outlier_rows`` and ``flat_rows``
    frames). Times are UTC; ``coverage`` and ``share_update_pending`` are fractions 0-1 (None without
    readings)."""
    r = latest_revisions(readings[readings["crossing_id"] == crossing_id])
    if start is not None:
        r = r[r["source_time"] >= pd.Timestamp(start)]
    if end is not None:
        r = r[r["source_time"] < pd.Timestamp(end)]
    card = {k: None for k in CARD_COLUMNS}
    card.update(crossing_id=crossing_id, n_readings=int(len(r)), flat_runs=0, outliers=0, sources=(),
                outlier_rows=outliers(r.iloc[:0]), flat_rows=flat_runs(r.iloc[:0]), method="not published")
    if r.empty:
        return card
    t = local(r["source_time"], tz)
    lo = pd.Timestamp(start).tz_convert(tz) if start is not None else t.min()
    hi = pd.Timestamp(end).tz_convert(tz) if end is not None else t.max()
    # Count local clock hours as elapsed hours (a DST change shifts the wall clock, not the count).
    hours = int((hi.floor("h") - lo.floor("h")).total_seconds() // 3600) + (0 if end is not None else 1)
    observed = int(t.dt.floor("h").nunique())
    age = (r["collected_at"] - r["source_time"]).dt.total_seconds() / 60
    out_rows, flat_rows = outliers(r), flat_runs(r)
    sources = tuple(sorted(set(r["source"].dropna().astype(str))))
    card.update(
        first_reading=r["source_time"].min(), last_reading=r["source_time"].max(),
        hours_in_window=max(hours, 1), hours_observed=observed, coverage=min(observed / max(hours, 1), 1.0),
        share_update_pending=float((r["operational_status"] == "Update Pending").mean()),
        median_age_minutes=float(age.median()) if age.notna().any() else None,
        flat_runs=int(len(flat_rows)),
        longest_flat_run_hours=float(flat_rows["hours"].max()) if len(flat_rows) else None,
        outliers=int(len(out_rows)), sources=sources,
        method="; ".join(dict.fromkeys(method_for(s) for s in sources)),
        outlier_rows=out_rows, flat_rows=flat_rows)
    return card


def quality_table(card: dict) -> pd.DataFrame:
    """The card as (measure, value, rule) rows for the page table and CSV."""
    def pct(x):
        return "" if x is None else f"{100 * x:.0f}%"

    rows = [
        ("readings", card["n_readings"], "latest revision of each lane reading"),
        ("first reading (UTC)", card["first_reading"], ""),
        ("last reading (UTC)", card["last_reading"], ""),
        ("coverage", pct(card["coverage"]),
         f"{card['hours_observed'] or 0} of {card['hours_in_window'] or 0} port-local hours have a reading"),
        ("Update Pending", pct(card["share_update_pending"]), "share of readings CBP marked Update Pending"),
        ("median age", "" if card["median_age_minutes"] is None else f"{card['median_age_minutes']:.0f} min",
         "collected_at − CBP source time"),
        ("flat runs", card["flat_runs"],
         f"same 'delay' number in ≥ {FLAT_RUN_MIN_READINGS} readings in a row over ≥ {FLAT_RUN_MIN_HOURS:g} h"
         + ("" if card["longest_flat_run_hours"] is None else f"; longest {card['longest_flat_run_hours']:g} h")),
        ("outliers", card["outliers"],
         f"> {OUTLIER_Z:g} robust SD above the lane median or > {IMPLAUSIBLE_MINUTES} min; kept and flagged"),
        ("measurement", card["method"], "as the source describes it"),
        ("sources", "; ".join(card["sources"]), ""),
    ]
    return pd.DataFrame(rows, columns=["measure", "value", "rule"]).astype({"value": "object"})
