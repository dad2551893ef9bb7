"""Browser figures: the dashboard and the FLOOR app, started the same way, driven by one headless Chromium
(Playwright with the system Chromium; never ``playwright install``).

How an end is seen (same JavaScript for both apps, installed with ``add_init_script`` in every context):

* *drawn*: a plotly ``scattergeo`` whose land layer has its path (the basemap arrived) and at least one
  marker; for the dashboard's start-up figure also a cartesian chart with a drawn line (the volumes chart).
* *rerun finished*: a capture-phase ``pointerdown`` listener stamps the input (``performance.now()``); a
  MutationObserver records every change of ``[data-testid=stApp]``'s ``data-test-script-state`` and the time
  of the last DOM mutation inside any ``[data-testid=stPlotlyChart]``. The rerun is over once the state went
  to something other than ``notRunning`` after the input and is back to ``notRunning``, and no chart has
  changed for QUIET_MS. The figure is ``max(notRunning time, last chart mutation) - input time``: the quiet
  period itself is not counted. (Fallback, counted in ``details.fallback_ends``: if React batched the state
  away, the last WebSocket message after the input stands for the script's end.)
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
DASHBOARD_APP = REPO / "dashboard" / "app.py"
FLOOR_SRC = Path(__file__).resolve().parent / "floor_app.py"
FLOOR2_SRC = Path(__file__).resolve().parent / "floor2_app.py"
TOPOJSON = REPO / "dashboard" / "static" / "topojson" / "north-america_50m.json"
CHROMIUM = os.environ.get("BROWSER_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}
QUIET_MS = 300
STATES = ["Texas", "Arizona", "California"]
COLLECT_FEED = REPO / "data" / "cbp" / "bwtnew_2022-06-29.json"
perf = time.perf_counter

INIT_JS = r"""
(() => {
  const bw = window.__bw = {states: [], plotMut: 0, wsIn: 0, t0: null, armed: false, msgs: [], sends: []};
  document.addEventListener('pointerdown', () => {
    if (bw.armed) { bw.t0 = performance.now(); bw.armed = false; }
  }, true);
  const OrigWS = window.WebSocket;
  class BenchWS extends OrigWS {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (ev) => {
        bw.wsIn = performance.now();
        const d = ev.data, n = d && (d.byteLength !== undefined ? d.byteLength : (d.size || d.length || 0));
        if (bw.msgs.length < 5000) bw.msgs.push([bw.wsIn, n]);
      });
    }
    send(d) { if (bw.sends.length < 5000) bw.sends.push(performance.now()); return super.send(d); }
  }
  window.WebSocket = BenchWS;
  const start = () => new MutationObserver(ms => {
    for (const m of ms) {
      const t = m.target;
      if (m.type === 'attributes' && m.attributeName === 'data-test-script-state') {
        bw.states.push([t.getAttribute('data-test-script-state'), performance.now()]);
        continue;
      }
      const el = t.nodeType === 1 ? t : t.parentElement;
      if (el && el.closest && el.closest('[data-testid="stPlotlyChart"]')) bw.plotMut = performance.now();
    }
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  start();
})();
"""

# a plotly geo chart whose basemap and markers are drawn; optionally also a drawn cartesian line chart
DRAWN_JS = r"""
(needVolume) => {
  const plots = [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')];
  const map = plots.some(p => {
    const land = p.querySelector('.geo .layer.land path');
    return land && (land.getAttribute('d') || '').length > 100 && p.querySelector('.scattergeo path.point');
  });
  if (!map) return false;
  if (!needVolume) return true;
  return plots.some(p => [...p.querySelectorAll('.cartesianlayer .scatterlayer path.js-line')]
                           .some(l => (l.getAttribute('d') || '').length > 10));
}
"""

# page settled: drawn, script not running, charts quiet for `quiet` ms
READY_JS = r"""
([needVolume, quiet]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!(%s)(needVolume)) return false;
  return performance.now() - window.__bw.plotMut >= quiet;
}
""" % DRAWN_JS

RERUN_END_JS = r"""
(quiet) => {
  const bw = window.__bw, now = performance.now();
  if (bw.t0 === null) return false;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const after = bw.states.filter(s => s[1] >= bw.t0);
  const ran = after.some(s => s[0] !== 'notRunning');
  let fin, fallback = false;
  if (ran) {
    fin = Math.max(...after.filter(s => s[0] === 'notRunning').map(s => s[1]));
  } else {
    if (bw.wsIn < bw.t0 || now - bw.wsIn < 1000) return false;   // batched away: wait for the socket to settle
    fin = bw.wsIn; fallback = true;
  }
  const end = Math.max(fin, bw.plotMut);
  if (now - end < quiet) return false;
  const ins = bw.msgs.filter(m => m[0] >= bw.t0), out = bw.sends.filter(t => t >= bw.t0);
  return {ms: end - bw.t0, script_ms: fin - bw.t0, chart_ms: bw.plotMut - bw.t0, fallback,
          request_ms: out.length ? out[0] - bw.t0 : null,
          first_msg_ms: ins.length ? ins[0][0] - bw.t0 : null,
          last_msg_ms: ins.length ? ins[ins.length - 1][0] - bw.t0 : null,
          msgs: ins.length, kbytes: ins.reduce((a, m) => a + m[1], 0) / 1024};
}
"""


# ------------------------------------------------------------------ servers
_SERVERS: list["Server"] = []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def floor_dir() -> Path:
    """A temp dir holding floor_app.py and static/topojson/ (Streamlit serves static/ next to the script)."""
    d = Path(tempfile.mkdtemp(prefix="borderwatch-bench-floor-"))
    shutil.copy2(FLOOR_SRC, d / "floor_app.py")
    shutil.copy2(FLOOR2_SRC, d / "floor2_app.py")
    (d / "static" / "topojson").mkdir(parents=True)
    shutil.copy2(TOPOJSON, d / "static" / "topojson" / TOPOJSON.name)
    return d


@dataclass
class Server:
    """One server in its own process group (killed as a group): the dashboard as ``borderwatch run`` starts
    it, the FLOOR as ``python -m streamlit run`` with the same Streamlit flags."""

    name: str
    script: Path
    log_dir: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    env: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.port = free_port()
        if self.script == DASHBOARD_APP:
            # as users start it (make run): `borderwatch run`, which also preloads data (dashboard/warm.py)
            # --offline: the benchmark measures the embedded snapshot, never a live fetch (live is the default)
            cmd = [sys.executable, "-m", "dashboard.cli", "run", "--offline", "--address", "127.0.0.1",
                   "--port", str(self.port)]
        else:
            # the flags `borderwatch run` gives Streamlit
            cmd = [sys.executable, "-m", "streamlit", "run", str(self.script),
                   "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(self.port),
                   "--browser.gatherUsageStats", "false", "--server.enableStaticServing", "true",
                   "--server.fileWatcherType", "none", "--global.developmentMode", "false", "--theme.base", "light",
                   "--client.toolbarMode", "viewer"]
        log = open(self.log_dir / f"{self.name}-{self.port}.log", "wb")
        self.started_at = perf()
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env})
        log.close()
        _SERVERS.append(self)

    async def wait_healthy(self, timeout: float = 90) -> float:
        deadline = self.started_at + timeout
        url = f"http://127.0.0.1:{self.port}/_stcore/health"
        while perf() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited with {self.proc.returncode} (see its log)")
            try:
                with urllib.request.urlopen(url, timeout=1) as r:
                    if r.status == 200:
                        return perf() - self.started_at
            except OSError:
                pass
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{self.name} server not healthy within {timeout:.0f} s")

    def stop(self) -> None:
        p, self.proc = self.proc, None
        if p is None:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=5)
        if self in _SERVERS:
            _SERVERS.remove(self)

    def memory_mb(self) -> dict[str, float]:
        """Current RSS and peak RSS (VmHWM) summed over the server's process tree, in MB."""
        root = psutil.Process(self.proc.pid)
        procs = [root] + root.children(recursive=True)
        rss = hwm = anon = file_ = 0
        for pr in procs:
            try:
                rss += pr.memory_info().rss
                with open(f"/proc/{pr.pid}/status") as fh:
                    for line in fh:
                        if line.startswith("VmHWM:"):
                            hwm += int(line.split()[1]) * 1024
                        elif line.startswith("RssAnon:"):
                            anon += int(line.split()[1]) * 1024
                        elif line.startswith("RssFile:"):
                            file_ += int(line.split()[1]) * 1024
            except (psutil.NoSuchProcess, FileNotFoundError):
                pass
        return {"rss_mb": rss / 2**20, "peak_rss_mb": hwm / 2**20, "processes": len(procs),
                "anon_mb": anon / 2**20, "file_mb": file_ / 2**20}


