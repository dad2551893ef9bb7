"""Non-browser measurements, each run in its own Python process by :mod:`bench.run`.

``python -m bench.worker NAME --n N`` prints one JSON line (last line of stdout):
``{"samples": [...], "floor_samples": [...], "details": {...}}``. Keeping each figure in a fresh process
means no figure pays for (or profits from) another's imports, caches or garbage.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BORDERWATCH_BENCH_SHARED", "/work/shared/data"))
BTS_FILE = SHARED / "bts" / "Border_Crossing_Entry_Data_1996-01_to_2025-02.csv.gz"
CBP_JSON = SHARED / "cbp" / "bwtnew_2022-06-29.json"
CBP_XML = SHARED / "cbp" / "bwt_xml_2014-04-28.xml"
APP = REPO / "dashboard" / "app.py"

perf = time.perf_counter


def _timed(fn):
    gc.collect()
    t0 = perf()
    out = fn()
    return perf() - t0, out


# ------------------------------------------------------------------ BTS
def bench_bts(n: int) -> dict:
    """read_bts (parse + validate + tidy) vs plain pandas.read_csv of the same .csv.gz, interleaved."""
    import pandas as pd

    from loaders.bts import read_bts

    BTS_FILE.read_bytes()  # page cache warm for both
    value, floor, rows = [], [], {}
    for i in range(n):
        # alternate who goes first so neither always runs on a cooler/hotter machine
        order = ("value", "floor") if i % 2 == 0 else ("floor", "value")
        for which in order:
            if which == "value":
                t, df = _timed(lambda: read_bts(BTS_FILE))
                value.append(t)
                rows["read_bts_rows"] = len(df)
            else:
                t, df = _timed(lambda: pd.read_csv(BTS_FILE))
                floor.append(t)
                rows["read_csv_rows"] = len(df)
            del df
    return {"samples": value, "floor_samples": floor, "details": {**rows, "file": str(BTS_FILE)}}


# ------------------------------------------------------------------ snapshot
def bench_snapshot_once() -> dict:
    """One cold load_snapshot() in a process that has already imported what the app imports."""
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401
    import streamlit  # noqa: F401

    from dashboard import views  # noqa: F401  (the app imports this before its first load)
    from loaders.config import get_settings
    from loaders.snapshot import load_snapshot

    data_dir = str(get_settings().data_dir)
    first, snap = _timed(lambda: load_snapshot(data_dir))
    warm = [_timed(lambda: load_snapshot(data_dir))[0] for _ in range(3)]
    return {"first": first, "warm": warm,
            "rows": {"waits": len(snap.waits), "volumes": len(snap.volumes), "crossings": len(snap.crossings),
                     "events": len(snap.events)}}


def bench_snapshot(n: int) -> dict:
    """n fresh processes; each times the app's first (uncached) load_snapshot()."""
    firsts, warms, rows = [], [], None
    for _ in range(n):
        out = _run_self("snapshot_once", 1, timeout=180)
        firsts.append(out["first"])
        warms.extend(out["warm"])
        rows = out["rows"]
    return {"samples": firsts, "floor_samples": [],
            "details": {"warm_repeat_median_s": statistics.median(warms), "warm_repeat_min_s": min(warms),
                        "warm_repeat_max_s": max(warms), "rows": rows}}


# ------------------------------------------------------------------ CBP
def _per_call(fn, budget_s: float) -> float:
    """Seconds per call of fn, averaged over enough calls to last about budget_s."""
    t1, _ = _timed(fn)
    k = max(1, min(5000, math.ceil(budget_s / max(t1, 1e-6))))
    gc.collect()
    t0 = perf()
    for _ in range(k):
        fn()
    return (perf() - t0) / k


