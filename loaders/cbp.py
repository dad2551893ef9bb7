"""CBP Border Wait Times (bwt.cbp.gov): fetch, parse and load into a :data:`~loaders.schema.WAITS_COLUMNS` frame.

Layout (pvlib ``iotools`` style):

- :func:`fetch_cbp` does the network call and nothing else (JSON first, XML as fallback);
- :func:`parse_cbp_json`, :func:`parse_cbp_xml` and :func:`parse_cbp` are pure: raw text in, tidy frame out;
- :func:`read_cbp` reads a saved payload, :func:`load_cbp` ties the three together.

Feed facts these rules rest on (see the data README): every value is a string; ``"N/A"`` and ``""`` mean
missing; only ``no delay`` and ``delay`` lanes carry numbers (closed / pending / N/A are missing, never 0);
``update_time`` ("At 10:00 am PDT", "At Noon CDT") has no date and an unreliable zone label, so it is read
as a wall clock in the crossing's IANA zone; a ``Closed`` port keeps stale lane readings.

The feed's clock (:func:`consensus_clock`, :func:`feed_as_of`): the instant a payload describes is the HTTP ``Date`` (or the capture
time the manifest records) when we have it, else the payload's *consensus* clock: each crossing's
``date`` + ``time`` is the feed instant written in the zone CBP keeps for that port, and CBP's zone for some
Arizona ports (Nogales, Lukeville, San Luis) keeps daylight time while Arizona does not, so in summer those
ports' ``time`` runs an hour ahead. Read in each port's real zone, the ports agree except for those few: the
most common instant is the feed's. One port's ``time`` is never the feed instant. An update time is placed
on the day that puts it at most :data:`FUTURE_TOLERANCE` (60 min) after the feed instant: CBP stamps run up
to ~40 min ahead, so "At 11:00 am" in a 10:25 feed is today's, and "At Midnight" in a 23:30 feed is the
coming midnight, while "At 11:00 pm" in a 00:20 feed is yesterday's.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo

import pandas as pd
import requests

from .config import Settings, get_settings
from .crossings import LABEL_ZONES, port_zones
from .errors import FeedError
from .http import Fetched, http_get, read_file_capped
from .schema import UTC_TS, WAITS_COLUMNS, conform

# --------------------------------------------------------------------------------------------------------
# Constants: the feed's vocabulary and our names for it.

#: Feed lane group -> our ``mode``.
MODES: dict[str, str] = {
    "passenger_vehicle_lanes": "passenger",
    "pedestrian_lanes": "pedestrian",
    "commercial_vehicle_lanes": "commercial",
}
#: Feed lane key -> our ``lane``.
LANES: dict[str, str] = {
    "standard_lanes": "standard",
    "NEXUS_SENTRI_lanes": "sentri",
    "ready_lanes": "ready",
    "FAST_lanes": "fast",
}
#: Crossing fields without which a row cannot be built (``border`` too: the schema does not allow it missing).
REQUIRED_FIELDS: tuple[str, ...] = ("port_number", "border", "port_name", "port_status", "date")
#: Codes that mean "no value".
MISSING_CODES = frozenset({"", "N/A"})
#: The only operational statuses whose delay / lanes open are readings (compared lower-case).
READING_STATUSES = frozenset({"no delay", "delay"})
#: ``port_status`` values (lower-case -> canonical).
PORT_STATUSES: dict[str, str] = {"open": "Open", "closed": "Closed"}
#: The zone of the legacy XML's top-level ``last_updated_date`` / ``last_updated_time``.
XML_CLOCK_TZ = "America/New_York"
#: Zone for a crossing that is neither in the crossings reference nor carries any update_time label: we
#: cannot know its zone without guessing, so its local times are read as UTC (visible in the ``tz`` column).
FALLBACK_TZ = "UTC"
#: How far an update time may lie after the feed instant and still be that day's (CBP stamps run ahead of
#: the feed by up to ~40 minutes in the real captures); later than this, it is the previous day's.
FUTURE_TOLERANCE = timedelta(minutes=60)
#: Port clocks that agree within this are one instant (the feed writes one instant to the second).
CLOCK_BIN = timedelta(minutes=1)

_UPDATE_RE = re.compile(
    r"^\s*(?:at\s+)?"
    r"(?:(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ap>[ap])\.?\s*m\.?|(?P<noon>noon)|(?P<midnight>midnight))"
    r"(?:\s+(?P<label>[a-z]{2,5}))?\s*$",
    re.IGNORECASE | re.ASCII,
)
_DELAY_TEXT_RE = re.compile(r"^\s*(?:(?P<h>[0-9]{1,3})\s*hrs?\.?)?\s*(?:(?P<m>[0-9]{1,4})\s*mins?\.?)?\s*$", re.IGNORECASE)
_DATE_MDY_RE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$", re.ASCII)
_DATE_YMD_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$", re.ASCII)
_ASCII_INT_RE = re.compile(r"[0-9]{1,6}")  # not str.isdigit: '²' and Arabic-Indic digits are not feed numbers
_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?\s*$", re.ASCII)
_UTC = timezone.utc


# --------------------------------------------------------------------------------------------------------
# Fetch: network only.

def fetch_cbp(settings: Settings | None = None, *, session: requests.Session | None = None) -> tuple[Fetched, str]:
    """GET the CBP JSON feed, falling back to the XML feed.

    Returns ``(fetched, "json")`` or ``(fetched, "xml")``. The JSON feed is used when it answers 2xx with a
    JSON array of crossings (or a ``{"port": [...]}`` wrapper); otherwise the XML feed is tried. Retries come
    from the shared session. Raises :class:`FeedError` naming both URLs and both reasons if both fail.
    """
    settings = settings or get_settings()
    json_url, xml_url = settings.cbp_json_url, settings.cbp_xml_url
    try:
        fetched = http_get(json_url, settings=settings, session=session)
        _json_crossings(fetched.content, fetched.url)  # valid JSON of the right shape, else fall back
        return fetched, "json"
    except FeedError as exc:
        json_reason = exc.detail
    try:
        fetched = http_get(xml_url, settings=settings, session=session)
        _xml_root(fetched.content, fetched.url)
        return fetched, "xml"
    except FeedError as exc:
        xml_reason = exc.detail
    raise FeedError(
        f"{json_url} and {xml_url}",
        f"CBP JSON feed failed ({json_url}: {json_reason}); XML fallback failed ({xml_url}: {xml_reason})",
    )


# --------------------------------------------------------------------------------------------------------
# Parse: pure.

def parse_cbp_json(
    raw: bytes | str,
    *,
    source: str,
    zones: Mapping[str, tuple[str, str]],
    retrieved_at: Any = None,
) -> pd.DataFrame:
    """Parse a CBP JSON payload (bare array, ``{"port": [...]}`` or one crossing object) into WAITS_COLUMNS.

    ``zones`` is ``{port_number: (state, tz)}`` (:func:`loaders.crossings.port_zones`); ``retrieved_at``
    (UTC, or tz-aware) is when the payload was collected. Raises :class:`FeedError` for a payload that is not
    valid JSON or a crossing missing a required field or holding an unreadable value.
    """
    crossings = _json_crossings(raw, source)
    return _build_frame(crossings, source=source, zones=zones, retrieved_at=_to_utc(retrieved_at, source),
                        feed_clock=None)


def parse_cbp_xml(
    raw: bytes | str,
    *,
    source: str,
    zones: Mapping[str, tuple[str, str]],
    retrieved_at: Any = None,
) -> pd.DataFrame:
    """Parse the CBP XML feed (``<border_wait_time><port>...``) into WAITS_COLUMNS.

    The top-level ``last_updated_date``/``last_updated_time`` (U.S. Eastern) gives each port's ``feed_time``
    (when the port has no ``time`` of its own) and ``retrieved_at`` when the argument is None. Delays written
    as text (``1 hrs 30 min``) become minutes. Raises :class:`FeedError` like :func:`parse_cbp_json`.
    """
    root = _xml_root(raw, source)
    ports = root.findall("port")
    if not ports:
        raise FeedError(source, f"XML has no <port> elements under <{root.tag}>")
    try:
        crossings = [_xml_to_value(p) for p in ports]
    except RecursionError as exc:
        raise FeedError(source, "XML nested too deeply for this feed") from exc
    feed_clock = _xml_clock(root, source)
    given = _to_utc(retrieved_at, source)
    return _build_frame(crossings, source=source, zones=zones,
                        retrieved_at=given if given is not None else feed_clock, feed_clock=feed_clock)


def parse_cbp(
    raw: bytes | str,
    *,
    source: str,
    zones: Mapping[str, tuple[str, str]],
    retrieved_at: Any = None,
) -> pd.DataFrame:
    """Parse a CBP payload, JSON or XML (sniffed from its first character: ``<`` means XML)."""
    parser = parse_cbp_xml if _looks_like_xml(raw) else parse_cbp_json
    return parser(raw, source=source, zones=zones, retrieved_at=retrieved_at)


# --------------------------------------------------------------------------------------------------------
# Read / load.

def read_cbp(
    path: str | Path,
    *,
    zones: Mapping[str, tuple[str, str]],
    retrieved_at: Any = None,
) -> pd.DataFrame:
    """Read a saved CBP payload (JSON or XML) from ``path``; errors name the file."""
    path = Path(path)
    raw = read_file_capped(path, decompress=False)  # bounded; one FeedError line for folders, devices, ...
    return parse_cbp(raw, source=str(path), zones=zones, retrieved_at=retrieved_at)


def load_cbp(
    source: str | Path | None = None,
    *,
    crossings: pd.DataFrame,
    settings: Settings | None = None,
    retrieved_at: Any = None,
    session: requests.Session | None = None,
) -> pd.DataFrame:
    """Load CBP wait times into WAITS_COLUMNS.

    ``source`` None fetches the live feed (:func:`fetch_cbp`); an ``http(s)://`` URL is fetched as is; anything
    else is a saved file (:func:`read_cbp`). For fetched payloads ``retrieved_at`` defaults to the HTTP
    ``Date`` header, else our clock. ``crossings`` is the crossings reference (states and zones).
    """
    zones = port_zones(crossings)
    if source is None:
        fetched, kind = fetch_cbp(settings, session=session)
        parser = parse_cbp_json if kind == "json" else parse_cbp_xml
        return parser(fetched.content, source=fetched.url, zones=zones,
                      retrieved_at=retrieved_at if retrieved_at is not None else _fetched_at(fetched))
    if isinstance(source, str) and source.lower().startswith(("http://", "https://")):
        fetched = http_get(source, settings=settings, session=session)
        return parse_cbp(fetched.content, source=fetched.url, zones=zones,
                         retrieved_at=retrieved_at if retrieved_at is not None else _fetched_at(fetched))
    return read_cbp(source, zones=zones, retrieved_at=retrieved_at)


def _fetched_at(fetched: Fetched) -> datetime:
    return fetched.server_date or fetched.retrieved_at


# --------------------------------------------------------------------------------------------------------
# Payload -> list of crossing dicts.

def _looks_like_xml(raw: bytes | str) -> bool:
    head = raw[:256]
    if isinstance(head, bytes):
        head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        return head.startswith(b"<")
    return head.lstrip("\ufeff \t\r\n").startswith("<")


def _json_crossings(raw: bytes | str, source: str) -> list:
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FeedError(source, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except UnicodeDecodeError as exc:
        raise FeedError(source, f"not valid JSON: cannot decode bytes ({exc.reason} at byte {exc.start})") from exc
    except RecursionError as exc:
        raise FeedError(source, "not valid JSON for this feed: nested too deeply") from exc
    if isinstance(doc, dict) and isinstance(doc.get("port"), list):
        doc = doc["port"]
    elif isinstance(doc, dict) and "port_number" in doc:
        doc = [doc]  # /api/bwtpublicmod/{port}: one crossing as a bare object
    if not isinstance(doc, list):
        kind = f"an object with keys {sorted(doc)[:6]}" if isinstance(doc, dict) else type(doc).__name__
        raise FeedError(source, f'expected a JSON array of crossings or {{"port": [...]}}, got {kind}')
    if not doc:
        raise FeedError(source, "the payload lists no crossings")
    return doc


def _xml_root(raw: bytes | str, source: str) -> ET.Element:
    # ElementTree resolves no external entities and expat limits entity expansion: safe for a network payload.
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        line, col = exc.position
        msg = str(exc).split(":")[0]
        raise FeedError(source, f"not valid XML: {msg} at line {line} column {col + 1}") from exc


def _xml_to_value(el: ET.Element) -> Any:
    """An element with children -> dict of its children; a leaf -> its stripped text ('' when empty)."""
    if len(el) == 0:
        return (el.text or "").strip()
    return {child.tag: _xml_to_value(child) for child in el}


def _xml_clock(root: ET.Element, source: str) -> datetime | None:
    """The legacy XML's top-level last-updated stamp (U.S. Eastern) as UTC, or None when absent."""
    d, t = root.findtext("last_updated_date"), root.findtext("last_updated_time")
    if not d or not t:
        return None
    ymd, mdy, hms = _DATE_YMD_RE.match(d), _DATE_MDY_RE.match(d), _TIME_RE.match(t)
    if not (ymd or mdy) or not hms:
        raise FeedError(source, f"last_updated_date/time {d!r} {t!r} is not a date and time")
    y, m, dd = (int(g) for g in ymd.groups()) if ymd else _mdy(mdy)
    h, mi, s = int(hms[1]), int(hms[2]), int(hms[3] or 0)
    try:
        local = datetime(y, m, dd, h, mi, s, tzinfo=ZoneInfo(XML_CLOCK_TZ))
    except ValueError as exc:
        raise FeedError(source, f"last_updated_date/time {d!r} {t!r}: {exc}") from exc
    return local.astimezone(_UTC)