def stop_all_servers() -> None:
    for s in list(_SERVERS):
        try:
            s.stop()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


# ------------------------------------------------------------------ page helpers
async def new_page(browser):
    ctx = await browser.new_context(viewport=VIEWPORT)
    await ctx.add_init_script(INIT_JS)
    page = await ctx.new_page()
    page.set_default_timeout(60_000)
    return ctx, page


async def wait_drawn(page, need_volume: bool, timeout: float = 60) -> None:
    await page.wait_for_function(DRAWN_JS, arg=need_volume, polling=50, timeout=timeout * 1000)


async def wait_ready(page, need_volume: bool, timeout: float = 60) -> None:
    await page.wait_for_function(READY_JS, arg=[need_volume, 500], polling=100, timeout=timeout * 1000)


LOAD_TIMELINE_JS = r"""
() => {
  const bw = window.__bw, nav = performance.getEntriesByType('navigation')[0];
  const done = bw.states.filter(s => s[0] === 'notRunning').map(s => s[1]);
  return {html_ms: nav ? nav.responseEnd : null, dom_ms: nav ? nav.domContentLoadedEventEnd : null,
          first_msg_ms: bw.msgs.length ? bw.msgs[0][0] : null,
          last_msg_ms: bw.msgs.length ? bw.msgs[bw.msgs.length - 1][0] : null,
          script_done_ms: done.length ? done[done.length - 1] : null, drawn_ms: performance.now(),
          kbytes: bw.msgs.reduce((a, m) => a + m[1], 0) / 1024, msgs: bw.msgs.length};
}
"""


