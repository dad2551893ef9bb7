"""Live by default where the network is there: the first source the page and ``borderwatch status`` use.

A commuter who runs ``make run`` on a machine with internet should see today's waits, not the 2022
snapshot; on a machine without it the page must not hang on DNS. :func:`try_live_waits` fetches the live
CBP feed with short timeouts, no retries and a hard wall-clock limit (a resolver that never answers is
not bounded by socket timeouts, so the fetch runs in a worker thread and is abandoned after
``AUTO_WALL_S``), and reports why it failed instead of raising. ``BORDERWATCH_OFFLINE=1`` (what
``--offline`` sets) skips the attempt: the embedded snapshot is shown.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import os

import pandas as pd

from .config import Settings, get_settings
from .errors import BorderwatchError

#: Seconds the first live attempt may take in all before the snapshot is shown instead.
AUTO_WALL_S = 6.0
OFFLINE_ENV = "BORDERWATCH_OFFLINE"

_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="bw-live")


def offline_requested(env: dict[str, str] | None = None) -> bool:
    """True when ``BORDERWATCH_OFFLINE`` is set to 1/true/yes/on (``borderwatch run --offline``)."""
    env = os.environ if env is None else env
    return str(env.get(OFFLINE_ENV, "")).strip().lower() in ("1", "true", "yes", "on")


def quick_settings(settings: Settings | None = None) -> Settings:
    """``settings`` with the bounds of a first attempt: 2 s to connect, 4 s to read, no retries."""
    s = settings or get_settings()
    return dataclasses.replace(s, http_connect_timeout=min(s.http_connect_timeout, 2.0),
                               http_timeout=min(s.http_timeout, 4.0), http_retries=0,
                               http_deadline=min(s.http_deadline, AUTO_WALL_S - 0.5))


def _fetch_checked(crossings: pd.DataFrame, settings: Settings, previous: pd.DataFrame | None) -> pd.DataFrame:
    from .cbp import load_cbp
    waits = load_cbp(None, crossings=crossings, settings=settings)
    try:
        from .feed_checks import check_cbp_waits
    except ImportError:  # pragma: no cover
        return waits
    # never show a payload that would make the map worse than the snapshot it replaces
    check_cbp_waits(waits, source=settings.cbp_json_url, previous=previous)
    return waits


def try_live_waits(crossings: pd.DataFrame, settings: Settings | None = None, wall_s: float = AUTO_WALL_S,
                   previous: pd.DataFrame | None = None) -> tuple[pd.DataFrame | None, str | None]:
    """``(waits, None)`` from the live CBP feed, or ``(None, reason)`` within ``wall_s`` seconds when it
    cannot be reached or its answer is not a valid feed. Never raises for network trouble."""
    settings = quick_settings(settings)
    fut = _POOL.submit(_fetch_checked, crossings, settings, previous)
    try:
        return fut.result(timeout=wall_s), None
    except concurrent.futures.TimeoutError:
        return None, f"no answer from {settings.cbp_json_url} within {wall_s:g} s"
    except BorderwatchError as exc:
        return None, str(exc)
    except OSError as exc:  # anything the fetch path did not wrap
        return None, f"{type(exc).__name__}: {exc}"