def bench_cbp(n: int) -> dict:
    """parse_cbp on the 2022 JSON + the 2014 XML vs json.loads + ElementTree.fromstring of the same bytes."""
    import xml.etree.ElementTree as ET

    from loaders.cbp import parse_cbp
    from loaders.crossings import load_crossings, port_zones

    zones = port_zones(load_crossings())
    raw_json, raw_xml = CBP_JSON.read_bytes(), CBP_XML.read_bytes()

    def value_json():
        return parse_cbp(raw_json, source=str(CBP_JSON), zones=zones, retrieved_at="2022-06-29T17:25:00Z")

    def value_xml():
        return parse_cbp(raw_xml, source=str(CBP_XML), zones=zones)

    rows = {"json_rows": len(value_json()), "xml_rows": len(value_xml())}
    value, floor, vj, vx, fj, fx = [], [], [], [], [], []
    for _ in range(n):
        a, b = _per_call(value_json, 0.25), _per_call(value_xml, 0.25)
        c, d = _per_call(lambda: json.loads(raw_json), 0.1), _per_call(lambda: ET.fromstring(raw_xml), 0.1)
        value.append(a + b)
        floor.append(c + d)
        vj.append(a), vx.append(b), fj.append(c), fx.append(d)
    med = statistics.median
    return {"samples": value, "floor_samples": floor,
            "details": {**rows, "parse_json_ms": round(med(vj) * 1e3, 3), "parse_xml_ms": round(med(vx) * 1e3, 3),
                        "json_loads_ms": round(med(fj) * 1e3, 3), "et_fromstring_ms": round(med(fx) * 1e3, 3),
                        "ratio_json": round(med(vj) / med(fj), 2), "ratio_xml": round(med(vx) / med(fx), 2),
                        "bytes_json": len(raw_json), "bytes_xml": len(raw_xml)}}


# ------------------------------------------------------------------ AppTest
COMBOS = [["AZ", "CA"], ["TX", "CA"], ["TX", "AZ"], ["CA"], ["TX"], ["AZ"]]


def bench_apptest(n: int, history: bool = False) -> dict:
    """AppTest on dashboard/app.py: first run, then n reruns each to a state combination not seen before
    (the app's caches miss), then the same n combinations again (caches hit). ``history``: the page opened
    with ``?history=1`` (the wait-time history section open: menus, heatmap, trend, as-of map built)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120)
    if history:
        at.query_params["history"] = "1"
    first, _ = _timed(lambda: at.run())
    if at.exception:
        raise RuntimeError(f"app raised on first run: {[e.message for e in at.exception]}")

    def states_widget():
        for m in at.sidebar.multiselect:
            if m.label == "States":
                return m
        raise RuntimeError("no 'States' multiselect in the sidebar")

    combos = [COMBOS[i % len(COMBOS)] for i in range(n)]
    cold, warm = [], []
    for bucket in (cold, warm):
        for combo in combos:
            w = states_widget()
            t, _ = _timed(lambda: w.set_value(combo).run())
            if at.exception:
                raise RuntimeError(f"app raised after states={combo}: {[e.message for e in at.exception]}")
            bucket.append(t * 1e3)
        states_widget().set_value(["TX", "AZ", "CA"]).run()
    return {"samples": cold, "floor_samples": [],
            "details": {"first_run_ms": round(first * 1e3, 1), "combos": combos,
                        "cached_repeat_median_ms": round(statistics.median(warm), 1),
                        "cached_repeat_min_ms": round(min(warm), 1), "cached_repeat_max_ms": round(max(warm), 1),
                        "cached_repeat_samples_ms": [round(x, 1) for x in warm]}}


# ------------------------------------------------------------------ export
def bench_export(n: int, warm_n: int = 10, oneoff_n: int = 3) -> dict:
    """The dashboard's map figure (default filters) through one persistent Renderer: first image (browser
    start included), then warm_n more; against one-off fig.write_image calls (each starts a browser)."""
    import plotly.io as pio

    from dashboard import views
    from dashboard.export import Renderer
    from dashboard.filters import Filters
    from loaders.snapshot import load_snapshot

    snap = load_snapshot()
    f = Filters.from_query({})
    fig = views.map_chart(snap, f, views.status_frame(snap, f)).figure
    warm: list[float] = []
    with Renderer() as r:
        first, png = _timed(lambda: r.render(fig, fmt="png"))
        for _ in range(warm_n):
            warm.append(_timed(lambda: r.render(fig, fmt="png"))[0])
        start_s = r.timings.get("start_s")
        topojson_url = r.topojson_url
    oneoff: list[float] = []
    saved = (pio.defaults.topojson, pio.defaults.headers)
    pio.defaults.topojson, pio.defaults.headers = topojson_url, {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(oneoff_n):
                oneoff.append(_timed(lambda: fig.write_image(Path(tmp) / f"oneoff-{i}.png", format="png"))[0])
    finally:
        pio.defaults.topojson, pio.defaults.headers = saved
    return {"samples": warm, "floor_samples": oneoff,
            "details": {"first_image_s": round(first, 3), "browser_start_s": round(start_s or 0, 3),
                        "png_bytes": len(png), "figure": "map (default filters)", "warm_images": warm_n,
                        "oneoff_images": oneoff_n}}


# ------------------------------------------------------------------ history (scale test store)
def bench_history(n: int) -> dict:
    """bench.history_scale.measure on the ten-year SCALE TEST store (built once into bench/.work, reused)."""
    from types import SimpleNamespace

    from .history_scale import measure

    years = float(os.environ.get("BORDERWATCH_BENCH_SCALE_YEARS", "10"))
    out = measure(SimpleNamespace(years=years, db=None, n=n))
    return {"samples": [], "floor_samples": [], "details": out}


# ------------------------------------------------------------------ impact
IMPACT_EVENT = "2023-12-lukeville-closure"


def bench_impact_once() -> dict:
    """In a fresh process (the snapshot loaded, untimed): the first impact table for the event (cold: the
    closure counts and the analysis), then the page's memoised call again (cached)."""
    from dashboard import impact_views
    from loaders.snapshot import load_snapshot

    snap = load_snapshot()
    cold, imp = _timed(lambda: impact_views.impact_for(snap, IMPACT_EVENT))
    cached = [_timed(lambda: impact_views.impact_for(snap, IMPACT_EVENT))[0] for _ in range(5)]
    return {"cold": cold, "cached": cached, "summary_rows": len(imp.summary)}


