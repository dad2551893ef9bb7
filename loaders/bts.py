"""BTS Border Crossing Entry Data: monthly inbound crossings per port x month x measure.

Source: the Bureau of Transportation Statistics data set ``keg4-3bc2`` (a Socrata resource), as a bulk CSV
(every published variant since 2019) or as the Socrata JSON API. Output: the tidy ``VOLUMES_COLUMNS`` frame
(see :mod:`loaders.schema`), one row per port_code x month x measure.

Layers (pvlib ``iotools`` style):

* :func:`fetch_bts` -- network only: pages through the Socrata API, returns the raw row dicts.
* :func:`parse_bts_csv`, :func:`parse_bts_socrata` -- pure: raw CSV / JSON rows to the tidy frame, validated.
* :func:`read_bts` -- a saved file (CSV, CSV.gz, JSON, parquet).
* :func:`write_volumes_parquet` / :func:`read_volumes_parquet` -- the fast on-disk snapshot.
* :func:`filter_volumes`, :func:`aggregate_volumes` -- pure helpers for the dashboard.

The 12 measures have different units (vehicles, people, containers): nothing in this module ever adds
values of different measures. Duplicate rows of the source are dropped; rows that share
(port_code, month, measure) but disagree on the value are *conflicts*: one row is kept with value ``<NA>``
(the truth is unknown) and they are reported in ``df.attrs["conflicts"]`` and as a logged warning.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .config import Settings, get_settings
from .errors import FeedError, Problem, ValidationError
from .http import Deadline, gunzip_capped, http_get, read_file_capped
from .schema import VOLUMES_COLUMNS, conform, empty_frame

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------------

#: Source column (header text, compared case-insensitively) -> our name. Only the first seven are used.
COLUMN_RENAMES: dict[str, str] = {
    "port name": "port_name",
    "state": "state",
    "port code": "port_code",
    "border": "border",
    "date": "date",
    "measure": "measure",
    "value": "value",
    "latitude": "latitude",
    "longitude": "longitude",
    "point": "point",
    "location": "location",
}
#: The raw columns we read, in the order every published variant (and a headerless file) has them.
RAW_COLUMNS: tuple[str, ...] = ("port_name", "state", "port_code", "border", "date", "measure", "value")

#: Socrata API field names (https://data.bts.gov/resource/keg4-3bc2.json) -> our raw names.
SOCRATA_FIELDS: dict[str, str] = {c: c for c in RAW_COLUMNS}

#: The 12 BTS measures: name -> (unit, family). Values of different measures are never added.
MEASURES: dict[str, tuple[str, str]] = {
    "Personal Vehicles": ("vehicles", "vehicles"),
    "Buses": ("buses", "vehicles"),
    "Trucks": ("trucks", "vehicles"),
    "Trains": ("trains", "vehicles"),
    "Personal Vehicle Passengers": ("people", "people"),
    "Bus Passengers": ("people", "people"),
    "Pedestrians": ("people", "people"),
    "Train Passengers": ("people", "people"),
    "Truck Containers Loaded": ("containers", "freight"),
    "Truck Containers Empty": ("containers", "freight"),
    "Rail Containers Loaded": ("containers", "freight"),
    "Rail Containers Empty": ("containers", "freight"),
}
FAMILIES: tuple[str, ...] = ("vehicles", "people", "freight")

#: Older names of measures (files published before 2022 say "Full" where today's say "Loaded").
MEASURE_ALIASES: dict[str, str] = {
    "Truck Containers Full": "Truck Containers Loaded",
    "Rail Containers Full": "Rail Containers Loaded",
}

#: State name -> USPS abbreviation (the file spells states out; some resaved versions abbreviate).
STATE_ABBREVIATIONS: dict[str, str] = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC", "Florida": "FL",
    "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA",
    "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD",
    "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO",
    "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ",
    "New Mexico": "NM", "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH",
    "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
    "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT",
    "Virginia": "VA", "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
}
STATE_NAMES: dict[str, str] = {abbr: name for name, abbr in STATE_ABBREVIATIONS.items()}

#: Date formats seen in published versions; the one that fits the file's distinct dates best is used.
DATE_FORMATS: tuple[str, ...] = (
    "%b %Y",  # Jan 2024 (current)
    "%m/%d/%Y %I:%M:%S %p",  # 12/01/2018 12:00:00 AM (2019 Socrata export)
    "%m/%d/%y %H:%M",  # 3/1/19 0:00 (resaved by Excel)
    "%Y-%m-%d",  # 2020-01-01
    "%Y-%m-%dT%H:%M:%S.%f",  # 2024-01-01T00:00:00.000 (Socrata JSON)
    "%Y-%m-%dT%H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%B %Y",  # January 2024
    "%Y-%m",
)

PORT_CODE_RE = re.compile(r"^\d{1,4}$")
MONTH_ARG_RE = re.compile(r"^(\d{4})-(\d{2})$")

#: Cap of problems listed in one ValidationError (the rest are counted).
MAX_PROBLEMS = 50

#: Socrata defaults: the border this project covers, a stable total order for paging.
DEFAULT_BORDER = "US-Mexico Border"
SOCRATA_ORDER = "date,port_code,measure,:id"
SOCRATA_SELECT = ",".join(SOCRATA_FIELDS)

#: Parquet schema-metadata key for the conflicts list.
PARQUET_CONFLICTS_KEY = b"borderwatch.bts.conflicts"

_GZIP_MAGIC = b"\x1f\x8b"
_NORM_MEASURES = {m.casefold(): m for m in MEASURES} | {a.casefold(): m for a, m in MEASURE_ALIASES.items()}
_NORM_STATES = {n.casefold(): a for n, a in STATE_ABBREVIATIONS.items()} | {
    a.casefold(): a for a in STATE_ABBREVIATIONS.values()
}
_MEASURE_LIST = list(MEASURES)
_UNITS = np.array([MEASURES[m][0] for m in _MEASURE_LIST], dtype=object)
_FAMILY = np.array([MEASURES[m][1] for m in _MEASURE_LIST], dtype=object)


# --------------------------------------------------------------------------------------------------
# Parsing: CSV
# --------------------------------------------------------------------------------------------------


def parse_bts_csv(path_or_buffer: str | os.PathLike | bytes | IO, *, source: str | None = None) -> pd.DataFrame:
    """Parse a BTS Border Crossing Entry Data CSV (any published variant) into the ``VOLUMES_COLUMNS`` frame.

    ``path_or_buffer``: a path (``.gz`` or gzip content is decompressed), raw bytes, or a binary/text file
    object. Header or not, 7 to 10+ columns, any of the known date formats (sniffed once per file).

    Returns the tidy frame sorted by port_code, month, measure, with ``attrs["conflicts"]`` (list of dicts
    ``port_code, port_name, month, measure, values, lines``) and ``attrs["duplicates"]`` (rows dropped).
    Raises :class:`ValidationError` listing every bad line as ``FILE:LINE: message`` (header = line 1),
    capped at :data:`MAX_PROBLEMS` plus a count of the rest.
    """
    stream, head, src = _open_source(path_or_buffer, source)
    header, ncols, has_header = _sniff_header(head, src)
    names = _column_names(header, has_header, src)
    names += [f"_extra{i}" for i in range(len(names), ncols)]

    invalid: list[tuple[int, int, int]] = []

    def on_invalid(row) -> str:
        invalid.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    import pyarrow.csv as pacsv  # here: the page reads the parquet snapshot and never needs the CSV reader

    dictionary = pa.dictionary(pa.int32(), pa.string())
    read_options = pacsv.ReadOptions(
        column_names=names, skip_rows=1 if has_header else 0, use_threads=False, block_size=1 << 22
    )
    parse_options = pacsv.ParseOptions(ignore_empty_lines=False, invalid_row_handler=on_invalid)

    def convert(value_type: pa.DataType) -> pacsv.ConvertOptions:
        return pacsv.ConvertOptions(
            include_columns=list(RAW_COLUMNS),
            column_types={**{c: dictionary for c in RAW_COLUMNS[:-1]}, "value": value_type},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )

    try:
        try:  # fast path: every value is an integer (or empty)
            table = pacsv.read_csv(stream(), read_options, parse_options, convert(pa.int64()))
            value_arr = table.column("value")
            values = value_arr.fill_null(0).to_numpy()
            value_na = value_arr.is_null().to_numpy(zero_copy_only=False)
            value_text = None
        except pa.ArrowInvalid as exc:
            if "conversion error" not in str(exc):
                raise
            invalid.clear()
            table = pacsv.read_csv(stream(), read_options, parse_options, convert(pa.string()))
            value_text = table.column("value").to_pandas()
            values = value_na = None
    except pa.ArrowInvalid as exc:
        raise ValidationError([Problem(src, None, f"not a readable CSV: {exc}")]) from exc

    cats = table.select(list(RAW_COLUMNS[:-1])).to_pandas()
    first = 2 if has_header else 1
    lines = np.arange(first, first + table.num_rows + len(invalid), dtype=np.int64)
    if invalid:
        lines = np.delete(lines, [n - first for n, _, _ in invalid if n is not None])
    problems = _Problems(src)
    for number, expected, actual in invalid:
        problems.add_one(number, f"expected {expected} fields, found {actual}")
    if value_text is not None:
        values, value_na = _values_from_text(value_text, lines, problems)
    return _tidy({c: cats[c].array for c in RAW_COLUMNS[:-1]}, values, value_na, lines, problems, src)


def _open_source(path_or_buffer, source: str | None):
    """Return (callable giving a fresh pyarrow input stream, first bytes of the text, source label)."""
    if isinstance(path_or_buffer, (str, os.PathLike)):
        path = os.fspath(path_or_buffer)
        src = source or path
        data = read_file_capped(path, decompress=True)  # FeedError: missing, folder, device, too big, bad gzip
        return (lambda: pa.BufferReader(data)), data[: 1 << 16], src
    src = source or getattr(path_or_buffer, "name", None) or "<buffer>"
    if isinstance(path_or_buffer, (bytes, bytearray, memoryview)):
        data = bytes(path_or_buffer)
    elif hasattr(path_or_buffer, "read"):
        data = path_or_buffer.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
    else:
        raise TypeError(f"expected a path, bytes or a file object, got {type(path_or_buffer).__name__}")
    if data[:2] == _GZIP_MAGIC:
        data = gunzip_capped(data, src, get_settings().file_max_bytes)
    return (lambda: pa.BufferReader(data)), data[: 1 << 16], src


def _sniff_header(head: bytes, src: str) -> tuple[list[str], int, bool]:
    """Read the first line: (fields, number of fields, is it a header?)."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    if not first:
        raise ValidationError([Problem(src, 1, "file is empty")])
    fields = next(csv.reader([first]))
    norm = {f.strip().casefold() for f in fields}
    has_header = len(norm & set(COLUMN_RENAMES)) >= 3  # a data line never holds three column names
    return fields, len(fields), has_header


