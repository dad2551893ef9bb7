"""Is a browser rerun waiting or working? ``python -m bench.trace_rerun [--n 3]``

Starts the dashboard (as ``borderwatch run``) and the FLOOR app the way ``python -m bench`` does, opens each in
headless Chromium and, for n reruns each (dashboard: a States chip removed, cold filter; FLOOR: another
option in its selectbox), records

* a Chrome trace of the page's renderer main thread: how many of the rerun's milliseconds the main thread
  was busy, and how that splits into JavaScript, style recalculation, layout, paint and garbage collection;
* then, in separate reruns, a JavaScript CPU profile, summed per script file (plotly.js lives in
  ``PlotlyChart.js``; React, Streamlit and the CSS-in-JS libraries in the others).

A rerun whose main thread is busy most of the time is CPU-bound in the page: only less work in the browser
makes it faster. One that is mostly idle waits for the server. Diagnosis only, nothing is asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import re
import sys
import tempfile
from pathlib import Path

from .browser import (CHROMIUM, CHROMIUM_FLAGS, DASH_PLAN, DASHBOARD_APP, Server, arm, dashboard_remove_chip,
                      floor_dir, floor_fresh_open, floor_pick, new_page, stop_all_servers,
                      wait_ready, wait_rerun_end)

TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute"]
#: trace event names -> the bucket they are reported in (nested events are not double counted: only these)
BUCKETS = {"FunctionCall": "javascript", "EvaluateScript": "javascript", "TimerFire": "javascript",
           "FireAnimationFrame": "javascript", "EventDispatch": "javascript (input events)",
           "UpdateLayoutTree": "style", "Layout": "layout", "PrePaint": "paint", "Paint": "paint",
           "Layerize": "paint", "Commit": "paint", "MinorGC": "gc", "MajorGC": "gc"}



def main_thread_summary(trace: dict, rerun_ms: float) -> dict:
    """Busy time and buckets on the busiest renderer main thread, from the pointerdown on for rerun_ms."""
    events = trace["traceEvents"]
    names = {(e["pid"], e["tid"]): e.get("args", {}).get("name") for e in events if e.get("name") == "thread_name"}
    mains = [k for k, v in names.items() if v == "CrRendererMain"]
    counts = collections.Counter((e["pid"], e["tid"]) for e in events if e.get("ph") == "X")
    main = max(mains, key=lambda k: counts[k])
    evs = [e for e in events if (e["pid"], e["tid"]) == main and e.get("ph") == "X" and "dur" in e]
    downs = [e["ts"] for e in evs if e["name"] == "EventDispatch"
             and e.get("args", {}).get("data", {}).get("type") == "pointerdown"]
    t0 = min(downs) if downs else min(e["ts"] for e in evs)
    t1 = t0 + rerun_ms * 1000
    busy = sum(min(e["ts"] + e["dur"], t1) - e["ts"] for e in evs
               if t0 <= e["ts"] < t1 and e["name"] in ("RunTask", "ThreadControllerImpl::RunTask"))
    buckets: collections.Counter = collections.Counter()
    for e in evs:
        if t0 <= e["ts"] < t1 and e["name"] in BUCKETS:
            buckets[BUCKETS[e["name"]]] += e["dur"]
    return {"rerun_ms": rerun_ms, "busy_ms": busy / 1000,
            "buckets_ms": {k: v / 1000 for k, v in buckets.most_common()}}


def js_by_file(profile: dict) -> collections.Counter:
    nodes = {x["id"]: x for x in profile["nodes"]}
    out: collections.Counter = collections.Counter()
    for sid, dt in zip(profile.get("samples", []), profile.get("timeDeltas", [])):
        cf = nodes[sid]["callFrame"]
        name = re.sub(r"\.[A-Za-z0-9_-]{8}\.js$", ".js", cf.get("url", "").rsplit("/", 1)[-1])
        if not name:
            name = cf.get("functionName") or "(native)"
        if name not in ("(idle)", "(program)"):
            out[name] += dt / 1000
    return out


async def _rerun(page, server: Server, which: str, i: int, start=None, stop=None):
    """The i-th rerun of ``python -m bench``'s plan: a fresh session, settled, then one change through the
    widget. ``start``/``stop`` (coroutine functions) bracket just the change and the rerun it causes;
    returns ``(rerun timings, what stop returned)``."""
    if which == "dashboard":
        q, chip = DASH_PLAN[i % len(DASH_PLAN)]
        await page.goto(server.url + (f"?state={q}" if q else ""), wait_until="commit")
        await wait_ready(page, need_volume=True)
    else:
        _, nxt = await floor_fresh_open(page, server, i)
    await asyncio.sleep(0.5)
    if start:
        await start()
    await arm(page)
    if which == "dashboard":
        await dashboard_remove_chip(page, chip)
    else:
        await floor_pick(page, nxt)
    r = await wait_rerun_end(page)
    got = await stop() if stop else None
    if which == "dashboard":
        await page.keyboard.press("Escape")
    return r, got


async def measure(browser, server: Server, which: str, n: int) -> tuple[list[dict], collections.Counter]:
    ctx, page = await new_page(browser)
    traces = []
    for i in range(n):
        r, raw = await _rerun(page, server, which, i,
                              start=lambda: browser.start_tracing(page=page, categories=TRACE_CATEGORIES),
                              stop=browser.stop_tracing)
        traces.append(main_thread_summary(json.loads(raw), r["ms"]))
    cdp = await ctx.new_cdp_session(page)
    await cdp.send("Profiler.enable")
    await cdp.send("Profiler.setSamplingInterval", {"interval": 250})

    async def stop_profile():
        return (await cdp.send("Profiler.stop"))["profile"]

    files: collections.Counter = collections.Counter()
    for i in range(n, 2 * n):
        _, prof = await _rerun(page, server, which, i, start=lambda: cdp.send("Profiler.start"), stop=stop_profile)
        files.update(js_by_file(prof))
    await ctx.close()
    return traces, files


def report(which: str, traces: list[dict], files: collections.Counter) -> None:
    n = len(traces)  # as many reruns were profiled
    print(f"== {which}: main thread during each rerun (pointerdown -> charts settled)")
    for t in traces:
        parts = ", ".join(f"{k} {v:.0f}" for k, v in t["buckets_ms"].items())
        print(f"  rerun {t['rerun_ms']:4.0f} ms   busy {t['busy_ms']:4.0f} ms ({t['busy_ms'] / t['rerun_ms']:4.0%})"
              f"   {parts}")
    print(f"  JavaScript self time per file, ms per rerun (mean of {n} more reruns; the profile also covers the "
          f"300 ms quiet period that ends each rerun):")
    for name, ms in files.most_common(10):
        print(f"    {ms / n:7.1f}  {name}")


async def main_async(n: int, log_dir: Path) -> None:
    from playwright.async_api import async_playwright

    dash = Server("dashboard", DASHBOARD_APP, log_dir)
    flo = Server("floor", floor_dir() / "floor_app.py", log_dir)
    for s in (dash, flo):
        s.start()
    try:
        for s in (dash, flo):
            await s.wait_healthy()
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, timeout=60_000)
            for which, server in (("dashboard", dash), ("floor", flo)):
                report(which, *await measure(browser, server, which, n))
            await browser.close()
    finally:
        stop_all_servers()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.trace_rerun", description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3, help="reruns traced per app, then as many profiled (max 3)")
    args = ap.parse_args(argv)
    log_dir = Path(tempfile.mkdtemp(prefix="borderwatch-trace-logs-"))
    asyncio.run(main_async(max(1, min(args.n, 3)), log_dir))
    print(f"(server logs in {log_dir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
