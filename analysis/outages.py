"""Outages nobody recorded, detected in wait-time readings (the ``READINGS_COLUMNS`` frame of the history
store, or consecutive parsed feed captures turned into one with :func:`readings_from_waits`).

What is detected, per crossing (and mode):

* ``port_closed`` -- the feed's ``port_status`` turns ``Closed`` (authoritative for the whole crossing);
* ``mode_lanes_closed`` -- every lane of a mode that the crossing reports says ``Lanes Closed``;
* ``zero_lanes_open`` -- a mode's lanes report numbers but zero lanes open in total;
* ``vanished`` -- a crossing present in a complete capture is missing from a later one (needs the capture
  times: ``captures=``);
* ``stuck`` -- a mode's CBP update time stops advancing for ``stuck_hours`` while other crossings' times
  advance (the feed stopped speaking for it; weakest evidence).

The state of each lane is carried forward from its last reading (the store keeps a row only when CBP's
update time or value changes). A detection starts at the first capture that shows the condition and ends
at the first capture that no longer does (``end`` = that capture; ``end_known`` False when the condition
still held at the end of the data). Where the captures are far apart the true end lies somewhere in
between: ``gap_before_end`` says how far.

Scheduled closures are not outages: when the crossing's posted hours (``hours=``, the feed's ``hours``
text, read by :mod:`analysis.hours`) put the whole detection outside the daily window, it is marked
``scheduled`` and left out unless asked for.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loaders.schema import UTC_TS, Column

KINDS = ("port_closed", "mode_lanes_closed", "zero_lanes_open", "vanished", "stuck")
STUCK_HOURS = 3.0
#: Two captures further apart than this make the start/end of a detection uncertain.
GAP_HOURS = 2.0
#: Captures further apart than this break every run: the state in between is unknown.
MAX_GAP_HOURS = 6.0

OUTAGE_COLUMNS = (
    Column("crossing_id", "string", False),
    Column("port_number", "string", True),
    Column("mode", "string", False, description="passenger | pedestrian | commercial | all (port-level)"),
    Column("kind", "string", False, description="one of analysis.outages.KINDS"),
    Column("start", UTC_TS, False, description="first capture showing the condition (CBP time where known)"),
    Column("end", UTC_TS, True, description="first capture no longer showing it; NA = still at the end of data"),
    Column("end_known", "boolean", False),
    Column("gap_before_end", "float64", True, "hours", "hours between the last capture showing it and `end`"),
    Column("duration_hours", "float64", True, "hours"),
    Column("captures", "Int64", False, description="captures that showed the condition"),
    Column("evidence", "string", False, description="the readings, as text"),
    Column("confidence", "string", False, description="high | medium | low"),
    Column("scheduled", "boolean", False, description="inside the crossing's posted closed hours"),
    Column("source", "string", False),
)
OUTAGE_NAMES = [c.name for c in OUTAGE_COLUMNS]
CLOSED = "Lanes Closed"
NUMERIC_STATUSES = ("no delay", "delay")


# ------------------------------------------------------------------ input
def readings_from_waits(frames: Sequence[pd.DataFrame], crossings: pd.DataFrame, *, source: str = "feed capture") -> pd.DataFrame:
    """Consecutive parsed CBP feed captures (``WAITS_COLUMNS`` frames, in any order) as one readings frame
    (the READINGS_COLUMNS names). Lanes the feed marks ``N/A`` (they do not exist) are dropped; the
    capture time (``retrieved_at``) is ``collected_at``; a lane without an update time takes the capture's
    feed time. Crossings not in ``crossings`` (Canada, New Mexico) are dropped."""
    ids = dict(zip(crossings["port_number"].dropna(), crossings.loc[crossings["port_number"].notna(), "crossing_id"]))
    parts = []
    for w in frames:
        w = w[w["port_number"].isin(ids) & (w["operational_status"].fillna("N/A") != "N/A")]
        if w.empty:
            continue
        feed = pd.to_datetime(pd.Series([t.tz_convert("UTC") if isinstance(t, pd.Timestamp) and t.tzinfo else pd.NaT
                                         for t in w["feed_time"]], index=w.index), utc=True)
        src_time = w["updated_at_utc"].where(w["updated_at_utc"].notna(), feed)
        src_time = src_time.where(src_time.notna(), w["retrieved_at"])
        parts.append(pd.DataFrame({
            "crossing_id": w["port_number"].map(ids).astype("string"), "port_number": w["port_number"].astype("string"),
            "mode": w["mode"].astype("string"), "lane": w["lane"].astype("string"),
            "source_time": src_time.array, "collected_at": w["retrieved_at"].array,
            "operational_status": w["operational_status"].astype("string"),
            "delay_minutes": w["delay_minutes"].astype("Int64"), "lanes_open": w["lanes_open"].astype("Int64"),
            "port_status": w["port_status"].astype("string"), "source": source, "revision": 0,
            "hours": w["hours"].astype("string"),
        }))
    if not parts:
        return pd.DataFrame(columns=["crossing_id", "port_number", "mode", "lane", "source_time", "collected_at",
                                     "operational_status", "delay_minutes", "lanes_open", "port_status", "source",
                                     "revision", "hours"])
    out = pd.concat(parts, ignore_index=True)
    for c in ("source_time", "collected_at"):
        out[c] = pd.to_datetime(out[c], utc=True)
    return out.sort_values(["collected_at", "crossing_id", "mode", "lane"], kind="stable").reset_index(drop=True)


def _newest_revision(r: pd.DataFrame) -> pd.DataFrame:
    if "measure" in r.columns:
        r = r[r["measure"].fillna("reading") == "reading"]
    if "revision" in r.columns and len(r) and (r["revision"].fillna(0) > 0).any():
        keys = ["crossing_id", "mode", "lane", "source_time"]
        newest = r.groupby(keys, sort=False)["revision"].transform("max")
        r = r[r["revision"] == newest]
    return r


# ------------------------------------------------------------------ detection
@dataclass
class _Run:
    start: pd.Timestamp
    last: pd.Timestamp
    n: int
    evidence: list[str]


def detect_outages(readings: pd.DataFrame, *, crossings: pd.DataFrame | None = None,
                   hours: Mapping[str, str] | None = None, captures: Iterable[pd.Timestamp] | None = None,
                   stuck_hours: float = STUCK_HOURS, max_gap_hours: float = MAX_GAP_HOURS,
                   detect_stuck: bool = True, include_scheduled: bool = False) -> pd.DataFrame:
    """Detections (``OUTAGE_COLUMNS``) in a readings frame. ``hours``: ``{crossing_id or port_number:
    posted hours text}`` (default: a ``hours`` column of ``readings`` if present); ``captures``: times of
    complete feed captures (enables ``vanished``; default: the distinct ``collected_at`` when the frame
    came from :func:`readings_from_waits`, i.e. has an ``hours`` column); ``crossings`` gives each
    crossing's zone for the posted-hours check. ``detect_stuck=False`` for change logs that write a row
    only when a lane's state changes (a steady lane's update time is then not in the data).

    Scheduled closures are marked ``scheduled`` (and left out unless ``include_scheduled``): inside the
    posted closed hours, or **recurring daily** -- the same crossing, mode and kind starting (or ending)
    within :data:`RECUR_HOURS` of the same local time on another day, each shorter than 20 hours."""
    r = _newest_revision(readings)
    if r.empty:
        return _empty()
    r = r.sort_values(["collected_at", "source_time"], kind="stable")
    times = sorted(pd.to_datetime(r["collected_at"].unique(), utc=True))
    if hours is None and "hours" in r.columns:
        hours = {str(k): str(v) for k, v in r.dropna(subset=["hours"]).groupby("crossing_id")["hours"].last().items()}
    if captures is None and "hours" in r.columns:
        captures = times
    zones = {} if crossings is None else dict(zip(crossings["crossing_id"], crossings["tz"]))
    src = r.groupby("crossing_id")["source"].agg(lambda s: ";".join(sorted(set(map(str, s)))))
    ports = r.groupby("crossing_id")["port_number"].first()
    rows: list[dict] = []
    # per-capture state, carried forward
    lane_state: dict[tuple, dict] = {}
    port_state: dict[str, str] = {}
    first_seen: dict[str, pd.Timestamp] = {}
    open_runs: dict[tuple, _Run] = {}
    by_time = {t: g for t, g in r.groupby("collected_at", sort=True)}
    capture_set = set(pd.to_datetime(list(captures), utc=True)) if captures is not None else set()
    present_prev: set[str] = set()
    frontier = None
    prev_t = None
    for t in times:
        g = by_time[t]
        if prev_t is not None and (t - prev_t) > pd.Timedelta(hours=max_gap_hours):
            # nothing is known between the two captures: close every run there, forget the carried state
            for key, run in open_runs.items():
                rows.append(_record(key, run, None, False, ports, src, hours, zones, stuck_hours,
                                    note=f"no capture for {(t - prev_t) / pd.Timedelta(hours=1):,.0f} h after {_ts(prev_t)}"))
            open_runs.clear()
            lane_state.clear()
            port_state.clear()
            present_prev = set()
            frontier = None
        prev_t = t
        for rec in g.to_dict("records"):
            key = (rec["crossing_id"], rec["mode"], rec["lane"])
            lane_state[key] = rec
            first_seen.setdefault(rec["crossing_id"], t)
            ps = rec.get("port_status")
            if ps is not None and not pd.isna(ps):
                port_state[rec["crossing_id"]] = str(ps)
        st_max = max((s["source_time"] for s in lane_state.values()), default=None)
        frontier = st_max if frontier is None else max(frontier, st_max)
        active: dict[tuple, str] = {}
        # port closed
        for cid, ps in port_state.items():
            if ps == "Closed":
                active[(cid, "all", "port_closed")] = f"{_ts(t)} port_status Closed"
        # per mode
        modes: dict[tuple, list[dict]] = {}
        for (cid, mode, lane), s in lane_state.items():
            modes.setdefault((cid, mode), []).append(s)
        for (cid, mode), lanes in modes.items():
            if port_state.get(cid) == "Closed":
                continue
            sts = [str(s["operational_status"]) for s in lanes if not pd.isna(s["operational_status"])]
            if sts and all(x == CLOSED for x in sts):
                active[(cid, mode, "mode_lanes_closed")] = f"{_ts(t)} {mode}: all {len(sts)} lane(s) Lanes Closed"
            nums = [int(s["lanes_open"]) for s in lanes
                    if str(s["operational_status"]) in NUMERIC_STATUSES and not pd.isna(s["lanes_open"])]
            if nums and sum(nums) == 0:
                active[(cid, mode, "zero_lanes_open")] = f"{_ts(t)} {mode}: 0 lanes open ({len(nums)} lane(s) reporting)"
            newest = max(s["source_time"] for s in lanes)
            lag = (frontier - newest) / pd.Timedelta(hours=1)
            waiting = all(x in (CLOSED, "Update Pending") for x in sts)  # nothing to update
            if detect_stuck and lag >= stuck_hours and not waiting:
                active[(cid, mode, "stuck")] = f"{_ts(t)} {mode}: last CBP update {_ts(newest)} ({lag:.1f} h behind)"
        # vanished
        if t in capture_set:
            present = set(g["crossing_id"])
            for cid in present_prev - present:
                active[(cid, "all", "vanished")] = f"{_ts(t)} missing from the capture"
            for key in [k for k in open_runs if k[2] == "vanished" and k[0] not in present]:
                active.setdefault(key, f"{_ts(t)} still missing")
            present_prev = present | {k[0] for k in active if k[2] == "vanished"}
        # runs
        for key, ev in active.items():
            run = open_runs.get(key)
            if run is None:
                open_runs[key] = _Run(start=t, last=t, n=1, evidence=[ev])
            else:
                run.last, run.n = t, run.n + 1
                if len(run.evidence) < 4:
                    run.evidence.append(ev)
        for key in [k for k in open_runs if k not in active]:
            run = open_runs.pop(key)
            rows.append(_record(key, run, t, True, ports, src, hours, zones, stuck_hours))
    for key, run in open_runs.items():
        rows.append(_record(key, run, None, False, ports, src, hours, zones, stuck_hours, note="end of the data"))
    # a lag seen in one capture is a part-time crossing's last update of the day as often as a stuck feed
    rows = [x for x in rows if not (x["kind"] == "stuck" and x["captures"] < 2)]
    _mark_recurring(rows, zones, times[0] if times else None)
    out = pd.DataFrame(rows, columns=OUTAGE_NAMES) if rows else _empty()
    if not include_scheduled and len(out):
        out = out[~out["scheduled"].astype(bool)]
    return _conform(out)


def _ts(t: pd.Timestamp) -> str:
    return pd.Timestamp(t).strftime("%Y-%m-%d %H:%MZ")


def _record(key, run: _Run, end, end_known, ports, src, hours, zones, stuck_hours, note: str = "") -> dict:
    cid, mode, kind = key
    start = run.start
    gap = None if end is None else (end - run.last) / pd.Timedelta(hours=1)
    dur = None if end is None else (end - start) / pd.Timedelta(hours=1)
    span = (run.last - start) / pd.Timedelta(hours=1)
    ev = list(run.evidence)
    if end is not None:
        ev.append(f"{_ts(end)} recovered")
    elif note:
        ev.append(f"end unknown: {note}")
    conf = _confidence(kind, run.n, span, gap)
    sched = _scheduled(cid, start, run.last, end, hours, zones)
    return {"crossing_id": cid, "port_number": ports.get(cid), "mode": mode, "kind": kind, "start": start,
            "end": end, "end_known": end_known, "gap_before_end": gap, "duration_hours": dur, "captures": run.n,
            "evidence": "; ".join(ev), "confidence": conf, "scheduled": sched, "source": src.get(cid, "")}


def _confidence(kind: str, n: int, span_h: float, gap_h: float | None) -> str:
    """high: port Closed (or every lane closed) seen in >= 2 captures over >= 1 h with a recovery seen
    within GAP_HOURS; medium: the same seen once, or with a wide gap; low: zero lanes / stuck / vanished."""
    if kind in ("stuck", "vanished", "zero_lanes_open"):
        return "low"
    tight = gap_h is not None and gap_h <= GAP_HOURS
    if n >= 2 and span_h >= 1 and tight:
        return "high"
    if kind == "port_closed" and (n >= 2 or tight):
        return "medium"
    return "medium" if n >= 2 else "low"


def _scheduled(cid, start, last, end, hours, zones) -> bool:
    """True when every capture of the detection lies outside the crossing's posted daily window."""
    if not hours or cid not in hours:
        return False
    try:
        from .hours import parse_hours
    except ImportError:  # the posted-hours reader is not available: never suppress
        return False
    ph = parse_hours(hours.get(cid))
    tz = zones.get(cid)
    if ph is None or ph.all_day or tz is None:
        return False
    points = [start, last]
    if (last - start) > pd.Timedelta(hours=24):
        return False
    return all(not ph.is_open_at(pd.Timestamp(p).tz_convert(tz)) for p in points)


