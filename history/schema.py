"""The history frames, declared once (same :class:`loaders.schema.Column` as every other frame).

**READINGS_COLUMNS** is the contract between the store (history), the history page (histpage) and closure
analysis: one row per crossing x mode x lane x *source* update time x revision.

- ``source_time`` is CBP's own update time for the lane (``update_time`` resolved in the crossing's zone).
  A lane the feed shows without an update time (``Lanes Closed``, ``Update Pending``) takes the newest update
  time of the same crossing in the same payload, else the payload's feed time, else the collection time:
  its state is the state "as of the crossing's last update". A crossing none of whose lanes is dated in the
  payload (every lane ``Lanes Closed`` / ``Update Pending``: CBP never dates those) is still stored, at the
  feed time: it is what the feed said at that instant, and its ``port_status`` Closed (a night closure) is a
  fact of that instant the map must keep. That time does not date the flags: :func:`analysis.as_of.waits_as_of`
  hands ``Lanes Closed`` / ``Update Pending`` to the status rules without an update time, so a crossing with
  no dated lane is unknown from history exactly as from the live feed (closed only by ``port_status``).
- ``collected_at`` is when we first saw that value (poll time, or the archive's own capture time).
- ``revision`` 0 is the first value seen for (port_number, mode, lane, measure, source_time); a different
  value seen later for the same source time is kept as revision 1, 2, ... (never an overwrite). Seeing a value
  that is already stored for that source time adds nothing (so re-reading a feed or re-importing a file adds
  zero rows). A reading from a source that reports no port status (the RSS) matches the same status / delay /
  lanes open already stored from a source that does, and the RSS's "N min delay" matches the feed's
  ``no delay`` with the same minutes: overlapping archives do not duplicate readings. A value that returns
  to one already stored for that source time (A, B, A) is not stored a second time. Store queries return the
  newest revision only unless asked for all.
- ``measure`` says what a row is: ``reading`` (a lane reading of the feed, collected by us or by a third
  party's archive) or ``daily_average`` (SANDAG's published daily average wait: a different quantity, a
  distinct source, never mixed with readings unless a query asks for it by name).
- ``delay_minutes`` / ``lanes_open`` are NA unless ``operational_status`` is ``no delay`` or ``delay``: missing
  is never 0. ``N/A`` lanes (the lane type does not exist) are not stored.
- ``source`` names where the row came from (:data:`SOURCES`), ``poll_id`` the poll / import that added it
  (``history polls`` lists them: when, from where, HTTP status, file sha256).
"""
from __future__ import annotations

from loaders.schema import UTC_TS, Column, _cols

MODES = ("passenger", "pedestrian", "commercial")
LANES = ("standard", "sentri", "ready", "fast")
MEASURES = ("reading", "daily_average")

#: source labels -> what they are (shown in provenance and the quality card).
SOURCES: dict[str, str] = {
    "collector": "CBP feed polled by borderwatch collect",
    "cbp-sd-archive": "third-party archive of the CBP XML feed, San Diego ports (MidnightProject-MP/BorderWaitTimes)",
    "garitas-changelog": "third-party change log of the CBP feed, carried forward (joaqinmymind-byte/garitas)",
    "brownsville-rss": "CBP per-port RSS captures, Brownsville (EliseoCab/brownsville-wait-times)",
    "sandag-daily": "SANDAG daily average northbound waits (Socrata 5tga-nezt), not CBP readings",
    "scale-test": "SCALE TEST: real readings replayed at shifted times (bench only, not real history)",
}

READINGS_COLUMNS = _cols(
    Column("crossing_id", "string", False, description="from data/crossings.csv, e.g. 'ca-san-ysidro'"),
    Column("port_number", "string", False, description="CBP 6-character id, e.g. '250401'"),
    Column("mode", "string", False, description="passenger | pedestrian | commercial"),
    Column("lane", "string", False, description="standard | sentri | ready | fast"),
    Column("source_time", UTC_TS, False, description="CBP's update time for the lane (see module doc)"),
    Column("collected_at", UTC_TS, False, description="when this value was first collected"),
    Column("operational_status", "string", True, description="no delay | delay | Lanes Closed | Update Pending"),
    Column("delay_minutes", "Int64", True, "minutes", "NA unless no delay / delay; never 0 for missing"),
    Column("lanes_open", "Int64", True, "lanes"),
    Column("port_status", "string", True, description="'Open' | 'Closed' | NA (archive did not say)"),
    Column("source", "string", False, description="key of history.schema.SOURCES"),
    Column("revision", "Int64", False, description="0 = first value seen for this lane and source time"),
    Column("measure", "string", False, description="reading | daily_average (SANDAG); never blended"),
    Column("poll_id", "Int64", True, description="the poll or import that added the row (history polls)"),
)

#: One row per poll of the feed or import of a file.
POLLS_COLUMNS = _cols(
    Column("poll_id", "Int64", False),
    Column("kind", "string", False, description="collect | import"),
    Column("started_at", UTC_TS, False),
    Column("finished_at", UTC_TS, True),
    Column("location", "string", False, description="URL or file path polled / imported"),
    Column("http_status", "Int64", True, description="HTTP status of the answer (NA for files / no answer)"),
    Column("payload_sha256", "string", True, description="sha256 of the raw payload (kept compressed)"),
    Column("rows_seen", "Int64", True, "rows"),
    Column("rows_added", "Int64", True, "rows"),
    Column("error", "string", True, description="one line; NA when the poll succeeded"),
)

#: Readings that carry numbers.
READING_STATUSES = ("no delay", "delay")
