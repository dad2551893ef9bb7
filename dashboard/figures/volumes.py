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
trajectories such as the 2020 drop and recovery. Each panel shades only its own events (``panel_events``:
those of its state or port, for the measure's mode), not every event of the states selected.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from loaders.bts import MEASURES

from ._events import crossings_text, date_span_text, local_naive
from ..safe_text import plotly_template as esc_t
from ..safe_text import plotly_text as esc
from .theme import (MEASURE_COLORS, MEASURE_DASH, MUTED, OKABE_ITO, TEMPLATE, caption_annotation, event_style,
                    legend_rows, merge_layout, new_figure, records, title_layout, title_px)

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


def _iso(months: pd.Series) -> list[str]:
    """Months as the ISO strings plotly would write for them: strings cost plotly nothing to copy, where
    Timestamps are deep-copied one by one each time a figure is built or handed to the page."""
    return months.dt.strftime("%Y-%m-%dT%H:%M:%S").tolist()


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
        return empty_table()
    return month_grid(grouped_sums(v, key), v["month"].min(), v["month"].max())


def empty_table() -> pd.DataFrame:
    """A volumes table (TABLE_COLUMNS) without rows."""
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in
                         zip(TABLE_COLUMNS, ["datetime64[ns]", "string", "string", "string", "Int64"])})


def grouped_sums(v: pd.DataFrame, key: pd.Series) -> pd.Series:
    """Sums (Int64, NA where every count is NA: ``min_count=1``) indexed by series, measure, unit, month.
    Sums of disjoint frames add up to the sum of their union (with ``min_count=1`` again)."""
    d = v.assign(series=key.values)
    return (d.groupby(["series", "measure", "unit", "month"], observed=True, sort=True)["value"]
            .sum(min_count=1))


def month_grid(g: pd.Series, first, last) -> pd.DataFrame:
    """The sums ``g`` (:func:`grouped_sums`) as TABLE_COLUMNS, each series on every month first..last."""
    months = pd.date_range(first, last, freq="MS")
    # one row per (series, measure, unit) key and month, in key order then month order; months
    # without a sum stay NA
    key_index = g.index.droplevel("month")
    keys = key_index.unique()  # sorted already: the groupby sorted them
    n = len(months)
    pos = keys.get_indexer(key_index) * n + months.get_indexer(g.index.get_level_values("month"))
    values = pd.array([pd.NA] * (len(keys) * n), dtype="Int64")
    values[pos] = g.astype("Int64").array
    out = {"month": np.tile(months.values, len(keys))}
    for level in ("series", "measure", "unit"):
        out[level] = pd.array(np.repeat(keys.get_level_values(level).astype(str).to_numpy(), n), dtype="string")
    out["value"] = values
    return pd.DataFrame(out)[TABLE_COLUMNS]


def volumes_table(volumes: pd.DataFrame, *, family: str | None = "vehicles",
                  measures: Sequence[str] | str | None = None, group_by: str = "measure",
                  missing: pd.DataFrame | None = None) -> pd.DataFrame:
    """Exactly the values :func:`make_volumes_figure` plots: ``month, series, measure, unit, value``
    (one row per series and month on the full monthly grid; ``<NA>`` where there is no count).
    With ``missing`` (``measure, month, n_missing, missing`` of a total across ports, see
    ``analysis.crossing_volumes.missing_ports``) and ``group_by="measure"`` two more columns say where a
    total lacks a port's count: ``ports_missing`` (Int64, 0 = complete) and ``missing`` (names).
    Raises ValueError like the figure."""
    v, _ = _select(volumes, family, measures, group_by)
    table = _on_month_grid(v, _series_key(v, group_by))
    if missing is not None and group_by == "measure":
        table = with_missing(table, missing)
    return table


def with_missing(table: pd.DataFrame, missing: pd.DataFrame) -> pd.DataFrame:
    """A per-measure table with ``ports_missing`` and ``missing`` from ``missing_ports`` (see volumes_table)."""
    found = dict(zip(zip(missing["measure"].tolist(), missing["month"].tolist()),
                     zip(missing["n_missing"].tolist(), missing["missing"].tolist())))
    at = [found.get(k, (0, pd.NA)) for k in zip(table["measure"].tolist(), table["month"].tolist())]
    return table.assign(ports_missing=pd.array([a for a, _ in at], dtype="Int64"),
                        missing=pd.array([b for _, b in at], dtype="string"))