def _mdy(match: re.Match) -> tuple[int, int, int]:
    m, d, y = (int(g) for g in match.groups())
    return y, m, d


# --------------------------------------------------------------------------------------------------------
# Crossings -> frame.

def _build_frame(
    crossings: list,
    *,
    source: str,
    zones: Mapping[str, tuple[str, str]],
    retrieved_at: datetime | None,
    feed_clock: datetime | None,
) -> pd.DataFrame:
    cols: dict[str, list] = {c.name: [] for c in WAITS_COLUMNS}
    consensus = feed_clock if feed_clock is not None else consensus_clock(crossings, zones)
    instant = retrieved_at or consensus
    for index, crossing in enumerate(crossings):
        _add_crossing(cols, crossing, index, source, zones, instant)
    n = len(cols["port_number"])
    # Build every column in its declared dtype so that conform() only checks (no per-column casts).
    data: dict[str, Any] = {}
    for c in WAITS_COLUMNS:
        if c.name == "retrieved_at":
            data[c.name] = pd.DatetimeIndex([retrieved_at] * n if retrieved_at else [pd.NaT] * n, dtype=UTC_TS)
        elif c.name == "feed_instant":
            data[c.name] = pd.DatetimeIndex([instant] * n if instant else [pd.NaT] * n, dtype=UTC_TS)
        elif c.dtype == UTC_TS:
            data[c.name] = pd.DatetimeIndex(cols[c.name], dtype=UTC_TS)
        elif c.dtype == "object":
            data[c.name] = pd.array(cols[c.name], dtype=object)
        else:
            data[c.name] = pd.array(cols[c.name], dtype=c.dtype)
    frame = pd.DataFrame(data, copy=False)
    return conform(frame, WAITS_COLUMNS, source)


