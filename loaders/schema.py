"""Every frame's columns, declared once: name, dtype, unit, nullable, meaning.

Loaders end with :func:`conform`, which orders the columns, casts the dtypes and checks nullability,
so every consumer (CLI, dashboard, export, bench) sees exactly these frames.

Conventions: missing is ``<NA>`` (never 0); instants are timezone-aware; ``month`` is the first day of the
month (naive: a calendar month has no zone); list-valued fields are tuples in frames and ``;``-joined text
in files and CLI output.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .errors import Problem, ValidationError


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # a pandas dtype string, or "object" for tz-aware timestamps in mixed zones / tuples
    nullable: bool
    unit: str = ""
    description: str = ""


def _cols(*cols: Column) -> tuple[Column, ...]:
    return cols


UTC_TS = "datetime64[ns, UTC]"

#: CBP wait times: one row per crossing x mode x lane that the feed describes.
WAITS_COLUMNS = _cols(
    Column("port_number", "string", False, description="CBP 6-character crossing id, e.g. '250401', 'l24501'"),
    Column("border", "string", False, description="'Mexican Border' or 'Canadian Border'"),
    Column("port_name", "string", False),
    Column("crossing_name", "string", True, description="NA when the feed gives ''"),
    Column("state", "string", True, description="TX/AZ/CA/... from the crossings reference; NA if unknown"),
    Column("tz", "string", False, description="IANA zone the crossing's local times are in"),
    Column("hours", "string", True, description="posted hours as the feed writes them ('6 am-Midnight')"),
    Column("construction_notice", "string", True, description="the feed's notice text, plain (escape before markup)"),
    Column("port_status", "string", False, description="'Open' or 'Closed' (authoritative)"),
    Column("mode", "string", False, description="passenger | pedestrian | commercial"),
    Column("lane", "string", False, description="standard | sentri | ready | fast"),
    Column("operational_status", "string", True, description="raw: no delay, delay, Lanes Closed, Update Pending, N/A"),
    Column("delay_minutes", "Int64", True, "minutes", "NA unless operational_status is 'no delay' or 'delay'"),
    Column("lanes_open", "Int64", True, "lanes"),
    Column("max_lanes", "Int64", True, "lanes", "per mode; NA when the feed says N/A"),
    Column("updated_at", "object", True, description="tz-aware pd.Timestamp in the crossing's own zone"),
    Column("updated_at_utc", UTC_TS, True, description="the same instant in UTC (vectorised staleness)"),
    Column("feed_time", "object", True, description="the crossing's own date+time as the feed writes it, tz-aware "
           "local; NOT the feed instant (Arizona ports run an hour ahead in summer)"),
    Column("retrieved_at", UTC_TS, True, description="when we collected the payload (HTTP Date or capture time)"),
    Column("feed_instant", UTC_TS, True, description="the instant the payload describes: retrieved_at, else the "
           "payload's consensus clock (loaders.cbp.consensus_clock)"),
    Column("stale_reading", "boolean", False, description="True for lane readings of a Closed port: never current"),
)

#: BTS Border Crossing Entry Data: one row per port x month x measure.
VOLUMES_COLUMNS = _cols(
    Column("port_code", "string", False, description="4-digit BTS/CBP port code, e.g. '2602'"),
    Column("port_name", "string", False),
    Column("state", "string", False, description="two-letter state"),
    Column("border", "string", False),
    Column("month", "datetime64[ns]", False, description="first day of the month"),
    Column("measure", "string", False, description="one of the 12 BTS measures; never summed across"),
    Column("value", "Int64", True, "see unit"),
    Column("unit", "string", False, description="vehicles, people, containers, ..."),
    Column("family", "string", False, description="vehicles | people | freight"),
)

#: TxDOT/UNT bridge-level counts (loaders/txdot.py): one row per source crossing x month x measure.
#: A second volume source beside BTS: CBP field-office northbound counts per Texas *bridge*, where BTS
#: counts per port. Measures keep BTS's names and units where they count the same thing; never summed
#: across measures. A month the source does not list is absent (NA on a chart grid), never 0.
BRIDGE_VOLUMES_COLUMNS = _cols(
    Column("source", "string", False, description="'TxDOT/UNT'"),
    Column("source_id", "string", False, description="the source row's ID, e.g. '2023-12-EAGL-POVs'"),
    Column("source_crossing", "string", False, description="the source's crossing name"),
    Column("crossing_id", "string", False,
           description="our crossing (data/crossings.csv); for a count covering several crossings, the first"),
    Column("covers", "string", False,
           description="';'-joined crossing_ids the count covers (El Paso's BNSF and UP rail bridges together)"),
    Column("port_code", "string", False, description="BTS port code of the crossing"),
    Column("month", "datetime64[ns]", False, description="first day of the month"),
    Column("measure", "string", False, description="Personal Vehicles | Buses | Trucks | "
                                                   "Pedestrians and Bicyclists | Railcars"),
    Column("value", "Int64", True, "see unit", "northbound count as published (0 = none counted)"),
    Column("unit", "string", False, description="vehicles, buses, trucks, people, railcars"),
    Column("family", "string", False, description="vehicles | people"),
)

#: The crossings reference table (data/crossings.csv).
CROSSINGS_COLUMNS = _cols(
    Column("crossing_id", "string", False, description="stable slug, e.g. 'az-lukeville'"),
    Column("port_number", "string", True, description="CBP wait-time id where the feed has one"),
    Column("bts_port_code", "string", False),
    Column("port_name", "string", False),
    Column("crossing_name", "string", True),
    Column("state", "string", False),
    Column("lat", "float64", False, "degrees"),
    Column("lon", "float64", False, "degrees"),
    Column("tz", "string", False),
    Column("modes", "object", False, description="tuple of passenger/pedestrian/commercial/rail, from the "
                                                 "evidence in data/crossing_evidence.csv"),
    Column("kind", "string", False, description="port | rail | dam | ferry"),
    Column("in_cbp_feed", "boolean", False),
    Column("coord_source", "string", False),
    Column("coord_approximate", "boolean", False,
           description="True when no public point of its own exists (Morley Gate): drawn at a neighbour's point"),
    Column("duplicate_of", "string", True,
           description="crossing_id of the real crossing when this row is a duplicate feed entry: never drawn "
                       "or counted (NA for real crossings)"),
    Column("notes", "string", True),
)

#: The curated events registry (data/events.csv).
EVENTS_COLUMNS = _cols(
    Column("id", "string", False),
    Column("title", "string", False),
    Column("kind", "string", False),
    Column("crossings", "object", False, description="tuple of CBP port_number or crossing_id"),
    Column("state", "string", False),
    Column("modes", "object", False, description="tuple; ('all',) for every mode"),
    Column("direction", "string", False, description="northbound | southbound | both"),
    Column("start", "object", False, description="tz-aware pd.Timestamp, local to the crossings"),
    Column("end", "object", True, description="tz-aware pd.Timestamp, exclusive; NA = ongoing"),
    Column("summary", "string", False),
    Column("source_urls", "object", False, description="tuple of https URLs"),
    Column("confidence", "string", False, description="high | medium | low"),
    Column("line", "Int64", False, description="line in the events file (for error messages)"),
)

#: Status of each crossing at a time t (analysis.status.roll_up of MODE_STATUS_COLUMNS): what the map, its
#: hover, the tables, the export and ``borderwatch status`` all show.
STATUS_COLUMNS = _cols(
    Column("crossing_id", "string", True),
    Column("port_number", "string", True),
    Column("port_name", "string", False),
    Column("crossing_name", "string", True),
    Column("state", "string", True),
    Column("status", "string", False, description="open | partial | closed | unknown, judged on the selected modes"),
    Column("reason", "string", False, description="why, naming the modes, lanes and event ids behind the status"),
    Column("notes", "string", True, description="what does not change the status, e.g. 'passenger: Ready lanes closed'"),
    Column("modes_open", "object", False, description="tuple of modes judged open"),
    Column("modes_closed", "object", False, description="tuple of modes judged closed"),
    Column("modes_unknown", "object", False, description="tuple of modes without evidence at t"),
    Column("port_status", "string", True, description="the feed's port_status when the feed is current at t"),
    Column("updated_at", "object", True, description="newest reading used at t, tz-aware local; NA when none"),
    Column("age_minutes", "Int64", True, "minutes", "t minus updated_at"),
    Column("age_text", "string", True, description="'as of 2 h 32 min ago' when older than 90 minutes"),
    Column("evidence", "object", False, description="tuple of lane lines used at t ('Passenger standard: 25 min, "
           "2 lanes open'), mode by mode; empty when the feed says nothing for t"),
    Column("latest_capture", "object", True, description="the feed instant, tz-aware local (what 'no reading "
           "at this time' points to)"),
    Column("hours", "string", True, description="posted hours text (feed, else CBP port information)"),
    Column("notice", "string", True, description="construction / border notice text, plain"),
    Column("tz", "string", True),
    Column("event_ids", "object", False, description="tuple of active event ids"),
)

#: Status of each crossing x mode at a time t: the evidence the crossing status is rolled up from.
MODE_STATUS_COLUMNS = _cols(
    Column("crossing_id", "string", True),
    Column("port_number", "string", True),
    Column("port_name", "string", False),
    Column("crossing_name", "string", True),
    Column("state", "string", True),
    Column("tz", "string", False),
    Column("mode", "string", False, description="passenger | pedestrian | commercial | rail"),
    Column("status", "string", False, description="open | closed | unknown"),
    Column("reason", "string", False, description="the event, port_status or lanes behind the status"),
    Column("notes", "string", True, description="closed lane types of an open mode, restricting events"),
    Column("restricted", "boolean", False, description="an active partial-closure event restricts this mode"),
    Column("outside_hours", "boolean", False, description="a closed reading outside the posted hours"),
    Column("evidence", "object", False, description="tuple of lane lines used at t"),
    Column("as_of", "object", True, description="time of the newest evidence used, tz-aware local"),
    Column("age_minutes", "Int64", True, "minutes", "t minus as_of"),
    Column("port_status", "string", True, description="the feed's port_status when current at t"),
    Column("latest_capture", "object", True, description="the feed instant, tz-aware local"),
    Column("hours", "string", True),
    Column("notice", "string", True),
    Column("event_ids", "object", False, description="tuple of active event ids naming the crossing"),
)

#: CBP per-port "more information" (loaders.portinfo): one row per port.
PORT_INFO_COLUMNS = _cols(
    Column("port_number", "string", False),
    Column("port_name", "string", True),
    Column("crossing_name", "string", True),
    Column("hours", "string", True, description="PORT HOURS text"),
    Column("notice", "string", True, description="BORDER NOTICE text; NA for 'No border notices at this time.'"),
    Column("retrieved_at", UTC_TS, True),
)

STATUSES = ("open", "partial", "closed", "unknown")


def column_names(columns: tuple[Column, ...]) -> list[str]:
    return [c.name for c in columns]


def empty_frame(columns: tuple[Column, ...]) -> pd.DataFrame:
    """A zero-row frame with the declared columns and dtypes."""
    return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in columns})


def conform(df: pd.DataFrame, columns: tuple[Column, ...], source: str) -> pd.DataFrame:
    """Return ``df`` with exactly ``columns`` in order and dtype; raise :class:`ValidationError` listing
    every missing column and every non-nullable column with missing values (with row positions)."""
    problems: list[Problem] = []
    missing = [c.name for c in columns if c.name not in df.columns]
    if missing:
        problems.append(Problem(source, None, f"missing column(s): {', '.join(missing)}"))
        raise ValidationError(problems)
    data: dict[str, object] = {}
    for c in columns:
        s = df[c.name]
        if c.dtype != "object" and str(s.dtype) != c.dtype:
            try:
                s = s.astype(c.dtype)
            except (TypeError, ValueError) as exc:
                problems.append(Problem(source, None, f"column {c.name!r} is not {c.dtype}: {exc}"))
                continue
        if not c.nullable:
            na = s.isna()
            if bool(na.any()):
                rows = [int(i) for i in list(na[na].index[:5])]
                problems.append(
                    Problem(source, None, f"column {c.name!r} has {int(na.sum())} missing value(s) (rows {rows})")
                )
        data[c.name] = s.array
    if problems:
        raise ValidationError(problems)
    # Build the frame once from arrays: inserting column by column costs more than the parse itself.
    return pd.DataFrame(data, copy=False)
