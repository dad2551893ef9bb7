"""SQL tables of the history store (SQLAlchemy Core), identical on SQLite and PostgreSQL.

Times are stored as integer seconds since the Unix epoch (UTC): the same type, comparison and index order on
both backends, no driver time-zone conversion, and compact. ``local_dow`` (0 = Monday) and ``local_hour`` are
the source time in the crossing's own zone, computed once at insert so the weekday x hour heatmap is an
index-only GROUP BY on either backend.

Indexes, each for a query of :class:`history.store.Store`:

- ``uq_readings_key``  (port, mode, lane, measure, source_time, revision) unique: the identity of a row;
  also serves "newest reading of one lane at or before t" (as-of map, latest reading per lane);
- ``uq_readings_value`` (port, mode, lane, measure, source_time, fingerprint) unique: a value already stored
  for that source time is not stored again (re-reading a feed adds nothing);
- ``ix_readings_heatmap`` (crossing, mode, lane, measure, superseded, dow, hour, delay, source_time):
  covering index of the heatmap histogram, with an optional time window;
- ``ix_readings_time`` (source_time): range scans over all crossings (export, coverage).

``lanes`` holds one row per lane ever seen (first and last source time), so that "latest per lane" is one
indexed probe per lane instead of a scan of the whole history.
"""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: An autoincrementing 64-bit key (SQLite's rowid alias must be declared INTEGER).
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.BigInteger, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
)

polls = sa.Table(
    "polls", metadata,
    sa.Column("poll_id", BigId, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("started_at", sa.BigInteger, nullable=False),
    sa.Column("finished_at", sa.BigInteger),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("http_status", sa.Integer),
    sa.Column("payload_sha256", sa.String(64)),
    sa.Column("rows_seen", sa.Integer),
    sa.Column("rows_added", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Index("ix_polls_started", "started_at"),
)

payloads = sa.Table(
    "payloads", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("first_seen", sa.BigInteger, nullable=False),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("content_type", sa.Text),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("encoding", sa.String(16), nullable=False),  # "gzip"
    sa.Column("data", sa.LargeBinary, nullable=False),
)

readings = sa.Table(
    "readings", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("crossing_id", sa.String(64), nullable=False),
    sa.Column("port_number", sa.String(8), nullable=False),
    sa.Column("mode", sa.String(12), nullable=False),
    sa.Column("lane", sa.String(10), nullable=False),
    sa.Column("measure", sa.String(16), nullable=False),
    sa.Column("source_time", sa.BigInteger, nullable=False),
    sa.Column("revision", sa.SmallInteger, nullable=False),
    sa.Column("fingerprint", sa.BigInteger, nullable=False),
    sa.Column("superseded", sa.Boolean, nullable=False),
    sa.Column("collected_at", sa.BigInteger, nullable=False),
    sa.Column("local_dow", sa.SmallInteger, nullable=False),
    sa.Column("local_hour", sa.SmallInteger, nullable=False),
    sa.Column("operational_status", sa.String(24)),
    sa.Column("delay_minutes", sa.Integer),
    sa.Column("lanes_open", sa.Integer),
    sa.Column("port_status", sa.String(8)),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("poll_id", sa.BigInteger),
    sa.Index("uq_readings_key", "port_number", "mode", "lane", "measure", "source_time", "revision", unique=True),
    sa.Index("uq_readings_value", "port_number", "mode", "lane", "measure", "source_time", "fingerprint",
             unique=True),
    sa.Index("ix_readings_heatmap", "crossing_id", "mode", "lane", "measure", "superseded", "local_dow",
             "local_hour", "delay_minutes", "source_time"),
    sa.Index("ix_readings_time", "source_time"),
)

lanes = sa.Table(
    "lanes", metadata,
    sa.Column("port_number", sa.String(8), primary_key=True),
    sa.Column("mode", sa.String(12), primary_key=True),
    sa.Column("lane", sa.String(10), primary_key=True),
    sa.Column("measure", sa.String(16), primary_key=True),
    sa.Column("crossing_id", sa.String(64), nullable=False),
    sa.Column("first_time", sa.BigInteger, nullable=False),
    sa.Column("last_time", sa.BigInteger, nullable=False),
)
