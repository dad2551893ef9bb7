"""Lane frames -> readings frames: the one place that decides which lanes are stored and their source time.

Rules (see :mod:`history.schema`): ``N/A`` lanes and lanes without any status are not stored (the lane type
does not exist there / nothing was said); a lane without its own update time takes the newest update time of
the same crossing in the same payload, else the payload's feed time, else the collection time. Ports that are
not in the crossings reference are left out and counted (the raw payload keeps them).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from loaders.schema import conform

from .schema import READINGS_COLUMNS

SKIPPED_STATUSES = frozenset({"n/a", ""})


@dataclass(frozen=True)
class Prepared:
    frame: pd.DataFrame  # READINGS_COLUMNS
    unknown_ports: tuple[str, ...]  # ports of the payload not in the crossings reference
    skipped_lanes: int  # N/A or status-less lanes


def port_crossings(crossings: pd.DataFrame) -> dict[str, str]:
    """``{port_number: crossing_id}`` from the crossings reference (rows without a port number left out)."""
    c = crossings[crossings["port_number"].notna()]
    return dict(zip(c["port_number"].astype(str), c["crossing_id"].astype(str)))


def lanes_to_readings(lanes: pd.DataFrame, *, crossings: pd.DataFrame | dict, source: str,
                      collected_at, measure: str = "reading", where: str = "feed") -> Prepared:
    """Readings from a lane frame with columns ``port_number, mode, lane, operational_status,
    delay_minutes, lanes_open, port_status, update_utc`` and optionally ``feed_utc`` (the payload's own time
    for the crossing) and ``collected_at`` (per row; else the ``collected_at`` argument)."""
    ports = crossings if isinstance(crossings, dict) else port_crossings(crossings)
    df = lanes.copy()
    status = df["operational_status"].astype("string").str.strip()
    keep = status.notna() & ~status.str.lower().isin(SKIPPED_STATUSES)
    skipped = int((~keep).sum())
    df = df[keep.to_numpy()].copy()
    df["operational_status"] = status[keep]
    known = df["port_number"].isin(ports.keys())
    unknown = tuple(sorted(set(df.loc[~known, "port_number"].astype(str))))
    df = df[known.to_numpy()].copy()
    if "collected_at" not in df.columns:
        df["collected_at"] = pd.Timestamp(collected_at).tz_convert("UTC") if len(df) else pd.NaT
    df["collected_at"] = pd.to_datetime(df["collected_at"], utc=True)
    upd = pd.to_datetime(df["update_utc"], utc=True)
    # "newest update of the same crossing in the same payload": one payload = one collection time
    port_newest = upd.groupby([df["port_number"], df["collected_at"]]).transform("max")
    src = upd.fillna(port_newest)
    if "feed_utc" in df.columns:
        src = src.fillna(pd.to_datetime(df["feed_utc"], utc=True))
    src = src.fillna(df["collected_at"])
    out = pd.DataFrame({
        "crossing_id": df["port_number"].map(ports),
        "port_number": df["port_number"],
        "mode": df["mode"],
        "lane": df["lane"],
        "source_time": src,
        "collected_at": df["collected_at"],
        "operational_status": df["operational_status"],
        "delay_minutes": df["delay_minutes"],
        "lanes_open": df["lanes_open"],
        "port_status": df["port_status"],
        "source": source,
        "revision": 0,
        "measure": measure,
        "poll_id": pd.NA,
    })
    # Numbers only where the status carries them: missing is never 0.
    numbered = out["operational_status"].str.lower().isin(["no delay", "delay"])
    for c in ("delay_minutes", "lanes_open"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("Int64").where(numbered.to_numpy(), pd.NA)
    if measure != "reading":  # daily averages: the number is the average whatever the status word
        out["delay_minutes"] = pd.to_numeric(df["delay_minutes"], errors="coerce").astype("Int64").to_numpy()
    return Prepared(conform(out.reset_index(drop=True), READINGS_COLUMNS, where), unknown, skipped)


def waits_to_readings(waits: pd.DataFrame, *, crossings: pd.DataFrame | dict, source: str = "collector",
                      collected_at=None, where: str = "feed") -> Prepared:
    """A parsed CBP feed (:data:`loaders.schema.WAITS_COLUMNS`, from :func:`loaders.cbp.parse_cbp`) ->
    readings. ``collected_at`` defaults to the frame's ``retrieved_at``."""
    feed_utc = pd.to_datetime(pd.Series([pd.NaT if pd.isna(v) else pd.Timestamp(v).tz_convert("UTC")
                                         for v in waits["feed_time"]], dtype="datetime64[ns, UTC]"), utc=True)
    if collected_at is None:
        collected_at = waits["retrieved_at"].dropna().max() if waits["retrieved_at"].notna().any() else None
    if collected_at is None:
        collected_at = pd.Timestamp.now(tz="UTC")
    lanes = pd.DataFrame({
        "port_number": waits["port_number"].to_numpy(),
        "mode": waits["mode"].to_numpy(),
        "lane": waits["lane"].to_numpy(),
        "operational_status": waits["operational_status"].to_numpy(),
        "delay_minutes": waits["delay_minutes"].to_numpy(),
        "lanes_open": waits["lanes_open"].to_numpy(),
        "port_status": waits["port_status"].to_numpy(),
        "update_utc": waits["updated_at_utc"].to_numpy(),
        "feed_utc": feed_utc.to_numpy(),
    })
    return lanes_to_readings(lanes, crossings=crossings, source=source, collected_at=collected_at, where=where)
