"""The status map: every crossing of the chosen states as a marker coloured *and* shaped by its status.

Offline by design: ``go.Scattergeo`` on plotly's own basemap (``scope="north america"``, 50 m resolution,
U.S. state borders, Mexico shaded), whose topojson the page serves locally (plotly config ``topojsonURL``)
and the export sets through ``plotly.io.defaults.topojson``. Tile maps (``scatter_map``) need the internet.

Co-located crossings
--------------------
Several crossings share one reference point (Nogales DeConcini / Mariposa / Morley Gate, San Luis I / II,
Otay Mesa passenger / commercial, San Ysidro / PedWest, the two feed entries of Brownsville Gateway and of
Fort Hancock). Drawn at their true point they would be one marker and only one of them could be hovered or
clicked. We fan each such group out on a small circle around the shared point, deterministically (members
sorted by ``crossing_id``, first one due west, then clockwise). A fixed offset of a few hundred metres
would still be under one pixel at state zoom (Arizona is ~800 px for ~7 degrees, ~1 km per pixel), so the
radius follows the view instead: ~1.1 % of the shown longitude span (about one marker width: ~9 km in the
three-state view, ~8 km for Arizona alone), never below 300 m. The hover says that the marker is fanned out
and names the siblings; :func:`status_map_table` keeps the true ``lat``/``lon`` next to the drawn
``map_lat``/``map_lon``.
"""
from __future__ import annotations

import html
import math
import re
import textwrap
import weakref
from collections.abc import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.regions import REGIONS

from ..safe_text import plotly_text as esc
from .theme import (INK, MUTED, STATUS_ORDER, STATUS_STYLE, TEMPLATE, caption_annotation, new_figure, records,
                    title_layout, title_px)

#: The waits frame's mode / lane values and how the hover names them, in display order.
MODE_LABELS = {"passenger": "Passenger", "pedestrian": "Pedestrian", "commercial": "Commercial"}
LANE_LABELS = {"standard": "standard", "sentri": "SENTRI", "ready": "Ready", "fast": "FAST"}
#: Crossing kinds that never appear in the CBP wait-time feed, and how the hover says so.
KIND_LABELS = {"rail": "Rail bridge", "dam": "Dam crossing", "ferry": "Ferry", "port": "Port of entry"}

#: Fan-out radius as a share of the shown longitude span, and its floor in degrees (~300 m).
FAN_SHARE = 0.011
FAN_MIN_DEG = 0.003
#: Points closer than this (degrees, ~50 m) count as one shared point.
SAME_POINT_DEG = 0.0005
#: Width / height the fitted view aims for when the plot box is not known.
VIEW_ASPECT = 2.2
#: Figure width (CSS px) the view is fitted to by default: the export's default width.
FIT_WIDTH = 1200
#: West and east ends of each state's stretch of the border (longitude): the view always shows all of it.
STATE_BORDER_LON = {"CA": (-117.13, -114.72), "AZ": (-114.82, -109.05), "TX": (-106.65, -97.15)}
#: Crossings of these statuses are always labelled (with a leader line if need be), and so are the
#: selected crossing and the BUSIEST_N largest by lanes; every other crossing is labelled where its
#: label fits clear of markers and other labels (all of them at a region's zoom).
LABELLED_STATUSES = ("closed", "partial")
BUSIEST_N = 10
#: Crossing names that say nothing without their port ("Bridge I" -> "Eagle Pass Bridge I").
_GENERIC_NAMES = {"east", "west", "passenger", "commercial", "gateway", "b&m", "veterans"}
#: Faint place labels (lat, lon); drawn only when inside the view.
STATE_LABELS = {"CALIFORNIA": (33.45, -116.3), "ARIZONA": (33.2, -111.9), "NEW MEXICO": (33.0, -107.9),
                "TEXAS": (30.9, -101.0)}
MEXICO_FILL = "#ebe6dc"

TABLE_COLUMNS = ["crossing_id", "name", "label", "state", "kind", "status", "reason", "notes", "modes", "updated",
                 "lanes", "hours", "notice", "lat", "lon", "map_lat", "map_lon", "shares_point_with"]
#: How the hover names a mode's state.
MODE_WORDS = {"passenger": "passenger vehicles", "pedestrian": "pedestrians", "commercial": "commercial vehicles",
              "rail": "rail"}


