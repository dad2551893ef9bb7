"""CBP's per-port RSS captures for Brownsville (EliseoCab/brownsville-wait-times): a folder of XML files.

Each ``<item>`` is one crossing (``<title>Brownsville - B&amp;M</title>``, matched to the crossings reference by
"port name - crossing name"); its description holds ``Date: 8/11/2026``, then per mode (``Passenger
Vehicles`` / ``Pedestrian`` / ``Commercial Vehicles``) lines such as ``General Lanes: At 4:00 pm CDT 60 min
delay 2 lane(s) open``, ``Sentri Lanes: N/A``, ``Ready Lanes: Lanes Closed``. Quirks handled: ``At Noon`` /
``At Midnight``; the channel ``pubDate`` says EST but is UTC-4 (used as the feed time); the file name carries
the capture (commit) time in UTC (``bwt_20260812T042606Z_...xml``: the collection time). The RSS writes every
reading as "N min delay" (it does not tell CBP's ``no delay`` apart): stored as status ``delay`` with N minutes.
"""
from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from loaders.errors import BorderwatchError

from ..ingest import lanes_to_readings, port_crossings
from ..times import resolve_update
from ._batch import Batch, read_bytes, sha256_bytes

FORMAT = "brownsville-rss"
SOURCE = "brownsville-rss"
PUBDATE_OFFSET = "-04:00"  # the pubDate's "EST" label is wrong: the clock is UTC-4
MODES = {"passenger vehicles": "passenger", "pedestrian": "pedestrian", "commercial vehicles": "commercial"}
LANES = {"general": "standard", "sentri": "sentri", "ready": "ready", "fast": "fast"}
_NAME_TIME = re.compile(r"(\d{8}T\d{6}Z)")
_DATE = re.compile(r"Date:\s*(\d{1,2})/(\d{1,2})/(\d{4})")
_SECTION = re.compile(r"<h4>\s*<b>\s*([^<]+?)\s*</b>\s*</h4>", re.IGNORECASE)
_LANE = re.compile(r"(General|Sentri|Ready|Fast)\s+Lanes:\s*(.*?)\s*<br\s*/?>", re.IGNORECASE | re.DOTALL)
_READING = re.compile(r"^(At\s+(?:\d{1,2}(?::\d{2})?\s*[ap]\.?m\.?|noon|midnight)\s+[A-Z]{2,5})\s+(\d+)\s+min\s+delay\s+(\d+)\s+lane\(s\)\s+open$",
                      re.IGNORECASE)
_PUBDATE = re.compile(r"^\w{3},\s+(\d{1,2}\s+\w{3}\s+\d{4}\s+\d{2}:\d{2}:\d{2})")


FILES_PER_BATCH = 150


def count_batches(path: Path) -> int:
    return -(-len(_files(path)) // FILES_PER_BATCH)


def _files(path: Path) -> list[Path]:
    return sorted(path.glob("*.xml")) if path.is_dir() else [path]


def sniff(path: Path, head: bytes) -> bool:
    if path.is_dir():
        files = _files(path)
        if not files:
            return False
        with open(files[0], "rb") as f:
            head = f.read(4096)
    return b"<rss" in head and b"Border Wait Times" in head


def read(path: Path, *, crossings: pd.DataFrame, files_per_batch: int = FILES_PER_BATCH):
    """Batches of up to ``files_per_batch`` captures (one transaction each): location is the folder and the
    first..last file, sha256 is over the member files' hashes in order."""
    ports = port_crossings(crossings)
    by_title = {f"{p} - {c}".lower(): (num, tz) for p, c, num, tz in
                zip(crossings["port_name"], crossings["crossing_name"], crossings["port_number"], crossings["tz"])
                if isinstance(c, str) and isinstance(num, str)}
    files = _files(path)
    for i in range(0, len(files), files_per_batch):
        group = files[i:i + files_per_batch]
        frames, unknown, hashes = [], set(), hashlib.sha256()
        for file in group:
            raw = read_bytes(file)
            hashes.update(sha256_bytes(raw).encode())
            rows, missing = _parse_rows(raw, str(file), by_title, collected_at=_name_time(file))
            frames.extend(rows)
            unknown |= set(missing)
        lanes = _lanes_frame(frames)
        where = str(group[0]) if len(group) == 1 else f"{path}/{{{group[0].name} .. {group[-1].name}}}"
        prep = lanes_to_readings(lanes, crossings=ports, source=SOURCE, collected_at=None, where=where)
        yield Batch(where, hashes.hexdigest() if len(group) > 1 else sha256_bytes(read_bytes(group[0])),
                    prep.frame, tuple(sorted(unknown | set(prep.unknown_ports))))


def _name_time(file: Path) -> pd.Timestamp | None:
    m = _NAME_TIME.search(file.name)
    return pd.Timestamp(m[1]).tz_convert("UTC") if m else None


def parse_rss(raw: bytes, where: str, by_title: dict[str, tuple[str, str]], *, collected_at=None
              ) -> tuple[pd.DataFrame, list[str]]:
    """Lane rows (columns for :func:`history.ingest.lanes_to_readings`) and the titles not in the reference.
    ``by_title`` is ``{"brownsville - b&m": (port_number, tz)}``."""
    rows, unknown = _parse_rows(raw, where, by_title, collected_at=collected_at)
    return _lanes_frame(rows), unknown


_COLS = ["port_number", "mode", "lane", "operational_status", "delay_minutes", "lanes_open", "port_status",
         "update_utc", "feed_utc", "collected_at"]


def _lanes_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=_COLS)
    for c in ("update_utc", "feed_utc", "collected_at"):
        df[c] = pd.to_datetime(df[c], utc=True)
    return df


