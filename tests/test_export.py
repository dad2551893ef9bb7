"""Image export: real renders through one headless Chromium, checked on bytes and pixels.

The rendering tests share the process-wide renderer (one browser start for the whole file). Copies of
the rendered PNGs land in /tmp/export-check/ for a human look.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import plotly.graph_objects as go
import pytest
from PIL import Image  # pillow is a hard dependency of streamlit, so it is always in the venv

from dashboard import export
from dashboard.export import (ExportUnavailable, Renderer, export_figures, find_chrome, get_renderer,
                              safe_filename)
from loaders.errors import BorderwatchError

ROOT = Path(__file__).resolve().parent.parent
CHECK_DIR = Path("/tmp/export-check")
LAND = (200, 230, 201)  # a land colour no other element of the test map uses
LAND_CSS = "rgb(200,230,201)"

needs_chrome = pytest.mark.skipif(find_chrome() is None,
                                  reason="no Chrome/Chromium installed (apt-get install chromium)")


# -- figures and helpers -------------------------------------------------------------------------

def bar_figure(title: str = "Wait minutes at San Ysidro") -> go.Figure:
    fig = go.Figure(go.Bar(x=["San Ysidro", "Otay Mesa", "Calexico", "Nogales"], y=[120, 45, 30, 60],
                           marker_color=["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]))
    fig.update_layout(title=title, template="plotly_white")
    return fig


def geo_figure(*, show_land: bool = True) -> go.Figure:
    fig = go.Figure(go.Scattergeo(lon=[-110.94, -112.83, -109.55], lat=[31.34, 31.88, 31.34],
                                  text=["Nogales", "Lukeville", "Douglas"], mode="markers+text",
                                  marker=dict(size=10, color="#d62728")))
    fig.update_geos(scope="usa", resolution=50, showsubunits=True, showland=show_land,
                    landcolor=LAND_CSS, showlakes=False)
    fig.update_layout(title="Arizona ports of entry", template="plotly_white",
                      margin=dict(l=0, r=0, t=40, b=0))
    return fig


def png_ihdr(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def pixels(data: bytes) -> list[tuple[int, int, int]]:
    im = Image.open(io.BytesIO(data)).convert("RGB")
    flat = getattr(im, "get_flattened_data", None) or im.getdata  # getdata is deprecated in Pillow 13
    return list(flat())


def land_fraction(data: bytes) -> float:
    px = pixels(data)
    return sum(1 for p in px if p == LAND) / len(px)


def save_copy(name: str, data: bytes) -> None:
    CHECK_DIR.mkdir(parents=True, exist_ok=True)
    (CHECK_DIR / name).write_bytes(data)


def chromium_processes() -> list[int]:
    """PIDs of Chromium *browser* processes (not its renderer/gpu/zygote helpers) descended from us."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parent[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    me, found = os.getpid(), []
    for pid in parent:
        p, seen = pid, 0
        while p in parent and p != me and seen < 64:
            p, seen = parent[p], seen + 1
        if p != me or pid == me:
            continue
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        name = os.path.basename(argv[0].decode(errors="replace"))
        if name in {"chromium", "chrome", "chromium-browser", "google-chrome", "headless_shell"} \
                and b"--remote-debugging-pipe" in argv and not any(a.startswith(b"--type=") for a in argv):
            found.append(pid)
    return found


@pytest.fixture(scope="session")
def renderer():
    if find_chrome() is None:
        pytest.skip("no Chrome/Chromium installed (apt-get install chromium)")
    r = get_renderer()
    yield r
    r.stop()


# -- formats -------------------------------------------------------------------------------------

@needs_chrome
def test_png_has_requested_pixel_size_and_real_content(renderer):
    data = renderer.render(bar_figure(), fmt="png", width=640, height=400, scale=2)
    save_copy("bar_640x400_x2.png", data)
    assert png_ihdr(data) == (1280, 800)
    colours = set(pixels(data))
    assert len(colours) >= 20, f"only {len(colours)} colours: blank image?"
    # the four bar colours are really drawn
    for hexcol in ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"):
        assert tuple(int(hexcol[i:i + 2], 16) for i in (1, 3, 5)) in colours


@needs_chrome
def test_png_defaults_to_layout_size(renderer):
    fig = bar_figure()
    fig.update_layout(width=500, height=300)
    assert png_ihdr(renderer.render(fig)) == (500, 300)
    assert png_ihdr(renderer.render(bar_figure())) == (700, 500)  # kaleido's default


