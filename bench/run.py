"""``python -m bench``: run every figure, print the table, write bench/results.json.

Options: ``--quick`` (n=2, smoke), ``--only NAME[,NAME...]``, ``--n N``, ``--sessions N``, ``--out PATH``.
Names: see ORDER (``python -m bench --help``). ``python -m bench.table --write-readme`` puts the results
into README.md.
"""
from __future__ import annotations

import argparse
import asyncio
import atexit
import datetime as dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from .common import Row, Target

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# name -> (title, unit, target, floor label, method)
SPEC: dict[str, tuple[str, str, Target, str | None, str]] = {
    "bts": ("BTS full file: load + validate (read_bts)", "s", Target("ratio", 3), "pandas.read_csv",
            "loaders.bts.read_bts on the 399,406-row .csv.gz vs plain pandas.read_csv of the same file; "
            "interleaved, alternating order, n runs each, fresh worker process."),
    "snapshot": ("embedded snapshot: load_snapshot() as the app does", "s", Target("abs", 0.3), None,
                 "n fresh processes that import streamlit, plotly and dashboard.views (as the app does) "
                 "then time one load_snapshot(settings.data_dir) call (hash checks included)."),
    "cbp": ("CBP parse: 2022 JSON + 2014 XML (parse_cbp)", "ms", Target("ratio", 5),
            "json.loads + ET.fromstring",
            "per-call time of parse_cbp on both payloads (zones from port_zones(load_crossings())) vs "
            "json.loads + ElementTree.fromstring of the same bytes; each sample averages many calls."),
    "startup": ("server start -> map + first volume chart drawn", "s", Target("ratio", 1.3), "FLOOR app",
                "t0 just before Popen (dashboard: borderwatch run, as make run starts it; FLOOR: python -m "
                "streamlit run, same flags); a fresh browser context polls "
                "/_stcore/health, opens the page and waits until the map's basemap + markers (dashboard: "
                "and the volumes line chart) are in the DOM; floor and dashboard alternate."),
    "warm_load": ("warm page load, fresh context -> map drawn", "s", Target("ratio", 1.3), "FLOOR app",
                  "server already serving; new browser context each time (plotly.js compiled again in "
                  "both), t0 before page.goto, end when the map's basemap + markers are drawn."),
    "rerun": ("browser rerun after a States change (cold filter) vs FLOOR", "s", Target("ratio", 2),
              "FLOOR selectbox change",
              "page opened (new session) and settled; remove a chip of the States multiselect (chip close "
              "button); from the pointerdown to stApp data-test-script-state back at notRunning and no "
              "plot mutation for 300 ms (quiet time not counted). Each change targets a state combination "
              "the server has not computed yet. FLOOR: pick another option of its selectbox."),
    "apptest": ("AppTest rerun after a States change (cold filter)", "ms", Target("abs", 100), None,
                "streamlit.testing.v1.AppTest on dashboard/app.py; States multiselect set_value(...).run(), "
                "each to a new state combination; cached repeats in details."),
    "apptest_history": ("AppTest rerun after a States change, history section open (?history=1)", "ms",
                        Target("abs", 100), None,
                        "as 'apptest', the page opened with ?history=1 so the wait-time history section (store "
                        "menus, best-time heatmap, trend, as-of map) is built on every rerun; HOME seeded with "
                        "the embedded history on the first run."),
    "export": ("export: warm image (map PNG, persistent Renderer)", "s", Target("abs", 0.3),
               "one-off fig.write_image",
               "dashboard.export.Renderer: first image (browser start included, in details) then 10 warm "
               "images of the dashboard's map; floor = one-off fig.write_image (new Chromium each)."),
    "rerun_floor2": ("browser rerun after a States change (cold filter) vs FLOOR-2", "s", Target("ratio", 1.3),
                     "FLOOR-2 chip removed",
                     "the same dashboard reruns as 'rerun' vs FLOOR-2 (floor2_app.py: a scattergeo on the same "
                     "basemap with the dashboard's default map's marker count and a line chart with its default "
                     "volumes chart's points and shapes, synthetic, no data work), driven by the same States chip "
                     "removal and URL plan; dashboard, FLOOR and FLOOR-2 take turns in each repetition."),
    "rerun_collect": ("browser rerun while a collector writes to the same store", "s", Target("info"),
                      "same rerun, no collector",
                      "borderwatch collect --every 1 --source data/cbp/bwtnew_2022-06-29.json (a saved feed: "
                      "each poll logs and keeps its payload; the readings dedupe after the first) on the "
                      "dashboard server's BORDERWATCH_HOME while the dashboard reruns to unseen combinations "
                      "(second half of the plan); floor = the 'rerun' samples of the same run."),
    "trace": ("rerun main-thread busy time (Chrome trace)", "s", Target("info"), "FLOOR",
              "bench.trace_rerun.measure, 2 reruns each (plan combinations already cached by 'rerun'): renderer "
              "main thread busy time from pointerdown to charts settled; buckets and JS per file in details."),
    "rss": ("server peak RSS, embedded history loaded, page drawn", "MB", Target("delta", 150), "FLOOR app",
            "psutil over the streamlit process tree, VmHWM summed, right after the first page is drawn "
            "(later peak in details); the dashboard's BORDERWATCH_HOME is a fresh directory whose history store "
            "is seeded with the embedded history before the server starts, so the page reads it."),
    "concurrent": ("8 concurrent sessions: dashboard's 8/1 ratio vs FLOOR's", "x", Target("ratio", 1.2),
                   "FLOOR 8/1 ratio",
                   "8 browser contexts in one Chromium, each removes the same States chip at the same "
                   "time; median per-session rerun (as in 'rerun') / the same chain with 1 session; the "
                   "FLOOR through the same 1 vs 8 sessions in the same run. Filter combinations cached."),
    "history_collect": ("history: collect one feed (178 rows), 10-year scale store", "ms", Target("ratio", 3),
                        "executemany 178 rows, unindexed table",
                        "bench.history_scale: collect_once of the real 2022 feed (a saved file, read on its own "
                        "clock) with its dates moved past the scale history's end, so each poll adds 178 rows: "
                        "read + parse + validate + dedupe probes + insert + payload + poll log, one transaction; "
                        "vs a plain executemany of as many 8-column rows into a fresh unindexed table (the "
                        "issue's floor). The same feed polled again (every row dedupes) in details."),
    "history_store": ("history: the store's part of one poll (178 rows), 10-year scale store", "ms",
                      Target("ratio", 3), "executemany of the same rows into the indexed readings table",
                      "bench.history_scale: time_store_one_feed (poll log, payload, Store.add_readings of the "
                      "parsed frame: dedupe probes, revisions, insert, lanes table; committed) vs a plain "
                      "executemany of the same lanes' rows into the store's own readings table with its four "
                      "indexes, committed (floor_executemany_readings)."),
    "history_import": ("history: import the garitas archive again (dedupe), scale store", "ms", Target("info"),
                       "executemany 14,050 rows", "bench.history_scale: import_path of the garitas change log "
                       "(14,050 states) into the scale store; first import (adds rows) in details."),
    "history_heatmap": ("history: best-time heatmap query, 10-year scale store", "ms", Target("abs", 100),
                        "indexed SELECT", "bench.history_scale.heatmap_query: wait_histogram + exact medians, "
                        "San Ysidro passenger standard, whole history vs a plain indexed SELECT."),
    "history_latest": ("history: latest reading per lane, 10-year scale store", "ms", Target("abs", 50),
                       "indexed SELECT", "Store.latest() on the scale store vs the same indexed SELECT."),
    "impact": ("impact table, Lukeville Dec 2023 (cold)", "ms", Target("info"), None,
               "fresh process, snapshot loaded (untimed): first impact_views.impact_for(snap, "
               "'2023-12-lukeville-closure') (closure counts + event_impact); cached repeat: next row."),
    "export_batch": ("batch export: every chart for TX, AZ, CA, all three (one Renderer)", "s/image",
                     Target("info"), None,
                     "views.all_charts for 4 state filters (16 charts) through dashboard.export.export_figures "
                     "with one Renderer, files written; seconds per image over n batches after a first batch "
                     "(browser start) reported in details."),
}
ORDER = ["bts", "snapshot", "cbp", "apptest", "apptest_history", "export", "export_batch", "impact", "history_collect",
         "history_store", "history_import", "history_heatmap", "history_latest", "startup", "warm_load", "rerun", "rerun_floor2",
         "rerun_collect", "trace", "rss", "concurrent"]