def _column_names(fields: list[str], has_header: bool, src: str) -> list[str]:
    if not has_header:
        if len(fields) < len(RAW_COLUMNS):
            raise ValidationError([Problem(src, 1, f"no header and only {len(fields)} fields; expected "
                                                   f"at least {len(RAW_COLUMNS)} ({', '.join(RAW_COLUMNS)})")])
        return list(RAW_COLUMNS) + [f"_extra{i}" for i in range(len(RAW_COLUMNS), len(fields))]
    names: list[str] = []
    for i, f in enumerate(fields):
        name = COLUMN_RENAMES.get(f.strip().casefold())
        names.append(name if name and name not in names else f"_extra{i}")
    missing = [c for c in RAW_COLUMNS if c not in names]
    if missing:
        raise ValidationError([Problem(src, 1, f"missing column(s): {', '.join(missing)}")])
    return names


# --------------------------------------------------------------------------------------------------
# Parsing: Socrata JSON
# --------------------------------------------------------------------------------------------------


def parse_bts_socrata(rows: list[dict] | bytes | str, *, source: str = "<socrata>") -> pd.DataFrame:
    """Parse Socrata API rows (``keg4-3bc2.json``: the decoded list, or its JSON text/bytes) into the
    ``VOLUMES_COLUMNS`` frame, exactly as :func:`parse_bts_csv` would for the same rows.

    Fields used: port_name, state, port_code, border, date (``2024-01-01T00:00:00.000``), measure,
    value (a string). Problems are reported as ``SOURCE:N`` with N the 1-based record number.
    Raises :class:`FeedError` when the payload is not a JSON array, :class:`ValidationError` for bad rows.
    """
    if isinstance(rows, (bytes, bytearray, str)):
        try:
            rows = json.loads(rows)
        except (ValueError, RecursionError) as exc:
            raise FeedError(source, f"not valid JSON: {exc}") from exc
    if not isinstance(rows, list):
        raise FeedError(source, f"expected a JSON array of rows, got {_describe_body(rows)}")
    problems = _Problems(source)
    bad = [i for i, r in enumerate(rows) if not isinstance(r, dict)]
    for i in bad:
        problems.add_one(i + 1, f"record is a {type(rows[i]).__name__}, not an object")
    if bad:
        bad_set = set(bad)
        lines = np.array([i + 1 for i in range(len(rows)) if i not in bad_set], dtype=np.int64)
        rows = [r for r in rows if isinstance(r, dict)]
    else:
        lines = np.arange(1, len(rows) + 1, dtype=np.int64)
    columns = {}
    for field, col in SOCRATA_FIELDS.items():
        vals = [r.get(field) for r in rows]
        columns[col] = [None if v is None or v == "" else str(v) for v in vals]
    cats = {c: pd.Categorical(columns[c]) for c in RAW_COLUMNS[:-1]}
    values, value_na = _values_from_text(pd.Series(columns["value"], dtype="string"), lines, problems)
    return _tidy(cats, values, value_na, lines, problems, source)


