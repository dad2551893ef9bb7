"""The events registry (EVENTS_COLUMNS) as a timeline: one horizontal bar per event, coloured and
patterned by kind (colour-blind safe; the pattern repeats the kind without colour). Open-ended events run
to ``at`` (or today) and say "ongoing →"; a dotted "as of" line marks ``at``. Hover: dates, summary,
source domains."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ._events import crossings_text, date_span_text, domains, local_naive
from .theme import EVENT_STYLE, INK, MUTED, TEMPLATE, caption_annotation, event_style

TABLE_COLUMNS = ["id", "label", "kind", "start", "end", "drawn_end", "ongoing", "crossings", "summary",
                 "sources"]
_MIN_BAR = pd.Timedelta(hours=20)  # one-day events stay visible as a bar


def _label(title: str, where: str) -> str:
    t = title if len(title) <= 42 else title[:40] + "…"
    return f"{t}<br><span style='font-size:11px;color:{MUTED}'>{where}</span>" if where else t


def events_timeline_table(events: pd.DataFrame, *, at: object = None) -> pd.DataFrame:
    """One row per drawn bar, in drawing order (earliest start at the top): ``id, label, kind, start,
    end, drawn_end, ongoing, crossings, summary, sources`` (naive local times; ``end`` NA when ongoing)."""
    at_ts = local_naive(at) if at is not None else pd.Timestamp.now().normalize()
    rows = []
    for e in events.sort_values(["start", "id"], kind="stable").to_dict("records"):
        start, end = local_naive(e["start"]), local_naive(e.get("end"))
        ongoing = end is None
        drawn_end = max(at_ts, start + _MIN_BAR) if ongoing else max(end, start + _MIN_BAR)
        where = crossings_text(e.get("crossings"))
        rows.append({"id": str(e["id"]), "label": str(e["title"]), "kind": str(e["kind"]), "start": start,
                     "end": end if end is not None else pd.NaT, "drawn_end": drawn_end, "ongoing": ongoing,
                     "crossings": where, "summary": str(e.get("summary") or ""),
                     "sources": domains(e.get("source_urls"))})
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def make_events_timeline_figure(events: pd.DataFrame, *, at: object = None, title: str | None = None,
                                caption: str | None = None) -> go.Figure:
    """Horizontal bars, one per event (y = short title and crossings, x = start..end), one trace per kind
    so the legend names kinds. ``at`` (tz-aware or naive local) draws the "as of" line and is where
    ongoing events end; default today. Returns a ``go.Figure``."""
    table = events_timeline_table(events, at=at)
    ylabels = [_label(r["label"], r["crossings"]) for r in table.to_dict("records")]
    table = table.assign(_y=ylabels)
    traces = []
    kinds = list(dict.fromkeys([k for k in EVENT_STYLE if k in set(table["kind"])] + table["kind"].tolist()))
    for kind in kinds:
        part = table[table["kind"] == kind]
        style = event_style(kind)
        dur_ms = [(e - s) / pd.Timedelta(milliseconds=1) for s, e in zip(part["start"], part["drawn_end"])]
        hover = []
        for r in part.to_dict("records"):
            span = date_span_text(r["start"], None if r["ongoing"] else r["end"])
            src = f"<br>Sources: {r['sources']}" if r["sources"] else ""
            hover.append(f"<b>{r['label']}</b><br>{style['label']} · {r['crossings']}<br>{span}"
                         f"<br>{r['summary']}{src}")
        traces.append(dict(
            type="bar", orientation="h", y=part["_y"].tolist(), x=dur_ms, base=part["start"].tolist(),
            name=style["label"], meta=kind, customdata=part["id"].tolist(),
            marker=dict(color=style["color"], line=dict(color=INK, width=0.8),
                        pattern=dict(shape=style["pattern"], fgcolor="white", size=8, solidity=0.35,
                                         fillmode="overlay")),
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        ))
    n = len(table)
    at_ts = local_naive(at) if at is not None else None
    shapes, anns = [], []
    for r in table[table["ongoing"]].to_dict("records"):
        anns.append(dict(x=r["drawn_end"], y=r["_y"], xref="x", yref="y", xanchor="left", text=" ongoing →",
                         showarrow=False, font=dict(size=11, color=INK)))
    if at_ts is not None:
        shapes.append(dict(type="line", x0=at_ts, x1=at_ts, y0=0, y1=1, xref="x", yref="paper",
                           line=dict(color=INK, width=1.5, dash="dot"), name="as of", layer="above"))
        anns.append(dict(x=at_ts, y=1, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                         text=f"as of {at_ts.strftime('%b')} {at_ts.day}, {at_ts.year}",
                         font=dict(size=11, color=INK)))
    if n == 0:
        anns.append(dict(text="No events in this selection", x=0.5, y=0.5, xref="paper", yref="paper",
                         showarrow=False, font=dict(size=15, color=MUTED)))
    else:
        lo = min(table["start"].min(), at_ts or table["start"].min())
        hi = max(table["drawn_end"].max(), at_ts or table["drawn_end"].max())
        pad = max((hi - lo) * 0.08, pd.Timedelta(days=2))
        xrange = [lo - pad, hi + pad * 2.2]
    height = 150 + 46 * max(n, 2) + (60 if title else 0)
    cap, margin_b = caption_annotation(caption, 84)
    if cap:
        anns.append(cap)
        height += margin_b - 84
    layout = dict(
        template=TEMPLATE, height=height, barmode="overlay", bargap=0.35,
        xaxis=dict(type="date", title=dict(text="Local date"), **({"range": xrange} if n else {})),
        yaxis=dict(autorange="reversed", title=None, automargin=True, categoryorder="array",
                   categoryarray=table["_y"].tolist()),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom", title=dict(text="Kind")),
        margin=dict(l=20, r=30, t=100 if title else 60, b=margin_b),
        shapes=shapes, annotations=anns,
    )
    if title:
        layout["title"] = dict(text=title)
    return go.Figure(data=traces, layout=layout)
