"""Current waits (WAITS_COLUMNS) for one or a few crossings: a horizontal bar per mode x lane.

A lane with no number (``Lanes Closed``, ``Update Pending``, blank) is written "no reading (...)" on its
row, never drawn as a 0 bar; lanes the feed marks ``N/A`` (the crossing has no such lane) are left out.
Stale readings (``stale_reading``: the port is Closed, so the lane numbers are old) are hatched, grey-edged
and labelled "stale"."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .status_map import LANE_LABELS, MODE_LABELS, _isna, _name, format_updated
from ..safe_text import plotly_text as esc
from .theme import INK, MUTED, TEMPLATE, caption_annotation, new_figure, title_layout, title_px

#: Mode colours (Okabe-Ito) and patterns.
MODE_STYLE = {"passenger": {"color": "#0072B2"}, "pedestrian": {"color": "#008A63"},
              "commercial": {"color": "#A86F00"}}
TABLE_COLUMNS = ["crossing", "mode", "lane", "row", "operational_status", "delay_minutes", "lanes_open",
                 "max_lanes", "stale_reading", "updated", "shown_as"]


def waits_table(waits: pd.DataFrame) -> pd.DataFrame:
    """One row per drawn row of :func:`make_waits_figure`, top to bottom: ``crossing, mode, lane, row
    (the y label), operational_status, delay_minutes, lanes_open, max_lanes, stale_reading, updated,
    shown_as`` (``"bar"`` or ``"no reading"``)."""
    w = waits[waits["operational_status"].ne("N/A").fillna(True)]
    mode_rank = {m: i for i, m in enumerate(MODE_LABELS)}
    lane_rank = {m: i for i, m in enumerate(LANE_LABELS)}
    w = w.assign(crossing=[_name(p, c) for p, c in zip(w["port_name"], w["crossing_name"])],
                 _m=w["mode"].map(mode_rank).fillna(9), _l=w["lane"].map(lane_rank).fillna(9))
    w = w.sort_values(["crossing", "_m", "_l"], kind="stable")
    several = w["crossing"].nunique() > 1
    rows = []
    for r in w.to_dict("records"):
        lane = f"{MODE_LABELS.get(r['mode'], r['mode'])} {LANE_LABELS.get(r['lane'], r['lane'])}"
        rows.append({
            "crossing": r["crossing"], "mode": r["mode"], "lane": r["lane"],
            "row": f"{r['crossing']} · {lane}" if several else lane,
            "operational_status": r["operational_status"], "delay_minutes": r["delay_minutes"],
            "lanes_open": r["lanes_open"], "max_lanes": r["max_lanes"],
            "stale_reading": bool(r["stale_reading"]) if not _isna(r["stale_reading"]) else False,
            "updated": format_updated(r["updated_at"]),
            "shown_as": "no reading" if _isna(r["delay_minutes"]) else "bar",
        })
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _bar_text(r: dict) -> str:
    t = f"{int(r['delay_minutes'])} min"
    if not _isna(r["lanes_open"]):
        n = int(r["lanes_open"])
        t += f" · {n} lane{'s' if n != 1 else ''}"
    return t + (" · stale" if r["stale_reading"] else "")


def make_waits_figure(waits: pd.DataFrame, *, table: pd.DataFrame | None = None, title: str | None = None,
                      subtitle: str | None = None, caption: str | None = None) -> go.Figure:
    """Horizontal bars of ``delay_minutes`` per mode x lane (one trace per mode, plus one for stale
    readings) for the crossings in ``waits``; NA lanes as "no reading" text, never 0 bars."""
    table = waits_table(waits) if table is None else table
    traces = []
    for mode, style in MODE_STYLE.items():
        for stale in (False, True):
            part = table[(table["mode"] == mode) & (table["shown_as"] == "bar") & (table["stale_reading"] == stale)]
            if part.empty:
                continue
            recs = part.to_dict("records")
            traces.append(dict(
                type="bar", orientation="h", y=part["row"].tolist(),
                x=[int(v) for v in part["delay_minutes"]],
                name=MODE_LABELS[mode] + (" (stale)" if stale else ""), meta=mode,
                text=[_bar_text(r) for r in recs], textposition="outside", cliponaxis=False,
                marker=dict(color=style["color"], opacity=0.45 if stale else 1,
                            line=dict(color=MUTED if stale else style["color"], width=1.5),
                            pattern=dict(shape="/" if stale else "", fgcolor=INK, size=6, solidity=0.25,
                                         fillmode="overlay")),
                customdata=[[esc(r["operational_status"]), esc(r["updated"])] for r in recs],
                hovertemplate="<b>%{y}</b><br>%{x} min (%{customdata[0]})<br>%{customdata[1]}<extra></extra>",
            ))
    anns = []
    for r in table[table["shown_as"] == "no reading"].to_dict("records"):
        why = "" if _isna(r["operational_status"]) else f" ({esc(r['operational_status'])})"
        anns.append(dict(x=0, y=r["row"], xref="x", yref="y", xanchor="left", showarrow=False,
                         text=f"<i>no reading{why}</i>" + (" · stale" if r["stale_reading"] else ""),
                         font=dict(size=12, color=MUTED)))
    if table.empty:
        anns.append(dict(text="No lane readings for this selection", x=0.5, y=0.5, xref="paper", yref="paper",
                         showarrow=False, font=dict(size=15, color=MUTED)))
    n = len(table)
    xmax = max([int(v) for v in table["delay_minutes"].dropna()] + [30])
    top = max(title_px(title, subtitle), 10) + 40 + (26 if len(traces) > 4 else 0)
    height = 80 + 34 * max(n, 2) + top
    cap, margin_b = caption_annotation(caption, 55)
    if cap:
        anns.append(cap)
        height += margin_b - 55
    layout = dict(
        template=TEMPLATE, height=height, barmode="overlay", bargap=0.3,
        xaxis=dict(title=dict(text="Wait (minutes)"), range=[0, xmax * 1.25], rangemode="tozero"),
        yaxis=dict(autorange="reversed", automargin=True, categoryorder="array",
                   categoryarray=table["row"].tolist(), title=None),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom", title=dict(text="Mode")),
        margin=dict(l=20, r=30, t=top, b=margin_b),
        annotations=anns,
    )
    if title:
        layout["title"] = title_layout(title, height, subtitle=subtitle)
    return new_figure(traces, layout)
