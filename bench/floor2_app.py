"""FLOOR-2 for the benchmarks: the dashboard's two chart kinds at the dashboard's sizes, with no data work.

A sidebar ``States`` multiselect with chips (Texas, Arizona, California; all selected, or ``?state=AZ,CA``),
like the dashboard's, so a rerun is caused by the same interaction (a chip's close button). Each run draws

* a ``scattergeo`` on the same trimmed offline basemap (``topojsonURL="app/static/topojson/"``, the
  dashboard's file copied next to this script) with as many marker traces and markers as the dashboard's
  default map, and
* a line chart with as many line traces, points, marker points and layout shapes (event bands) as the
  dashboard's default volumes chart, at the same heights,

filled with synthetic geometry (a random generator seeded by the selection): it is a floor, not data. The
sizes come from ``$BORDERWATCH_FLOOR2`` (JSON written by :func:`bench.floor_counts.dashboard_counts` from the
dashboard's own default figures at bench start); the defaults below are that output on 2026-12-01.
"""
from __future__ import annotations

import json
import os
import random

import plotly.graph_objects as go
import streamlit as st

# the dashboard's way of handing plotly a figure (template written into the layout, layout.datarevision), so
# Streamlit's second draw of a chart is as cheap here as there: a floor for the page, not for plotly defaults
from dashboard.figures.theme import new_figure

COUNTS = {"map_marker_traces": [33, 6, 1, 12], "map_height": 560, "line_traces": 4, "line_points": 74,
          "marker_points": 63, "shapes": 45, "volume_height": 1543}
COUNTS.update(json.loads(os.environ.get("BORDERWATCH_FLOOR2") or "{}"))
NAMES = {"TX": "Texas", "AZ": "Arizona", "CA": "California"}

st.set_page_config(page_title="Borderwatch bench FLOOR-2", layout="wide")
q = [NAMES[c] for c in st.query_params.get("state", "").split(",") if c in NAMES]
if "states" not in st.session_state:
    st.session_state["states"] = q or list(NAMES.values())
states = st.sidebar.multiselect("States", list(NAMES.values()), key="states")
rng = random.Random(",".join(states) or "all")

geo_traces = []
for i, k in enumerate(COUNTS["map_marker_traces"]):
    geo_traces.append(go.Scattergeo(lon=[rng.uniform(-117.5, -97.5) for _ in range(k)],
                                lat=[rng.uniform(25.8, 32.8) for _ in range(k)], mode="markers",
                                marker=dict(size=10, symbol=["circle", "x", "diamond", "square"][i % 4]),
                                name=f"group {i + 1}"))
geo = new_figure(geo_traces, dict(
    geo=dict(scope="north america", resolution=50, projection=dict(type="mercator"), showsubunits=True,
             lonaxis=dict(range=[-120.2, -94.1]), lataxis=dict(range=[24.5, 34.5])),
    title="FLOOR-2 map", height=COUNTS["map_height"], margin=dict(l=0, r=0, t=40, b=0)))
st.plotly_chart(geo, config={"topojsonURL": "app/static/topojson/", "displaylogo": False}, theme=None)

n = COUNTS["line_points"]
months = [f"{2019 + m // 12}-{m % 12 + 1:02d}-01" for m in range(n)]
line_traces = []
for i in range(COUNTS["line_traces"]):
    line_traces.append(go.Scatter(x=months, y=[rng.uniform(1e5, 1e6) for _ in range(n)], mode="lines",
                              name=f"series {i + 1}"))
line_traces.append(go.Scatter(x=[rng.choice(months) for _ in range(COUNTS["marker_points"])],
                          y=[rng.uniform(1e5, 1e6) for _ in range(COUNTS["marker_points"])], mode="markers",
                          name="marks"))
shapes = []
for _ in range(COUNTS["shapes"]):
    a = rng.randrange(n - 1)
    shapes.append(dict(type="rect", xref="x", yref="paper", x0=months[a], x1=months[a + 1], y0=0, y1=1,
                       fillcolor="rgba(200,0,0,0.12)", line_width=0, layer="below"))
line = new_figure(line_traces, dict(title="FLOOR-2 line chart", height=COUNTS["volume_height"], shapes=shapes,
                                    margin=dict(l=40, r=10, t=40, b=40)))
st.plotly_chart(line, config={"displaylogo": False}, theme=None)