def _describe_body(body: Any) -> str:
    if isinstance(body, dict):
        msg = body.get("message") or body.get("error")
        return f"an object{f' ({msg})' if msg else ''} with keys {sorted(body)[:5]}"
    return type(body).__name__


# --------------------------------------------------------------------------------------------------
# Shared: validate, de-duplicate, build the tidy frame
# --------------------------------------------------------------------------------------------------


class _Problems:
    """Collects problems cheaply: counts all, keeps only the first MAX_PROBLEMS per check."""

    def __init__(self, source: str):
        self.source = source
        self.total = 0
        self.items: list[tuple[int, int, str]] = []  # (line, order, message)

    def add_one(self, line: int | None, message: str) -> None:
        self.total += 1
        self.items.append((line if line is not None else 0, len(self.items), message))

    def add(self, rows: np.ndarray, lines: np.ndarray, message) -> None:
        """``rows``: positions of bad rows; ``message(pos)`` builds the text for one row."""
        if len(rows) == 0:
            return
        self.total += len(rows)
        for pos in rows[:MAX_PROBLEMS]:
            self.items.append((int(lines[pos]), len(self.items), message(pos)))

    def raise_if_any(self) -> None:
        if not self.total:
            return
        kept = sorted(self.items)[:MAX_PROBLEMS]
        out = [Problem(self.source, line or None, msg) for line, _, msg in kept]
        if self.total > len(kept):
            out.append(Problem(self.source, None, f"... and {self.total - len(kept)} more problem(s)"))
        raise ValidationError(out)


