"""Status of each crossing at a time ``t``: open / partial / closed / unknown, with the reason.

A pure function of the CBP wait-time frame, the curated events and the crossings reference.

Rules, in order (the first that applies wins):

1. **closed** - a closure-type event (closure, suspension, rail_suspension) active at ``t`` covers every
   mode the crossing has (reason: the event id). Events that stop only southbound traffic are ignored:
   status is about entering the U.S.
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

from loaders.cbp import feed_as_of
from loaders.schema import STATUS_COLUMNS, conform

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
    by_port = {str(r["port_number"]): r for r in crossings.to_dict("records") if not pd.isna(r["port_number"])}
    ev_idx = _event_index(events)
    facts = _port_facts(waits, at, stale_after)

    rows: list[dict] = []
    seen_ids: set[str] = set()
    for port_number, fa in facts.items():
        ref_row = by_port.get(port_number)
        state = fa["state"] if not pd.isna(fa["state"]) else (ref_row["state"] if ref_row else pd.NA)
        if states and (pd.isna(state) or state not in states):
            continue
        cid = ref_row["crossing_id"] if ref_row else pd.NA
        if ref_row:
            seen_ids.add(cid)
        modes = tuple(ref_row["modes"]) if ref_row else fa["modes"]
        tz = fa["tz"]
        t = resolve_at(at, tz)
        evs = ev_idx.get(port_number, []) + (ev_idx.get(str(cid), []) if ref_row else [])
        status, reason, ev_ids = _decide(fa, evs, modes, t)
        rows.append({
            "crossing_id": cid, "port_number": port_number,
            "port_name": fa["port_name"], "crossing_name": fa["crossing_name"],
            "state": state, "status": status, "reason": reason,
            # The feed's port_status speaks only for the time the feed was taken.
            "port_status": fa["port_status"] if fa["current"] else pd.NA,
            "updated_at": fa["updated"].tz_convert(tz) if not pd.isna(fa["updated"]) else pd.NA,
            "tz": tz, "event_ids": ev_ids,
        })
    if include_reference_only:
        for r in crossings.to_dict("records"):
            if r["crossing_id"] in seen_ids or (states and r["state"] not in states):
                continue
            if not pd.isna(r["port_number"]) and str(r["port_number"]) in facts:
                continue
            t = resolve_at(at, r["tz"])
            keys = [r["crossing_id"]] + ([str(r["port_number"])] if not pd.isna(r["port_number"]) else [])
            evs = [e for k in keys for e in ev_idx.get(k, [])]
            status, reason, ev_ids = _decide(None, evs, tuple(r["modes"]), t)
            rows.append({
                "crossing_id": r["crossing_id"], "port_number": r["port_number"],
                "port_name": r["port_name"], "crossing_name": r["crossing_name"], "state": r["state"],
                "status": status, "reason": reason, "port_status": pd.NA, "updated_at": pd.NA,
                "tz": r["tz"], "event_ids": ev_ids,
            })
    frame = pd.DataFrame(rows, columns=[c.name for c in STATUS_COLUMNS])
    return conform(frame, STATUS_COLUMNS, "status")


def current_readings(waits: pd.DataFrame, at: pd.Timestamp, stale_after: pd.Timedelta = STALE_AFTER) -> pd.Series:
    """For each lane row of ``waits``: is it a current reading at ``at`` (a no delay / delay / Lanes Closed
    reading, not stale, from a feed taken within ``stale_after`` before ``at``)? Boolean, same index."""
    if waits.empty:
        return pd.Series([], dtype=bool, index=waits.index)
    return _lane_flags(waits, at, stale_after)["fresh"]


def _lane_flags(w: pd.DataFrame, at: pd.Timestamp, stale_after: pd.Timedelta) -> dict[str, pd.Series]:
    """Column-wise lane facts at ``at``: whether each row's feed is current, the reading live, and fresh."""
    pn = w["port_number"].astype(str)
    tz = w["tz"].astype(str)
    t_by_zone = {z: resolve_at(at, z).tz_convert("UTC") for z in tz.unique()}
    t = pd.to_datetime(tz.map(t_by_zone), utc=True)
    lo, hi = t - stale_after, t + FUTURE_TOLERANCE
    feed_utc = pd.to_datetime(w["feed_time"], utc=True)
    taken = w["retrieved_at"].where(w["retrieved_at"].notna(), feed_utc).groupby(pn).transform("max")
    current = (taken >= lo) & (taken <= hi)
    op = w["operational_status"].fillna("N/A")
    live = op.isin(READING_STATUSES) & ~w["stale_reading"].astype(bool)
    # A 'Lanes Closed' lane carries no update time: it is a reading as of the time the feed was taken.
    when = w["updated_at_utc"].where(w["updated_at_utc"].notna(), taken)
    fresh = live & current & (when >= lo) & (when <= hi)
    return {"pn": pn, "current": current, "live": live, "fresh": fresh, "op": op}