def _add_crossing(
    cols: dict[str, list],
    crossing: Any,
    index: int,
    source: str,
    zones: Mapping[str, tuple[str, str]],
    instant: datetime | None,
) -> None:
    if not isinstance(crossing, dict):
        raise FeedError(source, f"crossing #{index} is {type(crossing).__name__}, not an object")
    where = _crossing_label(crossing, index)

    def fail(detail: str) -> FeedError:
        return FeedError(source, f"{where}: {detail}")

    fields = {}
    for field in REQUIRED_FIELDS:
        value = _text(crossing.get(field))
        if not value:
            raise fail(f"required field {field!r} is {'empty' if field in crossing else 'missing'}")
        fields[field] = value
    port_number = fields["port_number"]
    port_status = PORT_STATUSES.get(fields["port_status"].lower())
    if port_status is None:
        raise fail(f"port_status {fields['port_status']!r} is neither 'Open' nor 'Closed'")
    date_match = _DATE_MDY_RE.match(fields["date"])
    if not date_match:
        raise fail(f"date {fields['date']!r} is not M/D/YYYY")
    day = _mdy(date_match)

    # A lane group or lane given as an empty value (e.g. an empty XML element) describes nothing: skipped.
    groups = [(k, crossing[k]) for k in MODES if crossing.get(k) not in (None, "")]
    for key, group in groups:
        if not isinstance(group, dict):
            raise fail(f"{key} is {type(group).__name__}, not an object")

    # State and zone: the crossings reference first; else the update_time label; else UTC.
    known = zones.get(port_number)
    if known is not None:
        state, tz = known
    else:
        state, tz = None, _label_zone(groups) or FALLBACK_TZ
    zone = ZoneInfo(tz)

    # feed_time: the crossing's own date+time as written (its clock can be an hour off: Arizona); for the
    # legacy XML (no per-port time) the feed instant. Update times are placed relative to the feed instant.
    time_text = _text(crossing.get("time"))
    if time_text:
        hms = _TIME_RE.match(time_text)
        if not hms:
            raise fail(f"time {time_text!r} is not HH:MM:SS")
        feed_dt = _local(day, int(hms[1]), int(hms[2]), int(hms[3] or 0), zone, fail,
                         f"date/time {fields['date']} {time_text}")
    elif instant is not None:
        feed_dt = instant.astimezone(zone)
    else:
        feed_dt = None
    feed_ts = pd.Timestamp(feed_dt) if feed_dt is not None else pd.NaT
    reference = instant or feed_dt
    if reference is not None:  # "today" is the feed instant's day at the crossing, not the port clock's
        local_ref = reference.astimezone(zone)
        day = (local_ref.year, local_ref.month, local_ref.day)

    crossing_name = _text(crossing.get("crossing_name")) or None
    hours = _plain(crossing.get("hours")) or None
    notice = _plain(crossing.get("construction_notice")) or None
    stale = port_status == "Closed"
    updates: dict[str, tuple[Any, Any]] = {}  # update_time text -> (local Timestamp, UTC datetime)
    rows = 0

    for key, group in groups:
        mode = MODES[key]
        max_lanes = _count(group.get("maximum_lanes"), fail, f"{key}.maximum_lanes")
        for lane_key, lane in LANES.items():
            reading = group.get(lane_key)
            if reading is None or reading == "":
                continue
            at = f"{key}.{lane_key}"
            if not isinstance(reading, dict):
                raise fail(f"{at} is {type(reading).__name__}, not an object")
            status = _text(reading.get("operational_status")) or None
            if status is not None and status.lower() in READING_STATUSES:
                delay = _delay(reading.get("delay_minutes"), fail, f"{at}.delay_minutes")
                lanes_open = _count(reading.get("lanes_open"), fail, f"{at}.lanes_open")
            else:
                delay = lanes_open = None
            update_text = _text(reading.get("update_time"))
            if update_text:
                if update_text not in updates:
                    updates[update_text] = _update_instant(update_text, day, zone, reference, fail,
                                                           f"{at}.update_time")
                updated, updated_utc = updates[update_text]
            else:
                updated, updated_utc = pd.NaT, None

            rows += 1
            cols["mode"].append(mode)
            cols["lane"].append(lane)
            cols["operational_status"].append(status)
            cols["delay_minutes"].append(delay)
            cols["lanes_open"].append(lanes_open)
            cols["max_lanes"].append(max_lanes)
            cols["updated_at"].append(updated)
            cols["updated_at_utc"].append(updated_utc)

    # Per-crossing values, once per lane row.
    for name, value in (("port_number", port_number), ("border", fields["border"]),
                        ("port_name", fields["port_name"]), ("crossing_name", crossing_name), ("state", state),
                        ("tz", tz), ("hours", hours), ("construction_notice", notice),
                        ("port_status", port_status), ("feed_time", feed_ts),
                        ("stale_reading", stale)):
        cols[name].extend([value] * rows)