def _recode(cat: pd.Categorical, fn, order: Sequence | None = None):
    """Map each *category* (not each row) through ``fn`` -> (value, None) or (None, error message).

    Returns (row codes into ``uniques``: -1 missing or blank, -2 invalid; uniques; raw category codes;
    messages by raw category code). Only the distinct values are touched, so this is cheap for 400k rows.
    """
    raw = np.asarray(cat.codes, dtype=np.int64)
    categories = list(cat.categories)
    mapped, errors = [], {}
    for i, c in enumerate(categories):
        value, err = fn(c)
        mapped.append(value)
        if err is not None:
            errors[i] = err
    uniques = list(order) if order is not None else sorted({v for v in mapped if v is not None})
    index = {u: i for i, u in enumerate(uniques)}
    codes = [index[v] if v is not None else (-2 if i in errors else -1) for i, v in enumerate(mapped)]
    lut = np.array(codes + [-1], dtype=np.int64)
    return lut[raw], uniques, raw, errors  # raw == -1 picks lut[-1] == -1


def _text(value: str) -> str:
    return " ".join(str(value).replace("\ufeff", "").split())


def _norm_port_code(c):
    c = _text(c)
    if PORT_CODE_RE.match(c):
        return c.zfill(4), None
    return None, f"port code {c!r} is not a 4-digit code"


def _norm_state(c):
    abbr = _NORM_STATES.get(_text(c).casefold())
    return (abbr, None) if abbr else (None, f"unknown state {c!r}")


def _norm_measure(c):
    m = _NORM_MEASURES.get(_text(c).casefold())
    return (m, None) if m else (None, f"unknown measure {c!r}")


def _norm_nonempty(c):
    t = _text(c)
    return (t, None) if t else (None, None)


def _sniff_date_format(categories: list[str]) -> str:
    """The format of DATE_FORMATS that reads the most distinct dates as a plausible first of a month."""
    idx = pd.Index([_text(c) for c in categories], dtype=object)
    best, best_score = DATE_FORMATS[0], -1
    for fmt in DATE_FORMATS:
        parsed = pd.to_datetime(idx, format=fmt, errors="coerce")
        ok = (parsed.day == 1) & (parsed.year >= 1900) & (parsed.year <= 2200) & (parsed == parsed.normalize())
        score = int(np.sum(np.asarray(ok, dtype=bool)))
        if score > best_score:
            best, best_score = fmt, score
        if score == len(idx):
            break
    return best


