"""Wait trend of one crossing: a line per mode x lane over the crossing's local time
(``analysis.wait_trend.trend_table`` is the ``*_table`` twin).

Lines break where no reading was taken for more than 90 minutes (the table's 'gap' rows) and at readings
without a number; those are ticks in a strip under the plot ("no number: Update Pending / Lanes Closed"),
never points at 0. Stretches of :data:`SHADE_AFTER` or more with no reading of any lane are shaded grey. Flagged outliers (see
``analysis.data_quality``) stay in the table; the axis is not stretched for them: they are pinned at the
top edge with their value written. Events are spans and lines with numbered tags, as on the volume charts.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .theme import MUTED, OKABE_ITO, TEMPLATE, caption_annotation, new_figure, title_layout
from .volumes import event_shapes, event_tags

#: lane -> (colour, dash, marker): each lane differs in colour, dash and marker.
LANE_STYLE = {"standard": ("#0072B2", "solid", "circle"), "sentri": ("#009E73", "dash", "diamond"),
              "ready": ("#E69F00", "dot", "square"), "fast": ("#CC79A7", "dashdot", "triangle-up")}
MODE_OFFSET = {"passenger": 0, "pedestrian": 4, "commercial": 6}
NO_GAP_SHADE = "rgba(140,149,159,0.12)"
#: Stretches without any reading at least this long are shaded (shorter ones show as broken lines).
SHADE_AFTER = pd.Timedelta(hours=6)
SHADE_INSET = pd.Timedelta(minutes=45)


def _style(mode: str, lane: str, i: int):
    color, dash, symbol = LANE_STYLE.get(lane, (OKABE_ITO[i % 8], "solid", "circle"))
    if mode == "pedestrian":
        color, symbol = "#D55E00", "triangle-down"
    elif mode == "commercial":
        color = {"standard": "#56B4E9", "fast": "#CC79A7"}.get(lane, color)
        symbol = "cross"
    return color, dash, symbol


def _iso(ts: pd.Series) -> list[str]:
    return pd.to_datetime(ts).dt.strftime("%Y-%m-%dT%H:%M:%S").tolist()


def make_wait_trend_figure(table: pd.DataFrame, *, tz_label: str = "local time",
                           events: pd.DataFrame | None = None, outliers: pd.DataFrame | None = None,
                           gap_spans: list[tuple[pd.Timestamp, pd.Timestamp]] | None = None,
                           tz: str | None = None, title: str | None = None, caption: str | None = None,
                           height: int = 480) -> go.Figure:
    """Lines of ``table`` (TABLE_COLUMNS of analysis.wait_trend). ``outliers``: OUTLIER_COLUMNS rows to pin
    at the top; ``gap_spans``: UTC (from, to) stretches to shade (needs ``tz`` to place them)."""
    traces, anns, shapes = [], [], []
    out_keys = set()
    if outliers is not None and len(outliers):
        out_keys = {(m, ln, pd.Timestamp(t)) for m, ln, t in zip(outliers["mode"], outliers["lane"],
                                                                 outliers["source_time"])}
    is_out = [(m, ln, pd.Timestamp(t)) in out_keys for m, ln, t in
              zip(table["mode"], table["lane"], table["source_time"])] if len(table) else []
    tab = table.assign(_out=is_out) if len(table) else table.assign(_out=False)
    normal = tab[(tab["kind"] == "reading") & ~tab["_out"]]["delay_minutes"]
    ymax = max([float(v) for v in normal.dropna()] + [30.0]) * 1.12
    for i, (series, g) in enumerate(tab.groupby("series", sort=False)):
        mode, lane = str(g["mode"].iloc[0]), str(g["lane"].iloc[0])
        color, dash, symbol = _style(mode, lane, i)
        line = g[g["kind"] != "no number"]
        y = [None if (pd.isna(v) or o) else int(v) for v, o in zip(line["delay_minutes"], line["_out"])]
        traces.append(dict(
            type="scatter", mode="lines+markers", x=_iso(line["local_time"]), y=y, name=series, meta=series,
            connectgaps=False, line=dict(color=color, width=2, dash=dash),
            marker=dict(symbol=symbol, size=6, color=color), legendgroup=series,
            customdata=[[s if isinstance(s, str) else "", "" if pd.isna(n) else int(n)]
                        for s, n in zip(line["operational_status"], line["lanes_open"])],
            hovertemplate=(f"<b>{series}</b><br>%{{x|%a %d %b %Y %H:%M}} ({tz_label})<br>%{{y}} min"
                           "<br>%{customdata[0]}, lanes open: %{customdata[1]}<extra></extra>")))
        nonum = g[g["kind"] == "no number"]
        if len(nonum):
            traces.append(dict(
                type="scatter", mode="markers", x=_iso(nonum["local_time"]), y=[series] * len(nonum),
                yaxis="y2", name=f"{series}: no number", legendgroup=series, showlegend=False,
                marker=dict(symbol="line-ns-open", size=12, color=color, line=dict(width=2, color=color)),
                customdata=nonum["operational_status"].fillna("").tolist(),
                hovertemplate=(f"<b>{series}</b><br>%{{x|%a %d %b %Y %H:%M}}<br>no number: %{{customdata}}"
                               "<extra></extra>")))
        for r in g[g["_out"]].to_dict("records"):
            anns.append(dict(x=pd.Timestamp(r["local_time"]).isoformat(), y=ymax * 0.985, xref="x", yref="y",
                             text=f"{int(r['delay_minutes'])} min, off the scale (flagged outlier)",
                             showarrow=False, xanchor="left", xshift=9, yanchor="middle",
                             font=dict(size=11, color=color), bgcolor="rgba(255,255,255,0.85)", name="outlier"))
            traces.append(dict(type="scatter", mode="markers", x=[pd.Timestamp(r["local_time"]).isoformat()],
                               y=[ymax * 0.985], name=f"{series}: flagged outlier", showlegend=False,
                               marker=dict(symbol="triangle-up-open", size=12, color=color,
                                           line=dict(width=2, color=color)),
                               hovertemplate=(f"<b>{series}</b><br>%{{x|%a %d %b %Y %H:%M}}<br>"
                                              f"{int(r['delay_minutes'])} min: flagged outlier, off the scale"
                                              "<extra></extra>")))
    has_strip = bool((tab["kind"] == "no number").any()) if len(tab) else False
    layout: dict = dict(
        template=TEMPLATE, height=height, hovermode="closest",
        xaxis=dict(type="date", title=dict(text=f"Time at the crossing ({tz_label})")),
        yaxis=dict(title=dict(text="Wait (minutes)"), range=[0, ymax], domain=[0.16 if has_strip else 0, 1]),
        # room for a legend of two rows (four lanes and the shading key wrap on a narrow page)
        margin=dict(l=70, r=20, t=128 if title else 84, b=80),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom", title=dict(text="")),
        legend2=dict(orientation="v", x=0, xanchor="left", y=-0.2, yanchor="top",
                     title=dict(text="Events (numbers as tagged on the chart)", font=dict(size=12)),
                     bgcolor="rgba(0,0,0,0)", borderwidth=0, tracegroupgap=0, font=dict(size=12)),
    )
    if has_strip:
        layout["yaxis2"] = dict(domain=[0, 0.1], type="category", showgrid=False, tickfont=dict(size=10),
                                title=dict(text="no number", font=dict(size=11)), anchor="x")
    if len(tab):
        x0 = pd.Timestamp(tab["local_time"].min())
        x1 = pd.Timestamp(tab["local_time"].max())
        pad = max((x1 - x0) * 0.01, pd.Timedelta(minutes=30))
        x0, x1 = x0 - pad, x1 + pad
        layout["xaxis"]["range"] = [x0.isoformat(), x1.isoformat()]
        gap_spans = [(a, b) for a, b in (gap_spans or []) if b - a >= SHADE_AFTER] if tz else []
        for a, b in gap_spans:
            # inset so the readings at both ends sit on white, and back-to-back stretches stay apart
            la = (pd.Timestamp(a) + SHADE_INSET).tz_convert(tz).tz_localize(None)
            lb = (pd.Timestamp(b) - SHADE_INSET).tz_convert(tz).tz_localize(None)
            shapes.append(dict(type="rect", xref="x", yref="paper", x0=la.isoformat(), x1=lb.isoformat(), y0=0,
                               y1=1, fillcolor=NO_GAP_SHADE, line=dict(width=0), layer="below", name="no readings"))
        ev_shapes, rows = event_shapes(events, x0, x1)
        tags, tag_rows = event_tags(rows, x0, x1, 1100)
        shapes += ev_shapes
        anns += tags
        if tag_rows:
            layout["margin"]["t"] += tag_rows * 19 + 6
        n_events = len(rows)
        if n_events:
            layout["margin"]["b"] += 30 + 19 * n_events
        else:
            layout.pop("legend2")
        if gap_spans:
            traces.append(dict(type="scatter", mode="markers", x=[None], y=[None], name=f"no readings for {SHADE_AFTER.total_seconds() / 3600:g} h or more",
                               marker=dict(symbol="square", size=14, color=NO_GAP_SHADE,
                                           line=dict(color="#8c959f", width=1)), hoverinfo="skip"))
    else:
        layout.pop("legend2")
        anns.append(dict(text="No readings for this selection", x=0.5, y=0.5, xref="paper", yref="paper",
                         showarrow=False, font=dict(size=15, color=MUTED)))
    cap, b = caption_annotation(caption, layout["margin"]["b"])
    if cap:
        anns.append(cap)
        layout["height"] += b - layout["margin"]["b"]
        layout["margin"]["b"] = b
    layout["shapes"], layout["annotations"] = shapes, anns
    if title:
        layout["title"] = title_layout(title, layout["height"])
    return new_figure(traces, layout)
