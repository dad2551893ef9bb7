"""What SENTRI/NEXUS and Ready Lane save over the standard lane, per port-local hour: grouped bars of the
median saving from paired readings (``analysis.lane_savings.savings_table`` is the ``*_table`` twin).

Each bar is labelled with its minutes and the number of pairs behind it; hours with too few pairs have no
bar and say so in the hover. A negative bar means the faster lane was slower at that hour."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.lane_savings import MIN_PAIRS
from analysis.readings import LANE_NAMES

from .theme import MUTED, TEMPLATE, caption_annotation, new_figure, title_layout

LANE_STYLE = {"sentri": {"color": "#009E73", "pattern": ""}, "ready": {"color": "#E69F00", "pattern": "/"}}


def make_lane_savings_figure(table: pd.DataFrame, *, tz_label: str = "local time", title: str | None = None,
                             caption: str | None = None, height: int = 440) -> go.Figure:
    """Grouped bars of ``median_saved_minutes`` per hour and faster lane (SAVINGS TABLE_COLUMNS)."""
    traces = []
    hours = [f"{h:02d}" for h in range(24)]
    for lane, g in table.groupby("lane", sort=False):
        style = LANE_STYLE.get(str(lane), {"color": "#0072B2", "pattern": ""})
        g = g.set_index("hour").reindex(range(24))
        y = [None if pd.isna(v) else float(v) for v in g["median_saved_minutes"]]
        text = [f"{v:.0f}<br><span style='font-size:9px'>n={int(n)}</span>" if v is not None else ""
                for v, n in zip(y, g["n_pairs"].fillna(0))]
        custom = [[int(n), "" if pd.isna(s) else f"{s:.0f}", "" if pd.isna(f) else f"{f:.0f}"]
                  for n, s, f in zip(g["n_pairs"].fillna(0), g["median_standard_minutes"], g["median_lane_minutes"])]
        name = f"{LANE_NAMES.get(str(lane), lane)} vs standard"
        traces.append(dict(
            type="bar", x=hours, y=y, name=name, meta=str(lane), text=text, textposition="outside",
            cliponaxis=False, marker=dict(color=style["color"], pattern=dict(shape=style["pattern"], fgcolor="#1f2328",
                                                                            size=6, solidity=0.2, fillmode="overlay")),
            customdata=custom,
            hovertemplate=(f"<b>{name}</b><br>%{{x}}:00 ({tz_label})<br>saves %{{y:.0f}} min (median)<br>"
                           "standard %{customdata[1]} min, this lane %{customdata[2]} min<br>"
                           "%{customdata[0]} paired readings<extra></extra>")))
    vals = [float(v) for v in table["median_saved_minutes"].dropna()]
    lo, hi = min(vals + [0.0]), max(vals + [30.0])
    anns = []
    if not vals:
        anns.append(dict(text=f"No hour has {MIN_PAIRS} or more paired readings", x=0.5, y=0.5, xref="paper",
                         yref="paper", showarrow=False, font=dict(size=15, color=MUTED)))
    layout: dict = dict(
        template=TEMPLATE, height=height, barmode="group", bargap=0.25,
        xaxis=dict(type="category", title=dict(text=f"Hour of the day ({tz_label})"), categoryorder="array",
                   categoryarray=hours),
        yaxis=dict(title=dict(text="Minutes saved over standard (median)"),
                   range=[min(lo * 1.2, 0), hi * 1.25], zeroline=True, zerolinecolor="#8c959f"),
        margin=dict(l=70, r=20, t=96 if title else 56, b=60),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom", title=dict(text="")),
    )
    cap, b = caption_annotation(caption, 60)
    if cap:
        anns.append(cap)
        layout["height"] += b - 60
        layout["margin"]["b"] = b
    layout["annotations"] = anns
    if title:
        layout["title"] = title_layout(title, layout["height"])
    return new_figure(traces, layout)