def _isna(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _name(port_name: object, crossing_name: object) -> str:
    p = "" if _isna(port_name) else str(port_name)
    c = "" if _isna(crossing_name) else str(crossing_name)
    if c and c.lower() != p.lower():
        return f"{p} – {c}" if p else c
    return p or c


def format_updated(ts: object, today: object = None) -> str:
    """``"updated 10:00 PDT"`` when the timestamp is today (in its own zone), else with its date and year:
    ``"updated 2022-06-29 10:00 PDT"``; ``"no update time"`` when missing. ``today`` (a date) for tests."""
    if _isna(ts) or ts is None:
        return "no update time"
    t = pd.Timestamp(ts)
    zone = t.strftime("%Z") if t.tzinfo is not None else "local"
    now = today if today is not None else (pd.Timestamp.now(tz=t.tzinfo).date() if t.tzinfo else None)
    if now is not None and t.date() == now:
        return f"updated {t.strftime('%H:%M')} {zone}"
    return f"updated {t.strftime('%Y-%m-%d %H:%M')} {zone}"


def _modes_line(open_: object, closed: object, unknown: object) -> str:
    """'open: passenger vehicles, pedestrians · closed: commercial vehicles · unknown: rail'."""
    parts = []
    kinds = sum(1 for ms in (open_, closed, unknown) if isinstance(ms, (tuple, list)) and ms)
    if kinds < 2:
        return ""  # every mode alike: the status line says it all
    for word, ms in (("open", open_), ("closed", closed), ("unknown", unknown)):
        if isinstance(ms, (tuple, list)) and ms:
            parts.append(f"{word}: {', '.join(MODE_WORDS.get(m, m) for m in ms)}")
    return " · ".join(parts)


def lane_line(mode: str, lane: str, operational_status: object, delay: object, lanes_open: object,
              stale: object = False) -> str | None:
    """One hover line for a lane, e.g. ``"Passenger standard: 25 min, 4 lanes open"``. A missing delay is
    ``"no reading"`` (with the feed's reason), never 0. Lanes the feed marks ``N/A`` return None."""
    op = None if _isna(operational_status) else str(operational_status)
    if op == "N/A":
        return None
    label = f"{MODE_LABELS.get(mode, str(mode).capitalize())} {LANE_LABELS.get(lane, str(lane))}"
    if _isna(delay):
        text = f"{label}: no reading" + (f" ({op})" if op else "")
    else:
        text = f"{label}: {int(delay)} min"
        if op == "no delay":
            text += " (no delay)"
        if not _isna(lanes_open):
            n = int(lanes_open)
            text += f", {n} lane{'s' if n != 1 else ''} open"
    if not _isna(stale) and bool(stale):
        text += " · stale (port closed)"
    return text


#: _lane_lines results by frame identity: the feed frame is long-lived and the lines depend on it alone,
#: while the map is rebuilt on every filter change. Holds weak references only.
_LANE_LINES: dict[int, tuple[weakref.ref, dict[str, list[str]]]] = {}


def _lane_lines(waits: pd.DataFrame | None) -> dict[str, list[str]]:
    """``{port_number: [hover line, ...]}`` in mode/lane display order (memoised per frame object)."""
    if waits is None or waits.empty:
        return {}
    hit = _LANE_LINES.get(id(waits))
    if hit is not None and hit[0]() is waits:
        return hit[1]
    out = _compute_lane_lines(waits)
    if len(_LANE_LINES) > 8:
        _LANE_LINES.clear()
    _LANE_LINES[id(waits)] = (weakref.ref(waits), out)
    return out


def _compute_lane_lines(waits: pd.DataFrame) -> dict[str, list[str]]:
    waits = waits[waits["operational_status"].ne("N/A").fillna(True)]  # lanes the crossing does not have
    mode_rank = {m: i for i, m in enumerate(MODE_LABELS)}
    lane_rank = {m: i for i, m in enumerate(LANE_LABELS)}
    w = waits.assign(_m=waits["mode"].map(mode_rank).fillna(9), _l=waits["lane"].map(lane_rank).fillna(9))
    w = w.sort_values(["port_number", "_m", "_l"], kind="stable")
    stale = w["stale_reading"] if "stale_reading" in w.columns else pd.Series(False, index=w.index)
    out: dict[str, list[str]] = {}
    cols = [w[k].tolist() for k in ("port_number", "mode", "lane", "operational_status", "delay_minutes",
                                    "lanes_open")]
    for pn, mode, lane, op, d, lo, st in zip(*cols, stale.tolist()):
        line = lane_line(mode, lane, op, d, lo, st)
        if line is not None:
            out.setdefault(str(pn), []).append(line)
    return out


def _merc_y(lat: float) -> float:
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _merc_lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(math.radians(y))) - math.pi / 2)


