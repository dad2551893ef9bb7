"""Status of each crossing at a time ``t``: open / partial / closed / unknown, with the reason.

A pure function of the CBP wait-time frame, the curated events and the crossings reference.

Rules, in order (the first that applies wins):

1. **closed** - a closure-type event (closure, suspension, rail_suspension) active at ``t`` covers every
   mode the crossing has (reason: the event id).
2. **closed** - the feed is current at ``t`` and says ``port_status`` Closed (reason: ``feed: port_status Closed``).
3. **partial** - an active event closes some of its modes, or is a partial_closure (reason: the event id).
4. **unknown** - no lane reading within ``stale_after`` (2 h) before ``t``: every lane pending / N/A,
   every reading too old, the feed taken after ``t``, or the crossing absent from the feed (rail bridges).
5. **partial** - some current lanes report ``Lanes Closed`` (reason says how many).
6. **open** otherwise.

The feed only speaks for the time it was taken: a 2022 capture says nothing about 2023-12-20, so at such a
``t`` only events can close a crossing and everything else is unknown. A wrong "closed" is worse than none.

``at`` may be a tz-aware instant, or naive (a wall-clock time read in each crossing's own zone; a date alone
means noon local).
"""
from __future__ import annotations

from datetime import datetime, time

import pandas as pd

from .schema import STATUS_COLUMNS, conform

STALE_AFTER = pd.Timedelta(hours=2)
#: Event kinds that stop traffic for the modes they name.
CLOSING_KINDS = frozenset({"closure", "suspension", "rail_suspension"})
PARTIAL_KINDS = frozenset({"partial_closure"})
#: operational_status values that are a current reading.
READING_STATUSES = frozenset({"no delay", "delay", "Lanes Closed"})
#: How far a reading may lie after ``t`` and still count (feed clocks are minutes apart).
FUTURE_TOLERANCE = pd.Timedelta(minutes=15)