FAMILY_AXIS = {"vehicles": "Vehicles", "people": "People", "freight": "Containers"}


def _unit_title(table: pd.DataFrame) -> str:
    units = table["unit"].dropna().unique().tolist()
    if len(units) == 1:
        return f"{str(units[0]).capitalize()} per month"
    fams = {MEASURES.get(str(m), ("", None))[1] for m in table["measure"].dropna().unique()}
    if len(fams) == 1 and None not in fams:
        return f"{FAMILY_AXIS[fams.pop()]} per month (each line its own count)"
    return "Count per month"


#: Event kinds drawn as a vertical line at their start (instants, and open-ended border-wide policy);
#: every other kind is a shaded span. Events of one day or less are lines too.
LINE_KINDS = {"reopening": "dot", "policy": "dashdot"}
#: Tags are staggered for this figure width (the export default); on a wider page they only get roomier.
ASSUMED_WIDTH = 1200
TAG_ROW_PX = 19
_TAG_CHAR_PX = 7.2
#: Tags closer than this (pixels) become one tag: at that distance the marks cannot be told apart anyway.
_MERGE_PX = 8
#: Rows of event tags above a plot, at most.
MAX_TAG_ROWS = 2


def event_shapes(events: pd.DataFrame | None, x0: pd.Timestamp, x1: pd.Timestamp, *,
                 xref: str = "x", yref: str = "paper",
                 legend: bool = True) -> tuple[list[dict], list[dict]]:
    """Shapes for ``events`` clipped to ``[x0, x1]``, numbered 1, 2, ... in start order: closures and
    suspensions as shaded spans, reopenings, policy (open-ended, border-wide) and events of a day or less
    as a vertical line at their start. Copies of one event (same title, kind and dates: the per-state
    entries of a policy) share one number. Each shape's legend name is ``"3 · title — dates"`` and the
    number is drawn as a tag over the plot (:func:`event_tags`). Returns ``(shapes, rows)``; rows describe
    what was drawn (``tag``, ``form`` "span"/"line", ``tag_x``, ...), in tag order."""
    shapes: list[dict] = []
    rows: list[dict] = []
    if events is None or events.empty:
        return shapes, rows
    groups: dict[tuple, dict] = {}
    for e in records(events.sort_values(["start", "id"], kind="stable")):
        start = local_naive(e["start"])
        end = local_naive(e.get("end"))
        if start is None:
            continue
        kind = str(e.get("kind"))
        is_line = kind in LINE_KINDS or (end is not None and (end - start) <= pd.Timedelta(days=1))
        if start > x1 or (end is not None and end < x0) or (is_line and start < x0):
            continue
        key = (str(e["title"]), kind, start.normalize(), end.normalize() if end is not None else None)
        if key in groups:
            groups[key]["ids"].append(str(e["id"]))
            continue
        groups[key] = {"ids": [str(e["id"])], "title": str(e["title"]), "kind": kind, "start": start,
                       "end": end, "line": is_line, "crossings": crossings_text(e.get("crossings"))}
    for n, g in enumerate(groups.values(), start=1):
        start, end, kind = g["start"], g["end"], g["kind"]
        style = event_style(kind)
        d0, d1 = max(start, x0), min(end if end is not None else x1, x1)
        name = esc(f"{n} · {g['title']} — {date_span_text(start, end)}")
        form = "line" if g["line"] else "span"
        rows.append({"id": g["ids"][0], "ids": tuple(g["ids"]), "tag": str(n), "title": g["title"],
                     "kind": kind, "start": start, "end": end, "drawn_start": d0,
                     "drawn_end": d0 if form == "line" else d1, "ongoing": end is None, "form": form,
                     "tag_x": d0 if form == "line" else d0 + (d1 - d0) / 2, "color": style["color"],
                     "legend_name": name, "crossings": g["crossings"]})
        common = dict(xref=xref, yref=yref, name=name, legendgroup=f"event-{g['ids'][0]}",
                      showlegend=legend, legend="legend2" if legend else None)
        if form == "line":
            shapes.append(dict(type="line", x0=d0, x1=d0, y0=0, y1=1, layer="above",
                               line=dict(color=style["color"], width=2, dash=LINE_KINDS.get(kind, "dot")),
                               **common))
        else:
            shapes.append(dict(type="rect", x0=d0, x1=d1, y0=0, y1=1, layer="below",
                               fillcolor=style["color"], opacity=0.22, line=dict(width=0), **common))
    return shapes, rows