WORKER = {"bts", "snapshot", "cbp", "apptest", "apptest_history", "export", "export_batch", "impact", "history"}
HISTORY = ["history_collect", "history_store", "history_import", "history_heatmap", "history_latest"]
BROWSER = {"startup", "warm_load", "rerun", "rerun_floor2", "rerun_collect", "trace", "rss", "concurrent"}


def machine_info() -> dict:
    import psutil

    def ver(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    chromium = os.environ.get("BROWSER_PATH", "/usr/bin/chromium")
    try:
        cv = subprocess.run([chromium, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        cv = f"unavailable: {exc}"
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "dashboard", "loaders"], cwd=REPO,
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        commit, dirty = None, None
    return {
        "cpu_count": os.cpu_count(),
        "cpu_count_physical": psutil.cpu_count(logical=False),
        "memory_total_mb": round(psutil.virtual_memory().total / 2**20),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "chromium": cv,
        "chromium_path": chromium,
        "packages": {d: ver(d) for d in ("streamlit", "plotly", "pandas", "pyarrow", "kaleido", "playwright",
                                          "psutil")},
        "git_commit": commit,
        "git_dirty_dashboard_or_loaders": dirty,
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def run_worker(name: str, n: int, quick: bool, timeout: float = 420) -> dict:
    cmd = [sys.executable, "-m", "bench.worker", name, "--n", str(n)] + (["--quick"] if quick else [])
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise TimeoutError(f"worker {name} took more than {timeout:.0f} s")
    finally:
        _kill_group(proc.pid)  # e.g. an export browser left behind
    if proc.returncode != 0:
        raise RuntimeError(f"worker {name} exited {proc.returncode}: {err.strip()[-1500:]}")
    return json.loads(out.strip().splitlines()[-1])


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _history_rows(h: dict, rows: dict[str, Row]) -> None:
    """The history worker's one measurement -> its four rows (samples are per-run ms, floors in the same run)."""
    spec = {"history_collect": ("collect_runs", "collect_floor_runs"),
            "history_store": ("store_runs", "store_floor_runs"),
            "history_import": ("import_again_runs", "import_floor_runs"),
            "history_heatmap": ("heatmap_runs", "select_floor_runs"),
            "history_latest": ("latest_runs", "select_floor_runs")}
    common = {k: h.get(k) for k in ("scale_rows", "years", "build_s", "label")}
    for name, r in rows.items():
        v, f = spec[name]
        r.samples, r.floor_samples = h.get(v) or [], h.get(f) or []
        r.details = dict(common)
        if name == "history_collect":
            r.details.update(collect_again_ms=h.get("collect_again_ms"), collect_again_runs=h.get("collect_again_runs"))
        if name == "history_import":
            r.details.update(import_first_s=h.get("import_first_s"), import_rows_added=h.get("import_rows_added"))
        if not r.samples:
            r.error = f"not measured ({v} missing)"


# ------------------------------------------------------------------ table
def fmt(x, unit: str | None = None) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "NO"
    ax = abs(x)
    s = f"{x:.3f}" if ax < 1 else f"{x:.2f}" if ax < 100 else f"{x:.0f}"
    return s


def table(figs: list[dict]) -> str:
    head = ["figure", "value", "unit", "min-max", "floor", "ratio", "target", "ok"]
    rows = []
    for f in figs:
        rng = "-" if f["min"] is None else f"{fmt(f['min'])}-{fmt(f['max'])} (n={f['n']})"
        ok = "ERROR" if f.get("error") else ("-" if f["ok"] is None else ("ok" if f["ok"] else "MISS"))
        ratio = "-" if f["ratio"] is None else f"{f['ratio']:.2f}x"
        floor = "-" if f["floor"] is None else f"{fmt(f['floor'])} ({f['floor_label']})"
        rows.append([f["name"], fmt(f["value"]), f["unit"], rng, floor, ratio, f["target"], ok])
    w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = lambda r: "  ".join(str(c).ljust(w[i]) if i in (0, 2, 4, 6) else str(c).rjust(w[i])  # noqa: E731
                               for i, c in enumerate(r))
    return "\n".join([line(head), "  ".join("-" * x for x in w)] + [line(r) for r in rows])


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="n=2 everywhere (smoke test)")
    p.add_argument("--only", default=None, help="comma-separated figure names: " + ", ".join(ORDER))
    p.add_argument("--n", type=int, default=None, help="repetitions per timing (default 5, --quick 2)")
    p.add_argument("--sessions", type=int, default=8, help="concurrent browser sessions (default 8)")
    p.add_argument("--out", default=str(HERE / "results.json"), help="results file (default bench/results.json)")
    a = p.parse_args(argv)
    n = a.n or (2 if a.quick else 5)
    only = ORDER if not a.only else [x.strip() for x in a.only.split(",") if x.strip()]
    bad = [x for x in only if x not in SPEC]
    if bad:
        p.error(f"unknown figure(s) {bad}; choose from {', '.join(ORDER)}")

    from .browser import Results, run_browser, stop_all_servers

    atexit.register(stop_all_servers)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(130))

    t_start = time.perf_counter()
    machine = machine_info()
    print(f"Borderwatch bench: n={n}, {machine['cpu_count']} CPUs, Python {machine['python']}, "
          f"{machine['chromium']}", file=sys.stderr, flush=True)
    rows: dict[str, Row] = {}

    def row(name: str) -> Row:
        title, unit, target, floor_label, method = SPEC[name]
        if name == "concurrent" and a.sessions != 8:  # the title says how many sessions were measured
            title = title.replace("8 concurrent", f"{a.sessions} concurrent").replace("8/1", f"{a.sessions}/1")
            floor_label = floor_label.replace("8/1", f"{a.sessions}/1")
            method = method.replace("8 browser contexts", f"{a.sessions} browser contexts").replace(
                "1 vs 8", f"1 vs {a.sessions}")
        return rows.setdefault(name, Row(title, unit, target, floor_label=floor_label, method=method))

    extra_rows: list[Row] = []
    if any(x in only for x in HISTORY):
        t0 = time.perf_counter()
        try:
            h = run_worker("history", n, a.quick, timeout=1800)["details"]
            _history_rows(h, {x: row(x) for x in HISTORY if x in only})
        except Exception as exc:  # noqa: BLE001
            for x in HISTORY:
                if x in only:
                    row(x).error = f"{type(exc).__name__}: {exc}"
        print(f"  history: done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    for name in [x for x in ORDER if x in only and x in WORKER]:
        t0 = time.perf_counter()
        r = row(name)
        try:
            out = run_worker(name, n, a.quick)
            scale = 1e3 if r.unit == "ms" and name == "cbp" else 1
            r.samples = [x * scale for x in out["samples"]]
            r.floor_samples = [x * scale for x in out["floor_samples"]]
            r.details = out["details"]
        except Exception as exc:  # noqa: BLE001
            r.error = f"{type(exc).__name__}: {exc}"
        print(f"  {name}: done in {time.perf_counter() - t0:.1f} s" + (f" ERROR {r.error}" if r.error else ""),
              file=sys.stderr, flush=True)
        if name == "export" and not r.error:
            extra_rows.append(Row("export: first image (browser start included)", "s", Target("info"),
                                  samples=[r.details["first_image_s"]],
                                  method="first Renderer.render of the run; one sample"))
        if name == "impact" and not r.error:
            extra_rows.append(Row("impact table, Lukeville Dec 2023 (cached)", "ms", Target("info"),
                                  samples=r.details["cached_samples_ms"],
                                  method="impact_views.impact_for again in the same process (the page's memo)"))
        if name == "apptest" and not r.error:
            extra_rows.append(Row("AppTest rerun, same change again (cached)", "ms", Target("info"),
                                  samples=r.details["cached_repeat_samples_ms"],
                                  method="the same set_value changes repeated; the app's caches hit"))

    browser_names = {x for x in only if x in BROWSER}
    if browser_names & {"rerun_floor2", "rerun_collect"}:
        browser_names.add("rerun")  # they share the rerun figure's runs
    if browser_names:
        t0 = time.perf_counter()
        res = Results()
        log_dir = Path(tempfile.mkdtemp(prefix="borderwatch-bench-logs-"))
        try:
            asyncio.run(run_browser(browser_names, n, a.sessions, log_dir, res))
        except Exception as exc:  # noqa: BLE001
            for name in browser_names:
                res.errors.setdefault(name, f"{type(exc).__name__}: {exc}")
        machine["browser_version_playwright"] = res.rows.pop("_browser_version", {}).get("version")
        for name in [x for x in ORDER if x in browser_names]:
            r = row(name)
            got = res.rows.get(name)
            if got:
                r.samples, r.floor_samples, r.details = got["samples"], got["floor_samples"], got["details"]
            if name in res.errors:
                r.error = res.errors[name]
            elif not got:
                r.error = "not measured"
        got, fgot = res.rows.get("concurrent"), res.rows.get("concurrent_floor")
        if got and fgot and "concurrent" in rows and not rows["concurrent"].error:
            med = statistics.median
            r = rows["concurrent"]
            r.samples = [med(got["samples"]) / med(got["floor_samples"])]
            r.floor_samples = [med(fgot["samples"]) / med(fgot["floor_samples"])]
            r.details = {"dashboard": got["details"], "floor": fgot["details"]}
            extra_rows.append(Row(f"dashboard: browser rerun, {a.sessions} concurrent sessions", "s",
                                  Target("info"), samples=got["samples"], floor_samples=got["floor_samples"],
                                  floor_label="1 session", method="per-session reruns of the 'concurrent' row"))
            extra_rows.append(Row(f"FLOOR: browser rerun, {a.sessions} concurrent sessions", "s", Target("info"),
                                  samples=fgot["samples"], floor_samples=fgot["floor_samples"],
                                  floor_label="FLOOR 1 session", details=fgot["details"],
                                  method="the FLOOR app through the same 1 vs N sessions: what N pages cost "
                                         "this machine, for reading the dashboard's ratio"))
        print(f"  browser figures: done in {time.perf_counter() - t0:.1f} s (server logs in {log_dir})",
              file=sys.stderr, flush=True)

    figs = [rows[x].to_json() for x in ORDER if x in rows] + [r.to_json() for r in extra_rows]
    machine["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    machine["wall_s"] = round(time.perf_counter() - t_start, 1)
    result = {"machine": machine, "run": {"n": n, "quick": a.quick, "only": only, "sessions": a.sessions},
              "figures": figs}
    Path(a.out).write_text(json.dumps(result, indent=2, default=str) + "\n")
    print()
    print(table(figs))
    errors: dict[str, list[str]] = {}  # one worker's failure is the error of all its rows: print it once
    for f in figs:
        if f.get("error"):
            errors.setdefault(f["error"], []).append(f["name"])
    for error, names in errors.items():
        print(f"\nERROR {'; '.join(names)}: {error}")
    print(f"\n{len(figs)} figures in {machine['wall_s']:.0f} s; results in {a.out}")
    return 1 if any(f.get("error") for f in figs) else 0
