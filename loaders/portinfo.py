"""CBP's per-port "more information" (``/api/portmoreinformation/{port_number}``): posted hours and the
border notice, into a :data:`~loaders.schema.PORT_INFO_COLUMNS` frame (one row per port).

- :func:`fetch_port_info` does the network call and nothing else (one port per call, bounded like every
  fetch through :func:`loaders.http.http_get`); :func:`fetch_port_infos` fetches many ports within one total
  deadline (``borderwatch refresh`` saves them, :mod:`loaders.refresh`);
- :func:`parse_port_info` is pure: one payload (or a list of payloads) in, tidy frame out;
- :func:`check_port_info` parses one port's payload and checks it is that port's page;
- :func:`read_port_info` reads saved payloads (one file, possibly a JSON array of pages, or a folder of
  ``*.json``).

The payload is ``{"port_number", "port_name", "crossing_name", "port_items": {"items": [{"title",
"section_items": [{"description", "url"}]}]}}`` (real capture: ``portmoreinformation_300401.json``). We keep
the ``PORT HOURS`` and ``BORDER NOTICE`` sections as plain text; "No border notices at this time." means no
notice (missing, not a notice). The text is data: callers escape it before any markup.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pandas as pd
import requests

from .config import Settings, get_settings
from .errors import FeedError
from .http import Deadline, Fetched, http_get, read_file_capped
from .schema import PORT_INFO_COLUMNS, conform

#: Section titles (upper-cased) -> our column; the Spanish page (``/es``) names them differently.
SECTIONS = {"PORT HOURS": "hours", "BORDER NOTICE": "notice",
            "HORAS DE OPERACIÓN DEL CRUCE": "hours", "AVISO DE FRONTERA": "notice"}
#: Notice texts that say there is none.
NO_NOTICE = frozenset({"no border notices at this time.", "no border notices at this time",
                       "no hay avisos fronterizos en este momento.", ""})
PATH = "/api/portmoreinformation/{port}"


def port_info_url(port_number: str, settings: Settings | None = None) -> str:
    """The endpoint on the same host as the configured CBP JSON feed."""
    settings = settings or get_settings()
    return urljoin(settings.cbp_json_url, PATH.format(port=port_number))


def fetch_port_info(port_number: str, settings: Settings | None = None, *,
                    session: requests.Session | None = None) -> Fetched:
    """GET one port's "more information". Raises :class:`FeedError` (from the shared HTTP layer)."""
    return http_get(port_info_url(port_number, settings), settings=settings, session=session)


def fetch_port_infos(ports: Iterable[str], settings: Settings | None = None, *,
                     deadline: Deadline | None = None) -> tuple[dict[str, Fetched], dict[str, str]]:
    """GET every port's "more information", one after another, all within one total ``deadline`` (default
    :attr:`Settings.portinfo_deadline` seconds; each request also within ``http_deadline``). Network only.
    Returns ``(fetched, failed)``: the payload of each port that answered, and for each port that did not,
    why (the error's detail, e.g. "HTTP 404 Not Found"; a port after the deadline: "not fetched: ..."). Never raises for one port's failure."""
    settings = settings or get_settings()
    deadline = deadline or Deadline(settings.portinfo_deadline)
    fetched: dict[str, Fetched] = {}
    failed: dict[str, str] = {}
    for port in ports:
        if deadline.remaining() <= 0:
            failed[port] = f"not fetched: the {deadline.seconds:g} s deadline for port information had passed"
            continue
        step = Deadline(max(0.0, min(settings.http_deadline, deadline.remaining())))
        try:
            fetched[port] = http_get(port_info_url(port, settings), settings=settings, deadline=step)
        except FeedError as exc:
            failed[port] = exc.detail
    return fetched, failed


def check_port_info(raw: bytes | str, port_number: str, *, source: str) -> pd.DataFrame:
    """Parse one port's payload and check it is that port's page (a page of another port would put its
    hours and notice on the wrong crossing). Returns the one-row frame; raises :class:`FeedError`."""
    frame = parse_port_info(raw, source=source)
    if not raw.lstrip().startswith(b"{" if isinstance(raw, bytes) else "{"):  # one page, not an array of them
        raise FeedError(source, "the page is not one JSON object")
    got = frame["port_number"].tolist()
    if got != [port_number]:
        raise FeedError(source, f"asked for port {port_number}, the page describes {', '.join(got) or 'no port'}")
    return frame


def parse_port_info(raw: bytes | str, *, source: str, retrieved_at: Any = None) -> pd.DataFrame:
    """One payload object, or a JSON array of them, into PORT_INFO_COLUMNS. Raises :class:`FeedError` for
    invalid JSON, a payload that is not an object, or one without ``port_number``."""
    try:
        doc = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FeedError(source, f"not valid JSON: {exc}") from exc
    docs = doc if isinstance(doc, list) else [doc]
    rows = [_row(d, i, source) for i, d in enumerate(docs)]
    ts = pd.Timestamp(retrieved_at) if retrieved_at is not None else pd.NaT
    if not pd.isna(ts):
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    frame = pd.DataFrame(rows, columns=[c.name for c in PORT_INFO_COLUMNS[:-1]])
    frame["retrieved_at"] = pd.DatetimeIndex([ts] * len(frame), dtype="datetime64[ns, UTC]")
    return conform(frame, PORT_INFO_COLUMNS, source)


def read_port_info(path: str | Path) -> pd.DataFrame:
    """Saved payloads: one ``.json`` file, or every ``*.json`` in a folder (a port per file)."""
    path = Path(path)
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    frames = []
    for f in files:
        # the same size cap and refusals (devices, pipes, folders) as every other local file
        frames.append(parse_port_info(read_file_capped(f, decompress=False), source=str(f)))
    if not frames:
        return conform(pd.DataFrame({c.name: [] for c in PORT_INFO_COLUMNS}), PORT_INFO_COLUMNS, str(path))
    return conform(pd.concat(frames, ignore_index=True), PORT_INFO_COLUMNS, str(path))


def snapshot_port_info(manifest: dict, data_dir: str | Path) -> pd.DataFrame | None:
    """The port-information pages a snapshot lists (a manifest file of role ``portinfo``: one JSON file or
    a folder of them), else None. The page and ``borderwatch status`` both read them through here."""
    f = next((x for x in manifest.get("files", []) if x.get("role") == "portinfo" and x.get("path")), None)
    return None if f is None else read_port_info(Path(data_dir) / f["path"])


def _row(d: Any, index: int, source: str) -> dict:
    if not isinstance(d, dict):
        raise FeedError(source, f"item #{index} is {type(d).__name__}, not an object")
    pn = _plain(d.get("port_number"))
    if not pn:
        raise FeedError(source, f"item #{index}: required field 'port_number' is missing or empty")
    out = {"port_number": pn, "port_name": _plain(d.get("port_name")) or None,
           "crossing_name": _plain(d.get("crossing_name")) or None, "hours": None, "notice": None}
    items = (d.get("port_items") or {}).get("items") if isinstance(d.get("port_items"), dict) else None
    for item in items or []:
        if not isinstance(item, dict):
            continue
        col = SECTIONS.get(_plain(item.get("title")).upper())
        if col is None:
            continue
        texts = [_plain(s.get("description")) for s in item.get("section_items") or [] if isinstance(s, dict)]
        texts = [t for t in texts if t and (col != "notice" or t.lower() not in NO_NOTICE)]
        out[col] = " / ".join(texts) or None
    return out


def _plain(v: Any) -> str:
    return " ".join(str(v).split()) if isinstance(v, (str, int, float)) and not isinstance(v, bool) else ""