def _median_dict(ds: list[dict]) -> dict:
    keys = [k for k in ds[0] if all(isinstance(d.get(k), (int, float)) and not isinstance(d.get(k), bool) for d in ds)]
    return {k: round(statistics.median(d[k] for d in ds), 1) for k in keys}


async def arm(page) -> None:
    await page.evaluate("() => { window.__bw.armed = true; window.__bw.t0 = null; }")


async def wait_rerun_end(page, timeout: float = 60) -> dict:
    h = await page.wait_for_function(RERUN_END_JS, arg=QUIET_MS, polling=50, timeout=timeout * 1000)
    return await h.json_value()


async def dashboard_remove_chip(page, state: str) -> None:
    await page.locator(f'[data-testid="stSidebar"] button[aria-label="Remove {state}"]').click(timeout=30_000)


async def floor_fresh_open(page, server, i: int) -> tuple[str, str]:
    """The FLOOR app in a fresh session, settled, its selectbox open; returns (the state shown, the state
    the i-th rerun of the plan picks: another one, alternating)."""
    await page.goto(server.url, wait_until="commit")
    await wait_ready(page, need_volume=False)
    cur = await floor_current(page)
    nxt = STATES[(STATES.index(cur) + 1 + i % 2) % 3] if cur in STATES else STATES[1]
    await floor_open_select(page)
    return cur, nxt


async def floor_open_select(page) -> None:
    await page.locator('[data-testid="stSelectbox"] button[aria-label="Open"]').click(timeout=30_000)
    await page.get_by_role("option").first.wait_for(timeout=30_000)


async def floor_current(page) -> str:
    return await page.locator('[data-testid="stSelectbox"] input[role="combobox"]').input_value()


async def floor_pick(page, state: str) -> None:
    await page.get_by_role("option", name=state, exact=True).click(timeout=30_000)


# ------------------------------------------------------------------ figures
@dataclass
class Results:
    rows: dict[str, dict] = field(default_factory=dict)   # name -> {"samples", "floor_samples", "details"}
    errors: dict[str, str] = field(default_factory=dict)

    def put(self, name, samples, floor_samples=(), **details):
        self.rows[name] = {"samples": list(samples), "floor_samples": list(floor_samples), "details": details}


def log(msg: str) -> None:
    print(f"  [browser] {msg}", file=sys.stderr, flush=True)


