"""The impact of one closure on one measure: observed monthly counts against the seasonal expectation and
its 80 % band, at the closed location and at its nearest neighbours (analysis/impact.py computes them).

One panel per location, each with its own y-axis (Lukeville's ~30,000 vehicles a month would vanish on
Nogales' ~300,000 scale). The event is a shaded span; months it covers only partly are drawn as open
markers and labelled ("Dec: 3 of 31 days open"). Each panel's title states the total difference over the
event's months with its band, and says when the band includes zero ("within normal variation").
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .theme import MUTED, caption_annotation, merge_layout, new_figure, title_layout

TABLE_COLUMNS = ["location", "role", "distance_km", "month", "phase", "days_in_month", "days_affected",
                 "observed", "expected", "low", "high", "difference", "difference_low", "difference_high",
                 "measure", "unit", "level", "source", "reference_years", "note"]
CLOSED_COLOR, NEIGHBOUR_COLOR, EXPECTED_COLOR, BAND_COLOR = "#D55E00", "#0072B2", "#57606a", "rgba(87,96,106,0.18)"
SPAN_COLOR = "#D55E00"
OTHER_COLOR = "#57606a"


def impact_table(months: pd.DataFrame, *, measure: str, level: str) -> pd.DataFrame:
    """Exactly what :func:`make_impact_figure` plots: the monthly rows of ``measure`` at ``level`` for the
    closed location and its neighbours (not the related measures)."""
    t = months[(months["measure"] == measure) & (months["level"] == level) & months["role"].isin(["closed", "neighbour"])]
    return t[TABLE_COLUMNS].reset_index(drop=True)


def _fmt(n) -> str:
    return "–" if n is None or pd.isna(n) else f"{int(n):,}"


def _signed(n) -> str:
    return "–" if n is None or pd.isna(n) else f"{int(n):+,}".replace("-", "−")


def panel_title(row: dict) -> str:
    """'Lukeville (BTS port 2602) — closed: 33,491 fewer than expected (30,709 to 36,274)'."""
    name = str(row["location"])
    if row["role"] == "closed":
        d = row["difference"]
        if d is None or pd.isna(d):
            return f"<b>{name}</b> — closed: no complete count for the event's months"
        lo, hi = row["difference_high"], row["difference_low"]
        if d < 0 and not pd.isna(lo) and lo >= 0:  # the band reaches zero or above: no measurable loss
            return (f"<b>{name}</b> — closed: {_signed(d)} vs expected (band {_signed(hi)} to {_signed(lo)}): "
                    "within normal variation")
        if d < 0:
            band = f" (band {_fmt(-lo)} to {_fmt(-hi)})" if not pd.isna(lo) else ""
            return f"<b>{name}</b> — closed: {_fmt(-d)} fewer than expected{band}"
        return f"<b>{name}</b> — closed: {_signed(d)} vs expected (no deficit)"
    km = "" if pd.isna(row["distance_km"]) else f", {int(row['distance_km'])} km"
    d = row["difference"]
    if d is None or pd.isna(d):
        return f"{name}{km} — no complete count"
    lo, hi = row["difference_low"], row["difference_high"]
    band = "" if pd.isna(lo) else f" (band {_signed(lo)} to {_signed(hi)})"
    verdict = ""
    if not pd.isna(lo):
        verdict = ": within normal variation" if lo <= 0 <= hi else (": more than expected" if lo > 0 else ": less than expected")
    return f"{name}{km} — {_signed(d)} vs expected{band}{verdict}"


def make_impact_figure(months: pd.DataFrame, summary: pd.DataFrame, *, measure: str, level: str,
                       event_start: pd.Timestamp, event_end: pd.Timestamp | None, table: pd.DataFrame | None = None,
                       event_label: str = "Event (shaded)", other_events: list[dict] | None = None,
                       title: str | None = None, caption: str | None = None, columns: int = 1,
                       panel_height: int = 210) -> go.Figure:
    """Observed vs expected (with the band) per location for one ``measure`` at one ``level``.
    ``months``/``summary``: :class:`analysis.impact.Impact` tables. Raises ValueError when the measure has
    no rows at that level."""
    table = impact_table(months, measure=measure, level=level) if table is None else table
    if table.empty:
        raise ValueError(f"no impact rows for {measure!r} at {level} level")
    s = summary[(summary["measure"] == measure) & (summary["level"] == level)]
    locs = list(dict.fromkeys(table["location"]))
    info = {r["location"]: r for r in s.to_dict("records")}
    n = len(locs)
    cols = 1 if n == 1 else min(columns, n)
    rows = -(-n // cols)
    titles = [panel_title(info[name]) if name in info else name for name in locs]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=min(0.3, 62 / (rows * panel_height)),
                        horizontal_spacing=0.08)
    unit = str(table["unit"].iloc[0])
    x0 = table["month"].min()
    x1 = table["month"].max() + pd.offsets.MonthBegin(1)
    start = event_start.tz_localize(None) if event_start.tzinfo else event_start
    end = None if event_end is None or pd.isna(event_end) else (event_end.tz_localize(None) if event_end.tzinfo else event_end)
    shapes, annotations = [], []
    for i, name in enumerate(locs):
        r, c = i // cols + 1, i % cols + 1
        part = table[table["location"] == name]
        closed = part["role"].iloc[0] == "closed"
        x = part["month"].dt.strftime("%Y-%m-%d").tolist()
        lo = [None if pd.isna(v) else int(v) for v in part["low"]]
        hi = [None if pd.isna(v) else int(v) for v in part["high"]]
        ex = [None if pd.isna(v) else int(v) for v in part["expected"]]
        ob = [None if pd.isna(v) else int(v) for v in part["observed"]]
        first = i == 0
        common = dict(xperiod="M1", xperiodalignment="middle")
        fig.add_trace(go.Scatter(x=x, y=hi, mode="lines", line=dict(width=0), hoverinfo="skip", showlegend=False,
                                 legendgroup="band", **common), row=r, col=c)
        fig.add_trace(go.Scatter(x=x, y=lo, mode="lines", line=dict(width=0), fill="tonexty", fillcolor=BAND_COLOR,
                                 name="80% band of the expectation (spread of past years)", legendgroup="band",
                                 showlegend=first, hoverinfo="skip", **common), row=r, col=c)
        fig.add_trace(go.Scatter(x=x, y=ex, mode="lines", line=dict(color=EXPECTED_COLOR, width=2, dash="dash"),
                                 name="Expected (same month of past years × recent trend)", legendgroup="expected",
                                 showlegend=first, customdata=list(zip(_txt(lo), _txt(hi))),
                                 hovertemplate=f"%{{x|%b %Y}} expected %{{y:,}} {unit} (band %{{customdata[0]}}–%{{customdata[1]}})<extra>{name}</extra>",
                                 **common), row=r, col=c)
        partial = [closed and (d > 0) and (d < n_) for d, n_ in zip(part["days_affected"], part["days_in_month"])]
        symbols = ["circle-open" if p else "circle" for p in partial]
        color = CLOSED_COLOR if closed else NEIGHBOUR_COLOR
        fig.add_trace(go.Scatter(x=x, y=ob, mode="lines+markers", connectgaps=False,
                                 line=dict(color=color, width=2.4),
                                 marker=dict(symbol=symbols, size=[10 if p else 6 for p in partial], color=color,
                                             line=dict(width=2, color=color)),
                                 name=("Observed — closed crossing" if closed else "Observed — neighbour"),
                                 legendgroup="obs-closed" if closed else "obs-neighbour",
                                 showlegend=closed or i == 1,
                                 hovertemplate=f"%{{x|%b %Y}} observed %{{y:,}} {unit}<extra>{name}</extra>",
                                 **common), row=r, col=c)
        if first:  # a legend entry for the shaded span
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=event_label, hoverinfo="skip",
                                     marker=dict(symbol="square", size=14, color=SPAN_COLOR, opacity=0.3)),
                          row=r, col=c)
        axis = "" if i == 0 else str(i + 1)
        shapes.append(dict(type="rect", xref=f"x{axis}", yref=f"y{axis} domain", x0=max(start, x0),
                           x1=min(end, x1) if end is not None else x1, y0=0, y1=1, fillcolor=SPAN_COLOR,
                           opacity=0.10, line=dict(width=0), layer="below"))
        if closed:
            for j, oe in enumerate(other_events or []):
                o0 = max(oe["start"], x0)
                o1 = min(oe["end"], x1) if oe.get("end") is not None else x1
                if o1 <= x0 or o0 >= x1:
                    continue
                shapes.append(dict(type="rect", xref=f"x{axis}", yref=f"y{axis} domain", x0=o0, x1=o1, y0=0, y1=1,
                                   fillcolor=OTHER_COLOR, opacity=0.16, line=dict(width=1, color=OTHER_COLOR, dash="dot"),
                                   layer="below"))
                fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", hoverinfo="skip",
                                         name=f"Grey: {oe['label']}"[:90],
                                         marker=dict(symbol="square", size=14, color=OTHER_COLOR, opacity=0.35)),
                              row=r, col=c)
            k = 0
            for mo, p, d, n_, y in zip(part["month"], partial, part["days_affected"], part["days_in_month"], ob):
                if p and y is not None:
                    open_days = n_ - d
                    # first label to the left of its point, the next to the right: they never collide
                    annotations.append(dict(x=(mo + pd.Timedelta(days=14)).strftime("%Y-%m-%d"), y=y,
                                            xref=f"x{axis}", yref=f"y{axis}",
                                            text=f"{mo:%b %Y}: open {_days(open_days)} of {n_} days", showarrow=True,
                                            arrowhead=0, ax=-60 if k % 2 == 0 else 60, ay=-22,
                                            xanchor="right" if k % 2 == 0 else "left",
                                            font=dict(size=11, color=CLOSED_COLOR), bgcolor="rgba(255,255,255,0.85)"))
                    k += 1
        fig.update_yaxes(rangemode="tozero", tickformat="~s", row=r, col=c)
        fig.update_xaxes(range=[x0, x1], type="date", row=r, col=c)
    fig.update_yaxes(title_text=f"{unit.capitalize()} per month", col=1)
    # the subplot titles are annotations too: keep them small and left-aligned over each panel
    spec = fig.to_dict()
    layout = spec["layout"]
    for a in layout.get("annotations", []):
        a.update(font=dict(size=11), xanchor="left", x=a["x"] - (0.5 / cols) + 0.005 if cols > 1 else 0.0)
    layout["annotations"] = layout.get("annotations", []) + annotations
    layout.pop("template", None)
    # vertical budget above the plot: the title lines (big, then the smaller subtitle), then the legend
    head_lines = sub_lines = 0
    if title:
        head, _, sub = title.partition("<span")
        head_lines = head.count("<br>") + (0 if head.endswith("<br>") else 1)
        sub_lines = sub.count("<br>") + 1 if sub else 0
    title_px = 22 + 26 * head_lines + 21 * sub_lines
    legend_px = 96
    m = dict(l=70, r=20, t=title_px + legend_px + 26, b=50)
    plot_h = rows * panel_height
    height = plot_h + m["t"] + m["b"]
    ann, b = caption_annotation(caption, m["b"])
    m["b"] = b
    height += b - 50
    if ann:
        layout["annotations"].append(ann)
    over = dict(height=height, margin=m, shapes=shapes, hovermode="closest",
                legend=dict(orientation="h", x=0, xanchor="left", y=1 + (m["t"] - title_px - 4) / plot_h,
                            yanchor="top", font=dict(size=12), tracegroupgap=0))
    if title:
        over["title"] = title_layout(title, height, top_px=22)
    return new_figure(spec["data"], merge_layout(layout, over))


def _days(d: float) -> str:
    return f"{d:.0f}" if abs(d - round(d)) < 0.05 else f"{d:.1f}"


def _txt(vals) -> list[str]:
    return ["–" if v is None else f"{v:,}" for v in vals]


NO_DATA_NOTE = MUTED