def parse_at(value: str | datetime | pd.Timestamp | None) -> pd.Timestamp | None:
    """Parse a user's ``--at`` / ``?at=`` value. Returns a tz-aware Timestamp, a naive one (local wall time,
    resolved per crossing), or None. A bare date becomes 12:00 (naive). Raises ValueError when unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            ts = pd.Timestamp(text)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"cannot read {value!r} as a date or date-time (use e.g. 2023-12-20 or 2023-12-20T14:00-07:00)") from exc
        if len(text) == 10:  # YYYY-MM-DD
            ts = pd.Timestamp(datetime.combine(ts.date(), time(12, 0)))
        return ts
    return pd.Timestamp(value)


def resolve_at(at: pd.Timestamp, tz: str) -> pd.Timestamp:
    """The instant of ``at`` for a crossing in zone ``tz`` (naive = that crossing's wall clock)."""
    if at.tzinfo is None:
        return at.tz_localize(tz, ambiguous=False, nonexistent="shift_forward")
    return at.tz_convert(tz)


def _event_index(events: pd.DataFrame | None) -> dict[str, list[dict]]:
    idx: dict[str, list[dict]] = {}
    if events is None or events.empty:
        return idx
    for ev in events.to_dict("records"):
        for key in ev["crossings"]:
            idx.setdefault(str(key), []).append(ev)
    return idx


def _active(ev: dict, t: pd.Timestamp) -> bool:
    end = ev.get("end")
    return ev["start"] <= t and (end is None or pd.isna(end) or t < end)


def _covers(ev_modes: tuple, modes: tuple) -> bool:
    return "all" in ev_modes or set(modes) <= set(ev_modes)


def crossing_status(
    waits: pd.DataFrame,
    events: pd.DataFrame | None,
    crossings: pd.DataFrame,
    at: pd.Timestamp | None = None,
    *,
    states: tuple[str, ...] | list[str] | None = None,
    include_reference_only: bool = True,
    stale_after: pd.Timedelta = STALE_AFTER,
) -> pd.DataFrame:
    """One row per crossing with its status at ``at`` (STATUS_COLUMNS).

    Rows: the feed's crossings (filtered to ``states``), then, if ``include_reference_only``, the reference
    crossings the feed lacks (rail bridges, dams, ferries), which are unknown unless an event closes them.
    ``at`` None means the feed's own as-of time (latest ``retrieved_at``, else latest ``feed_time``).
    """
    if at is None:
        at = feed_as_of(waits)
        if at is None:
            raise ValueError("no time given and the feed carries no as-of time: pass at=")
    ref = crossings.copy()
    by_port = {str(p): r for p, r in zip(ref["port_number"], ref.to_dict("records")) if not pd.isna(p)}
    ev_idx = _event_index(events)

    rows: list[dict] = []
    seen_ids: set[str] = set()
    for port_number, g in waits.groupby("port_number", sort=False):
        ref_row = by_port.get(str(port_number))
        first = g.iloc[0]
        state = first["state"] if not pd.isna(first["state"]) else (ref_row["state"] if ref_row else pd.NA)
        if states and (pd.isna(state) or state not in states):
            continue
        cid = ref_row["crossing_id"] if ref_row else pd.NA
        if ref_row:
            seen_ids.add(cid)
        modes = tuple(ref_row["modes"]) if ref_row else tuple(sorted(set(g["mode"])))
        tz = str(first["tz"])
        t = resolve_at(at, tz)
        evs = ev_idx.get(str(port_number), []) + (ev_idx.get(str(cid), []) if ref_row else [])
        status, reason, ev_ids, current = _decide(g, evs, modes, t, stale_after)
        upd = g["updated_at_utc"].dropna()
        rows.append({
            "crossing_id": cid, "port_number": str(port_number),
            "port_name": first["port_name"], "crossing_name": first["crossing_name"],
            "state": state, "status": status, "reason": reason,
            # The feed's port_status speaks only for the time the feed was taken.
            "port_status": first["port_status"] if current else pd.NA,
            "updated_at": upd.max().tz_convert(tz) if len(upd) else pd.NA,
            "tz": tz, "event_ids": ev_ids,
        })
    if include_reference_only:
        for r in ref.to_dict("records"):
            if r["crossing_id"] in seen_ids or (states and r["state"] not in states):
                continue
            if not pd.isna(r["port_number"]) and str(r["port_number"]) in set(waits["port_number"]):
                continue
            t = resolve_at(at, r["tz"])
            keys = [r["crossing_id"]] + ([str(r["port_number"])] if not pd.isna(r["port_number"]) else [])
            evs = [e for k in keys for e in ev_idx.get(k, [])]
            status, reason, ev_ids, _ = _decide(None, evs, tuple(r["modes"]), t, stale_after)
            rows.append({
                "crossing_id": r["crossing_id"], "port_number": r["port_number"],
                "port_name": r["port_name"], "crossing_name": r["crossing_name"], "state": r["state"],
                "status": status, "reason": reason, "port_status": pd.NA, "updated_at": pd.NA,
                "tz": r["tz"], "event_ids": ev_ids,
            })
    frame = pd.DataFrame(rows, columns=[c.name for c in STATUS_COLUMNS])
    return conform(frame, STATUS_COLUMNS, "status")


def _decide(g: pd.DataFrame | None, evs: list[dict], modes: tuple, t: pd.Timestamp,
            stale_after: pd.Timedelta) -> tuple[str, str, tuple[str, ...], bool]:
    """(status, reason, active event ids, whether the feed is current at t) for one crossing."""
    active = []
    seen = set()
    for ev in evs:
        if ev["id"] not in seen and _active(ev, t):
            active.append(ev)
            seen.add(ev["id"])
    ev_ids = tuple(e["id"] for e in active)
    closing = [e for e in active if e["kind"] in CLOSING_KINDS]
    full = [e for e in closing if _covers(tuple(e["modes"]), modes)]
    if full:
        return "closed", f"event {full[0]['id']}", ev_ids, _feed_current(g, t, stale_after)

    feed_current = False
    fresh = None
    if g is not None:
        # The feed speaks for [feed_time - stale_after, feed_time]; the port_status is as of feed_time.
        ft = pd.to_datetime(g["feed_time"].map(lambda x: x.tz_convert("UTC") if not pd.isna(x) else pd.NaT), utc=True)
        rt = g["retrieved_at"]
        taken = rt.where(rt.notna(), ft).max()
        feed_current = not pd.isna(taken) and (t - stale_after) <= taken <= t + FUTURE_TOLERANCE
        if feed_current and str(g["port_status"].iloc[0]) == "Closed":
            return "closed", "feed: port_status Closed", ev_ids, True
        live = g[g["operational_status"].isin(READING_STATUSES) & ~g["stale_reading"]]
        # A 'Lanes Closed' lane carries no update time: it is a reading as of the feed time.
        when = live["updated_at_utc"].where(live["updated_at_utc"].notna(), taken if not pd.isna(taken) else pd.NaT)
        ok = (when >= t - stale_after) & (when <= t + FUTURE_TOLERANCE)
        fresh = live[ok.fillna(False).astype(bool)]

    partial_evs = [e for e in active if e["kind"] in PARTIAL_KINDS or e in closing]
    if partial_evs:
        return "partial", f"event {partial_evs[0]['id']}", ev_ids, feed_current
    if g is None:
        return "unknown", "no wait-time feed for this crossing", ev_ids, False
    if not feed_current:
        return "unknown", "feed not current at this time (no reading within 2 h)", ev_ids, False
    if fresh is None or fresh.empty:
        pending = g["operational_status"].eq("Update Pending").any()
        why = "readings pending" if pending else "no lane reading within 2 h"
        return "unknown", f"feed: {why}", ev_ids, True
    closed_lanes = int(fresh["operational_status"].eq("Lanes Closed").sum())
    old = len(live) - len(fresh)
    tail = f"; {old} older reading(s) not counted" if old else ""
    if closed_lanes:
        return "partial", f"feed: {closed_lanes} of {len(fresh)} current lane types report Lanes Closed{tail}", ev_ids, True
    return "open", f"feed: {len(fresh)} lane type(s) reporting within 2 h{tail}", ev_ids, True


def _feed_current(g: pd.DataFrame | None, t: pd.Timestamp, stale_after: pd.Timedelta) -> bool:
    if g is None:
        return False
    taken = feed_as_of(g)
    return taken is not None and (t - stale_after) <= taken <= t + FUTURE_TOLERANCE


def feed_as_of(waits: pd.DataFrame) -> pd.Timestamp | None:
    """When the feed was taken: latest ``retrieved_at``, else latest ``feed_time`` (UTC)."""
    if waits is None or waits.empty:
        return None
    rt = waits["retrieved_at"].dropna()
    if len(rt):
        return rt.max()
    ft = [x.tz_convert("UTC") for x in waits["feed_time"].dropna()]
    return max(ft) if ft else None
