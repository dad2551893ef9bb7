"""SANDAG's daily average northbound waits (Socrata 5tga-nezt), as relayed by the garitas project.

These are **daily averages**, not lane readings: stored with ``measure = "daily_average"`` and source
``sandag-daily``, so no readings query, heatmap or trend picks them up unless it asks for that measure by name.
The relay's 12:00Z time of day is not SANDAG's: each row's ``source_time`` is the start (00:00) of that day in
the crossing's zone; ``delay_minutes`` is the day's average; status and lanes open are NA;
``collected_at`` is the relay's row time (12:00Z that day).
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from loaders.errors import BorderwatchError

from ..ingest import lanes_to_readings, port_crossings
from ._batch import Batch, read_bytes, sha256_bytes
from .garitas import COLUMNS, LANES, MODES

FORMAT = "sandag-daily"
SOURCE = "sandag-daily"


def sniff(path: Path, head: bytes) -> bool:
    lines = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()
    return (len(lines) > 1 and set(COLUMNS) <= set(lines[0].strip().split(","))
            and "promedio-diario" in lines[1])


def read(path: Path, *, crossings: pd.DataFrame):
    raw = read_bytes(path)
    df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    bad = df[df["estado"] != "promedio-diario"]
    if len(bad):
        raise BorderwatchError(f"{path}: line {bad.index[0] + 2}: estado {bad['estado'].iloc[0]!r} is not "
                               "'promedio-diario' (a SANDAG file holds daily averages only)")
    ports = port_crossings(crossings)
    zones = dict(zip(crossings["port_number"], crossings["tz"]))
    df = df[df["puerto"].isin(ports) & df["clase"].isin(MODES) & df["carril"].isin(LANES)]
    day = pd.to_datetime(df["capturado_utc"], utc=True, format="ISO8601").dt.strftime("%Y-%m-%d")
    start = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    for port, idx in df.groupby("puerto").groups.items():  # vectorised per zone
        start[idx] = pd.to_datetime(day[idx]).dt.tz_localize(zones[port]).dt.tz_convert("UTC")
    lanes = pd.DataFrame({
        "port_number": df["puerto"].to_numpy(), "mode": df["clase"].map(MODES).to_numpy(),
        "lane": df["carril"].map(LANES).to_numpy(),
        # a status word is needed to pass the "lane exists" rule; replaced by NA below
        "operational_status": "daily average",
        "delay_minutes": pd.to_numeric(df["minutos"], errors="coerce").to_numpy(),
        "lanes_open": pd.NA, "port_status": None,
        "update_utc": start.to_numpy(),
    })
    lanes["collected_at"] = pd.to_datetime(df["capturado_utc"], utc=True, format="ISO8601").to_numpy()
    prep = lanes_to_readings(lanes, crossings=ports, source=SOURCE, collected_at=None,
                             measure="daily_average", where=str(path))
    frame = prep.frame.copy()
    frame["operational_status"] = pd.array([pd.NA] * len(frame), dtype="string")
    yield Batch(str(path), sha256_bytes(raw), frame, prep.unknown_ports)
