"""Files written by ``borderwatch history export`` (CSV or parquet with the READINGS_COLUMNS header): read
back with their own source, times and revision order, so export -> import reproduces the history."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.errors import BorderwatchError
from loaders.schema import conform

from ..schema import READINGS_COLUMNS
from ._batch import Batch, read_bytes, sha256_bytes

FORMAT = "borderwatch-export"
_NAMES = [c.name for c in READINGS_COLUMNS]


def sniff(path: Path, head: bytes) -> bool:
    if path.is_dir():
        return False
    if head[:4] == b"PAR1":
        return True
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff").strip().split(",")
    return set(_NAMES) - {"poll_id"} <= set(first)


def read(path: Path, *, crossings: pd.DataFrame):
    raw = read_bytes(path)
    if raw[:4] == b"PAR1":
        df = pd.read_parquet(path)
    else:
        df = pd.read_csv(path, dtype=str, keep_default_na=False).replace({"": None})
        for c in ("source_time", "collected_at"):
            if c in df.columns:
                df[c] = pd.to_datetime(df[c], utc=True, format="ISO8601", errors="coerce")
    missing = [c for c in _NAMES if c not in df.columns and c != "poll_id"]
    if missing:
        raise BorderwatchError(f"{path}: missing column(s) {', '.join(missing)}")
    if "poll_id" not in df.columns:
        df["poll_id"] = pd.NA
    df["poll_id"] = pd.NA  # poll ids belong to the exporting store
    for c in ("delay_minutes", "lanes_open", "revision"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    known = set(crossings["crossing_id"])
    unknown = tuple(sorted(set(df.loc[~df["crossing_id"].isin(known), "port_number"].astype(str))))
    df = df[df["crossing_id"].isin(known)]
    # revisions in their order, so the store numbers them the same way
    df = df.sort_values(["port_number", "mode", "lane", "measure", "source_time", "revision"], kind="stable")
    yield Batch(str(path), sha256_bytes(raw), conform(df.reset_index(drop=True), READINGS_COLUMNS, str(path)),
                unknown)
