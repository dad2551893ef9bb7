"""The events registry (EVENTS_COLUMNS) as a timeline: one horizontal bar per event, coloured and
patterned by kind (colour-blind safe; the pattern repeats the kind without colour); events too short for
a visible bar (reopenings, a policy starting after ``at``) are a marker whose symbol repeats the kind.
Rows are labelled with the crossings' names when the crossings table is given. Open-ended events run
to ``at`` (or today) and say "ongoing →"; a dotted "as of" line marks ``at``. Hover: dates, summary,
source domains."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ._events import crossing_names, crossings_text, date_span_text, domains, local_naive
from ..safe_text import plotly_text as esc
from .theme import (EVENT_STYLE, INK, MUTED, TEMPLATE, caption_annotation, event_style, legend_rows, new_figure,
                    title_layout, title_px)

TABLE_COLUMNS = ["id", "label", "kind", "start", "end", "drawn_end", "ongoing", "crossings", "summary",
                 "sources"]
_MIN_BAR = pd.Timedelta(hours=20)  # one-day events stay visible as a bar


#: Row labels wrap at this many characters (never cut: a newsroom cannot publish "Eagle Pass Bridge I v…").
LABEL_CHARS = 34


def _label(title: str, where: str) -> str:
    from dashboard.chart_text import wrap
    title, where = esc(title), esc(where)
    t = wrap(title, LABEL_CHARS)
    where = wrap(where, 48).replace("<br>", f"</span><br><span style='font-size:11px;color:{MUTED}'>")
    return f"{t}<br><span style='font-size:11px;color:{MUTED}'>{where}</span>" if where else t


def events_timeline_table(events: pd.DataFrame, *, at: object = None,
                          crossings: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per drawn event, in drawing order (earliest start at the top): ``id, label, kind, start,
    end, drawn_end, ongoing, crossings, summary, sources`` (naive local times; ``end`` NA when ongoing).
    ``crossings`` (CROSSINGS_COLUMNS) names the events' port numbers / crossing ids ("Nogales – Morley
    Gate"); without it the raw keys are shown."""
    at_ts = local_naive(at) if at is not None else pd.Timestamp.now().normalize()
    names = crossing_names(crossings)
    rows = []
    for e in events.sort_values(["start", "id"], kind="stable").to_dict("records"):
        start, end = local_naive(e["start"]), local_naive(e.get("end"))
        ongoing = end is None
        drawn_end = max(at_ts, start + _MIN_BAR) if ongoing else max(end, start + _MIN_BAR)
        where = crossings_text(e.get("crossings"), names)
        rows.append({"id": str(e["id"]), "label": str(e["title"]), "kind": str(e["kind"]), "start": start,
                     "end": end if end is not None else pd.NaT, "drawn_end": drawn_end, "ongoing": ongoing,
                     "crossings": where, "summary": str(e.get("summary") or ""),
                     "sources": domains(e.get("source_urls"))})
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def make_events_timeline_figure(events: pd.DataFrame, *, table: pd.DataFrame | None = None, at: object = None,
                                crossings: pd.DataFrame | None = None, title: str | None = None,
                                subtitle: str | None = None, caption: str | None = None) -> go.Figure:
    """Horizontal bars, one per event (y = short title and crossings, x = start..end), one trace per kind
    so the legend names kinds; events too short to show as a bar (reopenings, a policy's start) are a
    marker with the kind's symbol instead. ``at`` (tz-aware or naive local) draws the "as of" line and is
    where ongoing events end; default today. ``crossings`` (CROSSINGS_COLUMNS) names the crossings in the
    row labels; without it the events' raw port numbers / crossing ids are shown. Returns a
    ``go.Figure``."""
    table = events_timeline_table(events, at=at, crossings=crossings) if table is None else table
    names = crossing_names(crossings)
    ylabels = [_label(r["label"], crossings_text(e, names, limit=2))
               for r, e in zip(table.to_dict("records"),
                               events.sort_values(["start", "id"], kind="stable")["crossings"].tolist()
                               if len(events) else [])]
    table = table.assign(_y=ylabels)
    n = len(table)
    at_ts = local_naive(at) if at is not None else None
    if n:
        lo = min(table["start"].min(), at_ts or table["start"].min())
        hi = max(table["drawn_end"].max(), at_ts or table["drawn_end"].max())
        pad = max((hi - lo) * 0.06, pd.Timedelta(days=2))
        xrange = [lo - pad, hi + pad * 2.4]
        # a bar narrower than ~0.8 % of the axis is a sliver whose pattern cannot be seen: draw a marker
        min_bar = (xrange[1] - xrange[0]) * 0.008
        point = (table["drawn_end"] - table["start"]) < min_bar
    else:
        point = pd.Series([], dtype=bool)
    table = table.assign(_point=point.values if n else [])
    traces = []
    kinds = list(dict.fromkeys([k for k in EVENT_STYLE if k in set(table["kind"])] + table["kind"].tolist()))
    for kind in kinds:
        style = event_style(kind)
        of_kind = table[table["kind"] == kind]
        for as_point in (False, True):
            part = of_kind[of_kind["_point"] == as_point]
            if part.empty:
                continue
            hover = []
            for r in part.to_dict("records"):
                span = date_span_text(r["start"], None if r["ongoing"] else r["end"])
                src = f"<br>Sources: {esc(r['sources'])}" if r["sources"] else ""
                hover.append(f"<b>{esc(r['label'])}</b><br>{style['label']} · {esc(r['crossings'])}<br>{span}"
                             f"<br>{esc(r['summary'])}{src}")
            common = dict(y=part["_y"].tolist(), name=style["label"], meta=kind, legendgroup=kind,
                          customdata=part["id"].tolist(), hovertext=hover,
                          hovertemplate="%{hovertext}<extra></extra>")
            if not as_point:
                dur_ms = [(e - s) / pd.Timedelta(milliseconds=1) for s, e in zip(part["start"], part["drawn_end"])]
                traces.append(dict(
                    type="bar", orientation="h", x=dur_ms, base=part["start"].tolist(), **common,
                    marker=dict(color=style["color"], line=dict(color=INK, width=0.8),
                                pattern=dict(shape=style["pattern"], fgcolor="white", size=8, solidity=0.35,
                                             fillmode="overlay")),
                ))
            else:
                traces.append(dict(
                    type="scatter", mode="markers", x=part["start"].tolist(), **common,
                    showlegend=not (~of_kind["_point"]).any(),
                    marker=dict(symbol=style.get("symbol", "circle"), size=13, color=style["color"],
                                line=dict(color=INK, width=1)),
                ))
    shapes, anns = [], []
    for r in table[table["ongoing"]].to_dict("records"):
        anns.append(dict(x=r["drawn_end"], y=r["_y"], xref="x", yref="y", xanchor="left", text=" ongoing →",
                         xshift=8 if r["_point"] else 0, showarrow=False, font=dict(size=11, color=INK)))
    if at_ts is not None:
        shapes.append(dict(type="line", x0=at_ts, x1=at_ts, y0=0, y1=1, xref="x", yref="paper",
                           line=dict(color=INK, width=1.5, dash="dot"), name="as of", layer="above"))
        anns.append(dict(x=at_ts, y=1, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                         text=f"as of {at_ts.strftime('%b')} {at_ts.day}, {at_ts.year}",
                         font=dict(size=11, color=INK)))
    if n == 0:
        anns.append(dict(text="No events in this selection", x=0.5, y=0.5, xref="paper", yref="paper",
                         showarrow=False, font=dict(size=15, color=MUTED)))
    lines = max([y.count("<br>") + 1 for y in ylabels] or [2])
    # rows grow with their wrapped labels, but the image stays under the export's 8000 px limit
    plot_h = int(min(22 + 13 * lines, max(30, 6800 / max(n, 1))) * max(n, 2))
    kinds_shown = [event_style(k)["label"] for k in kinds]
    legend_h = 21 * legend_rows(["Kind"] + kinds_shown, 1200 - 60) + 10
    # title block, then the kinds legend, then the "as of" label on the plot's top edge
    top = max(title_px(title, subtitle), 14) + legend_h + 24
    height = top + plot_h + 84
    cap, margin_b = caption_annotation(caption, 84)
    if cap:
        anns.append(cap)
        height += margin_b - 84
    layout = dict(
        template=TEMPLATE, height=height, barmode="overlay", bargap=0.35,
        xaxis=dict(type="date", title=dict(text="Local date"), **({"range": xrange} if n else {})),
        yaxis=dict(autorange="reversed", title=None, automargin=True, categoryorder="array",
                   categoryarray=table["_y"].tolist()),
        # above the "as of" label (which sits on the plot's top edge)
        legend=dict(orientation="h", x=0, xanchor="left", y=1 + 24 / plot_h, yanchor="bottom",
                    title=dict(text="Kind"), itemsizing="constant"),
        margin=dict(l=20, r=30, t=top, b=margin_b),
        shapes=shapes, annotations=anns,
    )
    if title:
        layout["title"] = title_layout(title, height, subtitle=subtitle)
    return new_figure(traces, layout)
