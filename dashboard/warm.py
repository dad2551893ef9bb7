"""Get the first page ready while the browser is still loading it: ``borderwatch run`` calls :func:`start`.

Streamlit runs nothing of the app until the first browser session connects. That first script run used to
pay for importing pandas/pyarrow and the dashboard's modules, reading the snapshot, the status of every
crossing and the default view's two charts (~0.7 s on the 2-core machine), after the browser had already
spent most of a second fetching and compiling the page's JavaScript.

:func:`start` does that work in a background thread once the server accepts connections (not before: the
server's own start-up is CPU-bound too, and would only be slowed down), so it overlaps with the page load.
The page picks the results up through :func:`take` (the snapshot, only if read from the same directory
with the manifest unchanged) and :func:`precomputed` (the default view, under the same keys the page's
caches use). If anything goes wrong here the page simply does the work itself and reports errors as it
always would: nothing here is needed, it only saves time.
"""
from __future__ import annotations

import gc
import socket
import threading
import time
from pathlib import Path

_lock = threading.Lock()
_thread: threading.Thread | None = None
_result: dict[str, object] = {}
_precomputed: dict[tuple, object] = {}


def manifest_mtime(data_dir: str | Path) -> float:
    m = Path(data_dir) / "manifest.json"
    return m.stat().st_mtime if m.exists() else 0.0


def _wait_listening(address: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)


def _work(data_dir: Path, listen: tuple[str, int] | None) -> None:
    try:
        if listen is not None:
            _wait_listening(*listen, timeout=30)
        mtime = manifest_mtime(data_dir)
        import pyarrow as pa
        pa.set_memory_pool(pa.system_memory_pool())  # as dashboard/app.py does, before the snapshot loads
        from dashboard import views
        from dashboard.filters import Filters
        from loaders.snapshot import load_snapshot
        snap = load_snapshot(data_dir)
        _result.update(data_dir=str(Path(data_dir).resolve()), mtime=mtime, snapshot=snap)
        # the sidebar's lookups (memoised on the snapshot) and the default view, as the page computes them
        views.month_options(snap)
        views.crossing_options(snap, Filters().states)
        views.family_measures(snap, Filters().family)
        views.export_available()  # imports the exporter and looks for Chrome once per process
        f = Filters()
        skey, qkey = views.snapshot_key(snap), views.query_key(f)
        status = views.mode_frame(snap, f)  # what the page's status_all_states caches
        _precomputed[("status", skey, f.at)] = status
        _precomputed[("map", skey, qkey)] = views.map_chart(snap, f, views.select_status(snap, status, f))
        _precomputed[("volumes", skey, qkey)] = views.volumes_chart(snap, f)
        # Streamlit's first element of the process checks whether it runs outside `streamlit run` (to print
        # a warning) through inspect.stack(), which resolves the file of every loaded module: 40-90 ms of
        # the first page, measured. This process is `streamlit run`, so the answer is known: mark the
        # warning as shown. (A private flag of the pinned Streamlit; if it goes away, this does nothing.)
        import streamlit.delta_generator as dg
        if hasattr(dg, "_use_warning_has_been_displayed"):
            dg._use_warning_has_been_displayed = True
        # what the page does once per loaded snapshot (see app.cached_snapshot), done here off the clock
        gc.collect()
        gc.freeze()
    except Exception as exc:  # noqa: BLE001 - the page reports it when it loads the data itself
        _result.update(error=exc)
        return
    # The history section opens the store on the first page: SQLAlchemy and the store's modules take
    # ~0.2-0.4 s to import. In a thread of their own (take() waits for this one only), while the browser is
    # still loading; a page that gets there first waits on the import lock instead of importing twice.
    threading.Thread(target=_import_history, name="borderwatch-warm-history", daemon=True).start()


def _import_history() -> None:
    try:
        import history.embedded  # noqa: F401
    except Exception:  # noqa: BLE001 - an optional head start; the page imports (and reports) it itself
        pass


def start(data_dir: str | Path, listen: tuple[str, int] | None = None) -> threading.Thread:
    """Begin the work for ``data_dir`` in a daemon thread (once per process); with ``listen=(address,
    port)``, only once a server accepts connections there."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_work, args=(Path(data_dir), listen), name="borderwatch-warm",
                                       daemon=True)
            _thread.start()
        return _thread


def _join(timeout: float) -> bool:
    with _lock:
        t = _thread
    if t is None:
        return False
    t.join(timeout)
    return not t.is_alive()


def take(data_dir: str | Path, mtime: float, timeout: float = 60.0):
    """The preloaded snapshot for ``data_dir`` if :func:`start` loaded that one and its manifest is
    unchanged (waits for the thread to finish), else None. Hands it over once: later calls return None."""
    if not _join(timeout):
        return None
    with _lock:
        snap = _result.pop("snapshot", None)
        same = (_result.get("data_dir") == str(Path(data_dir).resolve()) and _result.get("mtime") == mtime)
    return snap if snap is not None and same else None


def precomputed(kind: str, snapshot_key: str, key) -> object | None:
    """A result computed ahead for the default view (``kind`` = ``"status"``, ``"map"``, ``"volumes"``),
    handed over once, or None."""
    if _thread is None:
        return None
    with _lock:
        return _precomputed.pop((kind, snapshot_key, key), None)
