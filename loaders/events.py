"""The curated events registry (``data/events.csv``): closures, suspensions, reopenings, rail suspensions and
policy events at TX/AZ/CA crossings, each with its sources. See ``data/EVENTS.md`` for the conventions.

``parse_events`` validates the whole file and raises one :class:`ValidationError` listing *every* problem
with its physical line number (gtfs-kit style), so a curator fixes the file in one pass.

Conventions: ``start``/``end`` are local wall-clock times of the event's first crossing and become
tz-aware ``pd.Timestamp``; a date-only value means 00:00 local; ``end`` is exclusive (the moment the event
stopped applying) and ``NaT`` when the event is ongoing or its end is unknown. NaT (pandas' missing value
for instants) rather than ``pd.NA`` is used so that comparisons stay boolean.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from .config import STATES, get_settings
from .crossings import MODES
from .errors import Problem, ValidationError
from .schema import EVENTS_COLUMNS, conform

FILENAME = "events.csv"

#: The file's header, in order.
FILE_COLUMNS = (
    "id", "title", "kind", "crossings", "state", "modes", "direction",
    "start", "end", "summary", "source_urls", "confidence",
)
KINDS = ("closure", "partial_closure", "suspension", "reopening", "rail_suspension", "policy", "other")
EVENT_MODES = (*MODES, "all")
DIRECTIONS = ("northbound", "southbound", "both")
CONFIDENCES = ("high", "medium", "low")
LIST_SEP = ";"

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(LIST_SEP) if v.strip())


def _crossing_index(crossings: pd.DataFrame) -> dict[str, dict]:
    """``{key: crossing record}`` for every port_number and every crossing_id of the table."""
    index: dict[str, dict] = {}
    for rec in crossings.to_dict("records"):
        index[str(rec["crossing_id"])] = rec
        if not pd.isna(rec["port_number"]):
            index[str(rec["port_number"])] = rec
    return index


def _parse_local(value: str, tz: str | None, field: str) -> tuple[pd.Timestamp | None, str | None]:
    """``(timestamp, None)`` or ``(None, message)``. ``tz`` None: check the format only."""
    if _DATE_RE.match(value):
        fmt = "%Y-%m-%d"
    elif _DATETIME_RE.match(value):
        fmt = "%Y-%m-%dT%H:%M"
    else:
        return None, f"{field} {value!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM"
    try:
        naive = pd.Timestamp(datetime.strptime(value, fmt))
    except ValueError as exc:
        return None, f"{field} {value!r} is not a valid date: {exc}"
    if tz is None:
        return None, None
    try:
        return naive.tz_localize(tz, ambiguous="raise", nonexistent="raise"), None
    except Exception:  # pytz/zoneinfo raise different classes for ambiguous and non-existent times
        return None, f"{field} {value!r} is ambiguous or does not exist in {tz} (daylight-saving change)"


_URL_FORBIDDEN = frozenset("()[]<>\"'`{}|\\^")
#: Whitespace, control characters or a forbidden character anywhere in a URL (one scan, not one per character).
_URL_BAD = re.compile("[\\s\x00-\x1f" + re.escape("".join(sorted(_URL_FORBIDDEN))) + "]")


def _check_url(url: str) -> str | None:
    parsed = urlparse(url)
    if parsed.scheme != "https":
        return f"source URL {url!r} is not https"
    if (not parsed.netloc or "." not in parsed.netloc or _URL_BAD.search(url)
            or parsed.username or parsed.password):
        # characters that could end a markdown link or an HTML attribute early: percent-encode them
        return f"source URL {url!r} is malformed"
    return None


def parse_events(text: str, *, source: str = FILENAME, crossings: pd.DataFrame) -> pd.DataFrame:
    """Parse and validate the events CSV ``text`` against the ``crossings`` reference table.

    Returns a frame with exactly :data:`loaders.schema.EVENTS_COLUMNS` (lists as tuples, ``start``/``end``
    as tz-aware timestamps in the zone of each event's first crossing, ``line`` = the event's first
    physical line). Raises :class:`ValidationError` listing every problem found, each with its line.
    """
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationError([Problem(source, 1, "file is empty (expected a header line)")]) from None
    except csv.Error as exc:
        raise ValidationError([Problem(source, 1, f"header is not valid CSV: {exc}")]) from None
    if tuple(header) != FILE_COLUMNS:
        missing = [c for c in FILE_COLUMNS if c not in header]
        extra = [c for c in header if c not in FILE_COLUMNS]
        detail = "; ".join(filter(None, [
            f"missing {', '.join(missing)}" if missing else "",
            f"unknown {', '.join(extra)}" if extra else "",
            "columns out of order" if not missing and not extra else "",
        ]))
        raise ValidationError([Problem(source, 1, f"header must be {','.join(FILE_COLUMNS)} ({detail})")])

    index = _crossing_index(crossings)
    rows: list[dict] = []
    seen_ids: dict[str, int] = {}
    last_line = reader.line_num
    while True:
        line = last_line + 1  # the record's first physical line
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(source, line, f"not valid CSV: {exc}"))
            break  # the reader cannot resynchronise after e.g. an unterminated quote
        last_line = reader.line_num
        if not fields or all(not f.strip() for f in fields):
            continue  # blank line
        if len(fields) != len(FILE_COLUMNS):
            problems.append(Problem(source, line, f"has {len(fields)} fields, expected {len(FILE_COLUMNS)}"))
            continue
        r = {k: v.strip() for k, v in zip(FILE_COLUMNS, fields)}

        def bad(msg: str, _line: int = line) -> None:
            problems.append(Problem(source, _line, msg))

        eid = r["id"]
        if not eid:
            bad("id is empty")
        elif not _ID_RE.match(eid):
            bad(f"id {eid!r} is not a lower-case slug (a-z, 0-9, '-')")
        elif eid in seen_ids:
            bad(f"id {eid!r} repeats line {seen_ids[eid]}")
        else:
            seen_ids[eid] = line
        for field in ("title", "summary"):
            if not r[field]:
                bad(f"{field} is empty")
        if r["kind"] not in KINDS:
            bad(f"kind {r['kind']!r} must be one of {', '.join(KINDS)}")
        state = r["state"]
        if state not in STATES:
            bad(f"state {state!r} must be one of {', '.join(STATES)} (split multi-state events into rows)")
        if r["direction"] not in DIRECTIONS:
            bad(f"direction {r['direction']!r} must be one of {', '.join(DIRECTIONS)}")
        if r["confidence"] not in CONFIDENCES:
            bad(f"confidence {r['confidence']!r} must be one of {', '.join(CONFIDENCES)}")

        # crossings: known, canonical key, in the row's state
        keys = _split(r["crossings"])
        found: list[dict] = []
        if not keys:
            bad("crossings is empty")
        for key in dict.fromkeys(keys):  # each distinct key once; repeats are reported below
            rec = index.get(key)
            if rec is None:
                bad(f"crossing {key!r} is neither a port_number nor a crossing_id of the crossings table")
                continue
            found.append(rec)
            pn = rec["port_number"]
            if key == rec["crossing_id"] and not pd.isna(pn):
                bad(f"crossing {key!r} has CBP port_number {pn!r}: list it by that")
            if state in STATES and rec["state"] != state:
                bad(f"crossing {key!r} ({rec['port_name']}) is in {rec['state']}, not {state}")
        if len(set(keys)) != len(keys):
            bad(f"crossings {r['crossings']!r} lists a crossing twice")

        # modes: known; 'all' alone; at least one listed crossing serves each mode
        modes = _split(r["modes"])
        if not modes:
            bad("modes is empty")
        unknown = [m for m in modes if m not in EVENT_MODES]
        if unknown:
            bad(f"mode(s) {', '.join(map(repr, unknown))} must be from {', '.join(EVENT_MODES)}")
        if "all" in modes and len(modes) > 1:
            bad("mode 'all' must stand alone")
        if found and len(found) == len(keys):
            served = {m for rec in found for m in rec["modes"]}
            for m in modes:
                if m in MODES and m not in served:
                    bad(f"mode {m!r} is not served by any listed crossing "
                        f"({', '.join(sorted(served))} only)")

        # start / end, local to the first crossing
        tz = None
        if found and keys and index.get(keys[0]) is not None:
            tz = str(index[keys[0]]["tz"])
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                tz = None
        start = end = None
        if not r["start"]:
            bad("start is empty")
        else:
            start, msg = _parse_local(r["start"], tz, "start")
            if msg:
                bad(msg)
        if r["end"]:
            end, msg = _parse_local(r["end"], tz, "end")
            if msg:
                bad(msg)
        if start is not None and end is not None:
            if end < start:
                bad(f"end {r['end']} is before start {r['start']}")
            elif end == start and r["kind"] != "reopening":
                bad(f"end {r['end']} equals start: the interval is empty (end is exclusive)")

        # sources
        urls = _split(r["source_urls"])
        if not urls:
            bad("no source: source_urls is empty")
        for url in urls:
            msg = _check_url(url)
            if msg:
                bad(msg)
        if len(set(urls)) != len(urls):
            bad("source_urls lists a URL twice")

        rows.append({
            **r,
            "crossings": keys,
            "modes": modes,
            "source_urls": urls,
            "start": start if start is not None else pd.NaT,
            "end": end if end is not None else pd.NaT,
            "line": line,
        })
    if problems:
        raise ValidationError(problems)
    frame = pd.DataFrame(rows, columns=[c.name for c in EVENTS_COLUMNS])
    for col in ("start", "end"):
        frame[col] = frame[col].astype(object)
    return conform(frame, EVENTS_COLUMNS, source)


#: The largest events file we read (the registry is a few hundred rows).
MAX_EVENTS_BYTES = 20_000_000


def read_events(path: str | Path, *, crossings: pd.DataFrame) -> pd.DataFrame:
    """Parse and validate an events file (UTF-8). Raises :class:`ValidationError` (bad rows, or one line
    saying why the file cannot be read as text: missing, a folder, a device, too big, UTF-16, Latin-1,
    binary)."""
    from .errors import FeedError
    from .http import read_file_capped
    path = Path(path)
    try:
        raw = read_file_capped(path, max_bytes=MAX_EVENTS_BYTES, decompress=False)
    except FeedError as exc:
        raise ValidationError([Problem(str(path), None, exc.detail)]) from None
    return parse_events(decode_text(raw, str(path)), source=str(path), crossings=crossings)


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 text (a BOM allowed) or one :class:`ValidationError` line saying what the bytes are instead."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError([Problem(source, None, "is UTF-16 text; save it as UTF-8")])
    if b"\x00" in raw[:65536]:
        raise ValidationError([Problem(source, None, "is a binary file (it contains NUL bytes), not CSV text")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValidationError([Problem(source, line, f"is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset "
                                                     f"{exc.start}; Latin-1 or Windows-1252?): save it as UTF-8")]) from None


def load_events(data_dir: str | Path | None = None, *, crossings: pd.DataFrame) -> pd.DataFrame:
    """The checked-in registry ``events.csv`` from the embedded snapshot directory."""
    data_dir = Path(data_dir) if data_dir else get_settings().data_dir
    return read_events(data_dir / FILENAME, crossings=crossings)


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True)


def active_events(events: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """The events in force at the instant ``at`` (tz-aware): ``start <= at < end``, a missing end open-ended.

    Instants are compared, so events local to different zones mix correctly. Raises ``ValueError`` for a
    naive ``at`` (a wall-clock time is ambiguous across the border's three zones).
    """
    at = pd.Timestamp(at)
    if at.tzinfo is None:
        raise ValueError(f"at={at} is naive: pass a tz-aware timestamp")
    if events.empty:
        return events.copy()
    start, end = _utc(events["start"]), _utc(events["end"])
    mask = (start <= at) & (end.isna() | (at < end))
    return events[mask.to_numpy()].reset_index(drop=True)


def events_for_crossing(
    events: pd.DataFrame, crossing_key: str, *, crossings: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The events that list ``crossing_key`` (a CBP port_number or a crossing_id).

    With ``crossings`` given, the key is resolved to both of its names first, so ``'az-lukeville'`` finds
    events recorded under ``'260201'`` and vice versa.
    """
    aliases = {str(crossing_key)}
    if crossings is not None:
        rec = _crossing_index(crossings).get(str(crossing_key))
        if rec is not None:
            aliases.add(str(rec["crossing_id"]))
            if not pd.isna(rec["port_number"]):
                aliases.add(str(rec["port_number"]))
    mask = events["crossings"].map(lambda keys: bool(aliases & set(keys)))
    return events[mask.to_numpy(dtype=bool)].reset_index(drop=True)