def _parse_dates(cat: pd.Categorical):
    """Row codes into sorted unique months (datetime64[ns]); messages for unparseable categories."""
    categories = [str(c) for c in cat.categories]
    fmt = _sniff_date_format(categories) if categories else DATE_FORMATS[0]
    example = pd.Timestamp("2024-01-01").strftime(fmt)
    parsed = pd.to_datetime(pd.Index([_text(c) for c in categories], dtype=object), format=fmt, errors="coerce")
    by_cat = {}
    for c, ts in zip(categories, parsed):
        if pd.isna(ts):
            by_cat[c] = (None, f"unparseable date {c!r} (expected like {example!r})")
        elif ts.day != 1 or ts != ts.normalize():
            by_cat[c] = (None, f"date {c!r} is not the first day of a month")
        elif not 1900 <= ts.year <= 2200:
            by_cat[c] = (None, f"date {c!r} is out of range")
        else:
            by_cat[c] = (ts.as_unit("ns"), None)
    return _recode(cat, lambda c: by_cat[str(c)])


def _values_from_text(text: pd.Series, lines: np.ndarray, problems: _Problems):
    """Slow path for values given as text: (int64 values, NA mask); bad ones go to ``problems``."""
    s = text.astype("string").str.strip().str.replace(",", "", regex=False)
    na = (s.isna() | (s == "")).to_numpy(dtype=bool)
    num = pd.to_numeric(s.where(~pd.Series(na, index=s.index)), errors="coerce").astype("float64").to_numpy()
    bad = np.isnan(num) & ~na
    frac = ~np.isnan(num) & (num != np.floor(num))
    raw = text.to_numpy(dtype=object)
    problems.add(np.flatnonzero(bad), lines, lambda p: f"value {raw[p]!r} is not a number")
    problems.add(np.flatnonzero(frac), lines, lambda p: f"value {raw[p]!r} is not a whole number")
    values = np.where(np.isnan(num) | frac, 0, num).astype(np.int64)
    return values, na | bad | frac


def _tidy(cats: dict[str, pd.Categorical], values: np.ndarray, value_na: np.ndarray, lines: np.ndarray,
          problems: _Problems, source: str) -> pd.DataFrame:
    n = len(values)
    # A blank line (or one of bare commas) reads as an all-missing row: skip it, it carries nothing.
    blank = value_na.copy()
    for c in cats.values():
        blank &= np.asarray(c.codes) < 0
    pc, pc_u, pc_raw, pc_err = _recode(cats["port_code"], _norm_port_code)
    nm, nm_u, _, _ = _recode(cats["port_name"], _norm_nonempty)
    st, st_u, st_raw, st_err = _recode(cats["state"], _norm_state)
    bd, bd_u, _, _ = _recode(cats["border"], _norm_nonempty)
    mo, mo_u, mo_raw, mo_err = _parse_dates(cats["date"])
    me, _, me_raw, me_err = _recode(cats["measure"], _norm_measure, order=_MEASURE_LIST)

    def check(codes, label, raw=None, errors=None):
        problems.add(np.flatnonzero((codes == -1) & ~blank), lines, lambda p: f"{label} is missing")
        if errors:
            problems.add(np.flatnonzero(codes == -2), lines, lambda p: errors[raw[p]])

    check(pc, "port code", pc_raw, pc_err)
    check(nm, "port name")
    check(st, "state", st_raw, st_err)
    check(bd, "border")
    check(mo, "date", mo_raw, mo_err)
    check(me, "measure", me_raw, me_err)
    problems.add(np.flatnonzero(~value_na & (values < 0)), lines, lambda p: f"value {values[p]} is negative")
    problems.raise_if_any()

    keep = ~blank
    # Key per row: (port code, month, measure) as one int64; order of the key = output sort order.
    key = (pc * max(len(mo_u), 1) + mo) * len(_MEASURE_LIST) + me
    key_kept = np.where(keep, key, -1 - np.arange(n))  # blank rows never collide
    dup = pd.Series(key_kept).duplicated(keep=False).to_numpy()
    conflicts: list[dict] = []
    value_na = value_na.copy()
    n_dropped = 0
    if dup.any():
        groups: dict[int, list[int]] = {}
        for pos in np.flatnonzero(dup):
            groups.setdefault(int(key[pos]), []).append(int(pos))
        for positions in groups.values():
            vals = [None if value_na[p] else int(values[p]) for p in positions]
            first = positions[0]
            keep[positions[1:]] = False
            n_dropped += len(positions) - 1
            if len(set(vals)) > 1:
                value_na[first] = True
                conflicts.append({
                    "port_code": pc_u[pc[first]],
                    "port_name": nm_u[nm[first]],
                    "month": mo_u[mo[first]],
                    "measure": _MEASURE_LIST[me[first]],
                    "values": vals,
                    "lines": [int(lines[p]) for p in positions],
                })
        if conflicts:
            logger.warning(
                "%s: %d conflicting duplicate(s) (same port code, month, measure; different values) kept "
                "as NA: %s", source, len(conflicts),
                "; ".join(f"{c['port_code']} {c['port_name']} {c['month']:%Y-%m} {c['measure']} "
                          f"values {c['values']} (lines {c['lines']})" for c in conflicts))
        logger.info("%s: dropped %d duplicate row(s)", source, n_dropped)

    rows = np.flatnonzero(keep)
    rows = rows[np.argsort(key[rows])]  # keys are unique now: any sort is stable
    if len(rows) == 0:
        out = empty_frame(VOLUMES_COLUMNS)
    else:
        def strings(uniques, codes):
            return pd.array(np.asarray(uniques, dtype=object), dtype="string").take(codes[rows])

        months = np.array(mo_u, dtype="datetime64[ns]")
        out = pd.DataFrame({
            "port_code": strings(pc_u, pc),
            "port_name": strings(nm_u, nm),
            "state": strings(st_u, st),
            "border": strings(bd_u, bd),
            "month": months[mo[rows]],
            "measure": strings(_MEASURE_LIST, me),
            "value": pd.arrays.IntegerArray(values[rows].astype(np.int64), value_na[rows].copy()),
            "unit": strings(_UNITS, me),
            "family": strings(_FAMILY, me),
        })
        out = conform(out, VOLUMES_COLUMNS, source)
    out.attrs["conflicts"] = conflicts
    out.attrs["duplicates"] = n_dropped
    return out