def _view_ranges(lats: Sequence[float], lons: Sequence[float], aspect: float = VIEW_ASPECT,
                 states: Iterable[str] = ()) -> tuple[list[float], list[float]]:
    """Longitude and latitude ranges that frame the points (and the whole border stretch of ``states``)
    with room for markers and for the Mexican side, widened to ``aspect`` (width / height on the Mercator
    map) so the map fills the plot box."""
    ends = [v for st in states for v in STATE_BORDER_LON.get(str(st), ())]
    lo_min, lo_max = min(list(lons) + ends), max(list(lons) + ends)
    pad_lon = max(0.6, 0.08 * (lo_max - lo_min))
    x0, x1 = lo_min - pad_lon, lo_max + pad_lon
    # a little more room to the south: the Mexican side gives context
    y0, y1 = _merc_y(min(lats)) - 1.0, _merc_y(max(lats)) + 0.7
    w, h = x1 - x0, y1 - y0
    if w / h > aspect:  # too wide: grow north/south around the middle
        grow = (w / aspect - h) / 2
        y0, y1 = y0 - grow, y1 + grow
    else:  # too tall: grow east/west
        grow = (h * aspect - w) / 2
        x0, x1 = x0 - grow, x1 + grow
    return [round(x0, 3), round(x1, 3)], [round(_merc_lat(y0), 3), round(_merc_lat(y1), 3)]


def _fan_out(df: pd.DataFrame, radius_deg: float) -> tuple[list[float], list[float], list[str]]:
    """Drawn lat/lon for every row (co-located groups fanned out) and each row's siblings' names."""
    lat = df["lat"].tolist()
    lon = df["lon"].tolist()
    ids = df["crossing_id"].tolist()
    names = df["name"].tolist()
    map_lat, map_lon, siblings = list(lat), list(lon), [""] * len(ids)
    keys: dict[tuple[int, int], list[int]] = {}
    for i, (a, b) in enumerate(zip(lat, lon)):
        keys.setdefault((round(a / SAME_POINT_DEG), round(b / SAME_POINT_DEG)), []).append(i)
    for members in keys.values():
        if len(members) < 2:
            continue
        members = sorted(members, key=lambda i: ids[i])
        n = len(members)
        r = radius_deg * (1.0 if n <= 3 else 1.0 + 0.15 * (n - 3))
        for k, i in enumerate(members):
            ang = math.pi - 2 * math.pi * k / n  # start due west, go clockwise (north next)
            coslat = math.cos(math.radians(lat[i]))
            map_lon[i] = lon[i] + r * math.cos(ang)
            map_lat[i] = lat[i] + r * math.sin(ang) * coslat  # round on a conformal map
            siblings[i] = ", ".join(names[j] for j in members if j != i)
    return map_lat, map_lon, siblings