def _port_facts(waits: pd.DataFrame, at: pd.Timestamp, stale_after: pd.Timedelta) -> dict[str, dict]:
    """Per feed crossing, what the feed says at ``at``, computed column-wise in one pass:
    whether the feed is current, how many lane readings are live / fresh / Lanes Closed, any pending."""
    if waits.empty:
        return {}
    w = waits
    fl = _lane_flags(w, at, stale_after)
    pn, current, live, fresh, op = fl["pn"], fl["current"], fl["live"], fl["fresh"], fl["op"]
    agg = pd.DataFrame({
        "pn": pn, "current": current, "live": live, "fresh": fresh,
        "closed": fresh & op.eq("Lanes Closed"), "pending": op.eq("Update Pending"),
        "updated": w["updated_at_utc"],
    }).groupby("pn", sort=False).agg(current=("current", "any"), n_live=("live", "sum"),
                                      n_fresh=("fresh", "sum"), n_closed=("closed", "sum"),
                                      pending=("pending", "any"), updated=("updated", "max"))
    first = w.assign(pn=pn).drop_duplicates("pn").set_index("pn")
    modes = w.assign(pn=pn).groupby("pn", sort=False)["mode"].agg(lambda m: tuple(sorted(set(m))))
    out: dict[str, dict] = {}
    for key, a in zip(agg.index, agg.to_dict("records")):
        f = first.loc[key]
        out[key] = {**a, "port_name": f["port_name"], "crossing_name": f["crossing_name"],
                    "state": f["state"], "tz": str(f["tz"]), "port_status": f["port_status"],
                    "modes": modes[key]}
    return out


def _decide(fa: dict | None, evs: list[dict], modes: tuple, t: pd.Timestamp) -> tuple[str, str, tuple[str, ...]]:
    """(status, reason, active event ids) for one crossing: ``fa`` are its feed facts (None when the
    feed lacks the crossing), ``evs`` the events naming it."""
    active, seen = [], set()
    for ev in evs:
        if ev["id"] not in seen and _active(ev, t):
            active.append(ev)
            seen.add(ev["id"])
    ev_ids = tuple(e["id"] for e in active)
    # Status is about entering the U.S.: an event that stops only southbound traffic closes nothing here.
    closing = [e for e in active if e["kind"] in CLOSING_KINDS and e.get("direction") != "southbound"]
    full = [e for e in closing if _covers(tuple(e["modes"]), modes)]
    if full:
        return "closed", f"event {full[0]['id']}", ev_ids
    if fa is not None and fa["current"] and str(fa["port_status"]) == "Closed":
        return "closed", "feed: port_status Closed", ev_ids
    partial_evs = [e for e in active if (e["kind"] in PARTIAL_KINDS and e.get("direction") != "southbound")
                   or e in closing]
    if partial_evs:
        return "partial", f"event {partial_evs[0]['id']}", ev_ids
    if fa is None:
        return "unknown", "no wait-time feed for this crossing", ev_ids
    if not fa["current"]:
        return "unknown", "feed not current at this time (no reading within 2 h)", ev_ids
    n_fresh, n_closed, old = int(fa["n_fresh"]), int(fa["n_closed"]), int(fa["n_live"] - fa["n_fresh"])
    if n_fresh == 0:
        return "unknown", "feed: readings pending" if fa["pending"] else "feed: no lane reading within 2 h", ev_ids
    tail = f"; {old} older reading(s) not counted" if old else ""
    if n_closed:
        return "partial", f"feed: {n_closed} of {n_fresh} current lane types report Lanes Closed{tail}", ev_ids
    return "open", f"feed: {n_fresh} lane type(s) reporting within 2 h{tail}", ev_ids
