"""CBP's own "typical" waits (``/api/historicalwaittimes``): previous-year averages by month x weekday x hour.

These are **CBP's averages**, a different quantity from our readings: the frame says so in every row
(``source``) and nothing here or in ``history/`` blends them with readings. Layout (pvlib ``iotools`` style):
:func:`fetch_typical` (network only), :func:`parse_typical_json` / :func:`parse_typical_csv` (pure),
:func:`read_typical` (a saved file), :func:`load_typical` (a file, or the embedded San Ysidro capture).

API: ``GET https://bwt.cbp.gov/api/historicalwaittimes/{bwtId}/POV/GEN/{month}/7`` returns, per weekday
(``bwt_day`` 0 = Monday) and hour (``time_slot``, port-local), one average per lane: ``pv_time_avg``
(passenger standard), ``xpv_time_avg`` (passenger SENTRI), ``pv_ready_lanes_time_avg``, ``ped_time_avg``,
``ped_ready_lanes_time_avg``, ``cv_time_avg`` (commercial standard), ``xcv_time_avg`` (commercial FAST).
``bwtId`` is the 8-character id of ``/api/bwtmodern/crossingslist`` (``09250401``); its last six characters
are the feed's ``port_number``. **A lane whose averages are all 0 for a month does not exist there** (San
Ysidro has no commercial lanes): NA, never "no wait". A single 0 among other values is a real 0-minute average.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from .config import Settings, get_settings
from .errors import FeedError
from .http import Fetched, http_get
from .schema import Column, _cols, conform

URL = "https://bwt.cbp.gov/api/historicalwaittimes/{bwt_id}/POV/GEN/{month}/7"
SOURCE = "CBP historicalwaittimes: previous-year averages (CBP's, not our readings)"
EMBEDDED_FILE = "cbp/historicalwaittimes_09250401_san_ysidro_POV.csv"
#: API column -> (mode, lane)
LANES: dict[str, tuple[str, str]] = {
    "pv_time_avg": ("passenger", "standard"), "xpv_time_avg": ("passenger", "sentri"),
    "pv_ready_lanes_time_avg": ("passenger", "ready"), "ped_time_avg": ("pedestrian", "standard"),
    "ped_ready_lanes_time_avg": ("pedestrian", "ready"), "cv_time_avg": ("commercial", "standard"),
    "xcv_time_avg": ("commercial", "fast"),
}
KEYS = ("bwt_month", "bwt_day", "bwt_hour")

TYPICAL_COLUMNS = _cols(
    Column("bwt_id", "string", False, description="CBP 8-character crossing id, e.g. '09250401'"),
    Column("port_number", "string", False, description="feed port number (last 6 characters of bwt_id)"),
    Column("month", "Int64", False, description="1-12"),
    Column("weekday", "Int64", False, description="0 = Monday (CBP's bwt_day)"),
    Column("hour", "Int64", False, description="0-23, port-local (CBP's time_slot)"),
    Column("mode", "string", False),
    Column("lane", "string", False),
    Column("typical_minutes", "Int64", True, "minutes", "CBP's average; NA where the lane does not exist"),
    Column("source", "string", False, description="always SOURCE: CBP's averages, never blended"),
)


def fetch_typical(bwt_id: str, month: int, settings: Settings | None = None) -> Fetched:
    """GET one month of CBP's typical waits for a crossing (network only)."""
    if not 1 <= int(month) <= 12:
        raise ValueError(f"month {month} is not 1-12")
    return http_get(URL.format(bwt_id=bwt_id, month=int(month)), settings=settings or get_settings())


def parse_typical_json(raw: bytes | str, *, bwt_id: str, source: str) -> pd.DataFrame:
    """The API's JSON (a list of records with ``time_slot``; or ``{"data": [...]}``) -> TYPICAL_COLUMNS."""
    try:
        doc = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FeedError(source, f"not valid JSON: {exc}") from exc
    if isinstance(doc, dict):
        doc = next((v for v in doc.values() if isinstance(v, list)), None)
    if not isinstance(doc, list) or not doc:
        raise FeedError(source, "expected a non-empty JSON list of hourly records")
    df = pd.DataFrame(doc).rename(columns={"time_slot": "bwt_hour"})
    return _tidy(df, bwt_id=bwt_id, source=source)


