"""Where the dashboard's browser figures spend their time: ``python -m bench.profile_browser``.

Starts dashboard/app.py with pyinstrument wrapped around every script run (server side) and records a
Chrome CPU profile of the page (client side) for: a page load in a fresh context, then one rerun after a
States chip is removed (a combination not cached yet). Prints the server profile of each script run and the
top JavaScript functions by self time. Diagnosis only: the timed figures come from ``python -m bench``.
"""
from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from .browser import (CHROMIUM, CHROMIUM_FLAGS, DASHBOARD_APP, QUIET_MS, REPO, arm, dashboard_remove_chip,
                      free_port, new_page, wait_ready, wait_rerun_end)

LAUNCH = r"""
import sys, time, pathlib
from pyinstrument import Profiler
from streamlit.runtime.scriptrunner import script_runner as sr
out = pathlib.Path(sys.argv.pop(1)); orig = sr.ScriptRunner._run_script; count = [0]
def wrapped(self, *a, **kw):
    p = Profiler(interval=0.001); p.start(); t0 = time.perf_counter()
    try:
        return orig(self, *a, **kw)
    finally:
        p.stop(); count[0] += 1
        (out / f"run-{count[0]:02d}.txt").write_text(f"script run {count[0]}: {(time.perf_counter()-t0)*1e3:.0f} ms\n"
            + p.output_text(unicode=False, color=False))
sr.ScriptRunner._run_script = wrapped
from streamlit.web.cli import main
sys.argv = ["streamlit"] + sys.argv[1:]
main()
"""


# long tasks and chart (re)mounts during one rerun, on the page's clock
TIMELINE_JS = r"""
() => {
  const tl = window.__tl = [];
  new PerformanceObserver(l => { for (const e of l.getEntries()) tl.push([e.startTime, `long task ${Math.round(e.duration)} ms`]); })
    .observe({type: 'longtask'});
  new MutationObserver(ms => { for (const m of ms) for (const n of m.addedNodes) {
    if (n.nodeType === 1 && n.matches('svg.main-svg') && !n.previousElementSibling) {
      const c = n.closest('[data-testid="stPlotlyChart"]');
      const i = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].indexOf(c);
      tl.push([performance.now(), `new plot in chart #${i + 1} on the page (1 = the map)`]);
    } } }).observe(document.body, {subtree: true, childList: true});
}
"""
TIMELINE_READ_JS = r"""
() => window.__tl.filter(x => x[0] >= window.__bw.t0 - 5).map(x => [x[0] - window.__bw.t0, x[1]])
"""


def top_js(profile: dict, n: int = 25) -> list[tuple[float, str]]:
    nodes = {x["id"]: x for x in profile["nodes"]}
    self_us: collections.Counter = collections.Counter()
    samples, deltas = profile.get("samples", []), profile.get("timeDeltas", [])
    for sid, dt in zip(samples, deltas):
        cf = nodes[sid]["callFrame"]
        url = cf.get("url", "").rsplit("/", 1)[-1]
        self_us[f"{cf.get('functionName') or '(anonymous)'} {url}:{cf.get('lineNumber', 0) + 1}"] += dt
    return [(us / 1e3, k) for k, us in self_us.most_common(n)]


async def main_async(outdir: Path) -> None:
    from playwright.async_api import async_playwright

    port = free_port()
    cmd = [sys.executable, "-c", LAUNCH, str(outdir), "run", str(DASHBOARD_APP), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
           "--server.enableStaticServing", "true", "--server.fileWatcherType", "none",
           "--global.developmentMode", "false", "--theme.base", "light"]
    # offline: the embedded snapshot, as the benchmark measures it (live is the page's default, and an
    # unreachable feed costs the first run a few seconds' wait)
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=open(outdir / "server.log", "wb"),
                            stderr=subprocess.STDOUT, env={**os.environ, "BORDERWATCH_OFFLINE": "1"})
    url = f"http://127.0.0.1:{port}/"
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, timeout=60_000)
            # warm the server (first session loads the snapshot), untimed
            for _ in range(120):
                try:
                    ctx, page = await new_page(browser)
                    await page.goto(url, wait_until="commit", timeout=5000)
                    break
                except Exception:  # noqa: BLE001 - server not up yet
                    await ctx.close()
                    await asyncio.sleep(0.5)
            await wait_ready(page, need_volume=True, timeout=120)
            await ctx.close()
            ctx, page = await new_page(browser)
            cdp = await ctx.new_cdp_session(page)
            await cdp.send("Profiler.enable")
            await cdp.send("Profiler.setSamplingInterval", {"interval": 500})
            await cdp.send("Profiler.start")
            await page.goto(url, wait_until="commit")
            await wait_ready(page, need_volume=True, timeout=120)
            prof = (await cdp.send("Profiler.stop"))["profile"]
            print("== Browser, page load in a fresh context: top JS self time (ms)")
            for ms, name in top_js(prof):
                print(f"  {ms:8.1f}  {name}")
            await page.evaluate(TIMELINE_JS)
            await cdp.send("Profiler.start")
            await arm(page)
            await dashboard_remove_chip(page, "Texas")
            r = await wait_rerun_end(page)
            prof = (await cdp.send("Profiler.stop"))["profile"]
            tl = await page.evaluate(TIMELINE_READ_JS)
            print(f"\n== Browser, rerun after removing Texas: {r['ms']:.0f} ms "
                  f"(last server message at {r['last_msg_ms']:.0f} ms, quiet period {QUIET_MS} ms not counted); "
                  f"top JS self time (ms)")
            for ms, name in top_js(prof):
                print(f"  {ms:8.1f}  {name}")
            print("\n== The same rerun, ms after the click: long tasks (>50 ms) on the page's main thread, and "
                  "when each chart got a new plot (main-svg created = Streamlit remounted the chart)")
            for t, what in sorted(tl, key=lambda x: x[0]):
                print(f"  {t:7.0f}  {what}")
            await ctx.close()
            await browser.close()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
    runs = sorted(outdir.glob("run-*.txt"))
    print("\n== Server script runs (pyinstrument); run 1 = warm-up session, then page load, then rerun")
    for p in runs[-2:]:
        print("\n" + p.read_text())


def main() -> int:
    outdir = Path(tempfile.mkdtemp(prefix="borderwatch-profile-"))
    asyncio.run(main_async(outdir))
    print(f"(profiles in {outdir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
