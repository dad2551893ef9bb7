"""Rebuild full CBP feed states from the real garitas change log (shared/data/history/garitas_2026-08): the
first capture is a full snapshot, later rows only record changes, so each (port, class, lane) value is carried
forward. Gives a WAITS_COLUMNS frame as the feed stood at one capture: the collection time is the feed
instant (the log keeps no per-port ``time``), update times are CBP's own (``hora_cbp``)."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import pandas as pd

from loaders.cbp import parse_update_time
from loaders.schema import WAITS_COLUMNS, conform

CHANGELOG = "history/garitas_2026-08/garitas_cbp_changelog_2026-08-19_to_2026-08-22.csv"
MODES = {"pasajeros": "passenger", "peatones": "pedestrian", "carga": "commercial"}
LANES = {"general": "standard", "sentri": "sentri", "ready": "ready", "fast": "fast"}


@lru_cache(maxsize=2)
def _rows(path: Path) -> tuple[tuple[pd.Timestamp, dict], ...]:
    with open(path, newline="", encoding="utf-8") as f:
        return tuple((pd.Timestamp(r["capturado_utc"]), r) for r in csv.DictReader(f))


def captures(shared_data: Path) -> list[pd.Timestamp]:
    return sorted({t for t, _ in _rows(shared_data / CHANGELOG)})


def state_at(shared_data: Path, capture: pd.Timestamp, crossings: pd.DataFrame,
             states: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The feed as it stood at ``capture`` for the crossings of our reference (northbound CBP rows only),
    optionally only those of ``states``."""
    ref = {str(p): (s, t) for p, s, t in zip(crossings["port_number"], crossings["state"], crossings["tz"])
           if not pd.isna(p) and (states is None or s in states)}
    last: dict[tuple, dict] = {}
    for when, r in _rows(shared_data / CHANGELOG):
        if when > capture:
            break
        if r["sentido"].strip() != "norte" or r["puerto"] not in ref:
            continue
        last[(r["puerto"], r["clase"], r["carril"])] = r
    rows = []
    for (pn, clase, carril), r in last.items():
        state, tz = ref[pn]
        op = r["estado"] or None
        upd = parse_update_time(r["hora_cbp"], capture, tz) if r["hora_cbp"] else pd.NaT
        reading = op in ("no delay", "delay")
        rows.append({
            "port_number": pn, "border": "Mexican Border", "port_name": r["puerto_nombre"],
            "crossing_name": r["cruce"] or pd.NA, "state": state, "tz": tz, "hours": pd.NA,
            "construction_notice": pd.NA, "port_status": r["puerto_estado"], "mode": MODES[clase],
            "lane": LANES[carril], "operational_status": op,
            "delay_minutes": int(r["minutos"]) if reading and r["minutos"] else pd.NA,
            "lanes_open": int(r["carriles_abiertos"]) if reading and r["carriles_abiertos"] else pd.NA,
            "max_lanes": pd.NA, "updated_at": upd,
            "updated_at_utc": upd.tz_convert("UTC") if not pd.isna(upd) else pd.NaT,
            "feed_time": pd.NaT, "retrieved_at": capture, "feed_instant": capture,
            "stale_reading": r["puerto_estado"] == "Closed",
        })
    df = pd.DataFrame(rows)
    df["updated_at_utc"] = pd.to_datetime(df["updated_at_utc"], utc=True)
    for c in ("retrieved_at", "feed_instant"):
        df[c] = pd.to_datetime(df[c], utc=True)
    return conform(df, WAITS_COLUMNS, f"garitas state at {capture}")
