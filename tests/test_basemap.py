"""The trimmed basemap (tools/build_basemap.py): lighter to draw, identical where the dashboard looks."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import build_basemap as bb  # noqa: E402

DRAWN = ("land", "countries", "subunits", "coastlines")  # the layers the status map shows


@pytest.fixture(scope="module")
def source():
    return bb.read_source()


@pytest.fixture(scope="module")
def shipped():
    return json.loads(bb.TARGET.read_text(encoding="utf-8"))


def _arcs_in_box(topo: dict, obj: str) -> set[tuple]:
    """Every arc of ``obj`` with a vertex inside the detail box, as its absolute quantised positions."""
    arcs = bb.decode_arcs(topo)
    out = set()
    for g in topo["objects"][obj]["geometries"]:
        for i in bb.flat_ids(g["arcs"]):
            pts = arcs[i if i >= 0 else ~i]
            if any(bb.in_box(*bb.to_lonlat(topo, q)) for q in pts):
                out.add(tuple(pts))
    return out


def test_shipped_file_is_what_the_tool_makes(source, shipped):
    trimmed, _ = bb.trim(source)
    assert json.loads(json.dumps(trimmed)) == shipped


@pytest.mark.parametrize("obj", ["land", "countries", "subunits", "coastlines", "lakes", "rivers", "ocean"])
def test_every_arc_near_the_border_is_kept_exactly(source, shipped, obj):
    before, after = _arcs_in_box(source, obj), _arcs_in_box(shipped, obj)
    assert before, obj
    assert after == before


def test_ids_and_transform_that_plotly_relies_on(source, shipped):
    assert shipped["transform"] == source["transform"]
    assert set(shipped["objects"]) == set(source["objects"])
    countries = {g.get("id") for g in shipped["objects"]["countries"]["geometries"]}
    assert {"USA", "MEX"} <= countries           # the choropleth shades MEX by ISO-3 id
    subunits = {g.get("id") for g in shipped["objects"]["subunits"]["geometries"]}
    assert {"CA", "AZ", "NM", "TX"} <= subunits  # state lines and labels on the map
    assert "AK" not in subunits and "HI" not in subunits


def test_every_crossing_is_well_inside_the_detail_box():
    crossings = pd.read_csv(ROOT / "data" / "crossings.csv")
    lon0, lat0, lon1, lat1 = bb.DETAIL_BOX
    # the widest view the map fits is the three states with padding; 5 degrees of margin on every side
    assert crossings["lon"].between(lon0 + 5, lon1 - 5).all()
    assert crossings["lat"].between(lat0 + 5, lat1 - 5).all()


def test_far_away_detail_is_gone(source, shipped):
    """The point of the file: far fewer vertices to project on every draw of the map."""
    def drawn_vertices(topo):
        arcs = bb.decode_arcs(topo)
        return sum(bb._vertices(topo, topo["objects"][o], arcs) for o in DRAWN)

    assert drawn_vertices(shipped) < 0.35 * drawn_vertices(source)
    # Alaska is a separate part of the USA multipolygon: gone; the contiguous states stay
    usa = next(g for g in shipped["objects"]["countries"]["geometries"] if g.get("id") == "USA")
    arcs = bb.decode_arcs(shipped)
    lons = [bb.to_lonlat(shipped, q)[0] for i in bb.flat_ids(usa["arcs"]) for q in arcs[i if i >= 0 else ~i]]
    assert min(lons) > -130