def _crossing_label(crossing: dict, index: int) -> str:
    number, name = _text(crossing.get("port_number")), _text(crossing.get("port_name"))
    crossing_name = _text(crossing.get("crossing_name"))
    if crossing_name and crossing_name != name:
        name = f"{name} / {crossing_name}" if name else crossing_name
    who = " ".join(p for p in (number, name) if p)
    return f"crossing #{index} ({who})" if who else f"crossing #{index}"


def _text(value: Any) -> str:
    """A feed value as stripped text ('' for None). Numbers are tolerated although the feed sends strings."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _plain(value: Any) -> str:
    """Free text from the feed (hours, notices) as one plain line: whitespace runs collapsed. It stays data:
    callers escape it before any markup."""
    return " ".join(_text(value).split())


def _count(value: Any, fail, what: str) -> int | None:
    text = _text(value)
    if text in MISSING_CODES:
        return None
    if _ASCII_INT_RE.fullmatch(text):
        return int(text)
    raise fail(f"{what} {text[:40]!r} is not a whole number")


def _delay(value: Any, fail, what: str) -> int | None:
    """Minutes from '25' (current feeds) or '10 min' / '1 hrs 30 min' / '1 hr' (legacy XML)."""
    text = _text(value)
    if text in MISSING_CODES:
        return None
    if _ASCII_INT_RE.fullmatch(text):
        return int(text)
    m = _DELAY_TEXT_RE.match(text) if len(text) < 40 and text.isascii() else None
    if m and (m["h"] or m["m"]):
        return int(m["h"] or 0) * 60 + int(m["m"] or 0)
    raise fail(f"{what} {text!r} is not minutes")


def _label_zone(groups: list[tuple[str, dict]]) -> str | None:
    """The IANA zone of the first update_time label in the crossing (LABEL_ZONES), if any."""
    for _, group in groups:
        for lane_key in LANES:
            reading = group.get(lane_key)
            if isinstance(reading, dict):
                m = _UPDATE_RE.match(_text(reading.get("update_time")))
                if m and m["label"] and m["label"].upper() in LABEL_ZONES:
                    return LABEL_ZONES[m["label"].upper()]
    return None


def _local(day: tuple[int, int, int], h: int, mi: int, s: int, zone: ZoneInfo, fail, what: str) -> datetime:
    """A wall-clock time in ``zone``, normalised through UTC so that times in a DST gap become real."""
    try:
        naive = datetime(day[0], day[1], day[2], h, mi, s)
    except ValueError as exc:
        raise fail(f"{what}: {exc}") from exc
    return naive.replace(tzinfo=zone).astimezone(_UTC).astimezone(zone)


def _update_instant(text: str, day: tuple[int, int, int], zone: ZoneInfo, reference: datetime | None,
                    fail, what: str) -> tuple[pd.Timestamp, datetime]:
    """'At 10:00 am PDT' in ``zone`` (the label is ignored) on the day around ``day`` that puts it latest
    but no more than FUTURE_TOLERANCE after ``reference`` (the feed instant); on ``day`` itself when there
    is no reference. Returns (local Timestamp, UTC datetime)."""
    m = _UPDATE_RE.match(text)
    if not m:
        raise fail(f"{what} {text!r} is not like 'At 10:00 am PDT'")
    if m["noon"]:
        h, mi = 12, 0
    elif m["midnight"]:
        h, mi = 0, 0
    else:
        h, mi = int(m["h"]), int(m["m"] or 0)
        if not 1 <= h <= 12 or mi > 59:
            raise fail(f"{what} {text!r} is not a clock time")
        h = h % 12 + (12 if m["ap"].lower() == "p" else 0)
    local = _local(day, h, mi, 0, zone, fail, what)
    if reference is not None:
        limit = reference + FUTURE_TOLERANCE
        for shift in (1, 0, -1, -2):
            d = datetime(*day) + timedelta(days=shift)
            cand = _local((d.year, d.month, d.day), h, mi, 0, zone, fail, what)
            if cand <= limit:
                local = cand
                break
    return pd.Timestamp(local), local.astimezone(_UTC)


def parse_update_time(text: str, feed_instant: Any, tz: str) -> pd.Timestamp:
    """Public form of the update-time rule for other sources (RSS, change logs): ``"At Noon CDT"`` seen in a
    feed taken at ``feed_instant`` (tz-aware) at a crossing in IANA zone ``tz`` -> tz-aware local Timestamp.
    Raises ValueError when the text is not an update time."""
    ref = pd.Timestamp(feed_instant).tz_convert("UTC").to_pydatetime()
    zone = ZoneInfo(tz)
    local = ref.astimezone(zone)

    def fail(detail: str) -> ValueError:
        return ValueError(detail)
    return _update_instant(text, (local.year, local.month, local.day), zone, ref, fail, "update_time")[0]


def consensus_clock(crossings: list, zones: Mapping[str, tuple[str, str]]) -> datetime | None:
    """The payload's own clock: each crossing's ``date`` + ``time`` read in its zone (the reference's, else
    its update_time label's), binned to the minute; the most common instant wins (ties: the earliest bin
    with that count, then the earliest time in it). None when no crossing has a readable date and time.
    A few ports whose CBP clock keeps daylight time (Arizona in summer) are outvoted, never trusted."""
    votes: dict[int, list[datetime]] = {}
    for crossing in crossings:
        if not isinstance(crossing, dict):
            continue
        dm, tm = _DATE_MDY_RE.match(_text(crossing.get("date"))), _TIME_RE.match(_text(crossing.get("time")))
        if not dm or not tm:
            continue
        pn = _text(crossing.get("port_number"))
        known = zones.get(pn)
        if known is not None:
            tz = known[1]
        else:
            groups = [(k, crossing[k]) for k in MODES if isinstance(crossing.get(k), dict)]
            tz = _label_zone(groups)
            if tz is None:
                continue  # no zone: no vote
        try:
            y, m, d = _mdy(dm)
            naive = datetime(y, m, d, int(tm[1]), int(tm[2]), int(tm[3] or 0))
        except ValueError:
            continue
        utc = naive.replace(tzinfo=ZoneInfo(tz)).astimezone(_UTC)
        key = int(utc.timestamp() // CLOCK_BIN.total_seconds())
        votes.setdefault(key, []).append(utc)
    if not votes:
        return None
    best = max(sorted(votes), key=lambda k: len(votes[k]))
    return min(votes[best])


def _to_utc(value: Any, source: str) -> datetime | None:
    """``retrieved_at`` as a UTC datetime (a naive value is taken as UTC); None/NaT -> None."""
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise FeedError(source, f"retrieved_at {value!r} is not a time: {exc}") from exc
    if pd.isna(ts):
        return None
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def feed_as_of(waits: pd.DataFrame) -> pd.Timestamp | None:
    """The instant the feed describes (UTC): the latest ``feed_instant`` (HTTP Date / capture time, else the
    payload's consensus clock), else the latest ``retrieved_at``. Never one port's own ``time``."""
    if waits is None or waits.empty:
        return None
    for col in ("feed_instant", "retrieved_at"):
        if col in waits.columns:
            v = waits[col].dropna()
            if len(v):
                return v.max()
    return None