@needs_chrome
def test_svg_parses_and_carries_the_title(renderer):
    data = renderer.render(bar_figure("Wait minutes at San Ysidro"), fmt="svg", width=600, height=400)
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    texts = [t.text for t in root.iter() if t.tag.endswith("text") and t.text]
    assert "Wait minutes at San Ysidro" in texts


@needs_chrome
def test_pdf_signature(renderer):
    data = renderer.render(bar_figure(), fmt="pdf", width=600, height=400)
    assert data.startswith(b"%PDF-")
    assert b"%%EOF" in data[-1024:]


@needs_chrome
def test_render_leaves_the_figure_untouched(renderer):
    fig = geo_figure()
    before = fig.to_json()
    renderer.render(fig, fmt="png", width=300, height=200, scale=2)
    assert fig.to_json() == before


def test_bad_arguments_are_refused_before_rendering():
    r = Renderer(browser_path="/nonexistent/chrome")  # never started: arguments fail first
    with pytest.raises(ValueError, match="format"):
        r.render(bar_figure(), fmt="gif")
    with pytest.raises(ValueError, match="scale"):
        r.render(bar_figure(), scale=0)
    with pytest.raises(ValueError, match="width"):
        r.render(bar_figure(), width=-5)
    with pytest.raises(ValueError, match="too large"):
        r.render(bar_figure(), width=5000, height=400, scale=4)
    with pytest.raises(TypeError):
        r.render("not a figure")
    assert r.starts == 0


# -- the map basemap -----------------------------------------------------------------------------

@needs_chrome
def test_map_draws_local_basemap(renderer):
    with_land = renderer.render(geo_figure(), fmt="png", width=700, height=450)
    without = renderer.render(geo_figure(show_land=False), fmt="png", width=700, height=450)
    save_copy("geo_usa_50m.png", with_land)
    save_copy("geo_usa_50m_no_land.png", without)
    # the lower 48 + Alaska + Hawaii in the albers-usa frame cover well over a quarter of the image
    assert land_fraction(with_land) > 0.25
    assert land_fraction(without) == 0
    # the state borders (subunits) come from usa_50m.json too: many non-land, non-white pixels
    assert len(set(pixels(with_land))) >= 20


@needs_chrome
def test_basemap_comes_from_the_topojson_folder(tmp_path):
    """With an empty basemap folder the same map fails at once, naming the local file it looked for:
    the basemap in the test above really came from dashboard/static/topojson, not from a CDN."""
    with Renderer(topojson_dir=tmp_path) as r:
        assert r.topojson_url == tmp_path.resolve().as_uri() + "/"
        t0 = time.perf_counter()
        with pytest.raises(export.ExportError, match=r"topojson.*file://.*usa_50m\.json"):
            r.render(geo_figure())
        assert time.perf_counter() - t0 < 90  # 'at once' vs a CDN fetch that hangs; generous on a busy machine
        assert png_ihdr(r.render(bar_figure(), width=200, height=100)) == (200, 100)  # still usable


# -- one browser, thread-safe ----------------------------------------------------------------------

@needs_chrome
def test_singleton_batch_of_ten_starts_one_browser(renderer, tmp_path):
    assert get_renderer() is renderer
    renderer.render(bar_figure(), width=200, height=150)  # make sure it is running
    starts = renderer.starts
    browsers_before = set(chromium_processes())  # other tests' browsers may be alive too
    figures = {f"bar {i}": bar_figure(f"Chart {i}") for i in range(9)} | {"map": geo_figure()}
    paths = export_figures(figures, out_dir=tmp_path, fmt="png", width=400, height=300, scale=1,
                           manifest={"snapshot_id": "test"})
    assert len(paths) == 11
    assert renderer.starts == starts == 1
    assert set(chromium_processes()) == browsers_before  # the batch of 10 started no browser
    assert len(renderer.timings["warm_image_s"]) >= 10
    assert renderer.timings["first_image_s"] > max(renderer.timings["warm_image_s"][-10:])


@needs_chrome
def test_concurrent_sessions_share_the_renderer(renderer):
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []

    def session(i: int) -> None:
        try:
            r = get_renderer()
            results[i] = r.render(bar_figure(f"Session {i}"), width=300 + i, height=200)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert {i: png_ihdr(b)[0] for i, b in results.items()} == {i: 300 + i for i in range(4)}
    assert renderer.starts == 1


# -- export_figures and the manifest ---------------------------------------------------------------

