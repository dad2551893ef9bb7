"""Status of each crossing at a time ``t``, judged mode by mode (passenger, pedestrian, commercial, rail).

Pure functions of the CBP wait-time frame (WAITS_COLUMNS), the curated events and the crossings reference.
:func:`mode_status` gives one row per crossing x mode (MODE_STATUS_COLUMNS); :func:`roll_up` turns it into
one row per crossing (STATUS_COLUMNS) for the modes a user selected; :func:`crossing_status` does both.

A **mode** at ``t`` is, first rule that applies:

1. **closed** - an active closure / suspension / rail suspension event that is northbound or both-ways names
   the mode (or ``all``). Southbound-only events close nothing: status is about entering the U.S.
2. **closed** - the feed is current at ``t`` and says ``port_status`` Closed.
3. **open** - a usable lane reading of the mode is ``no delay`` / ``delay``. Lane types of the mode that read
   ``Lanes Closed`` beside it are a note ("Ready lanes closed"), not a closure.
4. **closed** - every usable lane reading of the mode is ``Lanes Closed``; labelled "outside posted hours
   6 am–midnight" when the reading falls outside the crossing's posted hours (hours only label; they never
   make anything open).
5. **unknown** - otherwise: pending, "no update time in the feed" (no lane of the crossing is dated), not in
   the feed, or "no reading at this time (latest capture ...)".

A reading is **usable** at ``t`` when its time lies within :data:`USABLE_FOR` (4 h) before ``t`` (and no
more than :data:`EARLY_TOLERANCE` after it). A reading's time is its update time, but never later than the
feed instant (CBP stamps run ahead of the feed); an undated flag (``Lanes Closed`` has no update time) takes
the time of the crossing's newest dated reading, so it never looks newer than the dated readings. A crossing
none of whose lanes has an update time is dated by nothing: its lanes are unknown ("no update time in the
feed"), never current at the feed instant; only ``port_status`` Closed (rule 2, a fact of the feed instant)
speaks for it. Readings older than :data:`AGE_FLAG_AFTER` (90 min) are flagged "as of 2 h 32 min
ago". A mode the crossings reference does not list joins only when the feed has a live reading for it.
Active partial-closure events restrict a mode (note) and make the crossing partial.

The **crossing**, on the selected modes: closed when all are closed, partial when some are (or one is
restricted), open when every known mode is open, unknown when none is known.

``at`` may be a tz-aware instant, or naive (a wall-clock time read in each crossing's own zone; a date alone
means noon local).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

import pandas as pd

from loaders.cbp import feed_as_of
from loaders.schema import MODE_STATUS_COLUMNS, STATUS_COLUMNS, conform

from .hours import parse_hours

__all__ = ["crossing_status", "mode_status", "roll_up", "current_readings", "feed_as_of", "parse_at",
           "resolve_at", "fmt_age", "fmt_capture"]

#: How long a reading stays usable.
USABLE_FOR = pd.Timedelta(hours=4)
#: Readings older than this are flagged with their age.
AGE_FLAG_AFTER = pd.Timedelta(minutes=90)
#: How far evidence may lie after ``t`` and still count (feed clocks are minutes apart).
EARLY_TOLERANCE = pd.Timedelta(minutes=15)
#: Event kinds that stop traffic for the modes they name, and kinds that restrict them.
CLOSING_KINDS = frozenset({"closure", "suspension", "rail_suspension"})
PARTIAL_KINDS = frozenset({"partial_closure"})
MODES = ("passenger", "pedestrian", "commercial", "rail")
OPEN_READINGS = frozenset({"no delay", "delay"})
CLOSED_READING = "Lanes Closed"
PENDING = "Update Pending"
MODE_NAMES = {"passenger": "passenger vehicles", "pedestrian": "pedestrians", "commercial": "commercial vehicles",
              "rail": "rail"}
MODE_LABELS = {"passenger": "Passenger", "pedestrian": "Pedestrian", "commercial": "Commercial", "rail": "Rail"}
LANE_NAMES = {"standard": "standard", "sentri": "SENTRI", "ready": "Ready", "fast": "FAST"}
LANE_ORDER = {k: i for i, k in enumerate(LANE_NAMES)}


# ------------------------------------------------------------------------------------------------ time
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


def fmt_age(age: pd.Timedelta | None) -> str:
    """'as of 2 h 32 min ago' past AGE_FLAG_AFTER, else ''."""
    if age is None or pd.isna(age) or age <= AGE_FLAG_AFTER:
        return ""
    mins = int(age.total_seconds() // 60)
    h, m = divmod(mins, 60)
    return f"as of {h} h {m} min ago" if m else f"as of {h} h ago"


def fmt_capture(ts: pd.Timestamp | None, tz: str) -> str:
    """'2022-06-29 10:25 PDT' (always with the year)."""
    if ts is None or pd.isna(ts):
        return "none"
    return pd.Timestamp(ts).tz_convert(tz).strftime("%Y-%m-%d %H:%M %Z")


def _clock(ts: pd.Timestamp, tz: str) -> str:
    return ts.tz_convert(tz).strftime("%H:%M %Z")


# ------------------------------------------------------------------------------------------------ events
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


def _names_mode(ev: dict, mode: str) -> bool:
    return "all" in ev["modes"] or mode in ev["modes"]


def _northbound(ev: dict) -> bool:
    return ev.get("direction") != "southbound"


# ------------------------------------------------------------------------------------------------ readings
def _reading_times(w: pd.DataFrame) -> pd.DataFrame:
    """Per lane row: ``feed`` (the feed instant, UTC) and ``as_of`` (the reading's time, UTC): the update
    time capped at the feed instant; for undated rows the crossing's newest dated reading, else NaT (nothing
    dates a crossing whose lanes all lack an update time: its readings are never current)."""
    feed = w["feed_instant"] if "feed_instant" in w.columns else w["retrieved_at"]
    feed = feed.where(feed.notna(), w["retrieved_at"])
    feed = pd.to_datetime(feed, utc=True).groupby(w["port_number"]).transform("max")
    upd = pd.to_datetime(w["updated_at_utc"], utc=True)
    dated = upd.where(upd.isna() | feed.isna() | (upd <= feed), feed)
    newest = dated.groupby(w["port_number"]).transform("max")
    as_of = dated.where(dated.notna(), newest)  # no dated lane at the crossing: NaT, never the feed instant
    return pd.DataFrame({"feed": feed, "as_of": as_of}, index=w.index)


def _add_reading_times(g: list[dict]) -> None:
    """:func:`_reading_times` for one crossing's lane records, in place (``_feed``, ``_as_of``)."""
    feeds = [x.get("feed_instant") if not _na(x.get("feed_instant")) else x.get("retrieved_at") for x in g]
    feeds = [f for f in feeds if not _na(f)]
    feed = max(feeds) if feeds else pd.NaT
    dated = []
    for x in g:
        u = x["updated_at_utc"]
        x["_feed"] = feed
        x["_as_of"] = pd.NaT if _na(u) else (u if _na(feed) or u <= feed else feed)
        if not _na(x["_as_of"]):
            dated.append(x["_as_of"])
    fill = max(dated) if dated else pd.NaT  # no dated lane: nothing dates the crossing's readings
    for x in g:
        if _na(x["_as_of"]):
            x["_as_of"] = fill


