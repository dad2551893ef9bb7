"""Schema version table and the ordered migrations the store runs when it opens.

Why not Alembic: the store migrates itself at open, on users' machines, possibly while a collector and
several dashboards open it at once. Each migration here runs inside the store's *write* transaction (SQLite
``BEGIN IMMEDIATE``, PostgreSQL ``pg_advisory_xact_lock``), so exactly one process applies it, and because
DDL is transactional on both backends a migration and its version row commit together or not at all (a
``kill -9`` mid-migration leaves the previous version). That is a 40-line runner over a list; Alembic would
add a script directory, an ``env.py`` and a second configuration to ship inside the package for the same job.

Rules for new migrations: append ``(n + 1, description, function)``; never edit a released one; write
explicit DDL (``op`` statements or ``sa.Table(...).create``) valid on both SQLite and PostgreSQL, not
``metadata.create_all`` (metadata describes the *newest* schema).
"""
from __future__ import annotations

import time
from typing import Callable

import sqlalchemy as sa

from loaders.errors import BorderwatchError

from . import tables as t


def _v1(conn: sa.Connection) -> None:
    for table in (t.polls, t.payloads, t.readings, t.lanes):
        table.create(conn)


#: (version, description, apply(conn)), in order.
MIGRATIONS: list[tuple[int, str, Callable[[sa.Connection], None]]] = [
    (1, "readings, lanes, polls, payloads", _v1),
]
CURRENT_VERSION = MIGRATIONS[-1][0]


def current_version(conn: sa.Connection) -> int:
    """The schema version of the database (0 for an empty one)."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    v = conn.execute(sa.select(sa.func.max(t.schema_version.c.version))).scalar()
    return int(v or 0)


def migrate(conn: sa.Connection, where: str) -> list[int]:
    """Apply the missing migrations on ``conn`` (inside a write transaction). Returns the versions applied.

    Raises :class:`BorderwatchError` when the database is newer than this program."""
    t.schema_version.create(conn, checkfirst=True)
    have = current_version(conn)
    if have > CURRENT_VERSION:
        raise BorderwatchError(f"{where}: history schema version {have} is newer than this borderwatch "
                               f"(knows up to {CURRENT_VERSION}); upgrade borderwatch")
    applied = []
    for version, description, apply in MIGRATIONS:
        if version <= have:
            continue
        apply(conn)
        conn.execute(t.schema_version.insert().values(version=version, applied_at=int(time.time()),
                                                      description=description))
        applied.append(version)
    return applied