def _parse_rows(raw: bytes, where: str, by_title: dict[str, tuple[str, str]], *, collected_at=None
                ) -> tuple[list[dict], list[str]]:
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise BorderwatchError(f"{where}: not valid XML: {exc}") from exc
    channel = root.find("channel")
    if channel is None:
        raise BorderwatchError(f"{where}: no <channel> (not a CBP RSS capture)")
    pub = _pubdate(channel.findtext("pubDate") or "", where)
    if collected_at is None:
        collected_at = pub
    if collected_at is None:
        raise BorderwatchError(f"{where}: no capture time (file name without a time and no pubDate)")
    rows, unknown = [], []
    for item in channel.findall("item"):
        title = (item.findtext("title") or "").strip()
        known = by_title.get(title.lower())
        if known is None:
            unknown.append(title)
            continue
        port, tz = known
        desc = _inner_xml(item.find("description"))
        dm = _DATE.search(desc)
        day = (int(dm[3]), int(dm[1]), int(dm[2])) if dm else None
        # The capture time, not pubDate: CBP's update times run up to ~40 min ahead of the feed's own clock.
        reference = collected_at
        sections = list(_SECTION.finditer(desc))
        for i, sec in enumerate(sections):
            mode = MODES.get(sec[1].strip().lower())
            if mode is None:
                raise BorderwatchError(f"{where}: {title}: unknown section {sec[1]!r}")
            body = desc[sec.end(): sections[i + 1].start() if i + 1 < len(sections) else len(desc)]
            for lm in _LANE.finditer(body):
                lane, text = LANES[lm[1].lower()], " ".join(lm[2].split())
                row = {"port_number": port, "mode": mode, "lane": lane, "port_status": None,  # RSS does not say
                       "delay_minutes": None, "lanes_open": None, "update_utc": None, "feed_utc": pub,
                       "collected_at": collected_at}
                rm = _READING.match(text)
                if rm:
                    upd = resolve_update(rm[1], tz, reference, day)
                    if upd is None:
                        raise BorderwatchError(f"{where}: {title} {mode} {lane}: update time {rm[1]!r} unreadable")
                    row.update(operational_status="delay", delay_minutes=int(rm[2]), lanes_open=int(rm[3]),
                               update_utc=upd)
                elif text in ("N/A", "Lanes Closed", "Update Pending"):
                    row["operational_status"] = text
                else:
                    raise BorderwatchError(f"{where}: {title} {mode} {lane}: unreadable lane text {text!r}")
                rows.append(row)
    return rows, unknown


def _inner_xml(el) -> str:
    """The description's content as text: the captures hold its <br/> and <h4> as real XML elements."""
    if el is None:
        return ""
    parts = [el.text or ""]
    for ch in el:
        parts.append(f"<{ch.tag}>{_inner_xml(ch)}</{ch.tag}>{ch.tail or ''}")
    return "".join(parts)


def _pubdate(text: str, where: str) -> pd.Timestamp | None:
    m = _PUBDATE.match(text.strip())
    if not m:
        return None
    try:
        return pd.Timestamp(f"{m[1]} {PUBDATE_OFFSET}").tz_convert("UTC")
    except ValueError as exc:
        raise BorderwatchError(f"{where}: pubDate {text!r} is not a date: {exc}") from exc