async def startup(browser, n: int, log_dir: Path, fdir: Path, res: Results) -> None:
    """Fresh server + fresh context each time; t0 just before Popen, end when drawn."""
    value, floor, health_v, health_f = [], [], [], []
    for i in range(n):
        for kind in (("floor", "dashboard") if i % 2 == 0 else ("dashboard", "floor")):
            is_dash = kind == "dashboard"
            ctx, page = await new_page(browser)
            srv = Server(kind, DASHBOARD_APP if is_dash else fdir / "floor_app.py", log_dir)
            try:
                srv.start()
                h = await srv.wait_healthy(120)
                await page.goto(srv.url, wait_until="commit", timeout=60_000)
                await wait_drawn(page, need_volume=is_dash, timeout=120)
                t = perf() - srv.started_at
            finally:
                await ctx.close()
                srv.stop()
            (value if is_dash else floor).append(t)
            (health_v if is_dash else health_f).append(h)
            log(f"startup {kind} #{i + 1}: {t:.2f} s (healthy after {h:.2f} s)")
    res.put("startup", value, floor, healthy_s_median=statistics.median(health_v),
            floor_healthy_s_median=statistics.median(health_f))


async def warm_load(browser, dash: Server, flo: Server, n: int, res: Results) -> None:
    """Servers already warm; fresh context each time (so plotly.js is compiled again in both); t0 before goto."""
    value, floor, tl_v, tl_f = [], [], [], []
    for i in range(n):
        for srv in ((flo, dash) if i % 2 == 0 else (dash, flo)):
            ctx, page = await new_page(browser)
            try:
                t0 = perf()
                await page.goto(srv.url, wait_until="commit", timeout=60_000)
                await wait_drawn(page, need_volume=False)
                t = perf() - t0
                (tl_v if srv is dash else tl_f).append(await page.evaluate(LOAD_TIMELINE_JS))
            finally:
                await ctx.close()
            (value if srv is dash else floor).append(t)
            log(f"warm load {srv.name} #{i + 1}: {t:.2f} s")
    # page-clock timeline (ms since navigation start; medians): when the HTML arrived, the first/last
    # WebSocket message, the script's last notRunning so far, and when the map was seen drawn
    res.put("warm_load", value, floor, timeline_ms=_median_dict(tl_v), floor_timeline_ms=_median_dict(tl_f))


# Dashboard rerun plan: (URL state param, chip to remove). Every target combination is new to the server's
# caches (rows 4-6 start where rows 1-3 ended, which are then cached): AZ,CA / TX,CA / TX,AZ / CA / TX / AZ.
DASH_PLAN = [(None, "Texas"), (None, "Arizona"), (None, "California"),
             ("AZ,CA", "Arizona"), ("TX,CA", "California"), ("TX,AZ", "Texas")]


async def _dash_rerun(page, srv: Server, i: int, plan=DASH_PLAN) -> dict:
    """The i-th change of ``plan`` on a chip-multiselect page (the dashboard or FLOOR-2): open the page at the
    plan's URL state (new session), settle, remove the chip, time input -> script finished and charts quiet."""
    q, chip = plan[i % len(plan)]
    await page.goto(srv.url + (f"?state={q}" if q else ""), wait_until="commit")
    await wait_ready(page, need_volume=True)
    await arm(page)
    await dashboard_remove_chip(page, chip)
    r = await wait_rerun_end(page)
    await page.keyboard.press("Escape")
    return r


def _round(d: dict) -> dict:
    return {k: (round(v, 1) if isinstance(v, float) else v) for k, v in d.items()}


