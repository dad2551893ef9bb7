"""Static image export (PNG/SVG/PDF) with one persistent headless Chromium per process.

Public API:

- :func:`find_chrome` -- where the Chrome/Chromium executable is, or ``None``.
- :class:`Renderer` / :func:`get_renderer` -- a kaleido renderer that starts Chromium once (lazily) and
  reuses it for every image; the module keeps one per process, stopped at exit.
- :func:`safe_filename` -- a descriptive ASCII file name built from parts that may hold user text.
- :func:`export_figures` -- write several figures plus ``manifest.json`` into one folder, atomically.
- :func:`measure_batch` -- first-image / warm-image / one-off ``fig.write_image`` seconds, for benchmarks.

Offline by construction: plotly.js comes from the installed plotly package, MathJax is off, the map
basemaps are the topojson files shipped in ``dashboard/static/topojson`` (loaded as ``file://`` URLs), and
Chromium is pointed at a proxy port on 127.0.0.1 that refuses every connection, so a stray remote
resource in a figure fails at once instead of hanging. (Chromium 156 in new-headless mode also makes
~6 background requests of its own -- network time, component updater, accounts.google.com, a search
preconnect -- that its flags do not switch off; the guard refuses those locally too.)

Why not ``kaleido.start_sync_server``: kaleido 1.5's global sync server runs ``Kaleido(...)`` in a
background thread; when Chrome is missing or fails to start, that thread dies and every later
``calc_fig_sync`` blocks forever on its task queue (no timeout). :class:`Renderer` keeps the same
design -- one long-lived ``kaleido.Kaleido`` on its own event-loop thread -- but reports a failed start
as :class:`ExportUnavailable` and bounds every render with a timeout.

Raises :class:`ExportUnavailable` (no usable browser) or :class:`ExportError` (a render failed).
"""
from __future__ import annotations

import asyncio
import atexit
import contextlib
import copy
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import statistics
import tempfile
import threading
import time
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from loaders.errors import BorderwatchError

__all__ = [
    "FORMATS",
    "TOPOJSON_DIR",
    "ExportError",
    "ExportUnavailable",
    "Renderer",
    "export_figures",
    "find_chrome",
    "get_renderer",
    "measure_batch",
    "safe_filename",
]

_log = logging.getLogger(__name__)

FORMATS = ("png", "svg", "pdf")
TOPOJSON_DIR = Path(__file__).resolve().parent / "static" / "topojson"
DEFAULT_WIDTH = 700  # kaleido's / plotly's defaults, resolved here so the manifest states real sizes
DEFAULT_HEIGHT = 500
MAX_SIDE = 8000  # pixels, after scale: beyond this Chromium runs out of memory or takes ages
MAX_NAME_CHARS = 120  # stem length limit in safe_filename (extension not counted)
MANIFEST_NAME = "manifest.json"

INSTALL_HINT = (
    "Install Chromium or Google Chrome (Debian/Ubuntu: `apt-get install -y chromium`) "
    "or set BROWSER_PATH to the browser executable."
)

# Names tried on PATH and fixed locations tried after BROWSER_PATH and kaleido/choreographer's discovery.
_FALLBACK_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FALLBACK_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser",
                   "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable")


class ExportUnavailable(BorderwatchError):
    """No usable Chrome/Chromium: image export cannot work on this machine (the page says so)."""


class ExportError(BorderwatchError):
    """A figure could not be rendered (timeout, plotly.js error, browser crash)."""


# --------------------------------------------------------------------------------------------------
# Finding a browser
# --------------------------------------------------------------------------------------------------

def _is_executable_file(path: str | os.PathLike[str]) -> bool:
    p = Path(path)
    return p.is_file() and os.access(p, os.X_OK)


