"""The crossings reference table (``data/crossings.csv``): every TX/AZ/CA crossing, including the rail
bridges, dams and ferry that CBP's wait-time feed lacks, with coordinates, IANA zone and modes.

Rebuilt by ``tools/build_crossings.py`` from evidence (counts and the feed's lanes, recorded per crossing in
``data/crossing_evidence.csv``); checked in; read-only at run time. Rows with ``duplicate_of`` are feed
entries that duplicate a real crossing: kept so their feed ids resolve, never drawn or counted
(:func:`real_crossings`).
"""
from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from .config import get_settings
from .errors import Problem, ValidationError
from .schema import CROSSINGS_COLUMNS, conform

MODES = ("passenger", "pedestrian", "commercial", "rail")
KINDS = ("port", "rail", "dam", "ferry")
FILENAME = "crossings.csv"

#: Zones by CBP feed label, used only for crossings missing from the reference table.
LABEL_ZONES = {
    "EST": "America/New_York", "EDT": "America/New_York",
    "CST": "America/Chicago", "CDT": "America/Chicago",
    "MST": "America/Denver", "MDT": "America/Denver",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
    "AKST": "America/Anchorage", "AKDT": "America/Anchorage",
    "AST": "America/Halifax", "ADT": "America/Halifax",
    "NST": "America/St_Johns", "NDT": "America/St_Johns",
}


def parse_crossings(text: str, source: str = FILENAME) -> pd.DataFrame:
    """Parse and validate the crossings CSV text; raise :class:`ValidationError` listing every bad line."""
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    problems: list[Problem] = []
    rows = []
    seen_ids: dict[str, int] = {}
    seen_ports: dict[str, int] = {}
    for i, r in enumerate(raw.to_dict("records")):
        line = i + 2  # header is line 1
        bad = lambda msg: problems.append(Problem(source, line, msg))  # noqa: E731
        cid = r.get("crossing_id", "").strip()
        if not cid:
            bad("crossing_id is empty")
        elif cid in seen_ids:
            bad(f"crossing_id {cid!r} repeats line {seen_ids[cid]}")
        seen_ids.setdefault(cid, line)
        pn = r.get("port_number", "").strip()
        if pn:
            if len(pn) != 6:
                bad(f"port_number {pn!r} is not 6 characters")
            if pn in seen_ports:
                bad(f"port_number {pn!r} repeats line {seen_ports[pn]}")
            seen_ports.setdefault(pn, line)
        try:
            lat, lon = float(r["lat"]), float(r["lon"])
            if not (14 <= lat <= 50 and -125 <= lon <= -65):
                bad(f"lat/lon {lat},{lon} is outside the U.S.-Mexico border region")
        except (KeyError, ValueError):
            bad(f"lat/lon {r.get('lat')!r},{r.get('lon')!r} is not a number")
            lat = lon = float("nan")
        tz = r.get("tz", "")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            bad(f"tz {tz!r} is not an IANA zone")
        modes = tuple(m for m in r.get("modes", "").split(";") if m)
        if not modes or any(m not in MODES for m in modes):
            bad(f"modes {r.get('modes')!r} must be ';'-joined from {', '.join(MODES)}")
        if r.get("kind") not in KINDS:
            bad(f"kind {r.get('kind')!r} must be one of {', '.join(KINDS)}")
        dup = r.get("duplicate_of", "").strip()
        rows.append({
            **r,
            "duplicate_of": dup or pd.NA,
            "coord_approximate": r.get("coord_approximate", "").lower() == "true",
            "port_number": pn or pd.NA,
            "crossing_name": r.get("crossing_name") or pd.NA,
            "notes": r.get("notes") or pd.NA,
            "lat": lat, "lon": lon, "modes": modes,
            "in_cbp_feed": r.get("in_cbp_feed", "").lower() == "true",
        })
    for i, r in enumerate(rows):
        dup = r["duplicate_of"]
        if not pd.isna(dup) and (dup not in seen_ids or dup == r.get("crossing_id")):
            problems.append(Problem(source, i + 2, f"duplicate_of {dup!r} is not another crossing_id of the table"))
    if problems:
        raise ValidationError(problems)
    return conform(pd.DataFrame(rows), CROSSINGS_COLUMNS, source)


def read_crossings(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    return parse_crossings(path.read_text(encoding="utf-8"), source=str(path))


def load_crossings(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The checked-in crossings table from the embedded snapshot directory."""
    data_dir = Path(data_dir) if data_dir else get_settings().data_dir
    return read_crossings(data_dir / FILENAME)


def real_crossings(crossings: pd.DataFrame) -> pd.DataFrame:
    """The crossings without the duplicate feed entries (``duplicate_of`` set): what a map draws and counts."""
    return crossings[crossings["duplicate_of"].isna().to_numpy()].reset_index(drop=True)


def duplicate_ids(crossings: pd.DataFrame) -> frozenset[str]:
    """crossing_ids of the duplicate feed entries (e.g. 230103 'Gateway', 240403 'FT HANCOCK')."""
    return frozenset(crossings.loc[crossings["duplicate_of"].notna().to_numpy(), "crossing_id"].astype(str))


def drop_feed_duplicates(frame: pd.DataFrame, crossings: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``frame`` (any frame with a ``crossing_id`` column, e.g. status) without the duplicate feed
    entries: the real crossing is drawn and counted once."""
    dups = duplicate_ids(crossings)
    if not dups:
        return frame
    return frame[~frame["crossing_id"].isin(dups).to_numpy(dtype=bool, na_value=False)]


def port_zones(crossings: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """``{port_number: (state, tz)}`` for the crossings that have a CBP port number."""
    c = crossings.dropna(subset=["port_number"])
    return {str(p): (str(s), str(t)) for p, s, t in zip(c["port_number"], c["state"], c["tz"])}