def status_map_table(status: pd.DataFrame, crossings: pd.DataFrame, *, waits: pd.DataFrame | None = None,
                     states: Iterable[str] | None = ("TX", "AZ", "CA"), region: str | None = None) -> pd.DataFrame:
    """Exactly what :func:`make_status_map_figure` draws: one row per located crossing of ``states``
    (status rows join the crossings table on ``crossing_id``, falling back to ``port_number``; rows that
    match no crossing cannot be placed and are left out), with the hover's lane lines (``;``-joined),
    the true ``lat``/``lon`` and the drawn ``map_lat``/``map_lon``. Columns: ``TABLE_COLUMNS``."""
    if status.empty:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in TABLE_COLUMNS})
    # Plain Python over a few dozen rows: pandas' per-operation overhead was most of this function's time.
    cols = ("crossing_id", "port_number", "port_name", "crossing_name", "state", "kind", "lat", "lon")
    cx = {r[0]: r for r in zip(*(crossings[k].tolist() for k in cols))}
    by_port = {str(p): c for p, c in zip(crossings["port_number"].tolist(), crossings["crossing_id"].tolist())
               if not _isna(p)}
    states = None if states is None else [str(x) for x in states]
    wanted = None if states is None else set(states)
    picked: dict[str, dict] = {}  # crossing_id -> status row; a later row for a crossing replaces it
    # The status frame carries the evidence used at its time (STATUS_COLUMNS): lanes come from it, so the
    # hover never shows another time's readings as current. Frames without it fall back to the feed's lanes.
    has_evidence = "evidence" in status.columns
    extra = [c for c in ("notes", "modes_open", "modes_closed", "modes_unknown", "hours", "notice", "evidence",
                         "age_text", "latest_capture") if c in status.columns]
    keys = ["crossing_id", "port_number", "status", "reason", "updated_at"] + extra
    for vals in zip(*(status[k].tolist() for k in keys)):
        row = dict(zip(keys, vals))
        c, p = row["crossing_id"], row["port_number"]
        cid = c if not _isna(c) else by_port.get(str(p)) if not _isna(p) else None
        if cid not in cx or (wanted is not None and cx[cid][4] not in wanted):
            continue
        picked.pop(cid, None)
        picked[cid] = row
    lanes = _lane_lines(waits) if not has_evidence else {}
    recs = []
    for cid, row in picked.items():
        _, pn, port_name, crossing_name, state, kind, lat, lon = cx[cid]
        st, reason, updated = row["status"], row["reason"], row["updated_at"]
        stale_text = ""  # hours and notices are the capture's: say which, when it is not current
        if has_evidence:
            lane_text = "; ".join(row["evidence"])
            if _isna(updated):
                cap = row.get("latest_capture")
                upd = (f"latest capture {pd.Timestamp(cap).strftime('%Y-%m-%d %H:%M %Z')}" if not _isna(cap)
                       else "no update time")
                stale_text = f" (at the {pd.Timestamp(cap).strftime('%Y-%m-%d')} capture)" if not _isna(cap) else ""
            else:
                upd = format_updated(updated) + (f", {row['age_text']}" if not _isna(row.get("age_text")) else "")
        else:
            lane_text = "; ".join(lanes.get(str(pn), [])) if not _isna(pn) else ""
            upd = format_updated(updated)
        recs.append({
            "crossing_id": str(cid), "name": _name(port_name, crossing_name),
            "label": short_name(port_name, crossing_name, kind), "state": str(state), "kind": str(kind),
            "status": str(st) if str(st) in STATUS_STYLE else "unknown",
            "reason": "" if _isna(reason) else str(reason),
            "notes": "" if _isna(row.get("notes")) else str(row["notes"]),
            "modes": _modes_line(row.get("modes_open"), row.get("modes_closed"), row.get("modes_unknown")),
            "updated": upd, "lanes": lane_text,
            "hours": "" if _isna(row.get("hours")) else str(row["hours"]) + stale_text,
            "notice": "" if _isna(row.get("notice")) else str(row["notice"]) + stale_text,
            "lat": float(lat), "lon": float(lon),
        })
    if not recs:
        rows = pd.DataFrame({k: [] for k in TABLE_COLUMNS[:15]})
        return rows.assign(map_lat=[], map_lon=[], shares_point_with=[])[TABLE_COLUMNS]
    if region in REGIONS:  # zoomed in: the fan-out shrinks with the view
        lon_range = list(REGIONS[region]["box"][:2])
    else:
        lon_range, _ = _view_ranges([r["lat"] for r in recs], [r["lon"] for r in recs], states=states or ())
    radius = max(FAN_MIN_DEG, FAN_SHARE * (lon_range[1] - lon_range[0]))
    recs.sort(key=lambda r: (r["state"], r["crossing_id"]))
    # "Raul Hector Castro" says less than "Douglas" when it is the port's only crossing; two labels alike
    # ("El Paso rail" for BNSF and UP) fall back to the full name
    port_of = [r["name"].split(" – ")[0] for r in recs]
    n_at_port: dict[str, int] = {}
    for r, p in zip(recs, port_of):
        if r["kind"] == "port":
            n_at_port[p] = n_at_port.get(p, 0) + 1
    for r, p in zip(recs, port_of):
        if r["kind"] == "port" and n_at_port.get(p) == 1 and r["label"].count(" ") >= 2:
            r["label"] = p
    seen: dict[str, int] = {}
    for r in recs:
        seen[r["label"]] = seen.get(r["label"], 0) + 1
    for r in recs:
        if seen[r["label"]] > 1:
            r["label"] = re.sub(r" Rail Bridge$", " rail", r["name"].replace(" – ", " "))
    rows = pd.DataFrame({k: [r[k] for r in recs] for k in TABLE_COLUMNS[:15]})
    map_lat, map_lon, sib = _fan_out(rows, radius)
    rows["map_lat"], rows["map_lon"], rows["shares_point_with"] = map_lat, map_lon, sib
    return rows[TABLE_COLUMNS]


