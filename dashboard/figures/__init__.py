"""Pure chart builders for the Borderwatch dashboard and exports.

Every builder takes a tidy frame (loaders/schema.py) first, returns a ``go.Figure`` with
``template="borderwatch"`` set explicitly, and accepts ``title=`` and ``caption=`` (caption drawn inside
the figure, below the plot, so exported images stand alone). Each has a ``*_table`` twin returning exactly
the plotted data (shown under the chart and offered as CSV). No I/O here.
"""
from .events_timeline import events_timeline_table, make_events_timeline_figure
from .status_map import make_status_map_figure, status_map_table
from .theme import EVENT_STYLE, MEASURE_COLORS, STATUS_STYLE, TEMPLATE, add_caption
from .volumes import compare_table, make_compare_figure, make_volumes_figure, volumes_table
from .waits import make_waits_figure, waits_table

__all__ = [
    "TEMPLATE", "STATUS_STYLE", "MEASURE_COLORS", "EVENT_STYLE", "add_caption",
    "make_status_map_figure", "status_map_table",
    "make_volumes_figure", "volumes_table", "make_compare_figure", "compare_table",
    "make_events_timeline_figure", "events_timeline_table",
    "make_waits_figure", "waits_table",
]