@needs_chrome
def test_manifest_describes_the_files(renderer, tmp_path):
    caller = {"filters": {"state": "AZ", "mode": "personal vehicles"},
              "sources": [{"name": "CBP border wait times", "as_of": datetime.fromisoformat(
                  "2024-12-31T23:00:00-07:00")}],
              "snapshot_id": "2024-12-31T2300Z-abc123"}
    out = tmp_path / "export"
    paths = export_figures({"volumes_AZ": bar_figure(), "map_AZ": geo_figure()}, out_dir=out,
                           fmt="png", width=500, height=300, scale=2, manifest=caller)
    assert [p.name for p in paths] == ["volumes_AZ.png", "map_AZ.png", "manifest.json"]
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "map_AZ.png", "volumes_AZ.png"]
    doc = json.loads((out / "manifest.json").read_text())
    assert doc["filters"] == caller["filters"] and doc["snapshot_id"] == caller["snapshot_id"]
    assert doc["sources"][0]["as_of"] == "2024-12-31T23:00:00-07:00"
    assert datetime.fromisoformat(doc["created_at"]).utcoffset() is not None
    assert doc["generator"].startswith("borderwatch ")
    for entry, path in zip(doc["files"], paths[:2]):
        data = path.read_bytes()
        assert entry == {"name": path.name, "format": "png", "width": 500, "height": 300, "scale": 2,
                         "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        assert png_ihdr(data) == (1000, 600)
    assert caller["sources"][0]["as_of"].year == 2024  # caller's dict not rewritten


@needs_chrome
def test_export_stays_inside_out_dir(renderer, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "victim.txt"
    outside.write_text("keep me")
    (out / "evil.svg").symlink_to(outside)  # a planted link must be replaced, not followed
    paths = export_figures({"../../etc/passwd": bar_figure(), "a/b\\c": bar_figure(),
                            "a-b-c": bar_figure(), "evil": bar_figure(), "": bar_figure()},
                           out_dir=out, fmt="svg", width=300, height=200)
    names = [p.name for p in paths]
    assert names == ["etc-passwd.svg", "a-b-c.svg", "a-b-c-2.svg", "evil.svg", "figure.svg",
                     "manifest.json"]
    assert all(p.parent == out.resolve() for p in paths)
    assert outside.read_text() == "keep me"
    assert not (out / "evil.svg").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "victim.txt"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_manifest_keys_we_own_are_refused(tmp_path):
    with pytest.raises(ValueError, match="files"):
        export_figures({"x": bar_figure()}, out_dir=tmp_path, manifest={"files": []},
                       renderer=Renderer(browser_path="/nonexistent"))
    assert list(tmp_path.iterdir()) == []


# -- file names --------------------------------------------------------------------------------------

def test_safe_filename_descriptive():
    assert safe_filename("volumes", "AZ", "personal vehicles", "2023-01", "2024-12", ext="png") == \
        "volumes_AZ_personal-vehicles_2023-01_2024-12.png"
    assert safe_filename("wait", "Ciudad Juárez", ext=".svg") == "wait_Ciudad-Juarez.svg"


@pytest.mark.parametrize("hostile", [
    "../../etc/passwd", "a/b\\c", "..", ".", "/", "\\\\server\\share", "C:\\Windows\\system32",
    "name\x00with\nnull\tand\x1bcontrol", "~/.ssh/id_rsa", "....//....//", "名前", "😀", "",
    " ", "-rf", ".hidden", "CON", "nul.txt", "x" * 1000, "%2e%2e%2f", "a\u202eb",
])
def test_safe_filename_hostile(hostile):
    name = safe_filename("report", hostile, ext="png")
    assert name.endswith(".png")
    assert name.isascii() and name.isprintable()
    assert "/" not in name and "\\" not in name and ".." not in name and ":" not in name
    assert not name.startswith((".", "-"))
    assert len(name) <= export.MAX_NAME_CHARS + 4
    assert Path(name).name == name
    alone = safe_filename(hostile)
    assert alone and not alone.startswith(".") and "/" not in alone and ".." not in alone
    assert alone.split(".")[0].upper() not in {"CON", "NUL"}


def test_safe_filename_empty_and_dates():
    from datetime import date
    assert safe_filename() == "export"
    assert safe_filename("", None, "../..", ext="pdf") == "export.pdf"
    assert safe_filename("volumes", date(2024, 1, 31)) == "volumes_2024-01-31"


# -- no Chrome -----------------------------------------------------------------------------------

def test_missing_browser_path_is_unavailable_with_hint(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    assert find_chrome() is None
    r = Renderer()
    t0 = time.perf_counter()
    with pytest.raises(ExportUnavailable) as err:
        r.render(bar_figure())
    assert time.perf_counter() - t0 < 5
    msg = str(err.value)
    assert "BROWSER_PATH='/nonexistent/chromium'" in msg
    assert "apt-get install -y chromium" in msg
    assert isinstance(err.value, BorderwatchError)
    assert r.starts == 0 and not r.running


def test_no_browser_anywhere_is_unavailable_with_hint(monkeypatch, tmp_path):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(export, "_discover_with_choreographer", lambda: None)
    monkeypatch.setattr(export, "_FALLBACK_PATHS", (str(tmp_path / "chromium"),))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chrome() is None
    with pytest.raises(ExportUnavailable, match=r"no Chrome or Chromium.*apt-get install -y chromium"
                                                r".*BROWSER_PATH"):
        Renderer().start()


def test_browser_path_is_honoured_first(monkeypatch, tmp_path):
    fake = tmp_path / "my-chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    assert find_chrome() == str(fake)


# -- no network ----------------------------------------------------------------------------------

NETNS_SCRIPT = r"""
import json, socket, sys, time, io, errno
sys.path.insert(0, {root!r})
from tests.test_export import bar_figure, geo_figure, land_fraction
from dashboard.export import Renderer
s = socket.socket(); s.settimeout(3)
try:
    s.connect(("1.1.1.1", 443)); outside = "connected"
except OSError as exc:
    outside = errno.errorcode.get(exc.errno, str(exc))
t0 = time.perf_counter()
with Renderer(proxy_server="") as r:   # no proxy guard: the export itself must not need the network
    png = r.render(geo_figure(), fmt="png", width=700, height=450)
    svg = r.render(bar_figure(), fmt="svg")
    pdf = r.render(bar_figure(), fmt="pdf")
print(json.dumps({{"outside": outside, "seconds": time.perf_counter() - t0, "land": land_fraction(png),
                  "svg": svg[:200].decode(errors="replace"), "pdf": pdf[:5].decode()}}))
"""


def _netns_available() -> str | None:
    try:
        res = subprocess.run(["unshare", "--net", "sh", "-c", "ip link set lo up && ip -o link"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare not usable: {exc}"
    if res.returncode != 0:
        return f"unshare --net failed (needs root/CAP_SYS_ADMIN): {res.stderr.strip()}"
    if [line for line in res.stdout.splitlines() if ": lo:" not in line]:
        return "the new network namespace has interfaces other than lo"
    return None


@needs_chrome
def test_export_works_inside_a_namespace_with_only_loopback():
    """Strongest proof of offline export: a fresh network namespace holds only `lo`, so any
    non-loopback connection fails; the export (map with basemap, SVG, PDF) must still succeed, fast."""
    why_not = _netns_available()
    if why_not:
        pytest.skip(why_not)
    script = NETNS_SCRIPT.format(root=str(ROOT))
    cmd = ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$0" -c "$1"', sys.executable, script]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    wall = time.perf_counter() - t0
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["outside"] in {"ENETUNREACH", "EHOSTUNREACH"}, out  # the namespace really is cut off
    assert out["land"] > 0.25  # basemap came from the local topojson
    assert "<svg" in out["svg"] and out["pdf"] == "%PDF-"
    assert out["seconds"] < 150 and wall < 280  # no hang (a busy 2-core machine took 34 s)


class RecordingProxy:
    """An HTTP proxy on 127.0.0.1 that records each request line and answers 502.

    Connections closed without a byte sent (Chromium's speculative preconnects) are only counted.
    """

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.idle_connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    head = conn.recv(4096).decode(errors="replace")
                    if not head:  # a speculative preconnect that never sent a request: no host, no data
                        self.idle_connections += 1
                        continue
                    self.requests.append(head.split("\r\n", 1)[0])
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


REMOTE_IMAGE = dict(source="http://example.com/borderwatch-logo.png", xref="paper", yref="paper",
                    x=0, y=1, sizex=0.2, sizey=0.2)


# Chromium 156 (new headless mode) contacts these on its own, with or without a figure, whatever
# flags choreographer passes: network time, the component updater, GAIA sign-in, and a preconnect to
# the default search engine (DuckDuckGo on Debian). They never come from the page we render.
CHROMIUM_BACKGROUND_HOSTS = ("google.com", "googleapis.com", "gstatic.com", "gvt1.com", "duckduckgo.com")


def request_host(line: str) -> str:
    """Host of a proxied request line: 'CONNECT h:443 HTTP/1.1' or 'GET http://h/path HTTP/1.1'."""
    target = line.split()[1] if len(line.split()) > 1 else ""
    target = target.split("://", 1)[-1]
    return target.split("/", 1)[0].rsplit(":", 1)[0].lower()


def is_background(host: str) -> bool:
    return any(host == h or host.endswith("." + h) for h in CHROMIUM_BACKGROUND_HOSTS)


def test_request_host_parsing():
    assert request_host("CONNECT accounts.google.com:443 HTTP/1.1") == "accounts.google.com"
    assert request_host("GET http://cdn.plot.ly/plotly-3.js HTTP/1.1") == "cdn.plot.ly"
    assert not is_background("cdn.plot.ly") and not is_background("evilgoogle.com")
    assert is_background("clients2.google.com")


@needs_chrome
def test_renders_request_nothing_through_a_recording_proxy():
    """Second proof, independent of namespaces: all of Chromium's traffic goes to a local recording
    proxy. Rendering our figures (plotly.js, MathJax, basemap) asks it for nothing beyond Chromium's
    own background services, while a figure with a remote image (the positive control) does show up,
    so the proxy really sees what a page would fetch."""
    proxy = RecordingProxy()
    try:
        with Renderer(proxy_server=proxy.url) as r:
            r.render(bar_figure(), fmt="png")
            r.render(geo_figure(), fmt="png")
            r.render(bar_figure(), fmt="svg")
            r.render(bar_figure(), fmt="pdf")
            time.sleep(0.5)
            from_page = [line for line in proxy.requests if not is_background(request_host(line))]
            assert from_page == [], proxy.requests
            control = bar_figure()
            control.add_layout_image(**REMOTE_IMAGE)
            r.render(control, fmt="png")
            deadline = time.time() + 5
            while time.time() < deadline and not any("example.com" in x for x in proxy.requests):
                time.sleep(0.05)
            assert any(request_host(x) == "example.com" for x in proxy.requests), proxy.requests
    finally:
        proxy.close()


@needs_chrome
def test_default_guard_makes_remote_resources_fail_fast(renderer):
    fig = bar_figure()
    fig.add_layout_image(**REMOTE_IMAGE)
    t0 = time.perf_counter()
    data = renderer.render(fig, fmt="png", width=300, height=200)
    assert time.perf_counter() - t0 < 10
    assert png_ihdr(data) == (300, 200)


@needs_chrome
def test_flattened_figures_render_exactly_like_the_template(renderer, monkeypatch):
    """Every chart of the page, rendered as built (look written into the layout, no template) and as it
    would be with the borderwatch template attached instead: the same pixels. Guards the flattening
    against plotly defaults that depend on where a value came from (e.g. axis lines and grids)."""
    import plotly.io as pio

    from dashboard import views
    from dashboard.figures import events_timeline, status_map, theme, volumes, waits
    from dashboard.filters import Filters
    from loaders.config import get_settings
    from loaders.snapshot import load_snapshot

    snap = load_snapshot(get_settings().data_dir)
    f = Filters(states=("AZ", "TX"), at="2023-12-20", crossing="az-lukeville")
    builders = {"map": lambda: views.map_chart(snap, f, views.select_status(snap, views.status_frame(snap, f), f)),
                "volumes": lambda: views.volumes_chart(snap, f), "compare": lambda: views.compare_chart(snap, f),
                "events": lambda: views.events_chart(snap, f), "waits": lambda: views.waits_chart(snap, f, f.crossing)}
    flat = {k: b().figure for k, b in builders.items()}

    def with_template(data, layout):
        layout = dict(layout)
        layout["template"] = pio.templates[theme.TEMPLATE]
        return go.Figure(data=data, layout=layout)

    for mod in (events_timeline, status_map, volumes, waits):
        monkeypatch.setattr(mod, "new_figure", with_template)
    for name, build in builders.items():
        legacy = build().figure
        assert legacy.layout.template.layout.font.family == theme.FONT_FAMILY, name  # really the template
        a = Image.open(io.BytesIO(renderer.render(flat[name], fmt="png"))).convert("RGB")
        b = Image.open(io.BytesIO(renderer.render(legacy, fmt="png"))).convert("RGB")
        assert a.size == b.size, name
        from PIL import ImageChops
        box = ImageChops.difference(a, b).getbbox()
        assert box is None, (name, "pixels differ within", box)