def parse_typical_csv(text: bytes | str, *, bwt_id: str, source: str) -> pd.DataFrame:
    """The flattened CSV (``bwt_month, bwt_day, bwt_hour`` + lane columns) -> TYPICAL_COLUMNS."""
    buf = io.BytesIO(text) if isinstance(text, bytes) else io.StringIO(text)
    try:
        df = pd.read_csv(buf, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise FeedError(source, f"not a CSV: {exc}") from exc
    return _tidy(df.rename(columns={"time_slot": "bwt_hour"}), bwt_id=bwt_id, source=source)


def read_typical(path: str | Path, *, bwt_id: str | None = None) -> pd.DataFrame:
    """A saved file (CSV or JSON). ``bwt_id`` defaults to the 8 digits in the file name."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FeedError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    if bwt_id is None:
        import re
        m = re.search(r"(?<!\d)(\d{8})(?!\d)", path.name)
        if not m:
            raise FeedError(str(path), "no 8-digit CBP crossing id (bwtId) in the file name; pass bwt_id")
        bwt_id = m[1]
    if raw.lstrip()[:1] in (b"[", b"{"):
        return parse_typical_json(raw, bwt_id=bwt_id, source=str(path))
    return parse_typical_csv(raw, bwt_id=bwt_id, source=str(path))


def load_typical(path: str | Path | None = None, settings: Settings | None = None) -> pd.DataFrame:
    """``path``, else the embedded San Ysidro capture in ``data/``."""
    if path is None:
        path = (settings or get_settings()).data_dir / EMBEDDED_FILE
    return read_typical(path)


def _tidy(df: pd.DataFrame, *, bwt_id: str, source: str) -> pd.DataFrame:
    missing = [k for k in KEYS if k not in df.columns]
    lanes = [c for c in LANES if c in df.columns]
    if missing or not lanes:
        raise FeedError(source, f"missing column(s) {', '.join(missing or ['any lane average'])}")
    num = {}
    for c in (*KEYS, *lanes):
        v = pd.to_numeric(df[c].replace({"": None, "N/A": None}), errors="coerce")
        bad = v.isna() & df[c].notna() & ~df[c].isin(["", "N/A"])
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise FeedError(source, f"row {i + 1}: {c} {df[c].iloc[i]!r} is not a number")
        num[c] = v.astype("Int64")
    wide = pd.DataFrame(num)
    for k, lo, hi in (("bwt_month", 1, 12), ("bwt_day", 0, 6), ("bwt_hour", 0, 23)):
        out = wide[k].isna() | (wide[k] < lo) | (wide[k] > hi)
        if out.any():
            raise FeedError(source, f"row {int(out.to_numpy().nonzero()[0][0]) + 1}: {k} outside {lo}..{hi}")
    # all-zero lane within a month -> the lane does not exist that month: NA
    for c in lanes:
        zero_month = wide.groupby("bwt_month")[c].transform(lambda s: bool((s.fillna(0) == 0).all()))
        wide[c] = wide[c].mask(zero_month.astype(bool))
    long = wide.melt(id_vars=list(KEYS), value_vars=lanes, var_name="col", value_name="typical_minutes")
    ml = long["col"].map(LANES)
    out = pd.DataFrame({
        "bwt_id": bwt_id, "port_number": bwt_id[-6:],
        "month": long["bwt_month"], "weekday": long["bwt_day"], "hour": long["bwt_hour"],
        "mode": [m for m, _ in ml], "lane": [l for _, l in ml],
        "typical_minutes": long["typical_minutes"].astype("Int64"), "source": SOURCE,
    })
    out = out.sort_values(["mode", "lane", "month", "weekday", "hour"]).reset_index(drop=True)
    return conform(out, TYPICAL_COLUMNS, source)