def _discover_with_choreographer() -> str | None:
    """kaleido/choreographer's own search (its downloaded Chrome, then PATH and typical paths)."""
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:  # pragma: no cover - kaleido 1.x always ships choreographer
        return None
    try:  # find_chrome only gets here when BROWSER_PATH is unset, so this cannot echo it back
        found = Chromium.find_browser(skip_local=False)
    except Exception as exc:  # noqa: BLE001 - best-effort search, never fatal
        _log.debug("choreographer browser search failed: %s", exc)
        found = None
    return found if found and _is_executable_file(found) else None


def find_chrome() -> str | None:
    """Return the path of a Chrome/Chromium executable, or ``None`` if there is none.

    Order: the ``BROWSER_PATH`` environment variable (when set it is authoritative: a wrong value gives
    ``None`` rather than silently using another browser), then kaleido/choreographer's own discovery,
    then ``chromium``, ``chromium-browser``, ``google-chrome``, ``google-chrome-stable`` on PATH and in
    /usr/bin.
    """
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if _is_executable_file(env) else None
    found = _discover_with_choreographer()
    if found:
        return found
    for name in _FALLBACK_NAMES:
        hit = shutil.which(name)
        if hit and _is_executable_file(hit):
            return hit
    for path in _FALLBACK_PATHS:
        if _is_executable_file(path):
            return path
    return None


def _unavailable_message() -> str:
    env = os.environ.get("BROWSER_PATH")
    if env:
        return (f"Image export is unavailable: BROWSER_PATH={env!r} is not an executable file. "
                + INSTALL_HINT)
    return "Image export is unavailable: no Chrome or Chromium browser was found. " + INSTALL_HINT


# --------------------------------------------------------------------------------------------------
# The renderer
# --------------------------------------------------------------------------------------------------

def _resolve_size(fig_dict: Mapping[str, Any], width: int | None, height: int | None) -> tuple[int, int]:
    """The width/height kaleido would use (argument, then layout, then template, then 700x500)."""
    layout = fig_dict.get("layout", {}) or {}
    tlayout = (layout.get("template", {}) or {}).get("layout", {}) or {}
    w = width or layout.get("width") or tlayout.get("width") or DEFAULT_WIDTH
    h = height or layout.get("height") or tlayout.get("height") or DEFAULT_HEIGHT
    return int(w), int(h)


