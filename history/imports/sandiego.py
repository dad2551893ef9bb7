"""Third-party observations of the CBP XML feed for the San Diego ports (MidnightProject-MP/BorderWaitTimes).

One line / row per lane reading with CBP's source time (``sourceObservedAt``, already resolved to UTC from
``sourceFeedDate`` + ``sourceUpdateTime``) and the collection time (``collectedAt``) kept apart. Same content in
two layouts: NDJSON (``.ndjson`` / ``.ndjson.gz``, camelCase keys) and flat CSV (snake_case columns).
"""
from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from loaders.errors import BorderwatchError

from ..ingest import lanes_to_readings
from ._batch import Batch, read_bytes, sha256_bytes

SOURCE = "cbp-sd-archive"
#: the archive's lane names -> (mode, lane)
LANES = {
    "passengerStandard": ("passenger", "standard"), "passengerSentri": ("passenger", "sentri"),
    "passengerReady": ("passenger", "ready"), "pedestrianStandard": ("pedestrian", "standard"),
    "pedestrianReady": ("pedestrian", "ready"), "commercialStandard": ("commercial", "standard"),
    "commercialFast": ("commercial", "fast"),
}
_NDJSON_KEYS = {"portNumber": "port_number", "lane": "lane_key", "sourceObservedAt": "update_utc",
                "collectedAt": "collected_at", "portStatus": "port_status",
                "operationalStatus": "operational_status", "delayMinutes": "delay_minutes",
                "lanesOpen": "lanes_open"}
_CSV_COLS = {"port_number": "port_number", "lane": "lane_key", "source_observed_at": "update_utc",
             "collected_at": "collected_at", "port_status": "port_status",
             "operational_status": "operational_status", "delay_minutes": "delay_minutes",
             "lanes_open": "lanes_open"}


def _frame_to_batch(raw_rows: pd.DataFrame, path: Path, sha: str, crossings) -> Batch:
    bad = sorted(set(raw_rows["lane_key"]) - set(LANES))
    if bad:
        raise BorderwatchError(f"{path}: unknown lane name(s) {', '.join(map(str, bad[:5]))}")
    mode_lane = raw_rows["lane_key"].map(LANES)
    lanes = pd.DataFrame({
        "port_number": raw_rows["port_number"].astype(str).str.strip(),
        "mode": [m for m, _ in mode_lane], "lane": [l for _, l in mode_lane],
        "operational_status": raw_rows["operational_status"],
        "delay_minutes": pd.to_numeric(raw_rows["delay_minutes"], errors="coerce"),
        "lanes_open": pd.to_numeric(raw_rows["lanes_open"], errors="coerce"),
        "port_status": raw_rows["port_status"].where(raw_rows["port_status"].notna() &
                                                     (raw_rows["port_status"] != ""), None),
        "update_utc": _utc(raw_rows["update_utc"], path, "source time"),
        "collected_at": _utc(raw_rows["collected_at"], path, "collection time"),
    })
    prep = lanes_to_readings(lanes, crossings=crossings, source=SOURCE, collected_at=None, where=str(path))
    return Batch(str(path), sha, prep.frame, prep.unknown_ports)


def _utc(values: pd.Series, path: Path, what: str) -> pd.Series:
    out = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
    bad = out.isna() & values.notna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise BorderwatchError(f"{path}: row {i + 1}: {what} {values.iloc[i]!r} is not an ISO time")
    return out


def _read_ndjson(path: Path, *, crossings):
    raw = read_bytes(path)
    text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    recs = []
    for n, line in enumerate(io.BytesIO(text), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BorderwatchError(f"{path}: line {n}: not valid JSON: {exc.msg}") from exc
        missing = [k for k in _NDJSON_KEYS if k not in obj]
        if missing:
            raise BorderwatchError(f"{path}: line {n}: missing key(s) {', '.join(missing)}")
        recs.append({v: obj[k] for k, v in _NDJSON_KEYS.items()})
    yield _frame_to_batch(pd.DataFrame(recs, columns=list(_NDJSON_KEYS.values())), path, sha256_bytes(raw),
                          crossings)


def _read_csv(path: Path, *, crossings):
    raw = read_bytes(path)
    text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    df = pd.read_csv(io.BytesIO(text), dtype=str, keep_default_na=False)
    missing = [c for c in _CSV_COLS if c not in df.columns]
    if missing:
        raise BorderwatchError(f"{path}: missing column(s) {', '.join(missing)}")
    df = df.rename(columns=_CSV_COLS)[list(_CSV_COLS.values())]
    df = df.replace({"": None})
    yield _frame_to_batch(df, path, sha256_bytes(raw), crossings)


def _sniff_ndjson(path: Path, head: bytes) -> bool:
    return head.lstrip().startswith(b"{") and b'"observationId"' in head and b'"sourceObservedAt"' in head


def _sniff_csv(path: Path, head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff").strip().split(",")
    return set(_CSV_COLS) <= set(first)


NDJSON = SimpleNamespace(FORMAT="cbp-sd-ndjson", sniff=_sniff_ndjson, read=_read_ndjson)
CSV = SimpleNamespace(FORMAT="cbp-sd-csv", sniff=_sniff_csv, read=_read_csv)
