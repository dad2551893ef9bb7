"""Detections (analysis/outages.py) against the curated registry (data/events.csv):

* ``confirmed`` -- an event covers the detection (same crossing, a mode it closes, overlapping time);
* ``unrecorded`` -- no event covers it: a candidate for curation, with a pre-filled events.csv line that
  the curator completes (a source URL is required by the validator, so the line cannot be added unread);
* ``unsupported`` -- a disruptive event during which the history holds readings of its crossing but no
  detection: the readings do not show the closure (wrong dates, or a closure CBP's feed did not reflect).

Events at times without readings are left out: the absence of history says nothing.
"""
from __future__ import annotations

import csv
import io

import pandas as pd

from .impact import DISRUPTIVE_KINDS

RECONCILE_COLUMNS = ["status", "crossing_id", "port_number", "mode", "kind", "start", "end", "confidence",
                     "event_id", "evidence", "events_line"]
EVENT_FILE_COLUMNS = ("id", "title", "kind", "crossings", "state", "modes", "direction", "start", "end",
                      "summary", "source_urls", "confidence")
KIND_TITLE = {"port_closed": "closed (feed says Closed)", "mode_lanes_closed": "{mode} lanes all closed",
              "zero_lanes_open": "{mode}: no lanes open", "vanished": "missing from the CBP feed",
              "stuck": "{mode} readings stopped updating"}


def _keys(crossings: pd.DataFrame) -> dict[str, str]:
    """``{port_number or crossing_id: crossing_id}``."""
    out = dict(zip(crossings["crossing_id"], crossings["crossing_id"]))
    for pn, cid in zip(crossings["port_number"], crossings["crossing_id"]):
        if not pd.isna(pn):
            out[str(pn)] = cid
    return out


def _covers(ev: dict, cid: str, mode: str, start, end, keys: dict[str, str]) -> bool:
    if cid not in {keys.get(k, k) for k in ev["crossings"]}:
        return False
    if mode != "all" and "all" not in ev["modes"] and mode not in ev["modes"]:
        return False
    e0, e1 = ev["start"], ev["end"]
    d1 = end if end is not None and not pd.isna(end) else start
    return e0 <= d1 and (e1 is None or pd.isna(e1) or start < e1)


def reconcile(detections: pd.DataFrame, events: pd.DataFrame, crossings: pd.DataFrame,
              readings: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per detection (confirmed / unrecorded) and per unsupported event (``RECONCILE_COLUMNS``)."""
    keys = _keys(crossings)
    info = crossings.set_index("crossing_id")
    evs = events[events["kind"].isin(DISRUPTIVE_KINDS) & (events["direction"] != "southbound")].to_dict("records")
    rows = []
    supported: set[str] = set()
    for d in detections.to_dict("records"):
        end = None if pd.isna(d["end"]) else d["end"]
        hits = [e["id"] for e in evs if _covers(e, d["crossing_id"], d["mode"], d["start"], end, keys)]
        supported.update(hits)
        rows.append({"status": "confirmed" if hits else "unrecorded", "crossing_id": d["crossing_id"],
                     "port_number": d["port_number"], "mode": d["mode"], "kind": d["kind"], "start": d["start"],
                     "end": end, "confidence": d["confidence"], "event_id": ";".join(hits),
                     "evidence": d["evidence"], "events_line": "" if hits else candidate_line(d, info)})
    if readings is not None and len(readings):
        seen = readings.groupby("crossing_id")["collected_at"].agg(["min", "max"])
        for e in evs:
            if e["id"] in supported:
                continue
            cids = {keys.get(k, k) for k in e["crossings"]}
            e0 = e["start"].tz_convert("UTC")
            e1 = e["end"].tz_convert("UTC") if not pd.isna(e["end"]) else None
            for cid in sorted(cids):
                if cid not in seen.index:
                    continue
                lo, hi = seen.loc[cid, "min"], seen.loc[cid, "max"]
                inside = readings[(readings["crossing_id"] == cid) & (readings["collected_at"] >= e0)
                                  & ((readings["collected_at"] < e1) if e1 is not None else True)]
                if "all" not in e["modes"]:
                    inside = inside[inside["mode"].isin(e["modes"])]
                # only readings that say the lanes are working contradict the event ("Update Pending" says
                # nothing, "Lanes Closed" agrees with it)
                open_ = inside[inside["operational_status"].isin(["no delay", "delay"])]
                if len(open_):
                    rows.append({"status": "unsupported", "crossing_id": cid,
                                 "port_number": None if pd.isna(info.loc[cid, "port_number"]) else info.loc[cid, "port_number"],
                                 "mode": ";".join(e["modes"]), "kind": e["kind"], "start": e0, "end": e1,
                                 "confidence": e["confidence"], "event_id": e["id"],
                                 "evidence": f"{len(open_)} readings with lanes working during the event, e.g. "
                                             f"{_reading_text(open_.iloc[0])} (history {lo:%Y-%m-%d} to {hi:%Y-%m-%d})",
                                 "events_line": ""})
    out = pd.DataFrame(rows, columns=RECONCILE_COLUMNS)
    order = {"unrecorded": 0, "unsupported": 1, "confirmed": 2}
    return out.sort_values(["status", "start"], key=lambda s: s.map(order) if s.name == "status" else s,
                           kind="stable").reset_index(drop=True)


def _reading_text(r) -> str:
    delay = "" if pd.isna(r.get("delay_minutes")) else f", {int(r['delay_minutes'])} min"
    return f"{pd.Timestamp(r['collected_at']):%Y-%m-%d %H:%MZ} {r['mode']} {r['lane']} {r['operational_status']}{delay}"


def candidate_line(d: dict, info: pd.DataFrame) -> str:
    """A pre-filled ``data/events.csv`` line for an unrecorded detection (source URL left for the curator)."""
    cid = d["crossing_id"]
    tz = info.loc[cid, "tz"] if cid in info.index else "UTC"
    state = info.loc[cid, "state"] if cid in info.index else ""
    pn = info.loc[cid, "port_number"] if cid in info.index else None
    key = cid if pn is None or pd.isna(pn) else str(pn)
    start = pd.Timestamp(d["start"]).tz_convert(tz)
    end = None if d["end"] is None or pd.isna(d["end"]) else pd.Timestamp(d["end"]).tz_convert(tz)
    mode = d["mode"]
    name = cid
    if cid in info.index:
        r = info.loc[cid]
        name = r["port_name"] if pd.isna(r["crossing_name"]) else f"{r['port_name']} {r['crossing_name']}"
    what = KIND_TITLE.get(d["kind"], d["kind"]).format(mode=mode)
    kind = "closure" if mode == "all" else "partial_closure"
    row = {
        "id": f"{start:%Y-%m-%d}-{cid}-{d['kind'].replace('_', '-')}-candidate",
        "title": f"{name} {what} (detected, unverified)",
        "kind": kind, "crossings": key, "state": state, "modes": "all" if mode == "all" else mode,
        "direction": "northbound", "start": f"{start:%Y-%m-%dT%H:%M}",
        "end": "" if end is None else f"{end:%Y-%m-%dT%H:%M}",
        "summary": f"CANDIDATE from wait-time readings ({d['confidence']} confidence): {d['evidence']}. "
                   "Verify against a CBP statement or news report and add its https source.",
        "source_urls": "", "confidence": "low",
    }
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([row[c] for c in EVENT_FILE_COLUMNS])
    return buf.getvalue()