def current_readings(waits: pd.DataFrame, at: pd.Timestamp, usable_for: pd.Timedelta = USABLE_FOR) -> pd.Series:
    """For each lane row of ``waits``: is it a usable reading at ``at`` (``no delay`` / ``delay`` / ``Lanes
    Closed`` of an open port, its time within ``usable_for`` before ``at``)? Boolean, same index."""
    if waits.empty:
        return pd.Series([], dtype=bool, index=waits.index)
    times = _reading_times(waits)
    tz = waits["tz"].astype(str)
    t = pd.to_datetime(tz.map({z: resolve_at(at, z).tz_convert("UTC") for z in tz.unique()}), utc=True)
    op = waits["operational_status"].fillna("N/A")
    live = (op.isin(OPEN_READINGS) | op.eq(CLOSED_READING)) & ~waits["stale_reading"].astype(bool)
    ok = (times["as_of"] >= t - usable_for) & (times["as_of"] <= t + EARLY_TOLERANCE)
    return (live & ok.fillna(False)).astype(bool)


def lane_line(mode: str, lane: str, op: object, delay: object, lanes_open: object) -> str:
    """'Passenger standard: 25 min, 2 lanes open', 'Passenger Ready: no reading (Lanes Closed)'."""
    label = f"{MODE_LABELS.get(mode, str(mode))} {LANE_NAMES.get(lane, str(lane))}"
    if op == CLOSED_READING:
        return f"{label}: no reading (Lanes Closed)"
    if pd.isna(delay):
        return f"{label}: no reading"
    text = f"{label}: {int(delay)} min" + (" (no delay)" if op == "no delay" else "")
    if not pd.isna(lanes_open):
        n = int(lanes_open)
        text += f", {n} lane{'s' if n != 1 else ''} open"
    return text


