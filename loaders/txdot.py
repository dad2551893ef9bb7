"""TxDOT/UNT bridge-level counts: CBP field-office northbound crossings per Texas **bridge** and month.

Source: the University of North Texas / TxDOT data set ``unt-clscm/CBP-Border-Crossings``
(``03-Processed-Data/csv/monthly_crossings_2008_2025.csv``), compiled from the CBP El Paso and Laredo field
offices' traffic reports, 2008-01 - 2025-12. Columns: ``ID, Year, Month, Region, POE, Crossing, Modes,
Northbound Crossing``; one row per crossing x month x mode. BTS counts per *port* (Laredo is one number for
four bridges); this source splits them, which is what a chart titled with a bridge must show.

Output: the tidy ``BRIDGE_VOLUMES_COLUMNS`` frame (see :mod:`loaders.schema`), one row per source crossing x
month x measure, mapped onto our ``crossing_id`` values.

Quirks (all in the real file):

* The source writes ``0`` for modes a bridge does not carry (trucks on Eagle Pass Bridge I, pedestrians on
  the rail bridges). A 0 is kept as published: it is a count of none, not a missing value. A month the
  source does not list (railcars in 2025; road modes of the rail bridges in one year) is *absent*: on a
  chart grid it is NA, never 0.
* "El Paso Railroad Bridges" (code ELPA) counts the BNSF and Union Pacific rail bridges together: its rows
  carry ``crossing_id`` = the BNSF bridge and ``covers`` = both ids, so nothing is ever split or doubled.
* Units differ per measure (vehicles, buses, trucks, people, railcars): never summed across measures.

Layers: :func:`fetch_txdot` (network only), :func:`parse_txdot` (pure), :func:`read_txdot` (a saved CSV),
:func:`write_bridge_parquet` / :func:`read_bridge_parquet` (the embedded snapshot), :func:`crossing_series`.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .config import Settings, get_settings
from .errors import FeedError, Problem, ValidationError
from .http import http_get
from .schema import BRIDGE_VOLUMES_COLUMNS, conform, empty_frame

SOURCE = "TxDOT/UNT"
DEFAULT_URL = ("https://raw.githubusercontent.com/unt-clscm/CBP-Border-Crossings/main/"
               "03-Processed-Data/csv/monthly_crossings_2008_2025.csv")
FILENAME = "txdot_unt_bridge_volumes_tx.parquet"

#: Source column -> our name.
COLUMN_RENAMES: dict[str, str] = {
    "ID": "source_id", "Year": "year", "Month": "month_num", "Region": "region", "POE": "poe",
    "Crossing": "source_crossing", "Modes": "source_measure", "Northbound Crossing": "value",
}

#: Source mode -> (our measure, unit, family). Names follow BTS where the thing counted is the same
#: (BTS "Personal Vehicles" = TxDOT "Passenger Vehicles"); the source counts pedestrians *and*
#: bicyclists together, so that measure keeps its own name.
MEASURES: dict[str, tuple[str, str, str]] = {
    "Passenger Vehicles": ("Personal Vehicles", "vehicles", "vehicles"),
    "Buses": ("Buses", "buses", "vehicles"),
    "Commercial Trucks": ("Trucks", "trucks", "vehicles"),
    "Pedestrians/ Bicyclists": ("Pedestrians and Bicyclists", "people", "people"),
    "Railcars": ("Railcars", "railcars", "vehicles"),
}

#: Our measure -> the crossing mode it is evidence for.
MEASURE_MODES: dict[str, str] = {
    "Personal Vehicles": "passenger", "Buses": "passenger", "Trucks": "commercial",
    "Pedestrians and Bicyclists": "pedestrian", "Railcars": "rail",
}

#: The source's 4-letter crossing code (third part of ``ID``) -> (source name, our crossing ids, BTS port).
CROSSWALK: dict[str, tuple[str, tuple[str, ...], str]] = {
    "BRID": ("Bridge of the Americas", ("tx-el-paso-bota",), "2402"),
    "PASO": ("Paso del Norte Bridge", ("tx-el-paso-pdn",), "2402"),
    "GOOD": ("Good Neighbor Bridge", ("tx-el-paso-stanton",), "2402"),
    "ELPA": ("El Paso Railroad Bridges", ("tx-el-paso-bnsf-rail", "tx-el-paso-up-rail"), "2402"),
    "YSLE": ("Ysleta Bridge", ("tx-el-paso-ysleta",), "2401"),
    "MARC": ("Marcelino Serna Bridge", ("tx-tornillo",), "2404"),
    "FORT": ("Fort Hancock-El Porvenir Bridge", ("tx-fort-hancock",), "2404"),
    "PRES": ("Presidio-Ojinaga International Bridge", ("tx-presidio",), "2403"),
    "BOQU": ("Boquillas", ("tx-boquillas",), "2410"),
    "DELR": ("Del Rio International Bridge", ("tx-del-rio",), "2302"),
    "LAKA": ("Lake Amistad Dam Crossing", ("tx-del-rio-amistad-dam",), "2302"),
    "EAGL": ("Eagle Pass International Bridge", ("tx-eagle-pass-bridge-1",), "2303"),
    "CAMI": ("Camino Real International Bridge", ("tx-eagle-pass-bridge-2",), "2303"),
    "UNIO": ("Union Pacific Eagle Pass Railroad Bridge", ("tx-eagle-pass-rail",), "2303"),
    "GTAB": ("Gateway to the Americas Bridge", ("tx-laredo-bridge-1",), "2304"),
    "JUAR": ("Juárez-Lincoln International Bridge", ("tx-laredo-bridge-2",), "2304"),
    "COLO": ("Colombia Solidarity Bridge", ("tx-laredo-colombia",), "2304"),
    "WORL": ("World Trade Bridge", ("tx-laredo-world-trade",), "2304"),
    "CANA": ("Canadian Pacific Kansas City Laredo Railroad Bridge", ("tx-laredo-rail",), "2304"),
    "BROW": ("Brownsville & Matamoros Express Bridge", ("tx-brownsville-bm",), "2301"),
    "GATE": ("Gateway International Bridge", ("tx-brownsville-gateway",), "2301"),
    "FREE": ("Free Trade International Bridge (Los Indios)", ("tx-brownsville-los-indios",), "2301"),
    "VETE": ("Veterans International Bridge at Los Tomates", ("tx-brownsville-veterans",), "2301"),
    "WEST": ("West Rail Bridge", ("tx-brownsville-west-rail",), "2301"),
    "ANZA": ("Anzalduas International Bridge", ("tx-hidalgo-anzalduas",), "2305"),
    "MCAL": ("McAllen-Hidalgo International Bridge", ("tx-hidalgo",), "2305"),
    "PHAR": ("Pharr International Bridge", ("tx-pharr",), "2305"),
    "DONN": ("Donna-Rio Bravo International Bridge", ("tx-progreso-donna",), "2309"),
    "PROG": ("Progreso International Bridge", ("tx-progreso",), "2309"),
    "STAR": ("Starr-Camargo Bridge", ("tx-rio-grande-city",), "2307"),
    "LOSE": ("Los Ebanos Ferry", ("tx-los-ebanos-ferry",), "2307"),
    "ROMA": ("Roma-Ciudad Miguel Alemán International Bridge", ("tx-roma",), "2310"),
    "LAKF": ("Lake Falcon Dam International Crossing", ("tx-roma-falcon-dam",), "2310"),
}

MAX_PROBLEMS = 50


def crossing_codes() -> dict[str, str]:
    """``{crossing_id: source code}`` for every crossing the source counts (both El Paso rail bridges -> ELPA)."""
    return {cid: code for code, (_, cids, _) in CROSSWALK.items() for cid in cids}


def parse_txdot(text: str | bytes, *, source: str = "<txdot>") -> pd.DataFrame:
    """Parse the TxDOT/UNT monthly CSV into the ``BRIDGE_VOLUMES_COLUMNS`` frame, sorted by crossing_id,
    month, measure. Raises :class:`ValidationError` listing every bad line as ``FILE:LINE: message``
    (header = line 1): unknown crossing code or mode, a name that does not match its code, a bad month,
    a negative or non-integer count, a repeated (crossing, month, mode)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    text = text.lstrip("\ufeff")
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValidationError([Problem(source, None, f"not a readable CSV: {exc}")]) from exc
    missing = [c for c in COLUMN_RENAMES if c not in raw.columns]
    if missing:
        raise ValidationError([Problem(source, 1, f"missing column(s): {', '.join(missing)}")])
    raw = raw.rename(columns=COLUMN_RENAMES)
    problems: list[Problem] = []

    def bad(i: int, msg: str) -> None:
        problems.append(Problem(source, int(i) + 2, msg))

    code = raw["source_id"].str.split("-").str[2].fillna("")
    known = code.isin(list(CROSSWALK))
    for i in np.flatnonzero(~known.to_numpy()):
        bad(i, f"unknown crossing code {code.iloc[i]!r} in ID {raw['source_id'].iloc[i]!r} ({raw['source_crossing'].iloc[i]})")
    names = code.map(lambda c: CROSSWALK.get(c, ("",))[0])
    for i in np.flatnonzero((known & (names != raw["source_crossing"])).to_numpy()):
        bad(i, f"crossing {raw['source_crossing'].iloc[i]!r} does not match its code {code.iloc[i]!r} "
               f"({CROSSWALK[code.iloc[i]][0]!r})")
    mode_ok = raw["source_measure"].isin(list(MEASURES))
    for i in np.flatnonzero(~mode_ok.to_numpy()):
        bad(i, f"unknown mode {raw['source_measure'].iloc[i]!r} (known: {', '.join(MEASURES)})")
    year = pd.to_numeric(raw["year"], errors="coerce")
    mon = pd.to_numeric(raw["month_num"], errors="coerce")
    month_ok = year.between(1990, 2100) & mon.between(1, 12) & (year % 1 == 0) & (mon % 1 == 0)
    for i in np.flatnonzero(~month_ok.fillna(False).to_numpy()):
        bad(i, f"bad year/month {raw['year'].iloc[i]!r}/{raw['month_num'].iloc[i]!r}")
    vtext = raw["value"].str.strip().str.replace(",", "", regex=False)
    value = pd.to_numeric(vtext.where(vtext != ""), errors="coerce")
    value_bad = (vtext != "") & (value.isna() | (value % 1 != 0) | (value < 0))
    for i in np.flatnonzero(value_bad.to_numpy()):
        bad(i, f"count {raw['value'].iloc[i]!r} is not a non-negative integer")
    if len(problems) > MAX_PROBLEMS:
        n = len(problems) - MAX_PROBLEMS
        problems = problems[:MAX_PROBLEMS] + [Problem(source, None, f"... and {n} more problem(s)")]
    if problems:
        raise ValidationError(problems)
    if raw.empty:
        return empty_frame(BRIDGE_VOLUMES_COLUMNS)
    meas = raw["source_measure"].map(lambda m: MEASURES[m])
    cw = code.map(CROSSWALK)
    out = pd.DataFrame({
        "source": SOURCE,
        "source_id": raw["source_id"],
        "source_crossing": raw["source_crossing"],
        "crossing_id": cw.map(lambda t: t[1][0]),
        "covers": cw.map(lambda t: ";".join(t[1])),
        "port_code": cw.map(lambda t: t[2]),
        "month": pd.to_datetime(pd.DataFrame({"year": year.astype(int), "month": mon.astype(int), "day": 1})),
        "measure": meas.map(lambda t: t[0]),
        "value": pd.array(value.astype("Int64")),
        "unit": meas.map(lambda t: t[1]),
        "family": meas.map(lambda t: t[2]),
    })
    dup = out.duplicated(["crossing_id", "month", "measure"], keep=False)
    if dup.any():
        rows = np.flatnonzero(dup.to_numpy())
        raise ValidationError([Problem(source, int(i) + 2, f"{out['source_id'].iloc[i]}: repeats another row's "
                                                            "crossing, month and mode") for i in rows[:MAX_PROBLEMS]])
    out = out.sort_values(["crossing_id", "month", "measure"], kind="stable").reset_index(drop=True)
    return conform(out, BRIDGE_VOLUMES_COLUMNS, source)


