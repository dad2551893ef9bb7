"""Minimal readers of the real wait-time archives in ../shared/data/history, as READINGS_COLUMNS-shaped
frames, for the outage tests (the history package's importers are the product's readers; these only
turn the files into the contract's columns: no values are changed or invented)."""
from __future__ import annotations

import csv
import re

import pandas as pd

from .conftest import SHARED_DATA

GARITAS = SHARED_DATA / "history" / "garitas_2026-08" / "garitas_cbp_changelog_2026-08-19_to_2026-08-22.csv"
MODES = {"pasajeros": "passenger", "peatones": "pedestrian", "carga": "commercial"}
LANES = {"general": "standard", "sentri": "sentri", "ready": "ready", "fast": "fast"}
_TIME = re.compile(r"At\s+(?:(\d{1,2}):(\d{2})\s*([ap])m|(Noon)|(Midnight))", re.IGNORECASE)


def cbp_time(text: str, collected: pd.Timestamp, tz: str) -> pd.Timestamp:
    """'At 7:00 pm MST' read in the crossing's zone on the capture's local date (the day before when that
    lies after the capture); the capture time when the text has no time."""
    m = _TIME.search(text or "")
    if not m:
        return collected
    if m[4]:
        h, mi = 12, 0
    elif m[5]:
        h, mi = 0, 0
    else:
        h, mi = int(m[1]) % 12 + (12 if m[3].lower() == "p" else 0), int(m[2])
    local = collected.tz_convert(tz)
    t = local.normalize() + pd.Timedelta(hours=h, minutes=mi)
    if t > local + pd.Timedelta(minutes=45):
        t -= pd.Timedelta(days=1)
    return t.tz_convert("UTC")


def garitas_readings(crossings: pd.DataFrame) -> pd.DataFrame:
    """The garitas change log (northbound CBP rows of TX/AZ/CA crossings) as readings: one row per change."""
    ids = {str(p): c for p, c in zip(crossings["port_number"], crossings["crossing_id"]) if not pd.isna(p)}
    tzs = dict(zip(crossings["crossing_id"], crossings["tz"]))
    rows = []
    with open(GARITAS, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["sentido"] != "norte" or r["puerto"] not in ids:
                continue
            cid = ids[r["puerto"]]
            at = pd.Timestamp(r["capturado_utc"]).tz_convert("UTC")
            numeric = r["estado"] in ("no delay", "delay")
            rows.append({"crossing_id": cid, "port_number": r["puerto"], "mode": MODES[r["clase"]],
                         "lane": LANES[r["carril"]], "source_time": cbp_time(r["hora_cbp"], at, tzs[cid]),
                         "collected_at": at, "operational_status": r["estado"] or None,
                         "delay_minutes": int(r["minutos"]) if numeric and r["minutos"] else None,
                         "lanes_open": int(r["carriles_abiertos"]) if numeric and r["carriles_abiertos"] else None,
                         "port_status": r["puerto_estado"] or None, "source": "garitas", "revision": 0})
    df = pd.DataFrame(rows)
    for c in ("delay_minutes", "lanes_open", "revision"):
        df[c] = df[c].astype("Int64")
    return df