def short_name(port_name: object, crossing_name: object, kind: object) -> str:
    """A map label: ``"Lukeville"``, ``"Morley Gate"``, ``"Eagle Pass rail"``, ``"Eagle Pass Bridge I"``."""
    p = "" if _isna(port_name) else str(port_name)
    c = "" if _isna(crossing_name) else re.sub(r"\s*\(.*?\)|\s+International( Bridge)?$", "", str(crossing_name))
    if str(kind) == "rail":
        return f"{p} rail"
    if not c or c.lower() == p.lower():
        return p or c
    if c.lower() in _GENERIC_NAMES or c.lower().startswith("bridge "):
        return f"{p} {c}"
    return c


#: Label candidates around a marker: (dx, dy) unit direction, textposition, and distance in pixels.
_NEAR, _FAR = 9, 30
_DIRS = [((1, 0), "middle right"), ((-1, 0), "middle left"), ((0, -1), "top center"),
         ((0, 1), "bottom center"), ((0.7, -0.7), "top right"), ((0.7, 0.7), "bottom right"),
         ((-0.7, -0.7), "top left"), ((-0.7, 0.7), "bottom left")]
_CHAR_PX, _LINE_PX, _MARK_PX = 6.9, 15, 8


def _label_box(x: float, y: float, w: float, pos: str) -> tuple[float, float, float, float]:
    v, h = pos.split(" ")
    x0 = x if h == "right" else x - w if h == "left" else x - w / 2
    y0 = y - _LINE_PX if v == "top" else y if v == "bottom" else y - _LINE_PX / 2
    return x0, y0, x0 + w, y0 + _LINE_PX


def label_priority(table: pd.DataFrame, selected: str | None = None,
                   busiest: Iterable[str] = ()) -> tuple[list[str], set[str]]:
    """Crossing ids in labelling order and the set that must be labelled: the selected crossing, closed,
    partial, the busiest; then every other crossing from west to east."""
    busiest = list(busiest)
    rank = {st: i for i, st in enumerate(LABELLED_STATUSES)}
    must = {c for c, st in zip(table["crossing_id"], table["status"]) if st in rank} | set(busiest)
    if selected:
        must.add(selected)
    must &= set(table["crossing_id"])
    def key(r):
        c = r[0]
        return (0 if c == selected else 1 if r[1] in rank else 2 if c in busiest else 3,
                rank.get(r[1], 9), busiest.index(c) if c in busiest else 0, r[2])
    order = [r[0] for r in sorted(zip(table["crossing_id"], table["status"], table["map_lon"]), key=key)]
    return order, must


def _place_labels(table: pd.DataFrame, lon_range: list[float], lat_range: list[float], plot_w: float,
                  plot_h: float, avoid: dict[str, tuple[float, float]] | None = None, *,
                  selected: str | None = None, busiest: Iterable[str] = ()) -> list[dict]:
    """Greedy label placement in the assumed plot box (pixels, Mercator), in :func:`label_priority`
    order: try 8 positions next to the marker, then 8 further out (with a leader line), and take the
    first that overlaps no marker, no placed label and stays inside the frame. A crossing that must be
    labelled takes the least bad position if none is clear; any other crossing is left unlabelled
    rather than overlap (its name is in the hover and the table). Returns ``{crossing_id, text, lat,
    lon, textposition, leader}`` per label, in lat/lon."""
    y_top, y_bot = _merc_y(lat_range[1]), _merc_y(lat_range[0])
    sx = plot_w / (lon_range[1] - lon_range[0])
    sy = plot_h / (y_top - y_bot)
    to_px = lambda lat, lon: ((lon - lon_range[0]) * sx, (y_top - _merc_y(lat)) * sy)  # noqa: E731
    marks = [to_px(a, b) for a, b in zip(table["map_lat"], table["map_lon"])]
    obstacles = [(x - _MARK_PX, y - _MARK_PX, x + _MARK_PX, y + _MARK_PX) for x, y in marks]
    for text, (lat, lon) in (avoid or {}).items():  # the basemap's place names
        x, y = to_px(lat, lon)
        w = 7.5 * len(text)
        obstacles.append((x - w / 2, y - 8, x + w / 2, y + 8))
    order, must = label_priority(table, selected, busiest)
    by_id = {r["crossing_id"]: r for r in records(table)}
    placed: list[tuple] = []
    out = []
    for r in (by_id[c] for c in order):
        text = r["label"]
        w = _CHAR_PX * len(text) + 4
        x, y = to_px(r["map_lat"], r["map_lon"])
        reach = _FAR + w + _LINE_PX  # only what is near can be hit
        near = [o for o in obstacles if o[2] > x - reach and o[0] < x + reach
                and o[3] > y - reach and o[1] < y + reach]
        n_obst = len(near)
        near += [o for o in placed if o[2] > x - reach and o[0] < x + reach
                and o[3] > y - reach and o[1] < y + reach]
        best = None
        for dist in (_NEAR, _FAR):
            for (dx, dy), pos in _DIRS:
                ax, ay = x + dx * dist, y + dy * dist
                box = _label_box(ax, ay, w, pos)
                bx0, by0, bx1, by1 = box
                bad = 0.0  # overlap area with what is near, placed labels counting double
                for i, (ox0, oy0, ox1, oy1) in enumerate(near):
                    ow = min(bx1, ox1) - max(bx0, ox0)
                    if ow > 0:
                        oh = min(by1, oy1) - max(by0, oy0)
                        if oh > 0:
                            bad += ow * oh * (1 if i < n_obst else 2)
                outside = (max(0, -box[0]) + max(0, box[2] - plot_w) + max(0, -box[1]) + max(0, box[3] - plot_h))
                bad += 1000 * outside + (0 if dist == _NEAR else 1)  # prefer near when equally clear
                if best is None or bad < best[0]:
                    best = (bad, ax, ay, pos, box, dist)
                if best[0] == 0:
                    break
            if best[0] < 1.5:
                break
        if best[0] >= 1.5 and r["crossing_id"] not in must:
            continue  # no clear spot: better no label than one on top of another
        _, ax, ay, pos, box, dist = best
        placed.append(box)
        lon = lon_range[0] + ax / sx
        lat = _merc_lat(y_top - ay / sy)
        out.append({"crossing_id": r["crossing_id"], "text": text, "lat": lat, "lon": lon, "textposition": pos,
                    "leader": dist == _FAR, "mark": (r["map_lat"], r["map_lon"])})
    return out