def _tag_text(tags: list[str]) -> str:
    """``["4", "3", "5", "9"]`` -> ``"3–5,9"`` (runs of three or more as a range)."""
    nums = sorted({int(t) for t in tags})
    parts, i = [], 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        parts.append(f"{nums[i]}–{nums[j]}" if j - i >= 2 else ",".join(map(str, nums[i:j + 1])))
        i = j + 1
    return ",".join(parts)


def event_tags(rows: list[dict], x0: pd.Timestamp, x1: pd.Timestamp, plot_px: float, *, xref: str = "x",
               yref: str = "paper", leader: bool = True, base_px: int = 0) -> tuple[list[dict], int]:
    """The numbered tags of :func:`event_shapes` rows as annotations above the plot (``y=1`` of
    ``yref``), never overlapping: tags at the same x are merged ("17–20"), the others staggered into
    rows ``TAG_ROW_PX`` apart (``plot_px``: the plot's assumed width in pixels). ``leader`` draws a thin
    line from each tag down to the plot's top edge. Returns ``(annotations, rows used)``."""
    if not rows:
        return [], 0
    span = (x1 - x0) / pd.Timedelta(seconds=1) or 1.0
    px = lambda t: (t - x0) / pd.Timedelta(seconds=1) / span * plot_px  # noqa: E731
    merged: list[dict] = []
    for r in sorted(rows, key=lambda r: (r["tag_x"], int(r["tag"]))):
        p = px(r["tag_x"])
        if merged and abs(p - merged[-1]["px"]) < _MERGE_PX:
            merged[-1]["tags"].append(r["tag"])
            merged[-1]["colors"].add(r["color"])
        else:
            merged.append({"px": p, "x": r["tag_x"], "tags": [r["tag"]], "colors": {r["color"]}})
    # Stagger into at most MAX_TAG_ROWS rows; a tag that would need another row joins its left neighbour
    # ("12,14–19" and "20–23" become "12,14–23"): a tower of tags cannot be read.
    while True:
        ends: list[float] = []
        placed: list[tuple[dict, int]] = []
        for k, m in enumerate(merged):
            text = _tag_text(m["tags"])
            w = _TAG_CHAR_PX * len(text) + 10
            lo = m["px"] - w / 2
            row = next((i for i, e in enumerate(ends) if e + 3 <= lo), len(ends))
            if row >= MAX_TAG_ROWS and k > 0:
                prev = merged[k - 1]
                prev["tags"] += m["tags"]
                prev["colors"] |= m["colors"]
                del merged[k]
                break
            if row == len(ends):
                ends.append(0.0)
            ends[row] = m["px"] + w / 2
            placed.append((m, row))
        else:
            break
    anns = []
    for m, row in placed:
        text = _tag_text(m["tags"])
        color = m["colors"].pop() if len(m["colors"]) == 1 else "#1f2328"
        lift = base_px + 11 + row * TAG_ROW_PX
        ann = dict(x=m["x"], y=1, xref=xref, yref=yref, text=text, name="event-tag",
                   font=dict(size=11, color="#1f2328"), bgcolor="white", bordercolor=color, borderwidth=1.3,
                   borderpad=1)
        if leader:
            ann.update(showarrow=True, arrowhead=0, arrowwidth=1, arrowcolor=color, ax=0, ay=-lift,
                       axref="pixel", ayref="pixel")
        else:
            ann.update(showarrow=False, yanchor="middle", yshift=lift)
        anns.append(ann)
    return anns, len(ends)


