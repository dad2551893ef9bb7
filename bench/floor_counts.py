"""The sizes FLOOR-2 copies: counted on the dashboard's own default figures (all states, default filters).

``python -m bench.floor_counts`` prints them as JSON; :mod:`bench.browser` runs that once per bench run and
hands the JSON to FLOOR-2 as ``$BORDERWATCH_FLOOR2``.
"""
from __future__ import annotations

import json
import sys


def dashboard_counts() -> dict:
    from dashboard import views
    from dashboard.filters import Filters
    from loaders.snapshot import load_snapshot

    snap, f = load_snapshot(), Filters.from_query({})
    m = views.map_chart(snap, f, views.status_frame(snap, f)).figure
    v = views.volumes_chart(snap, f).figure
    markers = [len(t.lon or []) for t in m.data if t.type == "scattergeo" and t.mode == "markers"]
    lines = [t for t in v.data if t.type == "scatter" and "lines" in (t.mode or "")]
    marks = [t for t in v.data if t.type == "scatter" and (t.mode or "") == "markers"]
    return {"map_marker_traces": markers, "map_height": m.layout.height or 520,
            "line_traces": len(lines), "line_points": max((len(t.x or []) for t in lines), default=0),
            "marker_points": sum(len(t.x or []) for t in marks), "shapes": len(v.layout.shapes or []),
            "volume_height": v.layout.height or 450,
            # not copied (content, not chart kind), reported for reading the ratio
            "map_other_traces": len(m.data) - len(markers), "volume_annotations": len(v.layout.annotations or []),
            "volume_xaxes": sum(1 for k in v.layout.to_plotly_json() if k.startswith("xaxis"))}


if __name__ == "__main__":
    sys.stdout.write(json.dumps(dashboard_counts()) + "\n")
