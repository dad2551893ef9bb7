"""Shared handling of the events frame (EVENTS_COLUMNS) for the charts: naive local dates and labels."""
from __future__ import annotations

from urllib.parse import urlparse

import pandas as pd


def local_naive(ts: object) -> pd.Timestamp | None:
    """A tz-aware event time as the crossing's local wall time without zone (what a date axis shows)."""
    if ts is None:
        return None
    try:
        if pd.isna(ts):
            return None
    except (TypeError, ValueError):
        pass
    t = pd.Timestamp(ts)
    return t.tz_localize(None) if t.tzinfo is not None else t


def domains(urls: object) -> str:
    """``"cbp.gov, azcentral.com"`` from a tuple of URLs."""
    if urls is None or isinstance(urls, float):
        return ""
    if isinstance(urls, str):
        urls = [u for u in urls.split(";") if u]
    out: list[str] = []
    for u in urls:
        host = urlparse(str(u)).netloc.lower()
        host = host[4:] if host.startswith("www.") else host
        if host and host not in out:
            out.append(host)
    return ", ".join(out)


def crossings_text(crossings: object) -> str:
    if crossings is None or isinstance(crossings, float):
        return ""
    if isinstance(crossings, str):
        return crossings
    return ", ".join(str(c) for c in crossings)


def date_span_text(start: pd.Timestamp, end: pd.Timestamp | None) -> str:
    """``"Dec 4, 2023 – Jan 3, 2024"`` (the exclusive end shown as the last day), ``"since ..."`` if open."""
    fmt = lambda t: f"{t.strftime('%b')} {t.day}, {t.year}"  # noqa: E731
    if end is None:
        return f"since {fmt(start)} (ongoing)"
    last = end - pd.Timedelta(days=1) if end.normalize() == end else end
    if last <= start:
        return fmt(start)
    return f"{fmt(start)} – {fmt(last)}"