async def rerun(browser, dash: Server, flo: Server, flo2: Server | None, n: int, res: Results) -> None:
    """One warm context per app; each repetition opens the page (new session), waits till it settles, then
    makes one change through the widget and times input -> script finished and charts quiet. Dashboard,
    FLOOR and FLOOR-2 take turns in every repetition (order rotated)."""
    dctx, dpage = await new_page(browser)
    fctx, fpage = await new_page(browser)
    f2ctx, f2page = await new_page(browser)
    value, floor, floor2, vdet, fdet, f2det = [], [], [], [], [], []
    try:
        for i in range(n):
            kinds = ["dashboard", "floor", "floor2"][: 3 if flo2 else 2]
            kinds = kinds[i % len(kinds):] + kinds[: i % len(kinds)]
            for kind in kinds:
                if kind == "dashboard":
                    r = await _dash_rerun(dpage, dash, i)
                    value.append(r["ms"] / 1e3)
                    vdet.append(r)
                    q, chip = DASH_PLAN[i % len(DASH_PLAN)]
                    log(f"rerun dashboard #{i + 1} (state={q or 'all'} minus {chip}): {r['ms']:.0f} ms "
                        f"(script {r['script_ms']:.0f} ms, charts {r['chart_ms']:.0f} ms)")
                elif kind == "floor2":
                    r = await _dash_rerun(f2page, flo2, i)
                    floor2.append(r["ms"] / 1e3)
                    f2det.append(r)
                    log(f"rerun FLOOR-2 #{i + 1}: {r['ms']:.0f} ms")
                else:
                    # floor: pick another option in the selectbox
                    cur, nxt = await floor_fresh_open(fpage, flo, i)
                    await arm(fpage)
                    await floor_pick(fpage, nxt)
                    r = await wait_rerun_end(fpage)
                    floor.append(r["ms"] / 1e3)
                    fdet.append(r)
                    log(f"rerun floor #{i + 1} ({cur} -> {nxt}): {r['ms']:.0f} ms")
    finally:
        for c in (dctx, fctx, f2ctx):
            await c.close()
    legend = ("ms after the pointerdown: request_ms = rerun request sent on the WebSocket, first/last_msg_ms "
              "= first/last server message, script_ms = notRunning seen, chart_ms = last chart mutation")
    res.put("rerun", value, floor, plan=[f"state={q or 'all'} minus {c}" for q, c in DASH_PLAN[:n]],
            per_run=[_round(d) for d in vdet], floor_per_run=[_round(d) for d in fdet],
            median_ms=_median_dict(vdet), floor_median_ms=_median_dict(fdet),
            fallback_ends=sum(d["fallback"] for d in vdet + fdet), legend=legend)
    if flo2:
        res.put("rerun_floor2", value, floor2, per_run=[_round(d) for d in f2det],
                floor_median_ms=_median_dict(f2det), fallback_ends=sum(d["fallback"] for d in f2det),
                counts=flo2.counts, legend=legend)


async def rerun_collect(browser, dash: Server, n: int, res: Results, quiet: list[float]) -> None:
    """The dashboard's cold rerun (the second half of the plan: also unseen combinations) while
    ``borderwatch collect --every 1`` writes to the server's own history store (same BORDERWATCH_HOME)."""
    cmd = [sys.executable, "-m", "dashboard.cli", "collect", "--every", "1", "--source", str(COLLECT_FEED)]
    log_path = dash.log_dir / "collector.log"
    with open(log_path, "wb") as lg:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=lg, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env={**os.environ, **dash.env})
    ctx, page = await new_page(browser)
    value, det = [], []
    try:
        await asyncio.sleep(3)   # the collector is up and polling
        if proc.poll() is not None:
            raise RuntimeError(f"collector exited {proc.returncode}: {log_path.read_text()[-500:]}")
        for i in range(n):
            r = await _dash_rerun(page, dash, i + 3)
            value.append(r["ms"] / 1e3)
            det.append(r)
            log(f"rerun with collector #{i + 1}: {r['ms']:.0f} ms")
    finally:
        await ctx.close()
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
    res.put("rerun_collect", value, quiet, per_run=[_round(d) for d in det], collector=" ".join(cmd[2:]),
            collector_exit=proc.returncode, plan=[f"state={q or 'all'} minus {c}" for q, c in DASH_PLAN[3:3 + n]])


async def trace(browser, dash: Server, flo: Server, res: Results, n: int = 2) -> None:
    """bench.trace_rerun's main-thread trace of n dashboard and n FLOOR reruns (info row)."""
    from .trace_rerun import measure

    out = {}
    for which, srv in (("dashboard", dash), ("floor", flo)):
        traces, files = await measure(browser, srv, which, n)
        out[which] = {"busy_ms": [t["busy_ms"] for t in traces], "rerun_ms": [t["rerun_ms"] for t in traces],
                      "buckets_ms": [{k: round(v, 1) for k, v in t["buckets_ms"].items()} for t in traces],
                      "js_ms_per_file": {k: round(v / n, 1) for k, v in files.most_common(8)}}
    res.put("trace", [x / 1e3 for x in out["dashboard"]["busy_ms"]], [x / 1e3 for x in out["floor"]["busy_ms"]],
            **out)


