"""Fastest nearby now: one horizontal bar per crossing within the radius, its current wait in the chosen
mode and lane, fastest at the top (``analysis.nearby.nearby_table`` is the ``*_table`` twin). The selected
crossing is outlined and marked "selected"; crossings without a current number say why in words, with no
bar."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .theme import INK, MUTED, TEMPLATE, caption_annotation, new_figure, title_layout

BAR = "#0072B2"
SELECTED = "#D55E00"


def _row_label(r: dict) -> str:
    tag = " (selected)" if r["selected"] else f" · {r['distance_km']:.0f} km"
    return f"{r['crossing']}{tag}"


def make_nearby_figure(table: pd.DataFrame, *, title: str | None = None, caption: str | None = None) -> go.Figure:
    """Bars of ``delay_minutes`` (NEARBY TABLE_COLUMNS rows, in table order, top to bottom)."""
    recs = table.to_dict("records")
    labels = [_row_label(r) for r in recs]
    has = [not pd.isna(r["delay_minutes"]) and r["status"] in ("open", "partial") for r in recs]
    x = [int(r["delay_minutes"]) if h else None for r, h in zip(recs, has)]
    colors = [SELECTED if r["selected"] else BAR for r in recs]
    traces = [dict(
        type="bar", orientation="h", y=labels, x=x, name="current wait", showlegend=False,
        marker=dict(color=colors, pattern=dict(shape=["/" if r["selected"] else "" for r in recs], fgcolor=INK,
                                              size=6, solidity=0.2, fillmode="overlay")),
        text=[f"{v} min" + ("" if pd.isna(r["lanes_open"]) else f" · {int(r['lanes_open'])} lanes") if v is not None
              else "" for v, r in zip(x, recs)],
        textposition="outside", cliponaxis=False,
        customdata=[[r["status"], r["distance_km"], str(r["updated_at"]) if not pd.isna(r["updated_at"]) else ""]
                    for r in recs],
        hovertemplate="<b>%{y}</b><br>%{x} min, %{customdata[0]}<br>%{customdata[1]} km away"
                      "<br>updated %{customdata[2]}<extra></extra>")]
    anns = [dict(x=0, y=lab, xref="x", yref="y", xanchor="left", showarrow=False,
                 text=f"<i>{r['note'] or 'no current reading'}</i>", font=dict(size=12, color=MUTED))
            for lab, r, h in zip(labels, recs, has) if not h]
    if not recs:
        anns.append(dict(text="No crossing within the radius has this mode", x=0.5, y=0.5, xref="paper",
                         yref="paper", showarrow=False, font=dict(size=15, color=MUTED)))
    xmax = max([v for v in x if v is not None] + [30])
    height = 120 + 36 * max(len(recs), 2) + (50 if title else 0)
    cap, b = caption_annotation(caption, 55)
    if cap:
        anns.append(cap)
        height += b - 55
    layout = dict(
        template=TEMPLATE, height=height, bargap=0.3,
        xaxis=dict(title=dict(text="Current wait (minutes)"), range=[0, xmax * 1.3], rangemode="tozero"),
        yaxis=dict(autorange="reversed", automargin=True, categoryorder="array", categoryarray=labels, title=None),
        margin=dict(l=20, r=30, t=90 if title else 40, b=b if cap else 55), annotations=anns)
    if title:
        layout["title"] = title_layout(title, height)
    return new_figure(traces, layout)
