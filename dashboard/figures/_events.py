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


def crossing_names(crossings: pd.DataFrame | None) -> dict[str, str]:
    """``{port_number or crossing_id: "Nogales – Morley Gate"}`` from a CROSSINGS_COLUMNS frame (empty for
    None), for naming the keys in the events frame's ``crossings`` column."""
    if crossings is None or crossings.empty:
        return {}
    out: dict[str, str] = {}
    for cid, pn, port, name in zip(crossings["crossing_id"], crossings["port_number"], crossings["port_name"],
                                   crossings["crossing_name"]):
        p = "" if pd.isna(port) else str(port)
        c = "" if pd.isna(name) else str(name)
        label = (f"{p} – {c}" if p else c) if c and c.lower() != p.lower() else (p or c or str(cid))
        out[str(cid)] = label
        if not pd.isna(pn):
            out[str(pn)] = label
    return out


def crossings_text(crossings: object, names: dict[str, str] | None = None, limit: int | None = None) -> str:
    """The event's crossings as text: keys mapped through ``names`` (unknown keys kept as they are),
    duplicates dropped; with ``limit``, ``"A, B +3 more"``."""
    if crossings is None or isinstance(crossings, float):
        return ""
    if isinstance(crossings, str):
        crossings = [c for c in crossings.replace(";", ",").split(",") if c.strip()]
    labels = list(dict.fromkeys((names or {}).get(str(c).strip(), str(c).strip()) for c in crossings))
    if limit is not None and len(labels) > limit:
        return ", ".join(labels[:limit]) + f" +{len(labels) - limit} more"
    return ", ".join(labels)


def date_span_text(start: pd.Timestamp, end: pd.Timestamp | None) -> str:
    """``"Dec 4, 2023 – Jan 3, 2024"`` (the exclusive end shown as the last day), ``"since ..."`` if open."""
    fmt = lambda t: f"{t.strftime('%b')} {t.day}, {t.year}"  # noqa: E731
    if end is None:
        return f"since {fmt(start)}, ongoing"
    last = end - pd.Timedelta(days=1) if end.normalize() == end else end
    if last <= start:
        return fmt(start)
    return f"{fmt(start)} – {fmt(last)}"
