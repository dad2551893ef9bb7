"""Best time to cross: a weekday x hour heatmap of median waits for one crossing and lane
(``analysis.best_time.best_time_table`` is its ``*_table`` twin: exactly the plotted cells).

Each shown cell carries its median in minutes and, below it, the number of readings behind it. Cells with
too few readings are not coloured: light grey with their count when there are some readings, white when
there are none; nothing is estimated. CBP's own typical waits (previous-year averages, CBP's
``historicalwaittimes``) can be drawn as a second panel with the same colour scale, titled as CBP's, never
blended with ours.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.best_time import MIN_READINGS
from analysis.readings import WEEKDAYS

from .theme import GRID, INK, MUTED, TEMPLATE, caption_annotation, new_figure, title_layout

#: Sequential, colour-blind safe (light yellow = short wait -> dark blue = long); cell text switches from
#: ink to white where the fill gets dark, so every number keeps >= 4.5:1 contrast.
COLORSCALE = [[0.0, "#fff7bc"], [0.2, "#fec44f"], [0.4, "#f28e2b"], [0.6, "#c2410c"], [0.8, "#7c2d92"],
              [1.0, "#2d1e5f"]]
#: Fraction of the scale from which the fill is dark enough for white text.
DARK_FROM = 0.5
THIN_FILL = "#e9eaec"
HOURS = [f"{h:02d}" for h in range(24)]
TYPICAL_COLUMNS = ["weekday", "hour", "minutes"]


def _panel(table: pd.DataFrame, *, zmax: float, yaxis: str, xaxis: str, show_scale: bool,
           what: str, count_word: str, tall: bool = False) -> list[dict]:
    grid = table.set_index(["weekday", "hour"])
    z, text, thin_z, thin_text, custom = [], [], [], [], []
    for wd in range(7):
        zr, tr, thz, tht, cr = [], [], [], [], []
        for h in range(24):
            r = grid.loc[(wd, h)] if (wd, h) in grid.index else None
            n = int(r["n_readings"]) if r is not None and "n_readings" in r else None
            val = None if r is None or pd.isna(r["value"]) else float(r["value"])
            zr.append(val)
            dark = val is not None and zmax and val / zmax >= DARK_FROM
            color = "white" if dark else INK
            if val is None:
                tr.append("")
                thz.append(1 if n else None)
                tht.append(f"<span style='color:{MUTED}'>n={n}</span>" if n else "")
            else:
                count = f"<br><span style='font-size:9px;color:{color}'>n={n}</span>" if n is not None else ""
                tr.append(f"<span style='color:{color}'>{val:.0f}</span>{count}")
                thz.append(None)
                tht.append("")
            label = f"{WEEKDAYS[wd]} {h:02d}:00–{h:02d}:59"
            if val is not None:
                detail = f"{what}: <b>{val:.0f} min</b>" + (f"<br>{n} {count_word}" if n is not None else "")
                if r is not None and "min_minutes" in r and not pd.isna(r["min_minutes"]):
                    detail += f" (range {r['min_minutes']:.0f}–{r['max_minutes']:.0f} min)"
            elif n:
                detail = f"{n} {count_word}: fewer than {MIN_READINGS}, left blank"
            else:
                detail = "no readings"
            cr.append(f"{label}<br>{detail}")
        z.append(zr), text.append(tr), thin_z.append(thz), thin_text.append(tht), custom.append(cr)
    x, y = HOURS, list(WEEKDAYS)
    if tall:  # weekdays across, hours down: seven columns fit a phone
        z, text, thin_z, thin_text, custom = ([list(col) for col in zip(*m)] for m in (z, text, thin_z, thin_text, custom))
        x, y = list(WEEKDAYS), [f"{h}:00" for h in HOURS]
    common = dict(x=x, y=y, xaxis=xaxis, yaxis=yaxis, xgap=2, ygap=2,
                  hovertemplate="%{customdata}<extra></extra>", customdata=custom)
    traces = [
        dict(type="heatmap", z=thin_z, text=thin_text, texttemplate="%{text}", textfont=dict(size=9),
             colorscale=[[0, THIN_FILL], [1, THIN_FILL]], showscale=False, zmin=0, zmax=1,
             name=f"fewer than {MIN_READINGS} readings", hoverongaps=False, **common),
        dict(type="heatmap", z=z, text=text, texttemplate="%{text}", textfont=dict(size=12),
             colorscale=COLORSCALE, zmin=0, zmax=zmax, showscale=show_scale, hoverongaps=False, name=what,
             colorbar=(dict(title=dict(text="Median<br>wait<br>(min)", side="top"), thickness=10, len=0.5,
                            y=1, yanchor="top", outlinewidth=0, tickfont=dict(size=10), xpad=4) if tall else
                       dict(title=dict(text="Median wait<br>(minutes)", side="top"), thickness=14, len=0.8,
                            outlinewidth=0, tickfont=dict(size=11))),
             **common),
    ]
    return traces


def make_best_time_figure(table: pd.DataFrame, *, typical: pd.DataFrame | None = None,
                          typical_title: str | None = None, tz_label: str = "local time",
                          title: str | None = None, caption: str | None = None, tall: bool = False) -> go.Figure:
    """The heatmap of ``table`` (``analysis.best_time.best_time_table``: weekday, hour, median_minutes,
    n_readings, shown, ...). ``typical`` (columns ``weekday, hour, minutes``: CBP's averages for the same
    lane, already chosen for a month) adds a second panel below, with the same colour scale. ``tall`` puts
    the weekdays across and the hours down (narrow screens)."""
    ours = table.assign(value=table["median_minutes"].where(table["shown"]))
    vals = [float(v) for v in ours["value"].dropna()]
    theirs = None
    if typical is not None and len(typical):
        theirs = typical.assign(value=typical["minutes"].astype("Float64"))
        vals += [float(v) for v in theirs["value"].dropna()]
    zmax = max(vals + [30.0])
    traces = _panel(ours, zmax=zmax, xaxis="x", yaxis="y", show_scale=True, what="Median of our readings",
                    count_word="readings", tall=tall)
    panels = 2 if theirs is not None else 1
    plot_h = 700 if tall else 300
    gap = 120
    top = (95 if title else 50) if typical is not None and len(typical) else (72 if title else 30)
    height = top + panels * plot_h + (panels - 1) * gap + 60
    cap, margin_b = caption_annotation(caption, 60)
    height += margin_b - 60
    inner = panels * plot_h + (panels - 1) * gap
    axis = dict(type="category", showgrid=False, linecolor=GRID, ticks="")
    hour_title = f"Hour of the day ({tz_label})"
    layout: dict = dict(
        template=TEMPLATE, height=height, margin=dict(l=60 if not tall else 50, r=10 if tall else 30, t=top, b=margin_b),
        plot_bgcolor="white",
        xaxis=dict(**axis, title=dict(text=None if tall else hour_title), anchor="y", side="top" if tall else None),
        yaxis=dict(**axis, autorange="reversed", title=dict(text=hour_title if tall else None),
                   domain=[1 - plot_h / inner, 1] if panels == 2 else [0, 1], anchor="x"),
        annotations=[],
    )
    if not tall:
        layout["xaxis"].pop("side")
    if theirs is not None:
        traces += _panel(theirs, zmax=zmax, xaxis="x2", yaxis="y2", show_scale=False,
                         what="CBP's typical wait (average)", count_word="", tall=tall)
        for t in traces[-2:]:
            t["hovertemplate"] = "%{customdata}<extra>CBP average</extra>"
        layout["xaxis2"] = dict(**axis, title=dict(text=None if tall else hour_title), anchor="y2")
        layout["yaxis2"] = dict(**axis, autorange="reversed", title=dict(text=hour_title if tall else None),
                                domain=[0, plot_h / inner], anchor="x2")
        layout["annotations"].append(dict(
            text=f"<b>{typical_title or 'CBP typical waits'}</b>", x=0, y=plot_h / inner, yshift=8,
            xref="paper", yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
            font=dict(size=13, color=INK)))
        layout["annotations"].append(dict(
            text="<b>Our readings</b>: median per cell, n = readings behind it", x=0, y=1, yshift=6,
            xref="paper", yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
            font=dict(size=13, color=INK)))
    if not table["n_readings"].any():
        layout["annotations"].append(dict(text="No readings for this crossing and lane", x=0.5, y=0.5,
                                          xref="paper", yref="paper", showarrow=False,
                                          font=dict(size=15, color=MUTED)))
    if cap:
        layout["annotations"].append(cap)
    if title:
        layout["title"] = title_layout(title, height)
    return new_figure(traces, layout)