def bench_impact(n: int) -> dict:
    cold, cached, rows = [], [], None
    for _ in range(n):
        out = _run_self("impact_once", 1, timeout=180)
        cold.append(out["cold"] * 1e3)
        cached.extend(x * 1e3 for x in out["cached"])
        rows = out["summary_rows"]
    return {"samples": cold, "floor_samples": [],
            "details": {"event": IMPACT_EVENT, "summary_rows": rows, "cached_samples_ms": cached}}


# ------------------------------------------------------------------ batch export
BATCH_STATES = ["TX", "AZ", "CA", "TX,AZ,CA"]


def bench_export_batch(n: int) -> dict:
    """Every chart of the page (views.all_charts) for TX, AZ, CA and all three, through one Renderer
    (dashboard.export.export_figures, files written): seconds per image, n batches; the Renderer's start
    is in the first batch only (first batch reported in details)."""
    from dashboard import views
    from dashboard.export import Renderer, export_figures
    from dashboard.filters import Filters
    from loaders.snapshot import load_snapshot

    snap = load_snapshot()
    figs = {}
    for st in BATCH_STATES:
        f = Filters.from_query({"state": st})
        for name, spec in views.all_charts(snap, f).items():
            figs[f"{st.replace(',', '-')}-{name}"] = spec.figure
    per_image, batches = [], []
    with Renderer() as r, tempfile.TemporaryDirectory() as tmp:
        for i in range(min(n, 2) + 1):  # 16 images a batch: two timed batches are plenty
            t, paths = _timed(lambda: export_figures(figs, out_dir=Path(tmp) / f"b{i}", fmt="png", renderer=r))
            batches.append(round(t, 3))
            if i:
                per_image.append(t / len(figs))
    return {"samples": per_image, "floor_samples": [],
            "details": {"images": len(figs), "names": sorted(figs), "batch_s": batches,
                        "first_batch_s_incl_browser_start": batches[0]}}


# ------------------------------------------------------------------ plumbing
def _run_self(name: str, n: int, timeout: float) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.worker", name, "--n", str(n)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {name} failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("name")
    p.add_argument("--n", type=int, default=5)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    if a.name == "export":
        out = bench_export(a.n, warm_n=10, oneoff_n=1 if a.quick else 3)
    elif a.name == "snapshot_once":
        out = bench_snapshot_once()
    elif a.name == "impact_once":
        out = bench_impact_once()
    else:
        out = {"bts": bench_bts, "snapshot": bench_snapshot, "cbp": bench_cbp, "apptest": bench_apptest,
               "apptest_history": lambda k: bench_apptest(k, history=True),
               "history": bench_history, "impact": bench_impact, "export_batch": bench_export_batch}[a.name](a.n)
    sys.stdout.write("\n" + json.dumps(out, default=str) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
