"""Monthly BTS volumes (VOLUMES_COLUMNS) as lines, with closures and suspensions drawn over them.

Rules that keep the chart honest:

* Measures are **never summed**: 12 BTS measures count different things (vehicles, people, containers).
  ``group_by="measure"`` draws one line per measure (summed over the ports in the frame: same measure,
  same unit); ``group_by="state"`` or ``"port"`` draws one line per state / port and needs exactly one
  measure (``ValueError`` otherwise).
* Every series sits on a full monthly grid: a month without a row or with ``<NA>`` is a gap
  (``connectgaps=False``), never 0 and never a line bridging the hole.
* Events (closures, suspensions; the caller passes them already filtered to what is shown) are shaded
  spans named in the legend; events shorter than a day are a dotted vertical line with a label;
  open-ended events run to the end of the axis and say "ongoing". Spans are clipped to the x-range.

:func:`make_compare_figure` compares states or ports on one measure. Default: **small multiples** (one
panel per group, each with its own y-axis) because port volumes differ by orders of magnitude (San Ysidro
vs Andrade) and one shared axis flattens the small ones. With ``index_to="2019"`` (a year or a
``YYYY-MM`` month) it draws indexed lines on one axis instead (100 = that period's mean), for comparing
trajectories such as the 2020 drop and recovery.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._events import crossings_text, date_span_text, local_naive
from .theme import MEASURE_COLORS, MEASURE_DASH, MUTED, OKABE_ITO, TEMPLATE, caption_annotation, event_style

FAMILIES = ("vehicles", "people", "freight")
GROUP_BYS = ("measure", "state", "port")
TABLE_COLUMNS = ["month", "series", "measure", "unit", "value"]
#: A monthly count is drawn mid-month, so the December dip sits inside a December closure span.
MONTH_PERIOD = dict(xperiod="M1", xperiodalignment="middle")


def _select(volumes: pd.DataFrame, family: str | None, measures: Sequence[str] | str | None,
            group_by: str) -> tuple[pd.DataFrame, list[str]]:
    if group_by not in GROUP_BYS:
        raise ValueError(f"group_by must be one of {', '.join(GROUP_BYS)}, not {group_by!r}")
    if family is not None and family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}, not {family!r}")
    v = volumes if family is None else volumes[volumes["family"] == family]
    if isinstance(measures, str):
        measures = [measures]
    if measures is None:
        measures = sorted(v["measure"].dropna().unique().tolist())
    else:
        measures = list(dict.fromkeys(measures))
        present = set(v["measure"].dropna().unique().tolist())
        unknown = [m for m in measures if m not in present]
        if unknown and not v.empty:
            raise ValueError(f"measure(s) {', '.join(map(repr, unknown))} not in the "
                             f"{family or 'volumes'} data (have: {', '.join(sorted(present))})")
    if group_by != "measure" and len(measures) != 1:
        raise ValueError(f"group_by={group_by!r} compares {group_by}s on ONE measure (measures are never "
                         f"summed across); got {len(measures)}: {', '.join(measures) or 'none'}")
    v = v[v["measure"].isin(measures)]
    # Lines of one family share an axis (vehicles of every kind, people, containers); each line is its
    # own measure and keeps its unit in the hover. Measures of different families never share a chart.
    families = sorted(v["family"].dropna().unique().tolist())
    if len(families) > 1:
        raise ValueError(f"measures {', '.join(measures)} belong to different families ({', '.join(families)}); "
                         "plot them in separate charts")
    return v, measures


def _series_key(v: pd.DataFrame, group_by: str) -> pd.Series:
    if group_by == "measure":
        return v["measure"].astype(str)
    if group_by == "state":
        return v["state"].astype(str)
    return v["port_name"].astype(str) + " (" + v["port_code"].astype(str) + ")"


def _on_month_grid(v: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """Sum per series and month (NA stays NA: ``min_count=1``), then put every series on the full monthly
    grid of the frame so missing months are explicit NA."""
    if v.empty:
        return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in
                             zip(TABLE_COLUMNS, ["datetime64[ns]", "string", "string", "string", "Int64"])})
    d = v.assign(series=key.values)
    g = (d.groupby(["series", "measure", "unit", "month"], observed=True, sort=True)["value"]
         .sum(min_count=1).reset_index())
    months = pd.date_range(d["month"].min(), d["month"].max(), freq="MS")
    parts = []
    for (series, measure, unit), part in g.groupby(["series", "measure", "unit"], sort=True):
        s = part.set_index("month")["value"].reindex(months)
        parts.append(pd.DataFrame({"month": months, "series": series, "measure": measure, "unit": unit,
                                   "value": s.astype("Int64").values}))
    out = pd.concat(parts, ignore_index=True)
    out["series"] = out["series"].astype("string")
    out["measure"] = out["measure"].astype("string")
    out["unit"] = out["unit"].astype("string")
    return out[TABLE_COLUMNS]


def volumes_table(volumes: pd.DataFrame, *, family: str | None = "vehicles",
                  measures: Sequence[str] | str | None = None, group_by: str = "measure") -> pd.DataFrame:
    """Exactly the values :func:`make_volumes_figure` plots: ``month, series, measure, unit, value``
    (one row per series and month on the full monthly grid; ``<NA>`` where there is no count).
    Raises ValueError like the figure."""
    v, _ = _select(volumes, family, measures, group_by)
    return _on_month_grid(v, _series_key(v, group_by))


FAMILY_AXIS = {"vehicles": "Vehicles", "people": "People", "freight": "Containers"}
UNIT_FAMILY = {"vehicles": "vehicles", "buses": "vehicles", "trucks": "vehicles", "trains": "vehicles",
               "people": "people", "containers": "freight"}


def _unit_title(table: pd.DataFrame) -> str:
    units = table["unit"].dropna().unique().tolist()
    if len(units) == 1:
        return f"{str(units[0]).capitalize()} per month"
    fams = {UNIT_FAMILY.get(str(u)) for u in units}
    if len(fams) == 1 and None not in fams:
        return f"{FAMILY_AXIS[fams.pop()]} per month (each line its own count)"
    return "Count per month"


def event_shapes(events: pd.DataFrame | None, x0: pd.Timestamp, x1: pd.Timestamp, *,
                 xref: str = "x", yref: str = "paper",
                 legend: bool = True) -> tuple[list[dict], list[dict], list[dict]]:
    """Shapes and labels for ``events`` clipped to ``[x0, x1]``: closures/suspensions as shaded spans
    (legend entries named after the event), events under a day as dotted lines. Returns
    ``(shapes, annotations, rows)`` where rows describe what was drawn (for tables and tests)."""
    shapes: list[dict] = []
    anns: list[dict] = []
    rows: list[dict] = []
    if events is None or events.empty:
        return shapes, anns, rows
    for i, e in enumerate(events.sort_values("start", kind="stable").to_dict("records")):
        start = local_naive(e["start"])
        end = local_naive(e.get("end"))
        ongoing = end is None
        if start is None or start > x1 or (end is not None and end < x0):
            continue
        style = event_style(e.get("kind"))
        where = crossings_text(e.get("crossings"))
        name = f"{e['title']} ({date_span_text(start, end)})"
        d0, d1 = max(start, x0), min(end if end is not None else x1, x1)
        one_day = end is not None and (end - start) <= pd.Timedelta(days=1)
        rows.append({"id": e["id"], "title": e["title"], "kind": e.get("kind"), "start": start, "end": end,
                     "drawn_start": d0, "drawn_end": d1, "ongoing": ongoing, "one_day": one_day,
                     "legend_name": name, "crossings": where})
        common = dict(xref=xref, yref=yref, name=name, legendgroup=f"event-{e['id']}",
                      showlegend=legend, legend="legend2" if legend else None)
        if one_day:
            shapes.append(dict(type="line", x0=d0, x1=d0, y0=0, y1=1, layer="above",
                               line=dict(color=style["color"], width=2, dash="dot"), **common))
            anns.append(dict(x=d0, y=1, xref=xref, yref=yref, yanchor="bottom", text=str(e["title"]),
                             showarrow=False, font=dict(size=11, color=style["color"]), textangle=0))
        else:
            shapes.append(dict(type="rect", x0=d0, x1=d1, y0=0, y1=1, layer="below",
                               fillcolor=style["color"], opacity=0.22, line=dict(width=0), **common))
            if ongoing:
                anns.append(dict(x=d1, y=1, xref=xref, yref=yref, xanchor="right", yanchor="bottom",
                                 text=f"{e['title']}: ongoing →", showarrow=False,
                                 font=dict(size=11, color=style["color"])))
    return shapes, anns, rows


def make_volumes_figure(volumes: pd.DataFrame, *, events: pd.DataFrame | None = None,
                        family: str | None = "vehicles", measures: Sequence[str] | str | None = None,
                        group_by: str = "measure", title: str | None = None,
                        caption: str | None = None, height: int = 520) -> go.Figure:
    """Monthly lines of BTS counts (VOLUMES_COLUMNS) for one ``family``: one line per measure
    (``group_by="measure"``), or per state / port for exactly one measure. ``events`` (EVENTS_COLUMNS,
    already filtered by the caller) are drawn as named spans. y-axis titled with the unit; gaps for NA.
    Raises ValueError for several measures with ``group_by`` state/port, unknown measures, or mixed units."""
    table = volumes_table(volumes, family=family, measures=measures, group_by=group_by)
    traces = []
    for i, (series, part) in enumerate(table.groupby("series", sort=False)):
        measure = str(part["measure"].iloc[0])
        if group_by == "measure":
            color, dash = MEASURE_COLORS.get(measure, OKABE_ITO[i % 8]), MEASURE_DASH.get(measure, "solid")
        else:
            color, dash = OKABE_ITO[i % len(OKABE_ITO)], ("solid", "dash", "dot", "dashdot")[(i // 8) % 4]
        traces.append(dict(
            type="scatter", mode="lines", x=part["month"].tolist(),
            y=[None if pd.isna(x) else int(x) for x in part["value"]], name=str(series), meta=str(series),
            line=dict(color=color, width=2.2, dash=dash), connectgaps=False, **MONTH_PERIOD,
            hovertemplate=f"<b>{series}</b><br>%{{x|%b %Y}}: %{{y:,}} {part['unit'].iloc[0]}<extra></extra>",
        ))
    layout = _line_layout(title, height)
    layout["yaxis"] = dict(title=dict(text=_unit_title(table)), rangemode="tozero", tickformat="~s")
    if not table.empty:
        x0, x1 = table["month"].min(), table["month"].max() + pd.offsets.MonthBegin(1)
        shapes, anns, _ = event_shapes(events, x0, x1)
        layout["shapes"], layout["annotations"] = shapes, anns
        layout["xaxis"]["range"] = [x0, x1]
    else:
        layout["annotations"] = [dict(text="No counts for this selection", x=0.5, y=0.5, xref="paper",
                                      yref="paper", showarrow=False, font=dict(size=15, color=MUTED))]
    return _finish(traces, layout, caption)


def _line_layout(title: str | None, height: int) -> dict:
    layout: dict = dict(
        template=TEMPLATE, height=height, hovermode="x unified",
        xaxis=dict(title=dict(text="Month"), type="date"),
        margin=dict(l=70, r=20, t=88 if title else 60, b=50),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom", title=dict(text="")),
        legend2=dict(orientation="h", x=0, xanchor="left", y=-0.13, yanchor="top",
                     title=dict(text="Events"), bgcolor="rgba(0,0,0,0)", borderwidth=0, tracegroupgap=0),
    )
    if title:
        layout["title"] = dict(text=title)
    return layout


def _finish(traces: list, layout: dict, caption: str | None, fig: go.Figure | None = None) -> go.Figure:
    """Make room for the events legend (legend2, below the plot) and the caption; build the figure."""
    n_events = sum(1 for s in layout.get("shapes", []) if s.get("showlegend"))
    b = layout["margin"]["b"]
    if n_events:
        b += 34 + 19 * n_events  # the events legend lists one event per row at most
    ann, b = caption_annotation(caption, b)
    layout["margin"]["b"] = b
    if ann:
        layout.setdefault("annotations", []).append(ann)
    if n_events:
        # legend2 sits just below the x-axis labels: paper y is a fraction of the plot height, so convert
        plot_h = max(100, layout["height"] - layout["margin"]["t"] - b)
        layout["legend2"].update(orientation="v", y=-46 / plot_h)
    else:
        layout.pop("legend2", None)
    if fig is None:
        return go.Figure(data=traces, layout=layout)
    fig.update_layout(layout)
    return fig


# ------------------------------------------------------------------------------------------------------
# Comparing states or ports on one measure
# ------------------------------------------------------------------------------------------------------
def _index_base(table: pd.DataFrame, index_to: str) -> pd.Series:
    period = pd.Period(index_to)
    in_base = table["month"].dt.to_period(period.freqstr) == period if len(index_to) > 4 else \
        table["month"].dt.year == int(index_to)
    base = table[in_base].groupby("series")["value"].mean()
    return base


def compare_table(volumes: pd.DataFrame, *, measure: str, group_by: str = "state",
                  groups: Iterable[str] | None = None, index_to: str | None = None) -> pd.DataFrame:
    """What :func:`make_compare_figure` plots: ``month, series, measure, unit, value`` and, with
    ``index_to``, ``index`` (100 = the mean of that year / month; NA when the base is missing or 0)."""
    if group_by not in ("state", "port"):
        raise ValueError(f"compare group_by must be 'state' or 'port', not {group_by!r}")
    table = volumes_table(volumes, family=None, measures=[measure], group_by=group_by)
    if groups is not None:
        groups = [str(g) for g in groups]
        table = table[table["series"].isin(groups) |
                      table["series"].str.extract(r"\((\w+)\)$")[0].isin(groups).fillna(False)]
    if index_to is not None:
        base = _index_base(table, str(index_to))
        b = table["series"].map(base).astype("Float64")
        b = b.where(b > 0)
        table = table.assign(index=(table["value"].astype("Float64") / b * 100).round(1))
    return table.reset_index(drop=True)


def make_compare_figure(volumes: pd.DataFrame, *, measure: str, group_by: str = "state",
                        groups: Iterable[str] | None = None, index_to: str | None = None,
                        events: pd.DataFrame | None = None, title: str | None = None,
                        caption: str | None = None, columns: int = 2) -> go.Figure:
    """Compare states or ports (``group_by``) on ONE ``measure``. Small multiples (one panel per group,
    own y-axis, shared x) by default; ``index_to="2019"`` draws indexed lines (100 = mean of that period)
    on one axis. ``groups`` restricts to some states / port codes. Event spans are drawn on every panel."""
    table = compare_table(volumes, measure=measure, group_by=group_by, groups=groups, index_to=index_to)
    unit = str(table["unit"].iloc[0]) if not table.empty else ""
    names = list(dict.fromkeys(table["series"].tolist()))
    x0 = table["month"].min() if not table.empty else None
    x1 = table["month"].max() + pd.offsets.MonthBegin(1) if not table.empty else None
    if index_to is not None or len(names) <= 1:
        traces = []
        ycol = "index" if index_to is not None else "value"
        for i, s in enumerate(names):
            part = table[table["series"] == s]
            traces.append(dict(type="scatter", mode="lines", x=part["month"].tolist(),
                               y=[None if pd.isna(x) else float(x) for x in part[ycol]], name=s, meta=s,
                               connectgaps=False, **MONTH_PERIOD, line=dict(color=OKABE_ITO[i % 8], width=2.2,
                                                            dash=("solid", "dash", "dot", "dashdot")[(i // 8) % 4]),
                               hovertemplate=f"<b>{s}</b><br>%{{x|%b %Y}}: %{{y:,}}<extra></extra>"))
        layout = _line_layout(title, 520)
        ytitle = (f"{measure}, index ({index_to} = 100)" if index_to is not None
                  else f"{measure} ({unit} per month)")
        layout["yaxis"] = dict(title=dict(text=ytitle), tickformat="~s" if index_to is None else None)
        if x0 is not None:
            shapes, anns, _ = event_shapes(events, x0, x1)
            layout["shapes"], layout["annotations"] = shapes, anns
            layout["xaxis"]["range"] = [x0, x1]
        return _finish(traces, layout, caption)

    rows = -(-len(names) // columns)
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, subplot_titles=names,
                        vertical_spacing=min(0.12, 0.5 / rows), horizontal_spacing=0.08)
    shapes: list[dict] = []
    for i, s in enumerate(names):
        r, c = i // columns + 1, i % columns + 1
        part = table[table["series"] == s]
        fig.add_trace(go.Scatter(x=part["month"].tolist(),
                                 y=[None if pd.isna(x) else int(x) for x in part["value"]], mode="lines",
                                 name=s, meta=s, connectgaps=False, showlegend=False, **MONTH_PERIOD,
                                 line=dict(color=OKABE_ITO[0], width=1.8),
                                 hovertemplate=f"<b>{s}</b><br>%{{x|%b %Y}}: %{{y:,}} {unit}<extra></extra>"),
                      row=r, col=c)
        k = "" if i == 0 else str(i + 1)
        sh, _, _ = event_shapes(events, x0, x1, xref=f"x{k}", yref=f"y{k} domain", legend=(i == 0))
        shapes.extend(sh)
    fig.update_yaxes(tickformat="~s", rangemode="tozero")
    fig.update_xaxes(showticklabels=True)
    fig.update_xaxes(range=[x0, x1])
    layout = _line_layout(title, max(320, 230 * rows + 80))
    layout.pop("xaxis")
    layout["shapes"] = shapes
    layout["annotations"] = list(fig.layout.annotations) + [dict(
        text=f"{measure} ({unit} per month); each panel has its own scale", xref="paper", yref="paper",
        x=0, y=1.0, yshift=28, xanchor="left", yanchor="bottom", showarrow=False,
        font=dict(size=12, color=MUTED))]
    layout["margin"]["t"] += 20
    return _finish([], layout, caption, fig=fig)
