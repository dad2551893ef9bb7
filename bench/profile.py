"""Where a dashboard rerun spends its time, server side: ``python -m bench.profile [--warm] [--html DIR]``.

Runs dashboard/app.py under ``streamlit.testing.v1.AppTest`` and profiles, with pyinstrument, the script
thread of one rerun after a States change (default: to a combination the caches have not seen; ``--warm``:
the same change again, caches hit). Also times, outside Streamlit, each view builder the rerun calls.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _profiled_rerun(at, combo, interval: float):
    """Run one set_value(...).run() with pyinstrument active inside the script thread."""
    from pyinstrument import Profiler
    from streamlit.runtime.scriptrunner import script_runner as sr

    holder: dict = {}
    orig = sr.ScriptRunner._run_script

    def wrapped(self, *a, **kw):
        prof = Profiler(interval=interval)
        prof.start()
        try:
            return orig(self, *a, **kw)
        finally:
            prof.stop()
            holder["p"] = prof

    sr.ScriptRunner._run_script = wrapped
    try:
        w = next(m for m in at.sidebar.multiselect if m.label == "States")
        t0 = time.perf_counter()
        w.set_value(combo).run()
        dt = time.perf_counter() - t0
    finally:
        sr.ScriptRunner._run_script = orig
    return dt, holder.get("p")


def view_timings(combo: list[str], reps: int = 3) -> list[tuple[str, float]]:
    """ms per view builder for one filter (median of reps), outside Streamlit."""
    from dashboard import views
    from dashboard.filters import Filters
    from loaders.snapshot import load_snapshot

    snap = load_snapshot()
    f = Filters.from_query({"state": ",".join(combo)})
    status = views.status_frame(snap, f)
    specs = {"map": views.map_chart(snap, f, status), "volumes": views.volumes_chart(snap, f),
             "compare": views.compare_chart(snap, f), "events": views.events_chart(snap, f)}
    calls = {
        "views.status_frame": lambda: views.status_frame(snap, f),
        "views.map_chart": lambda: views.map_chart(snap, f, status),
        "views.volumes_chart": lambda: views.volumes_chart(snap, f),
        "views.compare_chart": lambda: views.compare_chart(snap, f),
        "views.events_chart": lambda: views.events_chart(snap, f),
        "fig.to_json (map)": lambda: specs["map"].figure.to_json(),
        "fig.to_json (volumes)": lambda: specs["volumes"].figure.to_json(),
        "fig.to_json (compare)": lambda: specs["compare"].figure.to_json(),
        "fig.to_json (events)": lambda: specs["events"].figure.to_json(),
        "views.table_csv x4": lambda: [views.table_csv(s.table) for s in specs.values()],
        "views.display_table x4": lambda: [views.display_table(s.table) for s in specs.values()],
        "views.export_stem x4": lambda: [views.export_stem(s.name, s.figure) for s in specs.values()],
        "views.status_display": lambda: views.status_display(status),
        "views.events_display(events_frame)": lambda: views.events_display(views.events_frame(snap, f)),
        "views.as_of_local_summary": lambda: views.as_of_local_summary(snap, f.states),
        "views.crossing_options": lambda: views.crossing_options(snap, f.states),
        "views.export_available": lambda: views.export_available(),
    }
    out = []
    for name, fn in calls.items():
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t0) * 1e3)
        out.append((name, statistics.median(ts)))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile")
    p.add_argument("--warm", action="store_true", help="profile a rerun whose filter is already cached")
    p.add_argument("--combo", default="AZ,CA", help="States after the change (default AZ,CA)")
    p.add_argument("--interval", type=float, default=0.0005)
    p.add_argument("--html", default=None, help="also write the pyinstrument HTML report into this folder")
    a = p.parse_args(argv)
    combo = a.combo.split(",")

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "dashboard" / "app.py"), default_timeout=120)
    at.run()
    if a.warm:
        next(m for m in at.sidebar.multiselect if m.label == "States").set_value(combo).run()
        next(m for m in at.sidebar.multiselect if m.label == "States").set_value(["TX", "AZ", "CA"]).run()
    dt, prof = _profiled_rerun(at, combo, a.interval)
    print(f"AppTest rerun to states={combo} ({'cached' if a.warm else 'not cached'}): {dt * 1e3:.0f} ms\n")
    if prof is not None:
        print(prof.output_text(unicode=False, color=False, show_all=False))
        if a.html:
            Path(a.html).mkdir(parents=True, exist_ok=True)
            out = Path(a.html) / f"rerun-{'warm' if a.warm else 'cold'}.html"
            out.write_text(prof.output_html())
            print(f"HTML: {out}")
    print(f"View builders for states={combo}, outside Streamlit (median of 3, ms):")
    for name, ms in view_timings(combo):
        print(f"  {name:40s} {ms:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