# --------------------------------------------------------------------------------------------------
# Network
# --------------------------------------------------------------------------------------------------


def fetch_bts(
    *,
    states: Iterable[str] | None = ("TX", "AZ", "CA"),
    border: str | None = DEFAULT_BORDER,
    start: str | None = None,
    end: str | None = None,
    settings: Settings | None = None,
    page_size: int | None = None,
) -> list[dict]:
    """Fetch BTS rows from the Socrata API (``settings.bts_url``), filtered on the server.

    ``states``: abbreviations or names (None = all); ``border``: exact border text (None = both);
    ``start``/``end``: ``"YYYY-MM"``, inclusive (None = open). Pages with ``$limit``/``$offset`` under a
    total ``$order`` (``date,port_code,measure,:id``: Socrata's paging is only stable under an order on a
    unique key) until a page comes back short. Network only: returns the raw row dicts, not parsed.
    Raises :class:`FeedError` on HTTP failure or a body that is not a JSON array; ValueError on bad args.
    """
    settings = settings or get_settings()
    page_size = settings.bts_page_size if page_size is None else page_size
    if page_size < 1:
        raise ValueError(f"page_size must be positive, got {page_size}")
    url = settings.bts_url
    params = {
        "$select": SOCRATA_SELECT,
        "$where": soql_where(states=states, border=border, start=start, end=end),
        "$order": SOCRATA_ORDER,
        "$limit": str(page_size),
    }
    if not params["$where"]:
        del params["$where"]
    rows: list[dict] = []
    offset = 0
    deadline = Deadline(settings.bts_deadline)
    seen_pages: set[str] = set()
    for page_no in range(settings.bts_max_pages):
        fetched = http_get(url, params={**params, "$offset": str(offset)}, settings=settings,
                           deadline=Deadline(max(0.0, min(settings.http_deadline, deadline.remaining()))))
        if deadline.remaining() <= 0:
            raise FeedError(url, f"BTS query not complete within {settings.bts_deadline:g} s "
                                 f"({len(rows)} rows in {page_no + 1} page(s)); stopped")
        try:
            page = json.loads(fetched.content)
        except (ValueError, RecursionError) as exc:
            raise FeedError(fetched.url, f"not valid JSON: {str(exc)[:200]}") from exc
        if not isinstance(page, list):
            raise FeedError(fetched.url, f"expected a JSON array of rows, got {_describe_body(page)}")
        if page:
            digest = hashlib.sha256(fetched.content).hexdigest()
            if digest in seen_pages:
                raise FeedError(url, f"the server sent the same page again at $offset={offset} "
                                     "(it ignores $offset); stopped instead of looping")
            seen_pages.add(digest)
        rows.extend(page)
        logger.debug("%s: %d row(s) at offset %d", url, len(page), offset)
        if len(page) < page_size:
            return rows
        offset += page_size
    raise FeedError(url, f"more than {settings.bts_max_pages} pages of {page_size} rows "
                         "(BORDERWATCH_BTS_MAX_PAGES); stopped")


