"""Exported images a newsroom can publish: nothing overlaps and nothing is cut off.

Every chart kind is exported as SVG (the same renderer as ``borderwatch export`` and the page's download
buttons) for Texas, Arizona, California and all three, plus the per-port and per-crossing variants. Each
SVG is opened in headless Chromium and the bounding boxes of its title, subtitle, legends and every
annotation (caption/source line, event tags, "ongoing" and "as of" labels, panel titles) are measured:
no two may overlap and all must lie inside the image. PNG copies land in test-artifacts/export/ for a look.
"""
from __future__ import annotations

import json
import shutil
from itertools import combinations
from pathlib import Path

import pytest

from dashboard import views
from dashboard.export import find_chrome, get_renderer
from dashboard.filters import Filters

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "export"
WIDTH = 1200

pytestmark = pytest.mark.skipif(find_chrome() is None, reason="no Chrome/Chromium for export")

#: id -> (chart, filters)
CASES = {
    **{f"{chart}-{'-'.join(states)}": (chart, Filters(states=states))
       for chart in ("map", "volumes", "compare", "events")
       for states in (("TX",), ("AZ",), ("CA",), ("TX", "AZ", "CA"))},
    "volumes-TX-per-port": ("volumes", Filters(states=("TX",), measure="Personal Vehicles", group_by="port")),
    "volumes-all-per-state": ("volumes", Filters(family="people", measure="Pedestrians", group_by="state")),
    "map-AZ-2023-12-20-lukeville": ("map", Filters(states=("AZ",), at="2023-12-20", crossing="az-lukeville")),
    "events-AZ-2023-12-20": ("events", Filters(states=("AZ",), at="2023-12-20")),
    "waits-san-ysidro": ("waits", Filters(crossing="ca-san-ysidro")),
    "waits-otay-mesa": ("waits", Filters(crossing="ca-otay-mesa-commercial")),
}

#: Boxes of every text block that must stand clear of the others, in SVG pixels.
JS_BOXES = """() => {
  const svg = document.querySelector('svg.main-svg');
  const o = svg.getBoundingClientRect();
  const box = (el, kind) => {
    const r = el.getBoundingClientRect();
    return {kind, text: (el.textContent || '').trim().slice(0, 60),
            x0: r.left - o.left, y0: r.top - o.top, x1: r.right - o.left, y1: r.bottom - o.top};
  };
  const out = [];
  document.querySelectorAll('.gtitle').forEach(e => out.push(box(e, 'title')));
  document.querySelectorAll('.gtitle-subtitle').forEach(e => out.push(box(e, 'subtitle')));
  document.querySelectorAll('g.legend, g.legend2').forEach(e => out.push(box(e, 'legend')));
  // the annotation's text box only (a tag's leader line runs down to the plot on purpose)
  document.querySelectorAll('g.annotation .annotation-text-g').forEach(e => out.push(box(e, 'annotation')));
  return {width: o.width, height: o.height, boxes: out.filter(b => b.x1 - b.x0 > 0 && b.y1 - b.y0 > 0)};
}"""


@pytest.fixture(scope="module")
def snap():
    from loaders.snapshot import load_snapshot
    return load_snapshot()


@pytest.fixture(scope="module")
def browser_page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=find_chrome(), headless=True,
                               args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                     "--disable-background-networking"])
        page = b.new_page(viewport={"width": WIDTH + 50, "height": 1000})
        yield page
        b.close()


def _spec(snap, chart: str, f: Filters):
    if chart == "map":
        return views.map_chart(snap, f, views.status_frame(snap, f))
    return {"volumes": views.volumes_chart, "compare": views.compare_chart, "events": views.events_chart}[chart](
        snap, f) if chart != "waits" else views.waits_chart(snap, f, f.crossing)


def overlaps(a: dict, b: dict, tol: float = 1.0) -> bool:
    return (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > tol
            and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > tol)


def test_overlap_check_catches_an_overlap():
    a = {"x0": 0, "y0": 0, "x1": 100, "y1": 20}
    assert overlaps(a, {"x0": 50, "y0": 10, "x1": 150, "y1": 30})
    assert not overlaps(a, {"x0": 0, "y0": 20, "x1": 100, "y1": 40})  # touching is fine


@pytest.mark.parametrize("case", sorted(CASES))
def test_exported_image_has_no_overlaps_and_nothing_cut(case, snap, browser_page):
    chart, f = CASES[case]
    spec = _spec(snap, chart, f)
    assert spec is not None
    title = spec.figure.layout.title.text
    assert title and "_" not in title and "az-" not in title and "ca-" not in title, title
    svg = get_renderer().render(spec.figure, fmt="svg", width=WIDTH).decode("utf-8")
    browser_page.set_content(f"<html><body style='margin:0'>{svg}</body></html>")
    got = browser_page.evaluate(JS_BOXES)
    boxes = got["boxes"]
    kinds = {b["kind"] for b in boxes}
    assert {"title", "annotation"} <= kinds, kinds  # a title and a source line on every image
    assert any(b["text"].startswith("Source:") for b in boxes), [b["text"] for b in boxes]
    clashes = [(a["kind"], a["text"], b["kind"], b["text"]) for a, b in combinations(boxes, 2) if overlaps(a, b)]
    cut = [(b["kind"], b["text"]) for b in boxes
           if b["x0"] < -1 or b["y0"] < -1 or b["x1"] > got["width"] + 1 or b["y1"] > got["height"] + 1]
    if clashes or cut:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{case}.svg").write_text(svg, encoding="utf-8")
        (ARTIFACTS / f"{case}.boxes.json").write_text(json.dumps(boxes, indent=1))
    assert not clashes, f"{case}: overlapping text blocks {clashes}"
    assert not cut, f"{case}: cut off at the image edge {cut}"


def test_png_copies_for_a_look(snap):
    """The default PNG size is 2x the export width (what the page's download buttons give)."""
    from dashboard.views import IMAGE_SCALES, image_bytes
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    spec = views.map_chart(snap, Filters(), views.status_frame(snap, Filters()))
    data = image_bytes(spec.figure, "png")
    import struct
    w, h = struct.unpack(">II", data[16:24])
    assert IMAGE_SCALES[views.DEFAULT_IMAGE_SCALE][0] == 2 and w == 2 * WIDTH, (w, h)
    (ARTIFACTS / "map-default-2x.png").write_bytes(data)
    shutil.rmtree(ARTIFACTS / "tmp", ignore_errors=True)