async def _chain_runs(pages, dash: Server, n: int, log_label: str) -> tuple[list[float], int]:
    """On every page at once: remove Texas, then Arizona, then California (empty = all states), then reload
    and start over. Returns every page's rerun time (s) for every step, and how many ends were fallbacks."""
    out, fallbacks, step = [], 0, 0
    for i in range(n):
        if step == 0:
            await asyncio.gather(*(p.goto(dash.url, wait_until="commit") for p in pages))
            await asyncio.gather(*(wait_ready(p, need_volume=True, timeout=120) for p in pages))
        chip = STATES[step]
        await asyncio.gather(*(arm(p) for p in pages))
        await asyncio.gather(*(dashboard_remove_chip(p, chip) for p in pages))
        rs = await asyncio.gather(*(wait_rerun_end(p, timeout=120) for p in pages))
        await asyncio.gather(*(p.keyboard.press("Escape") for p in pages))
        ms = [r["ms"] for r in rs]
        fallbacks += sum(r["fallback"] for r in rs)
        out.extend(m / 1e3 for m in ms)
        log(f"{log_label} step {i + 1} (minus {chip}): median {statistics.median(ms):.0f} ms, "
            f"max {max(ms):.0f} ms over {len(ms)} session(s)")
        step = (step + 1) % 3
    return out, fallbacks


async def _floor_chain_runs(pages, flo: Server, n: int, log_label: str) -> tuple[list[float], int]:
    """On every page at once: pick the next option of the FLOOR selectbox (Texas -> Arizona -> ...)."""
    await asyncio.gather(*(p.goto(flo.url, wait_until="commit") for p in pages))
    await asyncio.gather(*(wait_ready(p, need_volume=False, timeout=120) for p in pages))
    out, fallbacks = [], 0
    for i in range(n):
        nxt = STATES[(i + 1) % 3]
        await asyncio.gather(*(floor_open_select(p) for p in pages))
        await asyncio.gather(*(arm(p) for p in pages))
        await asyncio.gather(*(floor_pick(p, nxt) for p in pages))
        rs = await asyncio.gather(*(wait_rerun_end(p, timeout=120) for p in pages))
        ms = [r["ms"] for r in rs]
        fallbacks += sum(r["fallback"] for r in rs)
        out.extend(m / 1e3 for m in ms)
        log(f"{log_label} step {i + 1} (-> {nxt}): median {statistics.median(ms):.0f} ms, "
            f"max {max(ms):.0f} ms over {len(ms)} session(s)")
    return out, fallbacks


