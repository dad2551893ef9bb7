"""FLOOR app for the benchmarks: the least a Streamlit + plotly page can do.

One selectbox and one plotly chart (a ``scattergeo`` on the same offline basemap as the dashboard's map:
``scope="north america"``, 50 m, ``topojsonURL="app/static/topojson/"``), no data loading, no caching.
Changing the selectbox reruns the script and redraws the chart with other points.

The bench copies this file next to a ``static/topojson/`` folder in a temporary directory and starts it
exactly like the dashboard (``python -m streamlit run ...`` with the same flags), so both pay the same
Streamlit start-up, the same plotly.js compile in a fresh browser context and the same basemap fetch.
"""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="Borderwatch bench floor", layout="wide")

# A few points per state along the border (longitude, latitude); no files are read.
POINTS = {
    "Texas": [(-106.45, 31.76), (-104.38, 29.56), (-100.50, 28.71), (-99.51, 27.50), (-98.23, 26.10),
              (-97.50, 25.90)],
    "Arizona": [(-114.75, 32.49), (-112.83, 31.88), (-110.94, 31.33), (-109.55, 31.34), (-109.08, 31.33)],
    "California": [(-117.03, 32.54), (-116.94, 32.55), (-116.63, 32.57), (-115.49, 32.67), (-114.71, 32.72)],
}

state = st.selectbox("State", list(POINTS), key="state")
lon, lat = zip(*POINTS[state])
fig = go.Figure(go.Scattergeo(lon=list(lon), lat=list(lat), mode="markers", marker=dict(size=9),
                              name=state))
fig.update_geos(scope="north america", resolution=50, projection=dict(type="mercator"),
                showsubunits=True, lonaxis_range=[-118.5, -96.5], lataxis_range=[24.5, 34.5])
fig.update_layout(title=f"Floor: {state}", template="plotly_white", height=520,
                  margin=dict(l=0, r=0, t=40, b=0))
st.plotly_chart(fig, config={"topojsonURL": "app/static/topojson/", "displaylogo": False}, theme=None)
