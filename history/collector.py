"""``borderwatch collect``: poll the CBP feed into the history store, once or every N seconds.

One poll = fetch (JSON, XML fallback, through :mod:`loaders.http`: bounded in time and size) -> parse
(:mod:`loaders.cbp`) -> **one transaction** that keeps the raw payload (gzip, keyed by sha256), adds the lane
readings and writes the poll log row. A ``kill -9`` at any moment therefore leaves either the whole poll or
none of it (SQLite WAL / PostgreSQL MVCC), never a partial poll and never a duplicate. A poll that fails (network,
HTTP status, unreadable payload) is logged with its error, and the loop waits for the next tick and goes on;
a payload that arrived but could not be parsed is still kept, since history cannot be re-fetched.

One collector per store on a machine: ``$BORDERWATCH_HOME/history-collector.lock`` (``loaders.atomic``).
"""
from __future__ import annotations

import re
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from loaders.atomic import file_lock
from loaders.cbp import fetch_cbp, parse_cbp
from loaders.config import Settings, get_settings
from loaders.crossings import port_zones
from loaders.errors import BorderwatchError
from loaders.http import http_get, read_file_capped

from .ingest import waits_to_readings
from .store import Store

LOCK_NAME = "history-collector.lock"
_HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")


@dataclass
class PollResult:
    poll_id: int
    location: str
    http_status: int | None
    rows_seen: int
    rows_added: int
    error: str | None = None
    payload_sha256: str | None = None

    def line(self) -> str:
        if self.error:
            return f"poll {self.poll_id}: {self.location}: FAILED: {self.error}"
        return (f"poll {self.poll_id}: {self.location}: HTTP {self.http_status or '-'}, {self.rows_seen} lane "
                f"readings, {self.rows_added} new")


def _is_url(source: str | None) -> bool:
    return bool(source) and source.lower().startswith(("http://", "https://"))


def collect_once(store: Store, *, crossings: pd.DataFrame, source: str | None = None,
                 settings: Settings | None = None) -> PollResult:
    """One poll of ``source`` (default: the live CBP feed; an http(s) URL; or a saved file). Never raises
    for a bad feed: the failure is logged in the store and returned."""
    settings = settings or get_settings()
    started = time.time()
    location = source or settings.cbp_json_url
    raw: bytes | None = None
    content_type, status = "", None
    try:
        if source is None or _is_url(source):
            fetched = fetch_cbp(settings)[0] if source is None else http_get(source, settings=settings)
            raw, location, content_type, status = fetched.content, fetched.url, fetched.content_type, 200
            received = fetched.retrieved_at
            # the feed instant, as loaders.cbp.load_cbp reads it: the server's Date header, else our clock
            instant = fetched.server_date or fetched.retrieved_at
        else:
            raw = read_file_capped(Path(source), settings=settings)
            # A saved payload is read on its own clock (the crossings' date + time, as loaders.cbp.read_cbp
            # does), not ours: a capture from 2022 collected today holds 2022 readings. Collected now.
            received, instant = pd.Timestamp.now(tz="UTC"), None
        waits = parse_cbp(raw, source=location, zones=port_zones(crossings), retrieved_at=instant)
        prep = waits_to_readings(waits, crossings=crossings, source="collector", collected_at=received,
                                 where=location)
    except BorderwatchError as exc:
        error = " ".join(str(exc).split())
        m = _HTTP_STATUS.findall(error)
        status = status if status is not None else (int(m[-1]) if m else None)
        return _log_failure(store, location, error, status, raw, content_type, started)
    with store.write() as conn:
        poll = store.start_poll(conn, "collect", location, started_at=started)
        sha = store.put_payload(conn, raw, location=location, content_type=content_type)
        added = store.add_readings(conn, prep.frame, poll_id=poll)
        store.finish_poll(conn, poll, http_status=status, payload_sha256=sha, rows_seen=len(prep.frame),
                          rows_added=added)
    return PollResult(poll, location, status, len(prep.frame), added, None, sha)


def _log_failure(store: Store, location: str, error: str, status: int | None, raw: bytes | None,
                 content_type: str, started: float) -> PollResult:
    with store.write() as conn:
        poll = store.start_poll(conn, "collect", location, started_at=started)
        sha = store.put_payload(conn, raw, location=location, content_type=content_type) if raw else None
        store.finish_poll(conn, poll, http_status=status, payload_sha256=sha, rows_added=0, error=error[:2000])
    return PollResult(poll, location, status, 0, 0, error, sha)


class _Stop:
    """SIGTERM / SIGINT end the loop between polls (a poll in progress is one transaction either way)."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, *_):
        self.requested = True


def collect_loop(store: Store, *, crossings: pd.DataFrame, every: float, source: str | None = None,
                 settings: Settings | None = None, max_polls: int | None = None, show_progress: bool | None = None,
                 log=None) -> list[PollResult]:
    """Poll every ``every`` seconds (measured from the start of each poll) until stopped or ``max_polls``.

    ``log`` (a callable taking a line) receives one line per failed poll, and per poll when verbose. On a
    terminal a tqdm bar counts polls and rows; in a pipe nothing but failures is written."""
    settings = settings or get_settings()
    stop = _Stop()
    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    results: list[PollResult] = []
    bar = None
    show = sys.stderr.isatty() if show_progress is None else show_progress
    if show:
        from tqdm import tqdm
        bar = tqdm(desc="collect", unit="poll", file=sys.stderr, dynamic_ncols=True)
    added_total = 0
    try:
        with file_lock(settings.home / LOCK_NAME, timeout=0):
            while not stop.requested and (max_polls is None or len(results) < max_polls):
                tick = time.monotonic()
                res = collect_once(store, crossings=crossings, source=source, settings=settings)
                results.append(res)
                added_total += res.rows_added
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(f"{added_total} rows added" + (f"; last: FAILED" if res.error else ""))
                if log is not None and res.error:
                    log(res.line())
                wait = every - (time.monotonic() - tick)
                while wait > 0 and not stop.requested and (max_polls is None or len(results) < max_polls):
                    time.sleep(min(wait, 0.2))
                    wait = every - (time.monotonic() - tick)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if bar is not None:
            bar.close()
    return results
