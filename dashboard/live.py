"""The live feed on the page: shorter time bounds than the CLI, and failures remembered for a while.

``st.cache_data`` caches only successes, so a dead or hanging feed used to cost a full timeout on every
rerun of every session. :func:`remember_failure` keeps the reason for ``FAILURE_TTL_S`` seconds (per
snapshot) and :func:`recent_failure` returns it, so the page shows the banner and the last good data at once.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
import time

import pandas as pd
import streamlit as st

from loaders.config import Settings, get_settings
from loaders.snapshot import Snapshot, with_live_waits

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


def live_snapshot(base: Snapshot, waits: pd.DataFrame) -> Snapshot:
    """``with_live_waits(base, waits)``, the same object for the same fetch on every rerun and in every
    session. st.cache_data hands each rerun its own copy of the fetched waits; a new Snapshot on each rerun
    made every per-snapshot memo of the page miss (~30-45 ms a rerun with the live feed on, the default).
    A different fetch (any value changed) is a different snapshot."""
    plain = waits.copy(deep=False)
    loose = [c for c in plain.columns if plain[c].dtype == object]  # values of any type: hashed as text
    plain[loose] = plain[loose].astype(str)
    content = pd.util.hash_pandas_object(plain, index=False).to_numpy()  # ~4 ms for a whole feed
    digest = hashlib.blake2b(content.tobytes() + ",".join(map(str, waits.columns)).encode(),
                             digest_size=12).hexdigest()
    return _live_snapshot(base, base.snapshot_id, digest, waits)


@st.cache_resource(max_entries=4, show_spinner=False)
def _live_snapshot(_base: Snapshot, base_id: str, waits_digest: str, _waits: pd.DataFrame) -> Snapshot:
    return with_live_waits(_base, _waits)
