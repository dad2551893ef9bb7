"""Helpers every wait-history analysis shares, on the readings frame of the history store.

The readings frame (``history/schema.py`` READINGS_COLUMNS) has one row per crossing x mode x lane x CBP
source update time (x revision): ``crossing_id, port_number, mode, lane, source_time (UTC), collected_at
(UTC), operational_status, delay_minutes (Int64, NA when missing), lanes_open, port_status, source,
revision`` (and ``measure``: ``reading`` or SANDAG's ``daily_average``, a different quantity that these
analyses never mix in). Missing is NA, never 0.
"""
from __future__ import annotations

import pandas as pd

#: The columns the analyses read (the store's contract; history/schema.py declares them with dtypes).
READINGS_COLUMNS = ("crossing_id", "port_number", "mode", "lane", "source_time", "collected_at",
                    "operational_status", "delay_minutes", "lanes_open", "port_status", "source", "revision")
KEY = ["crossing_id", "mode", "lane", "source_time"]
#: operational_status values that carry a number of minutes.
NUMERIC_STATUSES = frozenset({"no delay", "delay"})

#: Human names of the lanes, per mode (the feed's pedestrian "standard" is the general pedestrian line).
LANE_NAMES = {"standard": "Standard", "sentri": "SENTRI/NEXUS", "ready": "Ready Lane", "fast": "FAST"}
MODE_NAMES = {"passenger": "Passenger vehicles", "pedestrian": "Pedestrians", "commercial": "Commercial"}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def lane_label(mode: str, lane: str) -> str:
    """'Passenger vehicles, SENTRI/NEXUS'."""
    return f"{MODE_NAMES.get(mode, mode)}, {LANE_NAMES.get(lane, lane)}"


def check_readings(readings: pd.DataFrame, where: str = "readings") -> None:
    """Raise ValueError naming the missing contract columns, if any."""
    missing = [c for c in READINGS_COLUMNS if c not in readings.columns]
    if missing:
        raise ValueError(f"{where}: missing column(s) {', '.join(missing)} of the readings frame")


def latest_revisions(readings: pd.DataFrame) -> pd.DataFrame:
    """One row per (crossing, mode, lane, source_time): the highest revision (a corrected value replaces
    the first one seen for the same source time), lane readings only (rows whose ``measure`` is not
    ``reading``, e.g. SANDAG daily averages, are dropped). Sorted by crossing, mode, lane, source_time."""
    check_readings(readings)
    if "measure" in readings.columns:
        readings = readings[readings["measure"].fillna("reading") == "reading"]
    if readings.empty:
        return readings.copy()
    r = readings.sort_values(KEY + ["revision"], kind="stable")
    return r.drop_duplicates(KEY, keep="last").reset_index(drop=True)


def select(readings: pd.DataFrame, crossing_id: str | None = None, mode: str | None = None,
           lane: str | None = None, start: pd.Timestamp | None = None,
           end: pd.Timestamp | None = None) -> pd.DataFrame:
    """The latest-revision readings of one crossing / mode / lane within [start, end) of source time."""
    r = readings
    if crossing_id is not None:
        r = r[r["crossing_id"] == crossing_id]
    if mode is not None:
        r = r[r["mode"] == mode]
    if lane is not None:
        r = r[r["lane"] == lane]
    if start is not None:
        r = r[r["source_time"] >= _utc(start)]
    if end is not None:
        r = r[r["source_time"] < _utc(end)]
    return latest_revisions(r)


def numeric(readings: pd.DataFrame) -> pd.DataFrame:
    """Readings that carry a number of minutes ('no delay' / 'delay' with a value)."""
    ok = readings["operational_status"].isin(NUMERIC_STATUSES) & readings["delay_minutes"].notna()
    return readings[ok.fillna(False).astype(bool)]


def local(times: pd.Series, tz: str) -> pd.Series:
    """UTC instants as the crossing's local time (tz-aware)."""
    return pd.to_datetime(times, utc=True).dt.tz_convert(tz)


def _utc(t) -> pd.Timestamp:
    t = pd.Timestamp(t)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def crossing_tz(crossings: pd.DataFrame, crossing_id: str) -> str:
    """The crossing's IANA zone from the crossings reference; ValueError for an unknown crossing."""
    row = crossings[crossings["crossing_id"] == crossing_id]
    if not len(row):
        raise ValueError(f"unknown crossing {crossing_id!r} (see crossing_id in data/crossings.csv)")
    return str(row["tz"].iloc[0])