def _check_args(fmt: str, width: int | None, height: int | None, scale: float) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not supported; use one of {', '.join(FORMATS)}")
    for label, value in (("width", width), ("height", height)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            raise ValueError(f"{label} must be a positive integer or None, got {value!r}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")


def _fig_to_dict(fig: go.Figure | Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of the figure as a dict: the caller's figure is never touched."""
    if isinstance(fig, go.Figure):
        return fig.to_dict()  # plotly deep-copies data and layout
    if isinstance(fig, Mapping) and "data" in fig:
        return copy.deepcopy(dict(fig))
    raise TypeError(f"expected a plotly go.Figure or figure dict, got {type(fig).__name__}")


class Renderer:
    """One headless Chromium (through ``kaleido.Kaleido``) reused for every image.

    The browser starts on the first :meth:`render` (or :meth:`start`) and keeps running until
    :meth:`stop` (called at interpreter exit for :func:`get_renderer`'s instance). All calls are
    serialised by a lock, so Streamlit sessions on different threads can share one instance.

    Args:
        browser_path: Chrome/Chromium executable; default :func:`find_chrome`.
        topojson_dir: folder holding plotly's basemaps (``usa_50m.json`` ...), loaded as file:// URLs.
        timeout: seconds allowed for one image before :class:`ExportError`; the browser is then restarted.
        start_timeout: seconds allowed for the browser to start.
        proxy_server: proxy URL handed to Chromium. Default ``None`` means "block": a port on 127.0.0.1
            that refuses connections, so no request can leave the machine. Pass a URL to route
            Chromium's requests elsewhere (tests use a recording proxy); ``""`` disables the guard.

    Attributes:
        starts: how many times a browser was started by this instance.
        timings: ``start_s``, ``first_image_s`` (start included), ``warm_image_s`` (list), ``images``.
    """

    def __init__(
        self,
        *,
        browser_path: str | None = None,
        topojson_dir: str | os.PathLike[str] = TOPOJSON_DIR,
        timeout: float = 60.0,
        start_timeout: float = 60.0,
        proxy_server: str | None = None,
    ) -> None:
        self._browser_path = browser_path
        self._topojson_dir = Path(topojson_dir).resolve()
        self._timeout = float(timeout)
        self._start_timeout = float(start_timeout)
        self._proxy_arg = proxy_server
        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._blocker: socket.socket | None = None
        self.starts = 0
        self.timings: dict[str, Any] = {"start_s": None, "first_image_s": None,
                                        "warm_image_s": [], "images": 0}
        self._pending_first: float | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def topojson_url(self) -> str:
        """The URL prefix plotly.js gets as ``topojsonURL`` (ends with ``/``)."""
        return self._topojson_dir.as_uri().rstrip("/") + "/"

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def start(self) -> None:
        """Start the browser if it is not running. Raises :class:`ExportUnavailable` on failure."""
        with self._lock:
            if self._kaleido is None:
                self._start_locked()

    def _proxy_url(self) -> str | None:
        if self._proxy_arg is not None:
            return self._proxy_arg or None
        if self._blocker is None:
            # Bound but never listening: every connection to it is refused at once, and holding the
            # socket keeps any other program from taking the port while the browser runs.
            self._blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._blocker.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{self._blocker.getsockname()[1]}"

    def _start_locked(self) -> None:
        import kaleido  # imported late: importing it costs time and the page may never export
        from choreographer.errors import BrowserFailedError, ChromeNotFoundError

        path = self._browser_path or find_chrome()
        if not path or not _is_executable_file(path):
            raise ExportUnavailable(_unavailable_message() if not self._browser_path else
                                    f"Image export is unavailable: {path!r} is not an executable file. "
                                    + INSTALL_HINT)
        if not self._topojson_dir.is_dir():
            raise ExportUnavailable(f"Image export is unavailable: map basemaps not found in "
                                    f"{self._topojson_dir}")

        t0 = time.perf_counter()
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="borderwatch-export", daemon=True)
        thread.start()
        kwargs: dict[str, Any] = {"path": path, "n": 1, "timeout": self._timeout, "mathjax": False,
                                  "headless": True, "enable_extensions": False}
        proxy = self._proxy_url()
        if proxy:
            kwargs["proxy_server"] = proxy

        async def _open() -> Any:
            k = kaleido.Kaleido(**kwargs)
            await k.open()
            return k

        fut = asyncio.run_coroutine_threadsafe(_open(), loop)
        try:
            k = fut.result(timeout=self._start_timeout)
        except (ChromeNotFoundError, BrowserFailedError, FileNotFoundError, OSError) as exc:
            self._shutdown_loop(loop, thread)
            raise ExportUnavailable(f"Image export is unavailable: the browser at {path} could not be "
                                    f"started ({exc}). " + INSTALL_HINT) from exc
        except TimeoutError as exc:
            fut.cancel()
            self._shutdown_loop(loop, thread)
            raise ExportUnavailable(f"Image export is unavailable: the browser at {path} did not start "
                                    f"within {self._start_timeout:.0f} s. " + INSTALL_HINT) from exc
        except BaseException:
            self._shutdown_loop(loop, thread)
            raise
        self._loop, self._thread, self._kaleido = loop, thread, k
        self.starts += 1
        self.timings["start_s"] = time.perf_counter() - t0
        self._pending_first = t0
        _log.info("export browser started in %.2f s (%s)", self.timings["start_s"], path)

    @staticmethod
    def _shutdown_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        if not thread.is_alive():
            loop.close()

    def stop(self) -> None:
        """Close the browser (it starts again on the next render). Safe to call twice."""
        with self._lock:
            self._stop_locked()
            if self._blocker is not None:
                self._blocker.close()
                self._blocker = None

    def _stop_locked(self) -> None:
        k, loop, thread = self._kaleido, self._loop, self._thread
        self._kaleido = self._loop = self._thread = None
        if k is None or loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(k.close(), loop).result(timeout=15)
        except Exception as exc:  # noqa: BLE001 - closing is best effort; kill below
            _log.warning("export browser did not close cleanly: %s", exc)
            proc = getattr(k, "subprocess", None)
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(Exception):
                    proc.kill()
        self._shutdown_loop(loop, thread)

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- rendering ---------------------------------------------------------------------------------

    def render(self, fig: go.Figure | Mapping[str, Any], fmt: str = "png", width: int | None = None,
               height: int | None = None, scale: float = 1) -> bytes:
        """Render ``fig`` and return the image bytes. ``fig`` itself is not modified.

        ``width``/``height`` default to the figure's layout size, else 700x500 (CSS pixels; a PNG is
        ``width*scale`` by ``height*scale`` pixels). Raises ``ValueError`` for bad arguments,
        :class:`ExportUnavailable` when no browser can start, :class:`ExportError` when rendering fails.
        """
        _check_args(fmt, width, height, scale)
        spec = _fig_to_dict(fig)
        w, h = _resolve_size(spec, width, height)
        if max(w, h) * scale > MAX_SIDE:
            raise ValueError(f"image too large: {w}x{h} at scale {scale} exceeds {MAX_SIDE} px a side")
        opts = {"format": fmt, "width": w, "height": h, "scale": scale}
        with self._lock:
            if self._kaleido is None:
                self._start_locked()
            t0 = time.perf_counter()
            fut = asyncio.run_coroutine_threadsafe(
                self._kaleido.calc_fig(spec, opts=opts, topojson=self.topojson_url), self._loop)
            try:
                # kaleido enforces `timeout` on the render; the margin covers its tab reload.
                data = fut.result(timeout=self._timeout + 15)
            except TimeoutError as exc:  # kaleido's per-image timeout, or ours if its tab reload hangs
                fut.cancel()
                self._stop_locked()  # a stuck browser is useless: the next render starts a new one
                raise ExportError(f"rendering a {fmt} image timed out after {self._timeout:.0f} s; "
                                  "the export browser was restarted") from exc
            except Exception as exc:
                if self._kaleido_dead():
                    self._stop_locked()
                raise ExportError(f"rendering a {fmt} image failed: {type(exc).__name__}: {exc}") from exc
            elapsed = time.perf_counter() - t0
            self.timings["images"] += 1
            if self._pending_first is not None:
                self.timings["first_image_s"] = time.perf_counter() - self._pending_first
                self._pending_first = None
            else:
                warm = self.timings["warm_image_s"]
                warm.append(elapsed)
                del warm[:-100]  # keep the last 100
        if not data:
            raise ExportError(f"rendering a {fmt} image returned no data")
        return bytes(data)

    def _kaleido_dead(self) -> bool:
        proc = getattr(self._kaleido, "subprocess", None)
        return proc is not None and proc.poll() is not None


_renderer: Renderer | None = None
_renderer_lock = threading.Lock()


def get_renderer() -> Renderer:
    """The process-wide :class:`Renderer` (created on first call, browser started on first render)."""
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            _renderer = Renderer()
            atexit.register(_renderer.stop)
        return _renderer


# --------------------------------------------------------------------------------------------------
# File names and batch export
# --------------------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}


def _slug(part: object) -> str:
    if isinstance(part, datetime):
        text = part.strftime("%Y-%m-%dT%H%M")
    elif isinstance(part, date):
        text = part.isoformat()
    else:
        text = "" if part is None else str(part)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _UNSAFE.sub("-", text)  # path separators, spaces, control chars, everything odd
    text = re.sub(r"\.{2,}", "-", text)  # no ".." anywhere
    text = re.sub(r"-{2,}", "-", text)
    return text.strip("-._")


def safe_filename(*parts: object, ext: str | None = None, default: str = "export") -> str:
    """Join ``parts`` into one safe ASCII file name, e.g. ``volumes_AZ_personal-vehicles_2023-01.png``.

    Each part is transliterated to ASCII; path separators, ``..``, control and other unsafe characters
    become ``-``; empty parts are dropped; parts are joined with ``_``. The stem is cut to
    ``MAX_NAME_CHARS``; an empty result becomes ``default``. ``ext`` (``"png"`` or ``".png"``) is
    appended. The result never contains ``/`` or ``\\``, never starts with ``.`` and is never a
    Windows device name.
    """
    stem = "_".join(s for s in (_slug(p) for p in parts) if s)
    stem = stem[:MAX_NAME_CHARS].rstrip("-._") or _slug(default) or "export"
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    if ext:
        clean_ext = _slug(str(ext).lstrip("."))[:10]
        if clean_ext:
            return f"{stem}.{clean_ext}"
    return stem


def _atomic_write(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` via a temp file in the same folder and an atomic rename."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)  # replaces a symlink itself, never the file it points to
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _inside(out_dir: Path, name: str) -> Path:
    target = out_dir / name
    if Path(name).name != name or target.parent.resolve() != out_dir:
        raise ValueError(f"refusing to write {name!r} outside {out_dir}")
    return target


def _json_default(obj: object) -> Any:
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "isoformat"):  # pandas Timestamp
        return obj.isoformat()
    raise TypeError(f"manifest value of type {type(obj).__name__} is not JSON serialisable")


def _generator() -> str:
    import importlib.metadata as md

    def v(dist: str) -> str:
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            return "unknown"
    return f"borderwatch {v('borderwatch')} (plotly {v('plotly')}, kaleido {v('kaleido')})"


def export_figures(
    figures: Mapping[str, go.Figure],
    *,
    out_dir: str | os.PathLike[str],
    fmt: str = "png",
    width: int | None = None,
    height: int | None = None,
    scale: float = 1,
    manifest: Mapping[str, Any] | None = None,
    renderer: Renderer | None = None,
) -> list[Path]:
    """Render every figure into ``out_dir`` and write ``manifest.json`` beside them.

    ``figures`` maps a name (sanitised here with :func:`safe_filename`; clashes get ``-2``, ``-3``...)
    to a figure. ``manifest`` is the caller's provenance (filters, data sources with as-of times,
    snapshot id); this adds ``files`` (name, format, width, height, scale, sha256, bytes),
    ``created_at`` (ISO 8601 with offset) and ``generator``. Every file is written atomically and only
    inside ``out_dir`` (created if missing). All images are rendered before anything is written, so a
    failed render leaves no partial export. Returns the image paths followed by the manifest path.

    Raises ``ValueError`` (bad arguments, reserved manifest keys), :class:`ExportUnavailable`,
    :class:`ExportError`.
    """
    _check_args(fmt, width, height, scale)
    base = dict(manifest or {})
    reserved = {"files", "created_at", "generator"} & base.keys()
    if reserved:
        raise ValueError(f"manifest keys {sorted(reserved)} are filled in by export_figures")
    if not figures:
        raise ValueError("no figures to export")
    renderer = renderer or get_renderer()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()

    rendered: list[tuple[str, bytes, int, int]] = []
    used: set[str] = {MANIFEST_NAME.lower()}
    for name, fig in figures.items():
        stem = safe_filename(name, default="figure")
        candidate, i = f"{stem}.{fmt}", 1
        while candidate.lower() in used:
            i += 1
            candidate = f"{stem}-{i}.{fmt}"
        used.add(candidate.lower())
        w, h = _resolve_size(_fig_to_dict(fig), width, height)
        data = renderer.render(fig, fmt=fmt, width=w, height=h, scale=scale)
        rendered.append((candidate, data, w, h))

    paths: list[Path] = []
    files = []
    for filename, data, w, h in rendered:
        target = _inside(out, filename)
        _atomic_write(target, data)
        paths.append(target)
        files.append({"name": filename, "format": fmt, "width": w, "height": h, "scale": scale,
                      "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})

    doc = {**base, "files": files,
           "created_at": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
           "generator": _generator()}
    text = json.dumps(doc, indent=2, ensure_ascii=False, default=_json_default) + "\n"
    manifest_path = _inside(out, MANIFEST_NAME)
    _atomic_write(manifest_path, text.encode("utf-8"))
    paths.append(manifest_path)
    return paths


# --------------------------------------------------------------------------------------------------
# Benchmark helper
# --------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _plotly_io_offline_defaults(topojson_url: str):
    """Temporarily point ``plotly.io.defaults`` at the local basemaps and drop its request headers."""
    import plotly.io as pio
    saved = (pio.defaults.topojson, pio.defaults.headers)
    pio.defaults.topojson, pio.defaults.headers = topojson_url, {}
    try:
        yield
    finally:
        pio.defaults.topojson, pio.defaults.headers = saved


def measure_batch(fig: go.Figure, n: int = 10, *, fmt: str = "png", oneoff_n: int = 3) -> dict[str, Any]:
    """Time ``n`` exports through a fresh persistent :class:`Renderer` against one-off ``fig.write_image``.

    Returns seconds: ``start_s`` (browser start), ``first_image_s`` (start + first image),
    ``warm_per_image_s`` (median of the other ``n-1``), ``oneoff_per_image_s`` (median of ``oneoff_n``
    calls to ``fig.write_image``, each of which starts its own Chromium), plus the counts and
    ``browser_starts`` (1 for the persistent renderer).
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    with Renderer() as r:
        for _ in range(n):
            r.render(fig, fmt=fmt)
        warm = list(r.timings["warm_image_s"])
        result: dict[str, Any] = {
            "images": n,
            "browser_starts": r.starts,
            "start_s": round(r.timings["start_s"], 3),
            "first_image_s": round(r.timings["first_image_s"], 3),
            "warm_per_image_s": round(statistics.median(warm), 3) if warm else None,
            "batch_total_s": round(r.timings["first_image_s"] + sum(warm), 3),
        }
        topojson_url = r.topojson_url
    oneoff: list[float] = []
    if oneoff_n > 0:
        with tempfile.TemporaryDirectory() as tmp, _plotly_io_offline_defaults(topojson_url):
            for i in range(oneoff_n):
                t0 = time.perf_counter()
                fig.write_image(Path(tmp) / f"oneoff-{i}.{fmt}", format=fmt)
                oneoff.append(time.perf_counter() - t0)
    result["oneoff_images"] = len(oneoff)
    result["oneoff_per_image_s"] = round(statistics.median(oneoff), 3) if oneoff else None
    return result


def _sample_figures() -> dict[str, go.Figure]:
    bar = go.Figure(go.Bar(x=["San Ysidro", "Otay Mesa", "Nogales"], y=[120, 45, 60]))
    bar.update_layout(title="Wait minutes", template="plotly_white")
    geo = go.Figure(go.Scattergeo(lon=[-110.94, -112.83, -109.55], lat=[31.34, 31.88, 31.34],
                                  text=["Nogales", "Lukeville", "Douglas"], mode="markers+text"))
    geo.update_geos(scope="usa", resolution=50, showsubunits=True)
    geo.update_layout(title="Arizona ports", template="plotly_white")
    return {"bar": bar, "geo-usa-50m": geo}


if __name__ == "__main__":  # python -m dashboard.export
    for label, figure in _sample_figures().items():
        res = measure_batch(figure, n=10)
        print(f"{label:12s} first {res['first_image_s']:6.2f} s | warm {res['warm_per_image_s']:5.3f} s/img"
              f" | one-off write_image {res['oneoff_per_image_s']:5.2f} s/img"
              f" | starts {res['browser_starts']} | start {res['start_s']:.2f} s")