async def concurrent(browser, dash: Server, flo: Server, n: int, sessions: int, res: Results) -> None:
    """1 session, then `sessions` sessions (one context each, one browser) doing the same reruns at once.
    The FLOOR app goes through the same (1 vs `sessions`) for reference: what 8 pages cost this machine."""
    ctxs = [await new_page(browser) for _ in range(sessions)]
    pages = [p for _, p in ctxs]
    try:
        # untimed pass so every combination of the chain is in the app's caches for both measurements
        # N sessions: one chain of min(n, 3) steps (no reload of N pages: that alone costs ~40 s here),
        # giving N * steps samples; 1 session: the same steps, repeated to reach at least n samples.
        steps = min(n, 3)
        await _chain_runs(pages[:1], dash, 3, "concurrency warm-up")
        one, fb1 = await _chain_runs(pages[:1], dash, steps * -(-n // steps), "1 session")
        many, fbn = await _chain_runs(pages, dash, steps, f"{sessions} sessions")
        f_one, fb3 = await _floor_chain_runs(pages[:1], flo, steps * -(-n // steps), "FLOOR 1 session")
        f_many, fb4 = await _floor_chain_runs(pages, flo, steps, f"FLOOR {sessions} sessions")
    finally:
        for ctx, _ in ctxs:
            await ctx.close()
    res.put("concurrent", many, one, sessions=sessions, fallback_ends=fb1 + fbn,
            note="every filter combination already cached: this isolates rendering/serialisation under load")
    res.put("concurrent_floor", f_many, f_one, sessions=sessions, fallback_ends=fb3 + fb4)


async def run_browser(which: set[str], n: int, sessions: int, log_dir: Path, res: Results) -> None:
    from playwright.async_api import async_playwright

    fdir = floor_dir()
    dash = flo = flo2 = None
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True,
                                               timeout=60_000)
            res.rows["_browser_version"] = {"version": browser.version}
            try:
                if "startup" in which:
                    await _guard(res, "startup", startup(browser, n, log_dir, fdir, res))
                shared = which & {"warm_load", "rerun", "rss", "concurrent", "rerun_collect", "trace"}
                if shared:
                    home = Path(tempfile.mkdtemp(prefix="borderwatch-bench-home-"))
                    seeded = seed_history(home)
                    log(f"history store seeded with the embedded history in {home}: {seeded}")
                    dash = Server("dashboard", DASHBOARD_APP, log_dir, env={"BORDERWATCH_HOME": str(home)})
                    flo = Server("floor", fdir / "floor_app.py", log_dir)
                    servers = [dash, flo]
                    if "rerun" in which:
                        counts = floor2_counts()
                        flo2 = Server("floor2", fdir / "floor2_app.py", log_dir, counts=counts,
                                      env={"BORDERWATCH_FLOOR2": json.dumps(counts)})
                        servers.append(flo2)
                    for srv in servers:
                        srv.start()
                    for srv in servers:
                        await srv.wait_healthy(120)
                    # first page per server: data loaded, caches filled; the RSS figure is read right after
                    for srv in servers:
                        ctx, page = await new_page(browser)
                        try:
                            await page.goto(srv.url, wait_until="commit")
                            await wait_ready(page, need_volume=srv is not flo, timeout=120)
                        finally:
                            await ctx.close()
                    mem_d, mem_f = dash.memory_mb(), flo.memory_mb()
                    if "warm_load" in which:
                        await _guard(res, "warm_load", warm_load(browser, dash, flo, n, res))
                    if "rerun" in which:
                        await _guard(res, "rerun", rerun(browser, dash, flo, flo2, n, res))
                        flo2.stop()
                    if "rerun_collect" in which:
                        quiet = res.rows.get("rerun", {}).get("samples", [])
                        await _guard(res, "rerun_collect", rerun_collect(browser, dash, min(n, 3), res, quiet))
                    if "trace" in which:
                        await _guard(res, "trace", trace(browser, dash, flo, res))
                    if "concurrent" in which:
                        await _guard(res, "concurrent", concurrent(browser, dash, flo, n, sessions, res))
                    if "rss" in which:
                        end_d, end_f = dash.memory_mb(), flo.memory_mb()
                        res.put("rss", [mem_d["peak_rss_mb"]], [mem_f["peak_rss_mb"]],
                                rss_after_first_page_mb=round(mem_d["rss_mb"], 1),
                                floor_rss_after_first_page_mb=round(mem_f["rss_mb"], 1),
                                peak_after_all_browser_figures_mb=round(end_d["peak_rss_mb"], 1),
                                floor_peak_after_all_browser_figures_mb=round(end_f["peak_rss_mb"], 1),
                                # RSS = private memory + mapped file pages (mostly pyarrow's/numpy's shared
                                # libraries), which read higher on a fresh install than on one in use a while
                                anon_mb=round(mem_d["anon_mb"], 1), floor_anon_mb=round(mem_f["anon_mb"], 1),
                                file_backed_mb=round(mem_d["file_mb"], 1),
                                floor_file_backed_mb=round(mem_f["file_mb"], 1),
                                processes=end_d["processes"], history_store=seeded)
            finally:
                await browser.close()
    finally:
        for s in (dash, flo, flo2):
            if s is not None:
                s.stop()
        stop_all_servers()
        shutil.rmtree(fdir, ignore_errors=True)


def floor2_counts() -> dict:
    """The dashboard's default-figure sizes for FLOOR-2 (bench.floor_counts, in a fresh process)."""
    out = subprocess.run([sys.executable, "-m", "bench.floor_counts"], cwd=REPO, capture_output=True, text=True,
                         timeout=180, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def seed_history(home: Path) -> str:
    """Seed a fresh BORDERWATCH_HOME's history store with the embedded history (as the CLI's first use does),
    so the server's page reads it; returns the reading count."""
    code = ("from history.embedded import open_history; s = open_history(); print(s.count()); s.close()")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "BORDERWATCH_HOME": str(home)})
    if out.returncode != 0:
        raise RuntimeError(f"seeding the history store failed: {out.stderr.strip()[-500:]}")
    return f"{out.stdout.strip().splitlines()[-1]} rows"


async def _guard(res: Results, name: str, coro) -> None:
    try:
        await coro
    except Exception as exc:  # noqa: BLE001 - one failed figure must not lose the others
        res.errors[name] = f"{type(exc).__name__}: {exc}"
        log(f"{name} FAILED: {res.errors[name]}")