RECUR_HOURS = 2.0


def _mark_recurring(rows: list[dict], zones: Mapping[str, str], data_start) -> None:
    """Mark detections that recur at the same local time of day on other days as scheduled."""
    groups: dict[tuple, list[dict]] = {}
    for x in rows:
        if x["kind"] in ("port_closed", "mode_lanes_closed", "zero_lanes_open"):
            groups.setdefault((x["crossing_id"], x["mode"], x["kind"]), []).append(x)

    def tod(t, tz):
        lt = pd.Timestamp(t).tz_convert(tz)
        return lt.date(), lt.hour + lt.minute / 60

    def near(a, b):
        d = abs(a - b) % 24
        return min(d, 24 - d) <= RECUR_HOURS

    for (cid, _, _), xs in groups.items():
        tz = zones.get(cid, "UTC")
        short = [x for x in xs if x["duration_hours"] is None or pd.isna(x["duration_hours"]) or x["duration_hours"] <= 20]
        for x in short:
            for y in short:
                if y is x:
                    continue
                same_start = x["start"] != data_start and y["start"] != data_start and \
                    tod(x["start"], tz)[0] != tod(y["start"], tz)[0] and near(tod(x["start"], tz)[1], tod(y["start"], tz)[1])
                same_end = x["end"] is not None and y["end"] is not None and \
                    tod(x["end"], tz)[0] != tod(y["end"], tz)[0] and near(tod(x["end"], tz)[1], tod(y["end"], tz)[1])
                if same_start or same_end:
                    x["scheduled"] = True
                    other = y["start"] if same_start else y["end"]
                    x["evidence"] += (f"; recurs daily: also {'starts' if same_start else 'ends'} "
                                      f"{pd.Timestamp(other).tz_convert(tz):%Y-%m-%d %H:%M %Z}")
                    break


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype if c.dtype != "object" else object) for c in OUTAGE_COLUMNS})


def _conform(df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for c in OUTAGE_COLUMNS:
        s = df[c.name]
        if c.dtype == UTC_TS:
            s = pd.to_datetime(s, utc=True)
        elif c.dtype != "object":
            s = s.astype(c.dtype)
        out[c.name] = s.array
    return pd.DataFrame(out).sort_values(["start", "crossing_id", "mode", "kind"]).reset_index(drop=True)
