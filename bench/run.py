"""``python -m bench``: run every figure, print the table, write bench/results.json.

Options: ``--quick`` (n=2, smoke), ``--only NAME[,NAME...]``, ``--n N``, ``--sessions N``, ``--out PATH``.
Names: bts, snapshot, cbp, apptest, export, startup, warm_load, rerun, rss, concurrent.
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
    "rerun": ("browser rerun after a States change (cold filter)", "s", Target("ratio", 1.5),
              "FLOOR selectbox change",
              "page opened (new session) and settled; remove a chip of the States multiselect (chip close "
              "button); from the pointerdown to stApp data-test-script-state back at notRunning and no "
              "plot mutation for 300 ms (quiet time not counted). Each change targets a state combination "
              "the server has not computed yet. FLOOR: pick another option of its selectbox."),
    "apptest": ("AppTest rerun after a States change (cold filter)", "ms", Target("abs", 100), None,
                "streamlit.testing.v1.AppTest on dashboard/app.py; States multiselect set_value(...).run(), "
                "each to a new state combination; cached repeats in details."),
    "export": ("export: warm image (map PNG, persistent Renderer)", "s", Target("abs", 0.3),
               "one-off fig.write_image",
               "dashboard.export.Renderer: first image (browser start included, in details) then 10 warm "
               "images of the dashboard's map; floor = one-off fig.write_image (new Chromium each)."),
    "rss": ("server peak RSS, all data loaded, page drawn", "MB", Target("delta", 150), "FLOOR app",
            "psutil over the streamlit process tree, VmHWM summed, right after the first page is drawn "
            "(later peak in details)."),
    "concurrent": ("browser rerun, 8 concurrent sessions", "s", Target("ratio", 3), "1 session",
                   "8 browser contexts in one Chromium, each removes the same States chip at the same "
                   "time; median per-session rerun (as in 'rerun') vs the same chain with 1 session. "
                   "Filter combinations are cached for both."),
}
ORDER = ["bts", "snapshot", "cbp", "apptest", "export", "startup", "warm_load", "rerun", "rss", "concurrent"]
WORKER = {"bts", "snapshot", "cbp", "apptest", "export"}
BROWSER = {"startup", "warm_load", "rerun", "rss", "concurrent"}


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
        return rows.setdefault(name, Row(title, unit, target, floor_label=floor_label, method=method))

    extra_rows: list[Row] = []
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
        if name == "apptest" and not r.error:
            extra_rows.append(Row("AppTest rerun, same change again (cached)", "ms", Target("info"),
                                  samples=r.details["cached_repeat_samples_ms"],
                                  method="the same set_value changes repeated; the app's caches hit"))

    browser_names = {x for x in only if x in BROWSER}
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
        got = res.rows.get("concurrent_floor")
        if got:
            extra_rows.append(Row(f"FLOOR: browser rerun, {a.sessions} concurrent sessions", "s", Target("info"),
                                  samples=got["samples"], floor_samples=got["floor_samples"],
                                  floor_label="FLOOR 1 session", details=got["details"],
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
    for f in figs:
        if f.get("error"):
            print(f"\nERROR {f['name']}: {f['error']}")
    print(f"\n{len(figs)} figures in {machine['wall_s']:.0f} s; results in {a.out}")
    return 1 if any(f.get("error") for f in figs) else 0