def region_ranges(region: str, aspect: float) -> tuple[list[float], list[float]]:
    """The region's box widened to ``aspect`` (width / height on the Mercator map), with a margin."""
    w, e, s, n = REGIONS[region]["box"]
    x0, x1, y0, y1 = w, e, _merc_y(s), _merc_y(n)
    pad = 0.06 * (x1 - x0)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    wd, ht = x1 - x0, y1 - y0
    if wd / ht > aspect:
        grow = (wd / aspect - ht) / 2
        y0, y1 = y0 - grow, y1 + grow
    else:
        grow = (ht * aspect - wd) / 2
        x0, x1 = x0 - grow, x1 + grow
    return [round(x0, 4), round(x1, 4)], [round(_merc_lat(y0), 4), round(_merc_lat(y1), 4)]


def busiest_crossings(crossings: pd.DataFrame, waits: pd.DataFrame | None, n: int = BUSIEST_N) -> list[str]:
    """The ``n`` crossings with the most lanes in the CBP feed (``max_lanes`` summed over every mode and
    lane type): San Ysidro, Otay Mesa, the Laredo and El Paso bridges... largest first."""
    if waits is None or waits.empty or "max_lanes" not in waits.columns:
        return []
    lanes = waits.groupby("port_number")["max_lanes"].sum(min_count=1).dropna()
    ids = dict(zip(crossings["port_number"].astype(str), crossings["crossing_id"]))
    ranked = sorted(((int(v), ids[str(p)]) for p, v in lanes.items() if str(p) in ids), key=lambda t: (-t[0], t[1]))
    return [c for _, c in ranked[:n]]


#: Longest notice shown in a hover (the full text is in the crossing detail and the data table).
NOTICE_CHARS = 160


def _hover(r: dict) -> str:
    """The marker's hover. Every data-derived text is HTML-escaped: plotly renders hover text as markup."""
    def e(text: str, width: int = 72) -> str:  # escaped, wrapped to hover width
        return "<br>".join(html.escape(x) for x in textwrap.wrap(str(text), width, break_on_hyphens=False)) or ""
    style = STATUS_STYLE[r["status"]]
    parts = [f"<b>{e(r['name'])}</b> ({e(r['state'])})"]
    head = f"Status: <b>{style['label']}</b>"
    if r["reason"]:
        head += " — " + e(r["reason"])
    parts.append(head)
    if r.get("modes") and r["kind"] == "port":
        parts.append(e(r["modes"]))
    if r.get("notes"):
        parts.append(f"Note: {e(r['notes'])}")
    if r["kind"] != "port":
        parts.append(f"{KIND_LABELS.get(r['kind'], r['kind'])}: not in the CBP wait-time feed")
    if r["lanes"]:
        parts.extend(e(x) for x in r["lanes"].split("; "))
    elif r["kind"] == "port":
        parts.append("no lane readings at this time")
    parts.append(e(r["updated"]))
    if r.get("hours"):
        parts.append(f"Posted hours: {e(r['hours'])}")
    if r.get("notice"):
        n = r["notice"] if len(r["notice"]) <= NOTICE_CHARS else r["notice"][:NOTICE_CHARS - 1].rstrip() + "…"
        parts.append(f"Notice: {e(n)}")
    if r["shares_point_with"]:
        parts.append(f"<i>shares its map point with {e(r['shares_point_with'])}; marker offset for clarity</i>")
    return "<br>".join(parts)


