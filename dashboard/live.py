"""The live feed on the page: shorter time bounds than the CLI, and failures remembered for a while.

``st.cache_data`` caches only successes, so a dead or hanging feed used to cost a full timeout on every
rerun of every session. :func:`remember_failure` keeps the reason for ``FAILURE_TTL_S`` seconds (per
snapshot) and :func:`recent_failure` returns it, so the page shows the banner and the last good data at once.
"""
from __future__ import annotations

import dataclasses
import os
import threading
import time

from loaders.config import Settings, get_settings

FAILURE_TTL_S = float(os.environ.get("BORDERWATCH_LIVE_FAILURE_TTL") or 60)
#: Total seconds the page waits for the live feed (the CLI's default is longer).
PAGE_DEADLINE_S = 20.0

_lock = threading.Lock()
_failures: dict[str, tuple[float, str]] = {}


def page_settings(env=None) -> Settings:
    """Settings for the page's live fetch: the environment's, with the deadline capped for a page."""
    s = get_settings(env)
    deadline = min(s.http_deadline, float(os.environ.get("BORDERWATCH_LIVE_DEADLINE") or PAGE_DEADLINE_S))
    return dataclasses.replace(s, http_deadline=deadline, http_retry_after_max=min(s.http_retry_after_max, deadline))


def recent_failure(key: str, now: float | None = None) -> str | None:
    now = time.monotonic() if now is None else now
    with _lock:
        hit = _failures.get(key)
        if hit and now - hit[0] < FAILURE_TTL_S:
            return hit[1]
        _failures.pop(key, None)
        return None


def remember_failure(key: str, message: str, now: float | None = None) -> str:
    with _lock:
        _failures[key] = (time.monotonic() if now is None else now, message)
    return message


def clear() -> None:
    with _lock:
        _failures.clear()
