"""The one HTTP layer: a shared ``requests`` session with timeouts and urllib3 retries.

Only ``fetch_*`` functions call this module. Every failure becomes a :class:`FeedError` naming the URL.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .config import Settings, get_settings
from .errors import FeedError

USER_AGENT = "borderwatch/0.1 (+https://github.com/borderwatch; border port status dashboard)"

_lock = threading.Lock()
_sessions: dict[tuple[int, float], requests.Session] = {}


def make_session(retries: int = 3, backoff: float = 0.5) -> requests.Session:
    """A session that retries connect errors and 429/5xx responses on GET, honouring Retry-After."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    s = requests.Session()
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.headers["User-Agent"] = USER_AGENT
    return s


def get_session(settings: Settings | None = None, backoff: float = 0.5) -> requests.Session:
    """The process-wide session for these retry settings (created once)."""
    settings = settings or get_settings()
    key = (settings.http_retries, backoff)
    with _lock:
        if key not in _sessions:
            _sessions[key] = make_session(settings.http_retries, backoff)
        return _sessions[key]


@dataclass(frozen=True)
class Fetched:
    """A raw HTTP payload with where and when it came from."""

    url: str
    content: bytes
    content_type: str
    retrieved_at: datetime  # tz-aware UTC: our clock when the response arrived
    server_date: datetime | None  # tz-aware UTC from the HTTP Date header, if any


def http_get(
    url: str,
    params: dict | None = None,
    *,
    settings: Settings | None = None,
    session: requests.Session | None = None,
    headers: dict | None = None,
) -> Fetched:
    """GET ``url`` with the shared session; raise :class:`FeedError` on network errors or non-2xx."""
    settings = settings or get_settings()
    s = session or get_session(settings)
    try:
        r = s.get(
            url,
            params=params,
            headers=headers,
            timeout=(settings.http_connect_timeout, settings.http_timeout),
        )
    except requests.RequestException as exc:
        raise FeedError(url, f"request failed: {exc.__class__.__name__}: {exc}") from exc
    if not 200 <= r.status_code < 300:
        raise FeedError(r.url or url, f"HTTP {r.status_code} {r.reason or ''}".strip())
    server_date = None
    if r.headers.get("Date"):
        try:
            server_date = parsedate_to_datetime(r.headers["Date"]).astimezone(timezone.utc)
        except (TypeError, ValueError):
            server_date = None
    return Fetched(
        url=r.url or url,
        content=r.content,
        content_type=r.headers.get("Content-Type", ""),
        retrieved_at=datetime.now(timezone.utc),
        server_date=server_date,
    )