def make_status_map_figure(status: pd.DataFrame, crossings: pd.DataFrame, *, table: pd.DataFrame | None = None,
                           waits: pd.DataFrame | None = None,
                           states: Iterable[str] | None = ("TX", "AZ", "CA"),
                           title: str | None = None, subtitle: str | None = None, caption: str | None = None,
                           height: int = 560, fit_width: int = FIT_WIDTH, region: str | None = None,
                           selected: str | None = None) -> go.Figure:
    """Map of crossing status (STATUS_COLUMNS frame) placed via the crossings table (CROSSINGS_COLUMNS),
    optionally with lane waits (WAITS_COLUMNS) in the hover. One trace per status present, named
    ``"Open (12)"``; rail/dam/ferry crossings get a dark ring. ``customdata[:, 0]`` is the crossing_id (the
    page's click selection). The view is fitted to the shown crossings and the whole border stretch of
    ``states``, at the plot box's aspect for a figure ``fit_width`` CSS px wide (the export's 1200 by
    default), so the map fills the image. Closed and partial crossings get a short name label
    (trace ``meta="labels"``), placed clear of markers and of each other where possible. Returns a
    ``go.Figure``."""
    if table is None:
        table = status_map_table(status, crossings, waits=waits, states=states, region=region)
    traces: list[dict] = []
    for st in STATUS_ORDER:
        part = table[table["status"] == st]
        if part.empty:
            continue
        style = STATUS_STYLE[st]
        recs = records(part)
        other = [r["kind"] != "port" for r in recs]
        n_other = sum(other)
        open_symbol = str(style["symbol"]).endswith("-open")
        name = f"{style['label']} ({len(part)}" + (f", {n_other} rail/dam/ferry)" if n_other else ")")
        is_sel = [r["crossing_id"] == selected for r in recs]
        # the selected crossing: a larger marker with a thick dark outline (and a bold label)
        traces.append(dict(
            type="scattergeo", lat=part["map_lat"].tolist(), lon=part["map_lon"].tolist(),
            mode="markers", name=name, legendgroup=st, meta=st,
            marker=dict(
                symbol=style["symbol"], color=style["color"], opacity=1,
                size=[style["size"] * 1.7 if s_ else style["size"] for s_ in is_sel] if any(is_sel) else style["size"],
                line=dict(
                    color=[INK if s_ else style["color"] if open_symbol else (INK if o else "white")
                           for o, s_ in zip(other, is_sel)],
                    width=[3 if s_ else 3.5 if open_symbol and o else 2 if open_symbol else (2.2 if o else 1)
                           for o, s_ in zip(other, is_sel)],
                ),
            ),
            customdata=[[r["crossing_id"], r["lat"], r["lon"], r["status"]] for r in recs],
            hovertext=[_hover(r) for r in recs],
            hovertemplate="%{hovertext}<extra></extra>",
        ))
    cap, margin_b = caption_annotation(caption, 10)
    margin = dict(l=10, r=10, t=max(title_px(title, subtitle), 6) + 34, b=margin_b)
    plot_w = max(200, fit_width - margin["l"] - margin["r"])
    plot_h = max(150, height - margin["t"] - margin["b"])
    if region in REGIONS:
        lon_range, lat_range = region_ranges(region, plot_w / plot_h)
    elif not table.empty:
        lon_range, lat_range = _view_ranges(table["lat"].tolist(), table["lon"].tolist(),
                                            aspect=plot_w / plot_h, states=states or ())
    else:
        lon_range, lat_range = [-121.0, -95.0], [24.0, 35.5]
    # Mexico shaded (a choropleth of the basemap's own MEX outline) and faint place labels for orientation;
    # both carry meta "basemap", are hidden from the legend and skip hover.
    top = lat_range[1] - 0.1 * (lat_range[1] - lat_range[0])
    labels = {k: (min(v[0], top), v[1]) for k, v in STATE_LABELS.items()
              if lon_range[0] + 1.0 < v[1] < lon_range[1] - 1.0}
    labels["MEXICO"] = (lat_range[0] + 0.22 * (lat_range[1] - lat_range[0]), sum(lon_range) / 2)
    if region in REGIONS:  # a city-scale view: state and country names would sit on the crossings
        labels = {}
    shown = table
    if region in REGIONS and not table.empty:
        w, e, s_, n_ = lon_range[0], lon_range[1], lat_range[0], lat_range[1]
        shown = table[table["map_lon"].between(w, e) & table["map_lat"].between(s_, n_)]
    busiest = busiest_crossings(crossings, waits)
    if region in REGIONS:  # zoomed in: every crossing in view is named (with a leader line if need be)
        busiest = list(shown["crossing_id"])
    labels_at = (_place_labels(shown, lon_range, lat_range, plot_w, plot_h, labels, selected=selected,
                               busiest=busiest) if not shown.empty else [])
    for lab in labels_at:
        if lab["crossing_id"] == selected:
            pass  # drawn bold below (after escaping the name)

    if labels_at:
        leaders_lat: list[float | None] = []
        leaders_lon: list[float | None] = []
        for lab in labels_at:
            if lab["leader"]:
                leaders_lat += [lab["mark"][0], lab["lat"], None]
                leaders_lon += [lab["mark"][1], lab["lon"], None]
        if leaders_lat:
            traces.append(dict(type="scattergeo", mode="lines", lat=leaders_lat, lon=leaders_lon,
                               line=dict(color=MUTED, width=0.8), hoverinfo="skip", showlegend=False,
                               meta="label-leaders", name="label leaders"))
        traces.append(dict(
            type="scattergeo", mode="text", lat=[x["lat"] for x in labels_at], lon=[x["lon"] for x in labels_at],
            text=[f"<b>{esc(x['text'])}</b>" if x["crossing_id"] == selected else esc(x["text"]) for x in labels_at], textposition=[x["textposition"] for x in labels_at],
            ids=[x["crossing_id"] for x in labels_at],  # no customdata: not a clickable status point
            textfont=dict(size=12, color=INK, shadow="1px 1px 1px white, -1px -1px 1px white, "
                                                    "1px -1px 1px white, -1px 1px 1px white"),
            hoverinfo="skip", showlegend=False, meta="labels", name="labels",
        ))
    base = [
        dict(type="choropleth", locations=["MEX"], locationmode="ISO-3", z=[1],
             colorscale=[[0, MEXICO_FILL], [1, MEXICO_FILL]], showscale=False, marker=dict(line=dict(width=0)),
             hoverinfo="skip", showlegend=False, meta="basemap", name="Mexico"),
        dict(type="scattergeo", lat=[v[0] for v in labels.values()], lon=[v[1] for v in labels.values()],
             text=list(labels), mode="text", textfont=dict(size=12, color="#8c959f"), hoverinfo="skip",
             showlegend=False, meta="basemap", name="labels"),
    ]
    annotations = []
    if table.empty:
        annotations.append(dict(text="No crossings to show for this selection", x=0.5, y=0.5, xref="paper",
                                yref="paper", showarrow=False, font=dict(size=15, color=MUTED)))
    if cap:
        annotations.append(cap)
    layout = dict(
        template=TEMPLATE, height=height,
        geo=dict(scope="north america", resolution=50, projection=dict(type="mercator"),
                 showland=True, landcolor="#fcfcfb", showcountries=True, showsubunits=True,
                 showcoastlines=True, showframe=True, framecolor="#d0d7de", framewidth=1,
                 countrywidth=1.4, subunitwidth=0.8,
                 lonaxis=dict(range=lon_range), lataxis=dict(range=lat_range),
                 domain=dict(x=[0, 1], y=[0, 1])),
        margin=margin,
        legend=dict(title=dict(text="Status"), orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom",
                    itemsizing="constant", borderwidth=0, bgcolor="rgba(0,0,0,0)"),
        annotations=annotations,
        uirevision="status-map",
        # what Streamlit would set for a clickable chart anyway: set here, its chart element keeps the
        # figure as sent instead of re-rendering it with these changed
        clickmode="event+select", hovermode="closest", dragmode="pan",
    )
    if title:
        layout["title"] = title_layout(title, height, subtitle=subtitle)
    return new_figure(base + traces, layout)