def soql_where(
    *, states: Iterable[str] | None = None, border: str | None = None, start: str | None = None,
    end: str | None = None,
) -> str:
    """The SoQL ``$where`` clause for :func:`fetch_bts` ('' when nothing is filtered)."""
    parts = []
    if border:
        parts.append(f"border = {_soql_str(border)}")
    if states is not None:
        if isinstance(states, str):
            states = [states]
        names = [STATE_NAMES.get(s.strip().upper(), s.strip()) for s in states]
        if not names:
            raise ValueError("states is empty (pass None for every state)")
        parts.append(f"state IN ({', '.join(_soql_str(n) for n in names)})")
    if start:
        parts.append(f"date >= '{_month_arg(start, 'start'):%Y-%m-%dT%H:%M:%S.000}'")
    if end:
        parts.append(f"date <= '{_month_arg(end, 'end'):%Y-%m-%dT%H:%M:%S.000}'")
    return " AND ".join(parts)


def _soql_str(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def _month_arg(value: str, what: str) -> pd.Timestamp:
    m = MONTH_ARG_RE.match(str(value))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"{what} must look like 'YYYY-MM', got {value!r}")
    return pd.Timestamp(int(m.group(1)), int(m.group(2)), 1)


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------


def read_bts(path: str | os.PathLike) -> pd.DataFrame:
    """Read a saved BTS file: CSV (``.csv``, ``.csv.gz``), Socrata JSON (``.json``, ``.json.gz``) or our
    parquet snapshot (``.parquet``). Raises :class:`FeedError` / :class:`ValidationError`."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith(".parquet"):
        return read_volumes_parquet(path)
    if name.endswith((".json", ".json.gz")):
        data = read_file_capped(path, decompress=True)
        return parse_bts_socrata(data, source=str(path))
    return parse_bts_csv(path)


def write_volumes_parquet(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a volumes frame to parquet (zstd), atomically; ``attrs["conflicts"]`` goes into the schema
    metadata. Raises :class:`ValidationError` if ``df`` does not conform to ``VOLUMES_COLUMNS``."""
    path = Path(path)
    frame = conform(df, VOLUMES_COLUMNS, str(path))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    conflicts = [
        {**c, "month": pd.Timestamp(c["month"]).strftime("%Y-%m-%d")} for c in df.attrs.get("conflicts", [])
    ]
    meta = dict(table.schema.metadata or {})
    meta[PARQUET_CONFLICTS_KEY] = json.dumps(conflicts).encode()
    table = table.replace_schema_metadata(meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def read_volumes_parquet(path: str | os.PathLike) -> pd.DataFrame:
    """Read a snapshot written by :func:`write_volumes_parquet`: same dtypes, ``attrs["conflicts"]`` back.
    Raises :class:`FeedError` if unreadable, :class:`ValidationError` if the columns are not right."""
    if not os.path.isfile(path):
        read_file_capped(path)  # raises the one-line reason: missing, a folder, a device
    try:
        # one file: ParquetFile, not read_table, which builds a dataset (importing pyarrow.dataset, acero
        # and substrait: ~70 ms and ~5 MB at the first snapshot load) for the same table
        with pq.ParquetFile(path) as pf:
            table = pf.read()
    except (OSError, pa.ArrowException) as exc:
        raise FeedError(str(path), f"cannot read parquet: {exc}") from exc
    df = conform(table.to_pandas(), VOLUMES_COLUMNS, str(path))
    raw = (table.schema.metadata or {}).get(PARQUET_CONFLICTS_KEY)
    conflicts = json.loads(raw) if raw else []
    for c in conflicts:
        c["month"] = pd.Timestamp(c["month"])
    df.attrs["conflicts"] = conflicts
    return df


# --------------------------------------------------------------------------------------------------
# Filtering and aggregation (pure; called on every dashboard filter change)
# --------------------------------------------------------------------------------------------------


def _as_list(x) -> list[str]:
    return [x] if isinstance(x, str) else list(x)


def _month_bound(value) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return pd.Timestamp(ts.year, ts.month, 1)


def filter_volumes(
    df: pd.DataFrame,
    *,
    states: Iterable[str] | str | None = None,
    ports: Iterable[str] | str | None = None,
    measures: Iterable[str] | str | None = None,
    families: Iterable[str] | str | None = None,
    start=None,
    end=None,
) -> pd.DataFrame:
    """Rows of a volumes frame matching every given filter (None = no filter).

    ``states``: abbreviations or names; ``ports``: BTS port codes; ``measures``: measure names;
    ``families``: vehicles | people | freight; ``start``/``end``: months (``"2024-01"``, a date or a
    Timestamp), inclusive. Returns a new frame; ``attrs["conflicts"]`` keeps the conflicts it still covers.
    Raises ValueError for an unknown measure or family (a typo would otherwise give an empty chart).
    """
    mask = np.ones(len(df), dtype=bool)
    if states is not None:
        wanted = [_NORM_STATES.get(s.strip().casefold(), s) for s in _as_list(states)]
        mask &= df["state"].isin(wanted).to_numpy(dtype=bool, na_value=False)
    if ports is not None:
        mask &= df["port_code"].isin([str(p).strip().zfill(4) for p in _as_list(ports)]).to_numpy(
            dtype=bool, na_value=False)
    if measures is not None:
        ms = [_NORM_MEASURES.get(m.strip().casefold()) for m in _as_list(measures)]
        unknown = [m for m, n in zip(_as_list(measures), ms) if n is None]
        if unknown:
            raise ValueError(f"unknown measure(s) {unknown}; known: {_MEASURE_LIST}")
        mask &= df["measure"].isin(ms).to_numpy(dtype=bool, na_value=False)
    if families is not None:
        fams = _as_list(families)
        unknown = [f for f in fams if f not in FAMILIES]
        if unknown:
            raise ValueError(f"unknown famil(ies) {unknown}; known: {list(FAMILIES)}")
        mask &= df["family"].isin(fams).to_numpy(dtype=bool, na_value=False)
    month = df["month"].to_numpy()
    if start is not None:
        mask &= month >= _month_bound(start).to_datetime64()
    if end is not None:
        mask &= month <= _month_bound(end).to_datetime64()
    out = df[mask].reset_index(drop=True)
    out.attrs["conflicts"] = [c for c in df.attrs.get("conflicts", []) if _conflict_kept(out, c)]
    return out


def _conflict_kept(kept: pd.DataFrame, conflict: dict) -> bool:
    """Is the row that stands for ``conflict`` among the ``kept`` rows? (conflicts are few; the kept rows
    are usually far fewer than the frame's)."""
    at = (
        (kept["port_code"] == conflict["port_code"]).to_numpy(dtype=bool, na_value=False)
        & (kept["month"].to_numpy() == pd.Timestamp(conflict["month"]).to_datetime64())
        & (kept["measure"] == conflict["measure"]).to_numpy(dtype=bool, na_value=False)
    )
    return bool(at.any())


AGGREGATE_KEYS: dict[str, list[str]] = {
    "state": ["state"],
    "port": ["port_code", "state"],
    "total": [],
}


def aggregate_volumes(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Sum ``value`` per (``by`` keys, month, measure): ``by`` is "state", "port" or "total".

    Values are only ever added within one measure (measure and month are always group keys; unit and
    family follow from the measure). A group whose values are all NA stays NA (``min_count=1``);
    ``n_missing`` counts the NA values a group's sum left out, so a partial total is visible.
    Columns: the ``by`` keys (for "port" also port_name, the port's latest name), month, measure,
    value (Int64), unit, family, n_missing (int64). Raises ValueError for an unknown ``by``.
    """
    if by not in AGGREGATE_KEYS:
        raise ValueError(f"by must be one of {list(AGGREGATE_KEYS)}, got {by!r}")
    keys = AGGREGATE_KEYS[by] + ["month", "measure"]
    agg = df.groupby(keys, sort=True, observed=True, dropna=False)["value"].agg(["sum", "count", "size"])
    out = agg.index.to_frame(index=False)
    out["value"] = pd.arrays.IntegerArray(  # min_count=1: a group of only NA values stays NA
        agg["sum"].to_numpy(dtype=np.int64, na_value=0), agg["count"].to_numpy() == 0)
    out["unit"] = _lookup(out["measure"], _MEASURE_LIST, _UNITS)
    out["family"] = _lookup(out["measure"], _MEASURE_LIST, _FAMILY)
    out["n_missing"] = (agg["size"] - agg["count"]).to_numpy(dtype=np.int64)
    if by == "port":
        last = df.loc[df.groupby("port_code", observed=True)["month"].idxmax(), ["port_code", "port_name"]]
        out.insert(1, "port_name", _lookup(out["port_code"], list(last["port_code"]), list(last["port_name"])))
    return out


def _lookup(keys: pd.Series, domain: list, values) -> pd.array:
    """``values[domain.index(k)]`` for every k in ``keys``, vectorised through category codes."""
    codes = pd.Categorical(keys, categories=domain).codes
    return pd.array(np.asarray(values, dtype=object), dtype="string").take(codes, allow_fill=True)