# ------------------------------------------------------------------------------------------------ mode status
def mode_status(
    waits: pd.DataFrame,
    events: pd.DataFrame | None,
    crossings: pd.DataFrame,
    at: pd.Timestamp | None = None,
    *,
    states: Iterable[str] | None = None,
    include_reference_only: bool = True,
    port_info: pd.DataFrame | None = None,
    usable_for: pd.Timedelta = USABLE_FOR,
) -> pd.DataFrame:
    """One row per crossing x mode with the mode's status at ``at`` (MODE_STATUS_COLUMNS; rules in the
    module docstring). Crossings: the feed's (filtered to ``states``), then, if ``include_reference_only``,
    the reference crossings the feed lacks (rail bridges, dams, ferries). ``at`` None means the feed's own
    instant (:func:`feed_as_of`). ``port_info`` (PORT_INFO_COLUMNS) supplies hours and notices the feed lacks.
    Raises ValueError when ``at`` is None and the feed carries no instant."""
    if at is None:
        at = feed_as_of(waits)
        if at is None:
            raise ValueError("no time given and the feed carries no as-of time: pass at=")
    states = tuple(states) if states else None
    ref = {r["crossing_id"]: r for r in crossings.to_dict("records")}
    by_port = {str(r["port_number"]): r for r in ref.values() if not pd.isna(r["port_number"])}
    info = _port_info_index(port_info)
    ev_idx = _event_index(events)
    rows: list[dict] = []
    seen: set[str] = set()

    w = waits[waits["operational_status"].fillna("N/A") != "N/A"] if not waits.empty else waits
    groups: dict[str, list[dict]] = {}
    if not w.empty:
        cols = ["port_number", "port_name", "crossing_name", "state", "tz", "hours", "construction_notice",
                "port_status", "mode", "lane", "operational_status", "delay_minutes", "lanes_open",
                "updated_at_utc", "stale_reading", "retrieved_at", "feed_instant"]
        cols = [c for c in cols if c in w.columns]
        data = {c: w[c].tolist() for c in cols}
        for rec in (dict(zip(data, vals)) for vals in zip(*data.values())):
            groups.setdefault(str(rec["port_number"]), []).append(rec)
        for g in groups.values():
            _add_reading_times(g)
    for pn, g in groups.items():
        r = by_port.get(pn)
        first = g[0]
        state = first["state"] if not _na(first["state"]) else (r["state"] if r else pd.NA)
        if states and (_na(state) or state not in states):
            continue
        if r:
            seen.add(r["crossing_id"])
        base = {"crossing_id": r["crossing_id"] if r else pd.NA, "port_number": pn,
                "port_name": first["port_name"], "crossing_name": first["crossing_name"], "state": state,
                "tz": str(first["tz"])}
        hours, notice = _texts(first.get("hours"), first.get("construction_notice"), info.get(pn))
        keys = [pn] + ([r["crossing_id"]] if r else [])
        evs = [e for k in keys for e in ev_idx.get(k, [])]
        rows.extend(_feed_crossing_modes(base, g, r, evs, at, hours, notice, usable_for))
    if include_reference_only:
        in_feed = set(groups)
        for r in ref.values():
            if r["crossing_id"] in seen or (states and r["state"] not in states):
                continue
            if not pd.isna(r["port_number"]) and str(r["port_number"]) in in_feed:
                continue
            base = {"crossing_id": r["crossing_id"], "port_number": r["port_number"], "port_name": r["port_name"],
                    "crossing_name": r["crossing_name"], "state": r["state"], "tz": r["tz"]}
            keys = [r["crossing_id"]] + ([str(r["port_number"])] if not pd.isna(r["port_number"]) else [])
            evs = [e for k in keys for e in ev_idx.get(k, [])]
            pi = info.get(str(r["port_number"])) if not pd.isna(r["port_number"]) else None
            hours, notice = _texts(None, None, pi)
            t = resolve_at(at, r["tz"])
            why = ("CBP publishes no wait times for rail crossings" if r["kind"] == "rail"
                   else "not in the CBP wait-time feed")
            for mode in _ordered(r["modes"]):
                rows.append(_event_row(base, mode, evs, t, hours, notice) or _row(
                    base, mode, "unknown", why, hours=hours, notice=notice, event_ids=_ids(evs, t)))
    frame = pd.DataFrame(rows, columns=[c.name for c in MODE_STATUS_COLUMNS])
    return conform(frame, MODE_STATUS_COLUMNS, "mode status")