def fetch_txdot(settings: Settings | None = None, *, url: str | None = None, session=None) -> bytes:
    """GET the source CSV (``BORDERWATCH_TXDOT_URL`` or :data:`DEFAULT_URL`). Network only; returns the
    raw bytes. Raises :class:`FeedError`."""
    settings = settings or get_settings()
    url = url or os.environ.get("BORDERWATCH_TXDOT_URL") or DEFAULT_URL
    return http_get(url, settings=settings, session=session).content


def read_txdot(path: str | os.PathLike) -> pd.DataFrame:
    """Read a saved TxDOT/UNT CSV or our parquet. Raises :class:`FeedError` / :class:`ValidationError`."""
    path = Path(path)
    if path.name.endswith(".parquet"):
        return read_bridge_parquet(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeedError(str(path), f"cannot read file: {exc}") from exc
    return parse_txdot(data, source=str(path))


def write_bridge_parquet(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write the frame to parquet (zstd) atomically. Raises :class:`ValidationError` if it does not conform."""
    path = Path(path)
    frame = conform(df, BRIDGE_VOLUMES_COLUMNS, str(path))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def read_bridge_parquet(path: str | os.PathLike) -> pd.DataFrame:
    """Read a file written by :func:`write_bridge_parquet`. Raises :class:`FeedError` / :class:`ValidationError`."""
    try:
        # one file: ParquetFile, not read_table, which builds a dataset (importing pyarrow.dataset, acero
        # and substrait: ~70 ms and ~5 MB at the first snapshot load) for the same table
        with pq.ParquetFile(path) as pf:
            table = pf.read()
    except (OSError, pa.ArrowException) as exc:
        raise FeedError(str(path), f"cannot read parquet: {exc}") from exc
    return conform(table.to_pandas(), BRIDGE_VOLUMES_COLUMNS, str(path))


def crossing_series(bridge: pd.DataFrame, crossing_id: str) -> pd.DataFrame:
    """The rows counting ``crossing_id`` (a count that covers it together with another crossing included)."""
    if bridge.empty:
        return bridge
    hit = bridge["covers"].str.split(";").map(lambda cs: crossing_id in cs)
    return bridge[hit.to_numpy(dtype=bool)].reset_index(drop=True)
