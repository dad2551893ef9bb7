"""The one look every Borderwatch chart shares: the ``"borderwatch"`` plotly template, the status and
measure palettes, event-kind styles and :func:`add_caption`.

Every builder names ``template="borderwatch"`` and goes through :func:`new_figure`, which writes the
template's values into the figure's layout and ships no template at all: importing Streamlit switches
plotly's default template to ``"streamlit"``, so relying on ``pio.templates.default`` would make the page and
exported images differ, and a template object costs plotly.js a full redraw (see :func:`flatten_template`).

Colours are Okabe-Ito (colour-blind safe) and every status also has its own marker symbol and a text label,
so nothing is told by colour alone.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import plotly.io as pio

if TYPE_CHECKING:
    import pandas as pd

TEMPLATE = "borderwatch"
FONT_FAMILY = "Inter, 'Helvetica Neue', Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
INK = "#1f2328"
MUTED = "#57606a"
GRID = "#e6e8eb"

#: Okabe-Ito hues, in the order used for generic series; orange, sky blue, reddish purple and yellow are
#: darkened so every line has at least 3:1 contrast against the white plot (WCAG 2.2 non-text contrast:
#: the original yellow had 1.3:1, orange and sky blue 2.3:1). tests/test_contrast.py checks them.
OKABE_ITO = ("#0072B2", "#A86F00", "#008A63", "#B4588A", "#1A84BF", "#D55E00", "#8A7800", "#000000")
#: What markers and lines are drawn on: plot background, the map's U.S. land, Mexico's fill and the sea.
BACKGROUNDS = ("#ffffff", "#fcfcfb", "#ebe6dc", "#eef5fb")

#: Status -> colour, marker symbol, label. ``"x"`` for closed is a filled cross: it stays legible at
#: 8 px where ``"square-x"`` turns into a blob. ``"circle-open"`` for unknown reads as "no data".
STATUS_STYLE: dict[str, dict[str, object]] = {
    "open": {"color": "#008A63", "symbol": "circle", "label": "Open", "size": 12},
    "partial": {"color": "#A86F00", "symbol": "diamond", "label": "Partial", "size": 13},
    "closed": {"color": "#D55E00", "symbol": "x", "label": "Closed", "size": 14},
    "unknown": {"color": "#7A7A7A", "symbol": "circle-open", "label": "Unknown", "size": 11},
}
STATUS_ORDER = ("open", "partial", "closed", "unknown")

#: BTS measures -> colour (Okabe-Ito), one per measure inside each family so a family's lines never repeat.
MEASURE_COLORS: dict[str, str] = {
    # vehicles
    "Personal Vehicles": "#0072B2",
    "Trucks": "#A86F00",
    "Buses": "#008A63",
    "Trains": "#B4588A",
    # people
    "Personal Vehicle Passengers": "#0072B2",
    "Pedestrians": "#D55E00",
    "Bus Passengers": "#008A63",
    "Train Passengers": "#B4588A",
    # freight
    "Truck Containers Loaded": "#A86F00",
    "Truck Containers Empty": "#1A84BF",
    "Rail Containers Loaded": "#B4588A",
    "Rail Containers Empty": "#000000",
}
#: Dash per measure, a second cue next to colour.
MEASURE_DASH: dict[str, str] = {
    "Personal Vehicles": "solid", "Trucks": "dash", "Buses": "dot", "Trains": "dashdot",
    "Personal Vehicle Passengers": "solid", "Pedestrians": "dash", "Bus Passengers": "dot",
    "Train Passengers": "dashdot",
    "Truck Containers Loaded": "solid", "Truck Containers Empty": "dash",
    "Rail Containers Loaded": "dot", "Rail Containers Empty": "dashdot",
}

#: Event kind -> colour (Okabe-Ito), bar pattern, marker symbol (for instants and one-day events) and
#: label. Every kind differs in colour AND in pattern AND in symbol, so none is told by colour alone.
#: Closing kinds are warm, reopenings green, border-wide policy dark grey.
EVENT_STYLE: dict[str, dict[str, str]] = {
    "closure": {"color": "#D55E00", "pattern": "", "symbol": "x", "label": "Closure"},
    "suspension": {"color": "#CC79A7", "pattern": "/", "symbol": "square", "label": "Suspension"},
    "rail_suspension": {"color": "#0072B2", "pattern": "x", "symbol": "bowtie", "label": "Rail suspension"},
    "partial_closure": {"color": "#E69F00", "pattern": ".", "symbol": "diamond", "label": "Partial closure"},
    "reopening": {"color": "#009E73", "pattern": "|", "symbol": "triangle-up", "label": "Reopening"},
    "policy": {"color": "#4d4d4d", "pattern": "+", "symbol": "star", "label": "Policy"},
    "other": {"color": "#999999", "pattern": "-", "symbol": "circle", "label": "Other"},
}


def event_style(kind: object) -> dict[str, str]:
    """Style for an event kind; unknown kinds get the grey ``other`` style with their own label."""
    k = str(kind) if kind is not None else "other"
    if k in EVENT_STYLE:
        return EVENT_STYLE[k]
    return {**EVENT_STYLE["other"], "label": k.replace("_", " ").capitalize()}


def _build_template() -> go.layout.Template:
    # Layout only (from plotly_white), no per-trace-type data defaults: the template is deep-copied into
    # every figure, and plotly_white's ~50 trace-type entries made that the slowest step of a map build.
    t = go.layout.Template(layout=pio.templates["plotly_white"].layout)
    t.layout.update(
        font=dict(family=FONT_FAMILY, size=13, color=INK),
        title=dict(font=dict(size=18, color=INK), x=0.01, xanchor="left", y=0.97, yanchor="top"),
        colorway=list(OKABE_ITO),
        paper_bgcolor="white",
        plot_bgcolor="white",
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=12), bgcolor="white", bordercolor="#8c959f",
                        align="left"),
        legend=dict(bgcolor="rgba(255,255,255,0.85)", bordercolor=GRID, borderwidth=1,
                    font=dict(size=12), title=dict(font=dict(size=12, color=MUTED))),
        margin=dict(l=70, r=30, t=70, b=60),
        xaxis=dict(gridcolor=GRID, linecolor="#8c959f", ticks="outside", tickcolor="#8c959f",
                   zeroline=False, title=dict(font=dict(size=13, color=MUTED))),
        yaxis=dict(gridcolor=GRID, linecolor="#8c959f", zeroline=False,
                   title=dict(font=dict(size=13, color=MUTED))),
        # The sea is the geo background, not plotly's ocean layer: same look, and one polygon with every
        # coastline of the continent less to project on each draw of the map.
        geo=dict(bgcolor="#eef5fb", landcolor="#f6f6f4", subunitcolor="#9aa0a6", countrycolor="#6e7781",
                 coastlinecolor="#9aa0a6", lakecolor="#dcecf7", oceancolor="#eef5fb", showocean=False,
                 showlakes=True),
    )
    return t


pio.templates[TEMPLATE] = _build_template()


#: Title and subtitle wrapping for the export width (1200 CSS px): characters per line, line heights.
TITLE_CHARS, SUBTITLE_CHARS, CAPTION_CHARS = 86, 150, 130
TITLE_LINE_PX, SUBTITLE_LINE_PX, TITLE_TOP_PX = 24, 18, 14


def _wrap(text: str, width: int) -> str:
    from dashboard.chart_text import wrap
    return wrap(text, width)


def title_layout(text: str, height: int, top_px: int = TITLE_TOP_PX, subtitle: str | None = None) -> dict:
    """``layout.title`` pinned ``top_px`` pixels below the top edge whatever the figure's height (the
    template's relative ``y`` drifts down into the legend on tall figures), wrapped to lines that fit the
    export width, with an optional ``subtitle`` (the filters) under it."""
    text = _wrap(text, TITLE_CHARS)
    # plotly anchors a multi-line title by its first line: move it down by the lines above that
    top_px += 18 * text.count("<br>")
    out = dict(text=text, y=1 - top_px / max(int(height), 1), yanchor="top")
    if subtitle:
        out["subtitle"] = dict(text=_wrap(subtitle, SUBTITLE_CHARS), font=dict(size=13, color=MUTED))
    return out


def title_px(title: str | None, subtitle: str | None = None) -> int:
    """Pixels from the figure's top edge to just below its title block (title lines, then subtitle
    lines); 0 without a title. Builders put their legend below this, so the two never overlap."""
    if not title:
        return 0
    n = _wrap(title, TITLE_CHARS).count("<br>") + 1
    px = TITLE_TOP_PX + n * TITLE_LINE_PX
    if subtitle:
        px += 6 + (_wrap(subtitle, SUBTITLE_CHARS).count("<br>") + 1) * SUBTITLE_LINE_PX
    return px + 6


def legend_rows(names: list[str], width_px: float, font_px: float = 12, symbol_px: float = 46) -> int:
    """How many rows a horizontal legend of ``names`` takes in ``width_px`` (plotly wraps items)."""
    rows, used = 1, 0.0
    for n in names:
        w = symbol_px + 0.58 * font_px * len(str(n)) + 10
        if used and used + w > width_px:
            rows, used = rows + 1, 0.0
        used += w
    return rows


def apply_template(fig: go.Figure) -> go.Figure:
    """Set the Borderwatch template explicitly (never rely on plotly's default)."""
    fig.update_layout(template=TEMPLATE)
    return fig


_CAPTION_LINE_PX = 17
_CAPTION_GAP_PX = 14


def caption_annotation(caption: str | None, margin_b: int) -> tuple[dict | None, int]:
    """The caption as a layout annotation dict and the bottom margin it needs, for builders that assemble
    their layout as one dict (faster than :func:`add_caption` on a finished figure)."""
    if not caption:
        return None, margin_b
    # wrapped so a source line fits a page column as well as the 1200 px export
    lines = [ln for ln in _wrap(str(caption), CAPTION_CHARS).replace("<br>", "\n").splitlines() if ln.strip()] \
        or [str(caption)]
    need = _CAPTION_GAP_PX + len(lines) * _CAPTION_LINE_PX + 8
    ann = dict(
        name="caption", text="<br>".join(lines),
        xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
        # shift in pixels: from the plot area's bottom edge down past the axis ticks and title
        yshift=-int(margin_b) + 4,
        showarrow=False, align="left", font=dict(size=11, color=MUTED),
    )
    return ann, int(margin_b + need)


def add_caption(fig: go.Figure, caption: str | None) -> go.Figure:
    """Put ``caption`` (one or more ``\\n``-separated lines, e.g. the filters and a ``Source: ...`` line)
    inside the figure below the plot area, growing the bottom margin so nothing is clipped in exported
    images. Returns ``fig``; ``None`` or ``""`` leaves it unchanged."""
    margin_b = fig.layout.margin.b if fig.layout.margin and fig.layout.margin.b is not None else 60
    ann, new_b = caption_annotation(caption, int(margin_b))
    if ann is None:
        return fig
    fig.update_layout(margin=dict(b=new_b))
    fig.add_annotation(ann)
    return fig


def caption_text(fig: go.Figure) -> str | None:
    """The caption annotation's text (``<br>`` back to newlines), or None."""
    for a in fig.layout.annotations or ():
        if a.name == "caption":
            return a.text.replace("<br>", "\n")
    return None


#: Check every figure against plotly's schema while building it. Off at run time, where validation costs
#: about ten times the build itself on every filter change; the test suite turns it on
#: (BORDERWATCH_VALIDATE_FIGURES=1 in tests/conftest.py) so every builder's output is still checked.
VALIDATE = os.environ.get("BORDERWATCH_VALIDATE_FIGURES", "") == "1"


# Subplot kinds a template styles wherever they occur (``xaxis`` styles ``xaxis2``... too), and the
# ``*defaults`` entries that style each item of a layout array.
_SUBPLOT_RE = re.compile(r"(xaxis|yaxis|geo|polar|ternary|scene|coloraxis|map|mapbox|smith)(\d*)")
_ITEM_DEFAULTS = {"annotationdefaults": "annotations", "shapedefaults": "shapes", "imagedefaults": "images",
                  "sliderdefaults": "sliders", "updatemenudefaults": "updatemenus",
                  "selectiondefaults": "selections"}
_GEO_TRACES = {"scattergeo", "choropleth"}
_NON_CARTESIAN = _GEO_TRACES | {"pie", "table", "sunburst", "treemap", "icicle", "sankey", "indicator",
                                "parcoords", "parcats", "funnelarea", "scatterpolar", "barpolar",
                                "scatterternary", "scatter3d", "surface", "mesh3d"}


@functools.cache
def _template_layout(name: str) -> dict:
    return pio.templates[name].layout.to_plotly_json()


def records(df: pd.DataFrame) -> list[dict]:
    """``df.to_dict("records")`` without its per-row overhead (chart builders walk a few dozen rows on every
    filter change): the same Python scalars, ``pd.NA`` as ``None`` and ``NaN``/``NaT`` kept, like pandas."""
    import pandas as pd

    def column(c):
        values = df[c].tolist()
        # pandas hands pd.NA out as None, whatever the column's dtype (object columns can hold it too)
        return [None if v is pd.NA else v for v in values] if any(v is pd.NA for v in values) else values

    cols = list(df.columns)
    return [dict(zip(cols, row)) for row in zip(*(column(c) for c in cols))]


def merge_layout(base: dict, over: dict) -> dict:
    """``over`` on top of ``base``, recursively for nested dicts (what a template does for unset values)."""
    out = dict(base)
    for k, v in over.items():
        out[k] = merge_layout(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _trace_dict(t) -> dict:
    return t if isinstance(t, dict) else t.to_plotly_json()


def flatten_template(data: list, layout: dict, name: str = TEMPLATE) -> dict:
    """``layout`` with the template's values written into it, so the figure needs no ``layout.template``.

    Why: plotly.js redraws a whole figure whenever ``Plotly.react`` gets a template object it has not seen,
    even an equal one, and Streamlit's chart element hands plotly.js a fresh copy of every figure right
    after drawing it. With the template flattened (and :func:`data_revision` set), that second pass costs
    ~2 ms instead of a full redraw (~30 ms for the map or the volumes chart, measured in Chromium)."""
    tpl = dict(_template_layout(name))
    items = {arr: tpl.pop(k) for k, arr in _ITEM_DEFAULTS.items() if k in tpl}
    subplots = {k: tpl.pop(k) for k in list(tpl) if _SUBPLOT_RE.fullmatch(k)}
    out = merge_layout(tpl, {k: v for k, v in layout.items() if k != "template"})
    used = {k for k in out if _SUBPLOT_RE.fullmatch(k)}
    traces = [_trace_dict(t) for t in data]
    for t in traces:
        kind = t.get("type", "scatter")
        if kind in _GEO_TRACES:
            used.add(t.get("geo") or "geo")
        elif kind not in _NON_CARTESIAN:
            used.add("xaxis" + (t.get("xaxis") or "x")[1:])
            used.add("yaxis" + (t.get("yaxis") or "y")[1:])
    for key in used:
        base = _SUBPLOT_RE.fullmatch(key).group(1)
        if base in subplots:
            own = out.get(key) or {}
            out[key] = merge_layout(subplots[base], own)
            if base in ("xaxis", "yaxis"):
                out[key] = {**_implied_axis_flags(key, own, traces), **out[key]}
    for arr, dflt in items.items():
        if out.get(arr):
            out[arr] = [merge_layout(dflt, _trace_dict(item)) for item in out[arr]]
    return out


# Trace types plotly calls "oriented": their position axis gets no grid lines by default.
_ORIENTED = {"bar", "box", "violin", "histogram", "funnel", "waterfall"}


def _implied_axis_flags(key: str, own: dict, traces: list[dict]) -> dict:
    """The show* flags plotly.js would give axis ``key`` with the template, made explicit.

    plotly.js turns an axis line, grid or zero line on by default when the figure's own layout sets one
    of its colours or widths, but not when only the template does (``Lib.coerce2`` reads the layout
    alone). Once the template's colours are written into the layout, the flags must be written too, or
    every axis would grow a line and every bar chart's category axis a grid."""
    def explicit(*names) -> bool:
        return any(n in own for n in names)

    letter, num = key[0], key[5:]
    ref = letter + num  # "x", "x2", "y"...
    no_grid = any(
        t.get("type") in _ORIENTED
        and (t.get(f"{letter}axis") or letter) == ref
        and (t.get("orientation") or "v") == ("h" if letter == "y" else "v")
        for t in traces)
    flags = {}
    if not explicit("showline", "linecolor", "linewidth"):
        flags["showline"] = False
    if not explicit("showgrid", "gridcolor", "gridwidth", "griddash"):
        flags["showgrid"] = not no_grid
    if not explicit("zeroline", "zerolinecolor", "zerolinewidth"):
        flags["zeroline"] = not no_grid
    return flags


def _json_default(o):
    return o.tolist() if hasattr(o, "tolist") else str(o)


def data_revision(data: list) -> str:
    """A digest of the traces: ``layout.datarevision`` tells plotly.js whether data arrays changed, so an
    equal copy of a figure is not recomputed (plotly compares arrays by identity otherwise)."""
    blob = json.dumps([_trace_dict(t) for t in data], sort_keys=True, default=_json_default)
    return hashlib.blake2b(blob.encode(), digest_size=8).hexdigest()


_NO_TEMPLATE = go.layout.Template()


def new_figure(data, layout) -> go.Figure:
    """``go.Figure(data, layout)`` in the Borderwatch look, validated per :data:`VALIDATE`.

    The template is written into the layout (:func:`flatten_template`) and the figure carries no
    ``layout.template``: plotly's default template (``"streamlit"`` once Streamlit is imported) can never
    leak in, and the page and the exported images look the same."""
    data = list(data)
    name = layout.get("template", TEMPLATE)
    flat = flatten_template(data, layout, name if isinstance(name, str) else TEMPLATE)
    flat.setdefault("datarevision", data_revision(data))
    fig = go.Figure(data=data, layout={**flat, "template": _NO_TEMPLATE}, _validate=VALIDATE)
    # No "template" key at all (plotly.io.to_image reads layout.template.layout, and None breaks it);
    # `fig.layout.template = None` would leave a None behind when validation is off.
    fig.layout._props.pop("template", None)
    return fig