def _port_info_index(port_info: pd.DataFrame | None) -> dict[str, dict]:
    if port_info is None or port_info.empty:
        return {}
    return {str(r["port_number"]): r for r in port_info.to_dict("records")}


def _texts(hours: object, notice: object, info: dict | None) -> tuple[object, object]:
    """Hours and notice: the feed's, else CBP's port information; notices from both when they differ."""
    h = hours if isinstance(hours, str) and hours else pd.NA
    n = notice if isinstance(notice, str) and notice else pd.NA
    if info:
        if pd.isna(h) and isinstance(info.get("hours"), str):
            h = info["hours"]
        extra = info.get("notice")
        if isinstance(extra, str) and extra:
            n = extra if pd.isna(n) else (n if extra in n else f"{n} / {extra}")
    return h, n


def _ordered(modes: Iterable[str]) -> list[str]:
    ms = set(modes)
    return [m for m in MODES if m in ms]


def _ids(evs: list[dict], t: pd.Timestamp) -> tuple[str, ...]:
    out: list[str] = []
    for e in evs:
        if e["id"] not in out and _active(e, t):
            out.append(e["id"])
    return tuple(out)


def _row(base: dict, mode: str, status: str, reason: str, *, notes: str | None = None, restricted: bool = False,
         outside_hours: bool = False, evidence: tuple = (), as_of=pd.NA, age=pd.NA, port_status=pd.NA,
         latest_capture=pd.NA, hours=pd.NA, notice=pd.NA, event_ids: tuple = ()) -> dict:
    return {**base, "mode": mode, "status": status, "reason": reason, "notes": notes if notes else pd.NA,
            "restricted": restricted, "outside_hours": outside_hours, "evidence": tuple(evidence), "as_of": as_of,
            "age_minutes": age, "port_status": port_status, "latest_capture": latest_capture, "hours": hours,
            "notice": notice, "event_ids": event_ids}


def _event_row(base: dict, mode: str, evs: list[dict], t: pd.Timestamp, hours, notice,
               latest_capture=pd.NA) -> dict | None:
    """The mode's row when an active northbound event closes it, else None."""
    active = [e for e in evs if _active(e, t)]
    closing = [e for e in active if e["kind"] in CLOSING_KINDS and _northbound(e) and _names_mode(e, mode)]
    if not closing:
        return None
    e = closing[0]
    return _row(base, mode, "closed", f"event {e['id']}: {e['title']}", evidence=(f"event {e['id']}",),
                latest_capture=latest_capture, hours=hours, notice=notice, event_ids=_ids(evs, t))


