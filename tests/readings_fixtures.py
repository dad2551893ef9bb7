"""Readings frames (the history store's contract, PROTOCOL/history.schema READINGS_COLUMNS) built from the
real San Diego archive in ../shared/data/history, for testing the history analyses on real values."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

SD_CSV = "history/cbp_sd_history_2026-08-25_to_2026-10-11.csv"
#: The archive's lane names -> (mode, lane).
SD_LANES = {"passengerStandard": ("passenger", "standard"), "passengerSentri": ("passenger", "sentri"),
            "passengerReady": ("passenger", "ready"), "pedestrianStandard": ("pedestrian", "standard")}
SD_CROSSINGS = {"250401": "ca-san-ysidro", "250601": "ca-otay-mesa-passenger", "250501": "ca-tecate"}


def sd_readings(shared_data: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared_data / SD_CSV, dtype=str, keep_default_na=False)
    mode_lane = raw["lane"].map(SD_LANES)
    delay = pd.to_numeric(raw["delay_minutes"].replace("", None)).astype("Int64")
    return pd.DataFrame({
        "crossing_id": raw["port_number"].map(SD_CROSSINGS).astype("string"),
        "port_number": raw["port_number"].astype("string"),
        "mode": mode_lane.str[0].astype("string"), "lane": mode_lane.str[1].astype("string"),
        "source_time": pd.to_datetime(raw["source_observed_at"], utc=True).astype("datetime64[ns, UTC]"),
        "collected_at": pd.to_datetime(raw["collected_at"], utc=True).astype("datetime64[ns, UTC]"),
        "operational_status": raw["operational_status"].astype("string"),
        "delay_minutes": delay,
        "lanes_open": pd.to_numeric(raw["lanes_open"].replace("", None)).astype("Int64"),
        "port_status": raw["port_status"].replace("", None).astype("string"),
        "source": pd.Series("cbp-sd-archive", index=raw.index, dtype="string"),
        "revision": pd.Series(0, index=raw.index, dtype="Int64"),
        "measure": pd.Series("reading", index=raw.index, dtype="string"),
        "poll_id": pd.Series(pd.NA, index=raw.index, dtype="Int64"),
    })