def _plot_px(layout: dict, columns: int = 1, spacing: float = 0.0) -> float:
    m = layout["margin"]
    return max(200.0, (ASSUMED_WIDTH - m["l"] - m["r"]) * (1 - spacing * (columns - 1)) / columns)


def make_volumes_figure(volumes: pd.DataFrame, *, table: pd.DataFrame | None = None, events: pd.DataFrame | None = None,
                        family: str | None = "vehicles", measures: Sequence[str] | str | None = None,
                        group_by: str = "measure", title: str | None = None, subtitle: str | None = None,
                        caption: str | None = None, height: int = 520,
                        markers: Sequence[tuple[pd.Timestamp, str]] | None = None,
                        empty_text: str = "No counts for this selection") -> go.Figure:
    """Monthly lines of BTS counts (VOLUMES_COLUMNS) for one ``family``: one line per measure
    (``group_by="measure"``), or per state / port for exactly one measure. ``events`` (EVENTS_COLUMNS,
    already filtered by the caller) are drawn as named spans. y-axis titled with the unit; gaps for NA.
    ``markers``: ``(month, text)`` vertical reference lines (the El Paso/Ysleta split). Months where a total
    lacks a port's count (``ports_missing`` > 0 in ``table``) get an open marker that says which port.
    Raises ValueError for several measures with ``group_by`` state/port, unknown measures, or mixed units."""
    table = volumes_table(volumes, family=family, measures=measures, group_by=group_by) if table is None else table
    traces = []
    # one pass over plain lists (a groupby with per-series strftime and column look-ups cost ~2 ms a line)
    iso, values = _iso(table["month"]), table["value"].tolist()
    measure_of, unit_of = table["measure"].tolist(), table["unit"].tolist()
    rows_of: dict = {}  # series -> row positions, in order of first appearance (groupby(sort=False))
    for j, key in enumerate(table["series"].tolist()):
        if not pd.isna(key):  # groupby leaves NA keys out
            rows_of.setdefault(key, []).append(j)
    for i, (series, rows) in enumerate(rows_of.items()):
        measure = str(measure_of[rows[0]])
        if group_by == "measure":
            color, dash = MEASURE_COLORS.get(measure, OKABE_ITO[i % 8]), MEASURE_DASH.get(measure, "solid")
        else:
            color, dash = OKABE_ITO[i % len(OKABE_ITO)], ("solid", "dash", "dot", "dashdot")[(i // 8) % 4]
        traces.append(dict(
            type="scatter", mode="lines", x=[iso[j] for j in rows],
            y=[None if pd.isna(values[j]) else int(values[j]) for j in rows], name=esc(series), meta=str(series),
            line=dict(color=color, width=2.2, dash=dash), connectgaps=False, **MONTH_PERIOD,
            hovertemplate=f"<b>{esc_t(series)}</b><br>%{{x|%b %Y}}: %{{y:,}} {esc_t(unit_of[rows[0]])}<extra></extra>",
        ))
    if "ports_missing" in table.columns:
        part = table[(table["ports_missing"].fillna(0) > 0).to_numpy() & table["value"].notna().to_numpy()]
        if len(part):
            traces.append(dict(
                type="scatter", mode="markers", x=_iso(part["month"]), y=[int(x) for x in part["value"]],
                name="Total lacks a port's count", meta="partial-total", **MONTH_PERIOD,
                marker=dict(symbol="circle-open", size=11, color="#1f2328", line=dict(width=2)),
                text=[f"{ser}: without {miss}" for ser, miss in zip(part["series"], part["missing"])],
                hovertemplate="<b>partial total</b> %{x|%b %Y}<br>%{text}<extra></extra>"))
    layout = _line_layout(title, height, subtitle, [t["name"] for t in traces])
    layout["yaxis"] = dict(title=dict(text=_unit_title(table)), rangemode="tozero", tickformat="~s")
    if not table.empty:
        x0, x1 = table["month"].min(), table["month"].max() + pd.offsets.MonthBegin(1)
        shapes, rows = event_shapes(events, x0, x1)
        anns, tag_rows = event_tags(rows, x0, x1, _plot_px(layout))
        for when, text in markers or ():
            when = pd.Timestamp(when)
            if x0 <= when <= x1:
                shapes.append(dict(type="line", x0=when, x1=when, y0=0, y1=1, xref="x", yref="paper",
                                   layer="above", name="source-change", line=dict(color=MUTED, width=1.5, dash="dash")))
                anns.append(dict(x=when, y=0.98, xref="x", yref="paper", text=text, name="source-change",
                                 showarrow=False, xanchor="left", yanchor="top", xshift=4,
                                 font=dict(size=11, color="#1f2328"), bgcolor="rgba(255,255,255,0.85)"))
        layout["shapes"], layout["annotations"] = shapes, anns
        layout["xaxis"]["range"] = [x0, x1]
        return _finish(traces, layout, caption, tag_rows=tag_rows)
    else:
        layout["annotations"] = [dict(text=empty_text, x=0.5, y=0.5, xref="paper",
                                      yref="paper", showarrow=False, font=dict(size=15, color=MUTED))]
    return _finish(traces, layout, caption)


def _line_layout(title: str | None, height: int, subtitle: str | None = None,
                 series: Sequence[str] = ()) -> dict:
    """The line charts' layout: the title block, then the series legend (as many rows as its items need
    at the export width), then the plot; ``_finish`` adds the event tags between legend and plot."""
    rows = legend_rows(list(series), ASSUMED_WIDTH - 20) if series else 0
    top = title_px(title, subtitle) + (rows * 21 + 14 if rows else 0) + 8
    layout: dict = dict(
        template=TEMPLATE, height=height, hovermode="x unified",
        xaxis=dict(title=dict(text="Month"), type="date"),
        margin=dict(l=70, r=20, t=max(56, top), b=50),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom", title=dict(text="")),
        legend2=dict(orientation="v", x=0, xanchor="left", y=-0.13, yanchor="top",
                     title=dict(text="Events (numbers as tagged on the chart)", font=dict(size=12)),
                     bgcolor="rgba(0,0,0,0)", borderwidth=0, tracegroupgap=0, font=dict(size=12)),
    )
    if title:
        layout["title"] = dict(text=title, subtitle=subtitle)
    return layout


#: Pixels the events legend needs: its title, then one row per event.
_LEGEND2_HEAD_PX, _LEGEND2_ROW_PX = 30, 19


def _finish(traces: list, layout: dict, caption: str | None, fig: go.Figure | None = None, *,
            tag_rows: int = 0) -> go.Figure:
    """Make room above the plot for the event tags (``tag_rows`` rows) and below it for the events legend
    (legend2, one event per row) and the caption. The figure grows by what these need, so the plot keeps
    the height it has without them however many events are in view. Builds the figure."""
    n_events = sum(1 for s in layout.get("shapes", []) if s.get("showlegend"))
    m = layout["margin"]
    base_plot = layout["height"] - m["t"] - m["b"]
    tag_h = tag_rows * TAG_ROW_PX + 6 if tag_rows else 0
    m["t"] += tag_h
    b = m["b"]
    if n_events:
        b += _LEGEND2_HEAD_PX + _LEGEND2_ROW_PX * n_events
    ann, b = caption_annotation(caption, b)
    m["b"] = b
    layout["height"] = int(base_plot + m["t"] + b)
    if ann:
        layout.setdefault("annotations", []).append(ann)
    plot_h = base_plot
    # the series legend sits above the tags; paper y is a fraction of the plot height
    layout["legend"]["y"] = 1 + (tag_h + 4) / plot_h
    if n_events:
        # legend2 sits just below the x-axis labels
        # all of it, however many events: plotly would cap a vertical legend's height and scroll it
        layout["legend2"].update(y=-46 / plot_h, maxheight=_LEGEND2_HEAD_PX + _LEGEND2_ROW_PX * n_events + 12)
    else:
        layout.pop("legend2", None)
    if "title" in layout:
        layout["title"] = title_layout(layout["title"]["text"], layout["height"],
                                       subtitle=layout["title"].get("subtitle"))
    if fig is None:
        return new_figure(traces, layout)
    # a make_subplots figure: rebuild it through new_figure so it gets the same look and no template
    spec = fig.to_dict()
    spec["layout"].pop("template", None)
    return new_figure(spec["data"], merge_layout(spec["layout"], layout))


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


def _marker_line(when, xref: str, yref: str) -> dict:
    return dict(type="line", x0=pd.Timestamp(when), x1=pd.Timestamp(when), y0=0, y1=1, xref=xref, yref=yref,
                layer="above", name="source-change", line=dict(color=MUTED, width=1.5, dash="dash"))


def _marker_text(when, text: str, xref: str, yref: str) -> dict:
    return dict(x=pd.Timestamp(when), y=0.98, xref=xref, yref=yref, text=text, name="source-change",
                showarrow=False, xanchor="left", yanchor="top", xshift=4, font=dict(size=11, color="#1f2328"),
                bgcolor="rgba(255,255,255,0.85)")


def make_compare_figure(volumes: pd.DataFrame, *, table: pd.DataFrame | None = None, measure: str, group_by: str = "state",
                        groups: Iterable[str] | None = None, index_to: str | None = None,
                        events: pd.DataFrame | None = None, title: str | None = None,
                        subtitle: str | None = None, caption: str | None = None, columns: int = 2,
                        markers: Sequence[tuple[pd.Timestamp, str, Sequence[str]]] | None = None,
                        panel_events: Mapping[str, pd.DataFrame] | None = None) -> go.Figure:
    """Compare states or ports (``group_by``) on ONE ``measure``. Small multiples (one panel per group,
    own y-axis, shared x) by default; ``index_to="2019"`` draws indexed lines (100 = mean of that period)
    on one axis. ``groups`` restricts to some states / port codes. ``events`` are drawn on every panel;
    ``panel_events`` (series name -> that panel's events, e.g. from
    :func:`analysis.crossing_volumes.panel_events`) draws on each panel only its own, numbered once across
    the figure (each event in the legend once; on one axis, the events of the series shown).
    ``markers``: ``(month, text, series)`` reference lines (the El Paso/Ysleta split) drawn on the panels of
    those series (on the single axis when any of them is shown)."""
    table = compare_table(volumes, measure=measure, group_by=group_by, groups=groups, index_to=index_to) if table is None else table
    unit = str(table["unit"].iloc[0]) if not table.empty else ""
    names = list(dict.fromkeys(table["series"].tolist()))
    x0 = table["month"].min() if not table.empty else None
    x1 = table["month"].max() + pd.offsets.MonthBegin(1) if not table.empty else None
    own: dict[str, set[str]] | None = None
    if panel_events is not None:
        parts = [panel_events[s] for s in names if panel_events.get(s) is not None and len(panel_events[s])]
        events = pd.concat(parts, ignore_index=True).drop_duplicates("id") if parts else None
        own = {s: set(panel_events[s]["id"].astype(str)) if panel_events.get(s) is not None else set()
               for s in names}
    if index_to is not None or len(names) <= 1:
        traces = []
        ycol = "index" if index_to is not None else "value"
        for i, s in enumerate(names):
            part = table[table["series"] == s]
            traces.append(dict(type="scatter", mode="lines", x=_iso(part["month"]),
                               y=[None if pd.isna(x) else float(x) for x in part[ycol]], name=esc(s), meta=s,
                               connectgaps=False, **MONTH_PERIOD, line=dict(color=OKABE_ITO[i % 8], width=2.2,
                                                            dash=("solid", "dash", "dot", "dashdot")[(i // 8) % 4]),
                               hovertemplate=f"<b>{esc_t(s)}</b><br>%{{x|%b %Y}}: %{{y:,}}<extra></extra>"))
        layout = _line_layout(title, 520, subtitle, names)
        ytitle = (f"{measure}, index ({index_to} = 100)" if index_to is not None
                  else f"{measure} ({unit} per month)")
        layout["yaxis"] = dict(title=dict(text=esc(ytitle)), tickformat="~s" if index_to is None else None)
        tag_rows = 0
        if x0 is not None:
            shapes, rows = event_shapes(events, x0, x1)
            anns, tag_rows = event_tags(rows, x0, x1, _plot_px(layout))
            for when, text, series in markers or ():
                if set(series) & set(names) and x0 <= pd.Timestamp(when) <= x1:
                    shapes.append(_marker_line(when, "x", "paper"))
                    anns.append(_marker_text(when, text, "x", "paper"))
            layout["shapes"], layout["annotations"] = shapes, anns
            layout["xaxis"]["range"] = [x0, x1]
        return _finish(traces, layout, caption, tag_rows=tag_rows)

    rows = -(-len(names) // columns)
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, subplot_titles=[esc(n) for n in names],
                        vertical_spacing=min(0.12, 0.5 / rows), horizontal_spacing=0.08)
    shapes: list[dict] = []
    marker_anns: list[dict] = []
    column_rows: dict[int, dict[str, dict]] = {}  # the event rows drawn in each column, by tag
    in_legend: set[str] = set()
    for i, s in enumerate(names):
        r, c = i // columns + 1, i % columns + 1
        part = table[table["series"] == s]
        fig.add_trace(go.Scatter(x=_iso(part["month"]),
                                 y=[None if pd.isna(x) else int(x) for x in part["value"]], mode="lines",
                                 name=esc(s), meta=s, connectgaps=False, showlegend=False, **MONTH_PERIOD,
                                 line=dict(color=OKABE_ITO[0], width=1.8),
                                 hovertemplate=f"<b>{esc_t(s)}</b><br>%{{x|%b %Y}}: %{{y:,}} {esc_t(unit)}<extra></extra>"),
                      row=r, col=c)
        k = "" if i == 0 else str(i + 1)
        sh, ev_rows = event_shapes(events, x0, x1, xref=f"x{k}", yref=f"y{k} domain",
                                   legend=(i == 0 and own is None))
        if own is not None:  # this panel's own events only (event_shapes gives one shape per row)
            drawn = [(x, row) for x, row in zip(sh, ev_rows) if own[s] & set(row["ids"])]
            for x, row in drawn:  # each event once in the legend: on the first panel that draws it
                first = row["id"] not in in_legend
                x.update(showlegend=first, legend="legend2" if first else None)
                in_legend.add(row["id"])
            sh, ev_rows = [x for x, _ in drawn], [row for _, row in drawn]
        column_rows.setdefault(i % columns, {}).update({row["tag"]: row for row in ev_rows})
        shapes.extend(sh)
        for when, text, series in markers or ():
            if s in set(series) and x0 <= pd.Timestamp(when) <= x1:
                shapes.append(_marker_line(when, f"x{k}", f"y{k} domain"))
                marker_anns.append(_marker_text(when, text.split(";")[0], f"x{k}", f"y{k} domain"))
    fig.update_yaxes(tickformat="~s", rangemode="tozero")
    fig.update_xaxes(showticklabels=True)
    fig.update_xaxes(range=[x0, x1])
    layout = _line_layout(title, max(320, 230 * rows + 80), subtitle)
    layout.pop("xaxis")
    layout["shapes"] = shapes
    # the event numbers go once above each column's top panel (above its title: no leader lines)
    tags, tag_rows = [], 0
    for c in range(min(columns, len(names))):
        k = "" if c == 0 else str(c + 1)
        rows_c = sorted(column_rows.get(c, {}).values(), key=lambda row: int(row["tag"]))
        t, used = event_tags(rows_c, x0, x1, _plot_px(layout, columns, 0.08), xref=f"x{k}",
                             yref=f"y{k} domain", leader=False, base_px=26)
        tag_rows = max(tag_rows, used)
        tags.extend(t)
    note_shift = 34 + (tag_rows * TAG_ROW_PX + 6 if tag_rows else 0)
    layout["annotations"] = list(fig.layout.annotations) + tags + marker_anns + [dict(
        text=esc(f"{measure} ({unit} per month); each panel has its own scale"), xref="paper", yref="paper",
        x=0, y=1.0, yshift=note_shift, xanchor="left", yanchor="bottom", showarrow=False,
        font=dict(size=12, color=MUTED))]
    # title block, then the note (the event tags, which _finish makes room for, sit between note and panels)
    layout["margin"]["t"] = max(title_px(title, subtitle), 10) + 34 + 22
    return _finish([], layout, caption, fig=fig, tag_rows=tag_rows)