def _restriction(evs: list[dict], t: pd.Timestamp, mode: str) -> str | None:
    for e in evs:
        if _active(e, t) and e["kind"] in PARTIAL_KINDS and _northbound(e) and _names_mode(e, mode):
            return f"restricted: event {e['id']}: {e['title']}"
    return None


def _na(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _feed_crossing_modes(base: dict, g: list[dict], r: dict | None, evs: list[dict], at: pd.Timestamp,
                         hours, notice, usable_for: pd.Timedelta) -> list[dict]:
    """The modes of one feed crossing; ``g`` its lane records (with ``_feed`` / ``_as_of``, UTC)."""
    tz = base["tz"]
    t = resolve_at(at, tz).tz_convert("UTC")
    lo, hi = t - usable_for, t + EARLY_TOLERANCE
    feeds = [x["_feed"] for x in g if not _na(x["_feed"])]
    feed = max(feeds) if feeds else pd.NaT
    feed_ok = not _na(feed) and lo <= feed <= hi
    capture = feed.tz_convert(tz) if not _na(feed) else pd.NA
    capture_text = fmt_capture(feed, tz) if not _na(feed) else "none"
    port_status = str(g[0]["port_status"])
    posted = parse_hours(hours)
    # No lane of the crossing has an update time (its lanes read Lanes Closed / Update Pending, which CBP
    # never dates): nothing says when the flags were true, so they are not current at any t. port_status
    # (a fact of the feed instant, rule 2) still speaks.
    undated_ok = any(not _na(x["updated_at_utc"]) for x in g)
    for x in g:
        op = x["operational_status"] if isinstance(x["operational_status"], str) else "N/A"
        x["_op"] = op
        x["_live"] = (op in OPEN_READINGS or op == CLOSED_READING) and not bool(x["stale_reading"])
        # An undated flag was seen only when the feed was taken: it says nothing about a t before that.
        x["_usable"] = (x["_live"] and not _na(x["_as_of"]) and lo <= x["_as_of"] <= hi
                        and (not _na(x["updated_at_utc"]) or feed_ok))
    feed_live_modes = {x["mode"] for x in g if x["_op"] in OPEN_READINGS and not bool(x["stale_reading"])}
    if r is not None:
        modes = _ordered(set(r["modes"]) | feed_live_modes)
    else:
        modes = _ordered({x["mode"] for x in g if x["_op"] in OPEN_READINGS | {CLOSED_READING, PENDING}})
    ids = _ids(evs, t)
    out = []
    common = dict(latest_capture=capture, hours=hours, notice=notice, event_ids=ids)
    for mode in modes:
        ev_row = _event_row(base, mode, evs, t, hours, notice, capture)
        if ev_row is not None:
            out.append(ev_row)
            continue
        restricted = _restriction(evs, t, mode)
        if port_status == "Closed" and feed_ok:
            age = t - feed
            reason = "CBP: port closed (port_status Closed)"
            off = posted is not None and not posted.is_open_at(feed.tz_convert(tz))
            if off:
                reason = f"closed — outside posted hours {posted.label} (port_status Closed)"
            out.append(_row(base, mode, "closed", _aged(reason, age), notes=restricted, restricted=bool(restricted),
                            outside_hours=off, evidence=("port_status Closed",), as_of=capture,
                            age=_minutes(age), port_status="Closed", **common))
            continue
        m = [x for x in g if x["mode"] == mode]
        mu = sorted((x for x in m if x["_usable"]), key=lambda x: LANE_ORDER.get(x["lane"], 9))
        ps = port_status if feed_ok else pd.NA
        if mu:
            opened = [x for x in mu if x["_op"] in OPEN_READINGS]
            closed_names = [LANE_NAMES.get(x["lane"], x["lane"]) for x in mu if x["_op"] == CLOSED_READING]
            as_of = max(x["_as_of"] for x in mu)
            age = t - as_of
            lines = tuple(lane_line(x["mode"], x["lane"], x["_op"], x["delay_minutes"], x["lanes_open"]) for x in mu)
            if opened:
                parts = [f"{LANE_NAMES.get(x['lane'], x['lane'])} {int(x['delay_minutes'])} min"
                         if not _na(x["delay_minutes"]) else LANE_NAMES.get(x["lane"], x["lane"]) for x in opened]
                stamps = [x["updated_at_utc"] for x in opened if not _na(x["updated_at_utc"])]
                stamp = max(stamps) if stamps else as_of
                reason = f"{', '.join(parts)} (CBP update {_clock(stamp, tz)})"
                notes = [f"{n} lanes closed" for n in closed_names] + ([restricted] if restricted else [])
                out.append(_row(base, mode, "open", _aged(reason, age), notes="; ".join(notes) or None,
                                restricted=bool(restricted), evidence=lines, as_of=as_of.tz_convert(tz),
                                age=_minutes(age), port_status=ps, **common))
            else:
                off = posted is not None and not posted.is_open_at(as_of.tz_convert(tz))
                lanes = ", ".join(closed_names)
                if off:
                    reason = f"closed — outside posted hours {posted.label} ({lanes} lanes: Lanes Closed)"
                else:
                    reason = f"every reporting lane reads Lanes Closed ({lanes})"
                out.append(_row(base, mode, "closed", _aged(reason, age), notes=restricted,
                                restricted=bool(restricted), outside_hours=off, evidence=lines,
                                as_of=as_of.tz_convert(tz), age=_minutes(age), port_status=ps, **common))
            continue
        if not feed_ok:
            reason = f"no reading at this time (latest capture {capture_text})"
        elif not m:
            reason = f"CBP lists no {MODE_NAMES[mode]} lanes for this crossing"
        elif all(x["_op"] == PENDING for x in m):
            reason = "CBP: update pending"
        elif all(bool(x["stale_reading"]) for x in m):
            reason = "CBP: readings of a closed port"
        elif not undated_ok:
            flags = sorted({x["_op"] for x in m if x["_live"]} or {x["_op"] for x in m})
            reason = f"no update time in the feed (every lane undated: {', '.join(flags)})"
        else:
            olds = [x["_as_of"] for x in m if x["_live"] and not _na(x["_as_of"])]
            reason = (f"no reading within {_hours_text(usable_for)} (newest {fmt_capture(max(olds), tz)})"
                      if olds else f"no reading at this time (latest capture {capture_text})")
        out.append(_row(base, mode, "unknown", reason, notes=restricted, restricted=bool(restricted),
                        port_status=ps, **common))
    return out


def _hours_text(td: pd.Timedelta) -> str:
    h = td.total_seconds() / 3600
    return f"{h:g} h"


def _aged(reason: str, age: pd.Timedelta) -> str:
    flag = fmt_age(age)
    return f"{reason}, {flag}" if flag else reason


def _minutes(age: pd.Timedelta):
    return max(0, int(age.total_seconds() // 60)) if not pd.isna(age) else pd.NA


# ------------------------------------------------------------------------------------------------ roll-up
def roll_up(modes_frame: pd.DataFrame, modes: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per crossing (STATUS_COLUMNS) from a MODE_STATUS_COLUMNS frame, judged on ``modes`` (None =
    every mode). Crossings with none of the selected modes are left out."""
    wanted = set(modes) if modes else None
    rows = []
    cols = list(modes_frame.columns)
    data = [modes_frame[c].tolist() for c in cols]
    groups: dict[str, list[dict]] = {}
    for vals in zip(*data):
        x = dict(zip(cols, vals))
        if wanted is not None and x["mode"] not in wanted:
            continue
        key = x["crossing_id"] if not _na(x["crossing_id"]) else f"port:{x['port_number']}"
        groups.setdefault(key, []).append(x)
    for recs in groups.values():
        first = recs[0]
        by = {s: [x for x in recs if x["status"] == s] for s in ("open", "closed", "unknown")}
        restricted = [x for x in recs if x["restricted"]]
        n = len(recs)
        if len(by["closed"]) == n:
            status = "closed"
        elif by["closed"] or restricted:
            status = "partial"
        elif by["open"]:
            status = "open"
        else:
            status = "unknown"
        reason = _crossing_reason(status, recs, by)
        notes = "; ".join(f"{MODE_NAMES[x['mode']]}: {x['notes']}" for x in recs
                          if isinstance(x["notes"], str) and x["notes"])
        used = [x for x in recs if not _na(x["as_of"])]
        newest = max(used, key=lambda x: x["as_of"]) if used else None
        age = newest["age_minutes"] if newest else pd.NA
        evidence = tuple(e for x in recs for e in x["evidence"] if not e.startswith(("event ", "port_status")))
        ps = next((x["port_status"] for x in recs if not _na(x["port_status"])), pd.NA)
        rows.append({
            "crossing_id": first["crossing_id"], "port_number": first["port_number"],
            "port_name": first["port_name"], "crossing_name": first["crossing_name"], "state": first["state"],
            "status": status, "reason": reason, "notes": notes or pd.NA,
            "modes_open": tuple(x["mode"] for x in by["open"]),
            "modes_closed": tuple(x["mode"] for x in by["closed"]),
            "modes_unknown": tuple(x["mode"] for x in by["unknown"]),
            "port_status": ps, "updated_at": newest["as_of"] if newest else pd.NA, "age_minutes": age,
            "age_text": (fmt_age(pd.Timedelta(minutes=int(age))) or pd.NA) if not _na(age) else pd.NA,
            "evidence": evidence, "latest_capture": first["latest_capture"], "hours": first["hours"],
            "notice": first["notice"], "tz": first["tz"], "event_ids": first["event_ids"],
        })
    frame = pd.DataFrame(rows, columns=[c.name for c in STATUS_COLUMNS])
    return conform(frame, STATUS_COLUMNS, "status")


def _crossing_reason(status: str, recs: list[dict], by: dict[str, list[dict]]) -> str:
    """'commercial vehicles closed (every reporting lane reads Lanes Closed (standard)); passenger vehicles,
    pedestrians open' - closed modes with their reasons, open modes named, unknown modes grouped by reason."""
    if len(recs) == 1:
        x = recs[0]
        name = MODE_NAMES[x["mode"]]
        return f"{name} {x['status']}: {x['reason']}" if x["status"] != "unknown" else f"{name}: {x['reason']}"
    reasons = {x["reason"] for x in recs}
    if len(reasons) == 1 and status in ("closed", "unknown"):
        return f"all modes closed: {recs[0]['reason']}" if status == "closed" else recs[0]["reason"]
    parts = [f"{MODE_NAMES[x['mode']]} closed: {x['reason']}" for x in by["closed"]]
    if by["open"]:
        names = [MODE_NAMES[x["mode"]] for x in by["open"]]
        newest = max(by["open"], key=lambda x: x["as_of"])
        stamp = newest["reason"][newest["reason"].rfind("(CBP update"):] if "(CBP update" in newest["reason"] else ""
        parts.append(f"{_and(names)} open {stamp}".rstrip())
    grouped: dict[str, list[str]] = {}
    for x in by["unknown"]:
        grouped.setdefault(x["reason"], []).append(MODE_NAMES[x["mode"]])
    parts += [f"{_and(names)}: {why}" for why, names in grouped.items()]
    return "; ".join(parts)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def crossing_status(
    waits: pd.DataFrame,
    events: pd.DataFrame | None,
    crossings: pd.DataFrame,
    at: pd.Timestamp | None = None,
    *,
    states: Iterable[str] | None = None,
    modes: Iterable[str] | None = None,
    include_reference_only: bool = True,
    port_info: pd.DataFrame | None = None,
    usable_for: pd.Timedelta = USABLE_FOR,
) -> pd.DataFrame:
    """One row per crossing with its status at ``at`` judged on ``modes`` (STATUS_COLUMNS):
    :func:`roll_up` of :func:`mode_status`."""
    mf = mode_status(waits, events, crossings, at, states=states, include_reference_only=include_reference_only,
                     port_info=port_info, usable_for=usable_for)
    return roll_up(mf, modes)
